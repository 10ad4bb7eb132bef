"""The rollout source for any Gymnasium-style vector env in this process (standard library only)."""

from rl.loop import Collected
from rl.rollout import RolloutCollector


class VectorEnvSource:
    """num_steps decisions in each of the env's num_envs envs, acting through the learner's backend
    (or through a fixed `actor`, e.g. an rl.policy.Policy, when one is given)."""

    def __init__(self, envs, num_steps: int, seed: int, actor=None):
        self.envs = envs
        self.actor = actor
        self.collector = RolloutCollector(envs, num_steps, seed)

    async def collect(self, loop) -> Collected:
        return Collected(await self.collector.collect(self.actor or loop.backend))

    def close(self) -> None:
        pass
