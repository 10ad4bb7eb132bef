"""Self-play rollout sources for rl.loop (CPython): soccer matches in this process or in K worker processes.

Both add the learner's params to the opponent pool every `snapshot_every`
updates (the initial params are the first snapshot), and report
selfplay/win_rate_vs_<opponent> over the training episodes that ended in the
rollout and were decided. Collection is synchronous: every rollout is on-policy.
"""

import asyncio
import multiprocessing
import signal
from array import array

from rl.loop import Collected
from rl.model import ModelConfig
from rl.numpy_backend import NumpyBackend, NumpyMLP
from rl.rollout import RolloutCollector, merge_rollouts
from rl.soccer.selfplay import SelfPlayConfig, SelfPlayEnv, selfplay_win_rates, snapshot_due
from rl.config import PPOConfig
from sim import SoccerConfig

WORKER_SEED_STRIDE = 1_000_003  # worker k's envs and action sampling are seeded with seed + k * stride


class SelfPlaySource:
    """Matches in this process, acting through the learner's backend (--workers 1)."""

    def __init__(self, ppo: PPOConfig, selfplay: SelfPlayConfig, match: SoccerConfig, model_config: ModelConfig,
                 params: array):
        self.selfplay = selfplay
        self.envs = SelfPlayEnv(ppo.num_envs, ppo.seed, selfplay, match, model_config, mlp=NumpyMLP)
        self.envs.add_snapshot(0, params)
        self.collector = RolloutCollector(self.envs, ppo.num_steps, ppo.seed)

    async def collect(self, loop) -> Collected:
        if snapshot_due(loop, self.selfplay):
            self.envs.add_snapshot(loop.updates, loop.params)
        rollout = await self.collector.collect(loop.backend)
        return Collected(rollout, selfplay_win_rates(self.envs.pop_episodes()))

    def close(self) -> None:
        pass


def collection_worker(connection, worker: int, num_envs: int, ppo: PPOConfig, selfplay: SelfPlayConfig,
                      match: SoccerConfig, model_config: ModelConfig, params: array) -> None:
    """A rollout process: receives (params, new snapshots), sends back (Rollout, finished episodes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    seed = ppo.seed + worker * WORKER_SEED_STRIDE
    backend = NumpyBackend(model_config)
    envs = SelfPlayEnv(num_envs, seed, selfplay, match, model_config, mlp=NumpyMLP)
    envs.add_snapshot(0, params)
    collector = RolloutCollector(envs, ppo.num_steps, seed)
    loop = asyncio.new_event_loop()
    while (message := connection.recv()) is not None:
        params, snapshots = message
        loop.run_until_complete(backend.load_params(params))
        for version, snapshot in snapshots:
            envs.add_snapshot(version, snapshot)
        rollout = loop.run_until_complete(collector.collect(backend))
        connection.send((rollout, envs.pop_episodes()))


class WorkerProcessSource:
    """Matches in K processes (--workers K), num_envs / K each, acting with numpy on a copy of the params;
    their rollouts are merged env-wise into one."""

    def __init__(self, workers: int, ppo: PPOConfig, selfplay: SelfPlayConfig, match: SoccerConfig,
                 model_config: ModelConfig, params: array):
        self.selfplay = selfplay
        context = multiprocessing.get_context("spawn")
        self.connections, self.processes = [], []
        for worker in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=collection_worker, daemon=True, name=f"rollout-{worker}",
                                      args=(theirs, worker, ppo.num_envs // workers, ppo, selfplay, match,
                                            model_config, params))
            process.start()
            self.connections.append(ours)
            self.processes.append(process)

    async def collect(self, loop) -> Collected:
        snapshots = [(loop.updates, loop.params)] if snapshot_due(loop, self.selfplay) else []
        for connection in self.connections:
            connection.send((loop.params, snapshots))
        rollouts, episodes = [], []
        for connection, process in zip(self.connections, self.processes):
            try:
                rollout, worker_episodes = connection.recv()
            except EOFError:
                raise RuntimeError(f"rollout worker {process.name} died (exit code {process.exitcode})") from None
            rollouts.append(rollout)
            episodes.extend(worker_episodes)
        return Collected(merge_rollouts(rollouts), selfplay_win_rates(episodes))

    def close(self) -> None:
        for connection in self.connections:
            try:
                connection.send(None)
            except OSError:
                pass
        for process in self.processes:  # idle workers exit at once; busy ones (Ctrl-C) are terminated
            process.join(timeout=1)
            if process.is_alive():
                process.terminate()
