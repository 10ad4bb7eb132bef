"""PPO's update over one rollout (standard library only).

It runs in the browser's trainer worker too, where every GPU readback is
awaited, so the learner and its backend (rl/backend.py) are async. The loop
around it is rl/loop.py.
"""

import math
import random
from array import array

from rl.config import PPOConfig
from rl.rollout import Rollout
from rl.shuffle import BACKEND_DRAW_MIN_ROWS, ShuffledMinibatches, drawn_on_backend


def annealed_learning_rate(config: PPOConfig, update: int, num_updates: int | None, global_step: int) -> float:
    """The learning rate of update k = 0, 1, ..., which starts at env step `global_step`:

        progress = min(1, global_step / anneal_steps)    with anneal_steps > 0
                 = k / num_updates                       else, in a run of num_updates (CleanRL)
        lr       = learning_rate * (1 - (1 - lr_floor) * progress)

    With lr_floor 0 the second line is CleanRL's lr_k = learning_rate * (1 - k / num_updates), bit for bit.
    Constant learning_rate if not anneal_lr, or with anneal_steps 0 in a run with no planned end."""
    if not config.anneal_lr:
        return config.learning_rate
    if config.anneal_steps > 0:
        progress = min(1.0, global_step / config.anneal_steps)
    elif num_updates is not None:
        progress = update / num_updates
    else:
        return config.learning_rate
    return config.learning_rate * (1.0 - (1.0 - config.lr_floor) * progress)


def _finite_or_none(x: float):
    return x if math.isfinite(x) else None


class PPOLearner:
    """The PPO update: `update_epochs` shuffled passes of `num_minibatches` steps over a rollout."""

    def __init__(self, backend, config: PPOConfig, backend_draw_min_rows: int = BACKEND_DRAW_MIN_ROWS):
        self.backend = backend
        self.config = config
        self.backend_draw_min_rows = backend_draw_min_rows  # a rollout on the backend this large is drawn there
        self.rng = random.Random(f"{config.seed}:minibatches")
        self.skipped_updates = 0  # minibatches dropped for a NaN/inf loss or gradient

    async def update(self, rollout: Rollout, learning_rate: float) -> dict:
        """Learn from one rollout; returns CleanRL's losses/* metrics and skipped_updates.

        Losses are the last finite minibatch's, clipfrac the mean over finite
        minibatches (as CleanRL logs them). Each epoch reshuffles the valid
        rows and splits them into num_minibatches near-equal parts: on the
        host, or, for a large rollout already on the backend, by the backend
        from one key per epoch (rl/shuffle.py). After an epoch, training stops
        early if approx_kl > target_kl. The backend gets every epoch's
        minibatches in one call (one GPU submission), or one call per epoch
        when target_kl needs an epoch's stats before the next.
        """
        config = self.config
        await self.backend.set_rollout(rollout)
        await self.backend.compute_advantages(config.gamma, config.gae_lambda)
        on_backend = drawn_on_backend(rollout, self.backend_draw_min_rows)
        rows = None if on_backend else list(rollout.valid_indices())
        last, clipfracs = None, []
        epochs_per_call = 1 if config.target_kl is not None else config.update_epochs
        for _ in range(0, config.update_epochs, epochs_per_call):
            if on_backend:  # the rows are all valid and on the backend: it draws their order (rl/shuffle.py)
                keys = tuple(self.rng.getrandbits(32) for _ in range(epochs_per_call))
                plan = ShuffledMinibatches(rollout.num_steps * rollout.num_envs, keys, config.num_minibatches)
                results = await self.backend.train_shuffled(plan, learning_rate, config)
            else:
                minibatches = []
                for _ in range(epochs_per_call):
                    rows.sort(key=lambda _: self.rng.random())  # a uniform random permutation
                    for k in range(config.num_minibatches):
                        minibatch = rows[k * len(rows) // config.num_minibatches : (k + 1) * len(rows) // config.num_minibatches]
                        if minibatch:
                            minibatches.append(array("i", minibatch))
                results = await self.backend.train_minibatches(minibatches, learning_rate, config)
            for stats in results:
                if not stats["finite"]:
                    self.skipped_updates += 1
                    continue
                last = stats
                clipfracs.append(stats["clipfrac"])
            if config.target_kl is not None and last is not None and last["approx_kl"] > config.target_kl:
                break
        metrics = {f"losses/{name}": None if last is None else last[name]
                   for name in ("policy_loss", "value_loss", "entropy", "old_approx_kl", "approx_kl")}
        metrics["losses/clipfrac"] = sum(clipfracs) / len(clipfracs) if clipfracs else None
        metrics["losses/explained_variance"] = _finite_or_none(await self.backend.explained_variance())
        metrics["skipped_updates"] = self.skipped_updates
        return metrics
