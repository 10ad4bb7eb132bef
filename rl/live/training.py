"""Live training: the loops the browser's workers run, host-agnostic.

    rollout workers (N)                                 trainer (1)
      collect a Rollout with the latest weights   ─┐
      put it in the rollout ring                   ├─▶ take `segments_per_update` segments,
      pick up new weights from the weights board ◀─┘   merge, PPO update, publish weights

Both loops are plain async Python over the adapters of rl/live/layout.py, so CPython
tests run them with threads over a bytearray exactly as the browser runs them
in module workers over a SharedArrayBuffer (workers/trainer.py,
workers/rollout.py are thin wrappers).
"""

import asyncio
import dataclasses
import time
from array import array
from dataclasses import dataclass

from rl.policy import Policy
from rl.ppo import PPOLearner
from rl.rollout import Rollout, RolloutCollector
from rl.live.rollout_ring import RingStopped


@dataclass
class LiveTrainingConfig:
    segments_per_update: int = 2
    """Ring segments merged into the batch of one PPO update."""
    poll_seconds: float = 0.05
    """How long the trainer blocks on the ring before yielding to its event loop."""
    telemetry_seconds: float = 0.5
    """Minimum time between two telemetry reports (the page shows them at 1-2 Hz)."""
    rollback_after: int = 3
    """Consecutive updates whose every minibatch was non-finite before the trainer rolls back to
    the last good weights and halves the learning rate."""

    def __post_init__(self):
        for name in ("segments_per_update", "rollback_after"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {getattr(self, name)!r}")
        for name in ("poll_seconds", "telemetry_seconds"):
            if not (isinstance(getattr(self, name), (int, float)) and getattr(self, name) > 0):
                raise ValueError(f"{name} must be a number > 0, got {getattr(self, name)!r}")


def merge_rollouts(rollouts: list[Rollout]) -> Rollout:
    """Concatenate rollouts of equal length T along the env axis.

    Time-major layout: row (t, e) of the merge is row (t, e - offset_k) of
    rollout k, where offset_k = E_0 + ... + E_{k-1}; obs rows likewise.
    """
    if len(rollouts) == 1:
        return rollouts[0]
    num_steps = rollouts[0].num_steps
    if any(r.num_steps != num_steps for r in rollouts):
        raise ValueError(f"cannot merge rollouts of different lengths {[r.num_steps for r in rollouts]}")
    obs_size = len(rollouts[0].obs) // (num_steps * rollouts[0].num_envs)
    merged = Rollout(num_steps, sum(r.num_envs for r in rollouts), array("f"), array("i"),
                     *(array("f") for _ in range(6)))
    for t in range(num_steps):
        for r in rollouts:
            e = r.num_envs
            merged.obs.extend(r.obs[t * e * obs_size:(t + 1) * e * obs_size])
            for name in ("actions", "logprobs", "values", "rewards", "next_values", "dones", "valid"):
                getattr(merged, name).extend(getattr(r, name)[t * e:(t + 1) * e])
    for r in rollouts:
        merged.episode_returns.extend(r.episode_returns)
        merged.episode_lengths.extend(r.episode_lengths)
    return merged


class Trainer:
    """Consumes ring segments, runs PPO updates on its backend, publishes weights.

    Non-finite losses or gradients: the backend skips such a minibatch (counted
    in skipped_updates); an update in which every minibatch was skipped
    publishes nothing, and after `rollback_after` of those in a row the trainer
    reloads the last published (good) weights and halves the learning rate.
    """

    def __init__(self, backend, ppo_config, board, ring, config: LiveTrainingConfig | None = None,
                 train_step: int = 0, is_paused=lambda: False):
        self.backend, self.ppo_config, self.board, self.ring = backend, ppo_config, board, ring
        self.is_paused = is_paused            # polled while waiting for segments: Stop ends the wait
        self.pending = []                     # segments taken from the ring, not yet learned from
        self.config = config or LiveTrainingConfig()
        self.learner = PPOLearner(backend, ppo_config)
        self.train_step = train_step          # env steps learned from
        self.updates = 0
        self.outcomes = [0, 0, 0]             # wins, draws, losses of the learner (all opponents)
        self.episode_returns = []
        self.started = time.perf_counter()
        self.steps_at_start = train_step
        self.last_good_params = None          # what was last published
        self.failed_updates = 0               # consecutive updates with no finite minibatch
        self.rollbacks = 0

    async def publish(self) -> int:
        self.last_good_params = await self.backend.get_params()
        return self.board.publish(self.last_good_params, self.train_step)

    def replace_backend(self, backend) -> None:
        """Continue on another backend (a re-acquired GPU device) with the same learner state."""
        self.backend = self.learner.backend = backend

    async def roll_back(self) -> None:
        """Last good weights back in (Adam state reset) and half the learning rate."""
        await self.backend.load_params(self.last_good_params)
        self.ppo_config = dataclasses.replace(self.ppo_config, learning_rate=self.ppo_config.learning_rate / 2)
        self.learner.config = self.ppo_config
        self.failed_updates = 0
        self.rollbacks += 1

    async def next_segments(self) -> list[tuple[Rollout, dict]] | None:
        """Block (politely: yielding to the event loop) until an update's worth arrived;
        None if training was paused meanwhile (what arrived stays pending)."""
        count = self.config.segments_per_update
        while len(self.pending) < count:
            if self.is_paused():
                return None
            segment = self.ring.get(timeout_s=self.config.poll_seconds)
            if segment is None:
                await asyncio.sleep(0)
            else:
                self.pending.append(segment)
        segments, self.pending = self.pending[:count], self.pending[count:]
        return segments

    async def update(self) -> dict | None:
        """One PPO update on the next segments; publishes the new weights; returns metrics
        (None when paused before an update's worth of segments arrived)."""
        segments = await self.next_segments()
        if segments is None:
            return None
        rollout = merge_rollouts([rollout for rollout, _ in segments])
        metrics = await self.learner.update(rollout, self.ppo_config.learning_rate)
        self.train_step += sum(int(sum(r.valid)) for r, _ in segments)
        self.updates += 1
        for _, info in segments:
            self.outcomes = [self.outcomes[0] + info["wins"], self.outcomes[1] + info["draws"],
                             self.outcomes[2] + info["losses"]]
        self.episode_returns = (self.episode_returns + rollout.episode_returns)[-200:]
        if metrics["losses/policy_loss"] is None:    # every minibatch was non-finite
            self.failed_updates += 1
            if self.failed_updates >= self.config.rollback_after:
                await self.roll_back()
            version = self.board.version
        else:
            self.failed_updates = 0
            version = await self.publish()
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        decided = self.outcomes[0] + self.outcomes[2]
        return {
            "policy_version": version, "updates": self.updates, "train_steps": self.train_step,
            "charts/SPS": (self.train_step - self.steps_at_start) / elapsed,
            "charts/episodic_return": (sum(self.episode_returns) / len(self.episode_returns)
                                       if self.episode_returns else None),
            "charts/win_rate": self.outcomes[0] / decided if decided else None,
            "policy_lag": version - 1 - min(info["policy_version"] for _, info in segments),
            "ring": self.ring.stats(), "rollbacks": self.rollbacks,
            "charts/learning_rate": self.ppo_config.learning_rate, **metrics,
        }


class PythonActor:
    """The acting half of the backend interface (`load_params`, `act`) in pure Python.

    A rollout worker's alternative to a GPU `act`: on a software rasteriser a
    WebGPU round trip per step costs far more than the MLP itself (measured:
    bench/bench_live.py), so workers there act with rl.policy's forward pass.
    """

    def __init__(self, model_config):
        self.model_config = model_config
        self.policy = None

    async def load_params(self, params: array) -> None:
        self.policy = Policy(params, self.model_config)

    async def act(self, obs: array, n: int) -> tuple[array, array]:
        logits, values = self.policy.forward(obs[: n * self.model_config.obs_size])
        return array("f", (x for row in logits for x in row)), array("f", values)


async def rollout_worker_loop(env, backend, board, ring, producer: int, num_steps: int, seed: int,
                              max_segments: int | None = None) -> int:
    """Collect segments forever (or `max_segments`), acting with the newest published weights.

    Self-play envs (rl.soccer.selfplay) are offered every version read, for their
    opponent pool (`env.offer_snapshot` keeps one every snapshot_every).
    Pauses while the ring's RUN flag is 0; returns when the ring is stopped.
    Returns the number of segments written.
    """
    collector = RolloutCollector(env, num_steps, seed)
    version, written = 0, 0
    while max_segments is None or written < max_segments:
        try:
            if not ring.wait_until_running(timeout_s=0.1):
                await asyncio.sleep(0)
                continue
            newer = board.read_if_newer(version)
            if newer is not None:
                version, _, params = newer
                await backend.load_params(params)
                if hasattr(env, "offer_snapshot"):
                    env.offer_snapshot(version, params)
            if version == 0:   # nothing published yet: wait for the trainer's first weights
                board.wait_for_version(0, timeout_s=0.1)
                await asyncio.sleep(0)
                continue
            rollout = await collector.collect(backend.act)
            episodes = env.pop_episodes() if hasattr(env, "pop_episodes") else []
            outcomes = tuple(sum(1 for e in episodes if e["outcome"] == kind) for kind in ("win", "draw", "loss"))
            ring.put(rollout, producer, version, outcomes)
            written += 1
            await asyncio.sleep(0)
        except RingStopped:
            return written
    return written
