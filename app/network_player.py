"""Show-match players driven by network weights, and the hot-swap blend window.

A player answers `act(obs) -> int` (app/show_match.py asks at each decision)
and `probabilities(obs) -> [30 floats]` (what `act` takes the argmax of; the
page's `window.dshq.action_probabilities`). Pure Python, tested in CPython.

    NetworkPlayer     p = softmax(logits(obs)), act = argmax p   (greedy)

    BlendingPlayer    hot-swap from `old` to new weights over a window of W
                      decisions: at the k-th decision after the swap (k = 1..W)
                          w_k = k / W
                          p   = (1 - w_k) * p_old + w_k * p_new,  act = argmax p
                      from decision W on it plays exactly like the new weights
                      (and lets go of `old`). `old` is the player that was on
                      the pitch, itself possibly still blending.
"""

import math

from rl.policy import Policy


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    weights = [math.exp(value - top) for value in logits]
    total = sum(weights)
    return [weight / total for weight in weights]


def argmax(values: list[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


class NetworkPlayer:
    """Greedy play with one set of weights."""

    def __init__(self, policy: Policy):
        self.policy = policy

    def probabilities(self, obs) -> list[float]:
        logits, _ = self.policy.forward(obs, 1)
        return softmax(logits.tolist())

    def act(self, obs) -> int:
        return self.policy.act(obs, 1)[0]      # argmax of the logits = argmax of their softmax


class BlendingPlayer(NetworkPlayer):
    """New weights phased in over `window` decisions (module docstring)."""

    def __init__(self, old: NetworkPlayer, policy: Policy, window: int):
        if not (isinstance(window, int) and window >= 1):
            raise ValueError(f"the blend window must be a whole number of decisions >= 1, got {window!r}")
        super().__init__(policy)
        self.old, self.window, self.decisions = old, window, 0

    def weight(self) -> float:
        """w of the next decision."""
        return min(1.0, (self.decisions + 1) / self.window)

    def probabilities(self, obs) -> list[float]:
        new = super().probabilities(obs)
        if self.old is None:
            return new
        w = self.weight()
        return [(1.0 - w) * p_old + w * p_new for p_old, p_new in zip(self.old.probabilities(obs), new)]

    def act(self, obs) -> int:
        action = argmax(self.probabilities(obs))
        self.advance()
        return action

    def advance(self) -> None:
        """One decision was taken."""
        self.decisions += 1
        if isinstance(self.old, BlendingPlayer):
            self.old.advance()                 # an old blending player moves along its own window too
        if self.weight() == 1.0:
            self.old = None
