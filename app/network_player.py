"""Show-match players driven by network weights, and the hot-swap blend window.

A player answers `decide(obs) -> Decision` (app/show_match.py asks at each
decision: one forward gives the action, the probabilities and the value the
overlays draw), `act(obs) -> int` (the decision's action) and
`probabilities(obs) -> [30 floats]` (the page's
`window.dshq.action_probabilities`). Pure Python, tested in CPython.

    NetworkPlayer     p = softmax(logits(obs)), V = value(obs), act = argmax p   (greedy)

    BlendingPlayer    hot-swap from `old` to new weights over a window of W
                      decisions: at the k-th decision after the swap (k = 1..W)
                          w_k = k / W
                          p   = (1 - w_k) * p_old + w_k * p_new,  act = argmax p
                          V   = (1 - w_k) * V_old + w_k * V_new
                      from decision W on it plays exactly like the new weights
                      (and lets go of `old`). `old` is the player that was on
                      the pitch, itself possibly still blending.
"""

import math
from dataclasses import dataclass

from rl.policy import Policy

DEFAULT_GAMMA = 0.99    # the discount of a player whose run's PPO config is not known


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    weights = [math.exp(value - top) for value in logits]
    total = sum(weights)
    return [weight / total for weight in weights]


def argmax(values: list[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


@dataclass(eq=False)
class Decision:
    """One decision of a network player, from one forward of its policy (equal only to itself)."""
    observation: list[float]
    probabilities: list[float]  # the distribution it acted on (30, sums to 1)
    value: float                # V(observation)
    action: int                 # argmax of `probabilities`
    reward: float = 0.0         # summed over the ticks the action was held (app/show_match.py adds it)
    acted: bool = True          # False for a what-if: what it would do here, not what it did


class NetworkPlayer:
    """Greedy play with one set of weights; `gamma` is the discount its values were trained with."""

    def __init__(self, policy: Policy, gamma: float = DEFAULT_GAMMA):
        self.policy, self.gamma = policy, gamma

    def evaluate(self, obs) -> tuple[list[float], float]:
        """(softmax(logits), value) of one observation: one forward."""
        logits, values = self.policy.forward(obs, 1)
        return softmax(logits.tolist()), values[0]

    def probabilities(self, obs) -> list[float]:
        return self.evaluate(obs)[0]

    def decide(self, obs) -> Decision:
        probabilities, value = self.evaluate(obs)
        return Decision(list(obs), probabilities, value, argmax(probabilities))

    def act(self, obs) -> int:
        return self.decide(obs).action

    def what_if(self, obs) -> Decision:
        """The decision it would take on `obs`, without taking it (a blend window does not move)."""
        probabilities, value = self.evaluate(obs)
        return Decision(list(obs), probabilities, value, argmax(probabilities), acted=False)


class BlendingPlayer(NetworkPlayer):
    """New weights phased in over `window` decisions (module docstring)."""

    def __init__(self, old: NetworkPlayer, policy: Policy, window: int, gamma: float = DEFAULT_GAMMA):
        if not (isinstance(window, int) and window >= 1):
            raise ValueError(f"the blend window must be a whole number of decisions >= 1, got {window!r}")
        super().__init__(policy, gamma)
        self.old, self.window, self.decisions = old, window, 0

    def weight(self) -> float:
        """w of the next decision."""
        return min(1.0, (self.decisions + 1) / self.window)

    def evaluate(self, obs) -> tuple[list[float], float]:
        new, value_new = super().evaluate(obs)
        if self.old is None:
            return new, value_new
        w = self.weight()
        old, value_old = self.old.evaluate(obs)
        return [(1.0 - w) * p_old + w * p_new for p_old, p_new in zip(old, new)], (1.0 - w) * value_old + w * value_new

    def decide(self, obs) -> Decision:
        decision = super().decide(obs)
        self.advance()
        return decision

    def advance(self) -> None:
        """One decision was taken."""
        self.decisions += 1
        if isinstance(self.old, BlendingPlayer):
            self.old.advance()                 # an old blending player moves along its own window too
        if self.weight() == 1.0:
            self.old = None
