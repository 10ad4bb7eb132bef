"""The learner loop, the same in every host: collect -> update -> sinks (standard library only).

    loop = LearnerLoop(backend, config, source, sinks, params, num_updates=N)
    history = await loop.run()          # rl.train(), python -m rl.train
    entry = await loop.step()           # the browser's trainer worker, between its own messages

One update, as CleanRL's ppo.py does it:

  1. collect  `source.collect(loop)` returns the next rollout, acting with the
              loop's current policy (`loop.backend` in this process, or copies
              of `loop.params` elsewhere), and the source's own figures.
  2. update   rl.ppo.PPOLearner.update at this update's learning rate:
              lr_k = learning_rate * (1 - k / num_updates) with anneal_lr and a
              known num_updates (CleanRL), or with anneal_steps over that many
              env steps to a floor and held there (usable by a run with no
              planned end), else the constant learning_rate (the page's live
              run); rl.ppo.annealed_learning_rate.
  3. sinks    each sink sees the loop (params, global_step, ...) and the update's
              log entry, and may add to the entry: a metrics log, a checkpoint
              file, the weights board.

Rollout sources: rl.sources.VectorEnvSource (a vector env in this process),
rl.soccer.rollout_sources (self-play in this process or in worker processes),
rl.live.training.RingSource (the shared-memory ring the browser's rollout
workers fill). A new engine is one more source.
"""

import time
from dataclasses import dataclass, field
from typing import Protocol

from rl.config import PPOConfig
from rl.ppo import PPOLearner, annealed_learning_rate
from rl.rollout import Rollout


def thread_cpu_seconds() -> float | None:
    """This thread's CPU seconds (time.thread_time), or None where the host has no such clock (Pyodide)."""
    return time.thread_time() if hasattr(time, "thread_time") else None


@dataclass
class Collected:
    """One rollout and the source's own figures for this update's log entry."""

    rollout: Rollout
    metrics: dict = field(default_factory=dict)


class RolloutSource(Protocol):
    async def collect(self, loop: "LearnerLoop") -> Collected | None:
        """The next rollout with the loop's current policy; None if the source was paused first."""

    def close(self) -> None:
        """Release processes or buffers; the loop calls it when `run` ends."""


class Sink(Protocol):
    async def __call__(self, loop: "LearnerLoop", entry: dict) -> None:
        """Take the update that just ended (it may add keys to `entry`)."""


class LearnerLoop:
    """PPO on `backend` (already loaded with `params`), fed by `source`, reporting to `sinks`.

    After every update `params`, `updates` and `global_step` describe it, so a
    sink (or Ctrl-C) can save it at any moment. `return_window` > 0 makes
    charts/episodic_return the mean of that many latest episodes instead of
    this rollout's.
    """

    def __init__(self, backend, config: PPOConfig, source: RolloutSource, sinks=(), params=None,
                 num_updates: int | None = None, global_step: int = 0, return_window: int = 0):
        self.backend, self.source, self.sinks = backend, source, list(sinks)
        self.learner = PPOLearner(backend, config)
        self.params = params
        self.num_updates = num_updates
        self.updates = 0
        self.global_step = self.start_step = global_step
        self.return_window = return_window
        self.recent_returns = []
        self.started = time.perf_counter()

    @property
    def config(self) -> PPOConfig:
        return self.learner.config

    @config.setter
    def config(self, config: PPOConfig) -> None:
        """New hyperparameters from the next update on."""
        self.learner.config = config

    def replace_backend(self, backend) -> None:
        """Go on with another backend (a re-acquired GPU device): same loop state."""
        self.backend = self.learner.backend = backend

    def learning_rate(self) -> float:
        return annealed_learning_rate(self.config, self.updates, self.num_updates, self.global_step)

    async def step(self) -> dict | None:
        """One update: collect, update, sinks. Returns its log entry (None if the source was paused)."""
        learning_rate = self.learning_rate()
        started, started_cpu = time.perf_counter(), thread_cpu_seconds()
        collected = await self.source.collect(self)
        if collected is None:
            return None
        collected_at = time.perf_counter()
        rollout = collected.rollout
        losses = await self.learner.update(rollout, learning_rate)
        self.params = await self.backend.get_params()
        self.updates += 1
        self.global_step += rollout.num_steps * rollout.num_envs
        seconds = {"perf/collect_seconds": collected_at - started,
                   "perf/update_seconds": time.perf_counter() - collected_at}
        if started_cpu is not None:
            seconds["perf/host_cpu_seconds"] = thread_cpu_seconds() - started_cpu
        entry = self.metrics(rollout, learning_rate, losses, {**seconds, **collected.metrics})
        for sink in self.sinks:
            await sink(self, entry)
        return entry

    async def run(self) -> list[dict]:
        """Update until num_updates are done; returns every log entry."""
        history = []
        try:
            while self.updates < self.num_updates:
                entry = await self.step()
                if entry is not None:
                    history.append(entry)
        finally:
            self.source.close()
        return history

    def metrics(self, rollout: Rollout, learning_rate: float, losses: dict, source_metrics: dict) -> dict:
        """The log entry, with CleanRL's names: global_step, charts/* and losses/*, then the source's.

        charts/episodic_return, charts/episodic_length: means over the episodes that ended in this
        rollout (or the latest return_window returns), None if none did; charts/SPS: env steps per
        second since the loop started. The source's metrics follow, with perf/collect_seconds and
        perf/update_seconds: this update's wall time collecting the rollout, and updating (with the
        weights' readback); and, where the host has per-thread CPU clocks (CPython, not Pyodide),
        perf/host_cpu_seconds: the CPU time of this loop's thread over both (Python and driver calls,
        not the GPU's work nor other processes'). With the GPU engine that is the host's share of
        an update, whatever the adapter (bench/bench_train.py turns it into a host ceiling)."""
        returns, lengths = rollout.episode_returns, rollout.episode_lengths
        if self.return_window:
            self.recent_returns = (self.recent_returns + returns)[-self.return_window:]
            returns = self.recent_returns
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return {
            "global_step": self.global_step,
            "update": self.updates,
            "charts/episodic_return": sum(returns) / len(returns) if returns else None,
            "charts/episodic_length": sum(lengths) / len(lengths) if lengths else None,
            "charts/SPS": int((self.global_step - self.start_step) / elapsed),
            "charts/learning_rate": learning_rate,
            **losses,
            **source_metrics,
        }
