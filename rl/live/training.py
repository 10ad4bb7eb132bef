"""Live training: what the browser's workers run around rl.loop, host-agnostic.

    rollout workers (N)                                 trainer (1): rl.loop.LearnerLoop with
      collect a Rollout with the latest weights   ─┐      RingSource   take `segments_per_update`
      put it in the rollout ring                   ├─▶                  segments and merge them
      pick up new weights from the weights board ◀─┘      BoardPublisher   publish the new weights

Everything is plain async Python over the adapters of rl/live/shared_buffer.py,
so CPython tests run it with threads over a bytearray exactly as the browser
runs it in module workers over a SharedArrayBuffer (workers/trainer.py,
workers/rollout.py are thin wrappers).
"""

import asyncio
import dataclasses
from array import array
from dataclasses import dataclass

from rl.live.rollout_ring import RingStopped
from rl.loop import Collected
from rl.rollout import Rollout, RolloutCollector, merge_rollouts


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


class RingSource:
    """The rollout source of the browser's trainer: `segments_per_update` ring segments, merged.

    Its figures: charts/win_rate (the learner's wins / decided episodes against
    every opponent since the start), policy_lag (how many versions the oldest
    segment's weights were behind the newest published ones) and the ring's
    counters.
    """

    def __init__(self, ring, board, config: LiveTrainingConfig, is_paused=lambda: False):
        self.ring, self.board, self.config = ring, board, config
        self.is_paused = is_paused            # polled while waiting for segments: Stop ends the wait
        self.pending = []                     # segments taken from the ring, not yet learned from
        self.outcomes = [0, 0, 0]             # wins, draws, losses of the learner (all opponents)

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

    async def collect(self, loop) -> Collected | None:
        segments = await self.next_segments()
        if segments is None:
            return None
        for _, info in segments:
            self.outcomes = [self.outcomes[0] + info["wins"], self.outcomes[1] + info["draws"],
                             self.outcomes[2] + info["losses"]]
        decided = self.outcomes[0] + self.outcomes[2]
        return Collected(merge_rollouts([rollout for rollout, _ in segments]), {
            "charts/win_rate": self.outcomes[0] / decided if decided else None,
            "policy_lag": self.board.version - min(info["policy_version"] for _, info in segments),
            "ring": self.ring.stats(),
        })

    def close(self) -> None:
        pass


class BoardPublisher:
    """The sink that puts each update's weights on the weights board, unless it went wrong.

    Non-finite losses or gradients: the backend skips such a minibatch (counted
    in skipped_updates); an update in which every minibatch was skipped
    publishes nothing, and after `rollback_after` of those in a row the loop's
    backend gets the last published (good) weights back and the learning rate
    is halved. Adds policy_version (the board's, after this update) and
    rollbacks to the entry.
    """

    def __init__(self, board, config: LiveTrainingConfig):
        self.board, self.config = board, config
        self.last_good_params = None          # what was last published
        self.failed_updates = 0               # consecutive updates with no finite minibatch
        self.rollbacks = 0

    def publish(self, params: array, train_step: int) -> int:
        self.last_good_params = params
        return self.board.publish(params, train_step)

    async def __call__(self, loop, entry: dict) -> None:
        if entry["losses/policy_loss"] is None:    # every minibatch was non-finite
            self.failed_updates += 1
            if self.failed_updates >= self.config.rollback_after:
                await self.roll_back(loop)
                entry["charts/learning_rate"] = loop.learning_rate()   # the rate from now on
            version = self.board.version
        else:
            self.failed_updates = 0
            version = self.publish(loop.params, loop.global_step)
        entry.update({"policy_version": version, "rollbacks": self.rollbacks})

    async def roll_back(self, loop) -> None:
        """Last good weights back in (Adam state reset) and half the learning rate."""
        await loop.backend.load_params(self.last_good_params)
        loop.params = self.last_good_params
        loop.config = dataclasses.replace(loop.config, learning_rate=loop.config.learning_rate / 2)
        self.failed_updates = 0
        self.rollbacks += 1


async def rollout_worker_loop(env, make_actor, board, ring, producer: int, num_steps: int, seed: int,
                              max_segments: int | None = None) -> int:
    """Collect segments forever (or `max_segments`), acting with the newest published weights.

    `make_actor(params)` gives what acts with them (awaited): an rl.policy.Policy
    on a software adapter, the GPU backend loaded with them on a real GPU.

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
                actor = await make_actor(params)
                if hasattr(env, "offer_snapshot"):
                    env.offer_snapshot(version, params)
            if version == 0:   # nothing published yet: wait for the trainer's first weights
                board.wait_for_version(0, timeout_s=0.1)
                await asyncio.sleep(0)
                continue
            rollout = await collector.collect(actor)
            episodes = env.pop_episodes() if hasattr(env, "pop_episodes") else []
            outcomes = tuple(sum(1 for e in episodes if e["outcome"] == kind) for kind in ("win", "draw", "loss"))
            ring.put(rollout, producer, version, outcomes)
            written += 1
            await asyncio.sleep(0)
        except RingStopped:
            return written
    return written
