"""One yardstick for both sides of a learner race: every episode's return, in env-step order.

    envs = EpisodeLog(gym.vector.SyncVectorEnv(...))   # records (global_step, return) as episodes end
    steps_to_threshold(envs.episodes, 475.0)           # first step where the rolling mean reaches 475
    figures = train_ours("CartPole-v1", PPOConfig(seed=1), model_config, 500_000, threshold=475.0)

`global_step` counts env steps as CleanRL's ppo.py does (num_envs per vector
step, the count after the step), so an episode logged here and one parsed from
CleanRL's `global_step=..., episodic_return=...` lines sit on the same axis.
Both sides use SAME_STEP auto-reset (CleanRL's gymnasium 0.29 rule), so every
counted step is a real transition.
"""

import asyncio
import time

import gymnasium as gym
import numpy as np

from rl.backend import create_backend
from rl.config import PPOConfig
from rl.loop import LearnerLoop
from rl.model import ModelConfig, init_params
from rl.sources import VectorEnvSource

WINDOW = 20  # episodes in the rolling mean (CleanRL's benchmark convention)


class EpisodeLog:
    """A Gymnasium vector env that records (global_step, episodic return) for every episode that ends.

    Everything but reset and step is the wrapped env's.
    """

    def __init__(self, envs):
        self.envs = envs
        self.episodes = []  # (global_step, return), in step order
        self.global_step = 0
        self.running = np.zeros(envs.num_envs)

    def __getattr__(self, name):
        return getattr(self.envs, name)

    def reset(self, **kwargs):
        self.running[:] = 0
        return self.envs.reset(**kwargs)

    def step(self, actions):
        obs, rewards, terminations, truncations, infos = self.envs.step(actions)
        self.global_step += self.envs.num_envs
        self.running += rewards
        for i in np.flatnonzero(terminations | truncations):
            self.episodes.append((self.global_step, float(self.running[i])))
            self.running[i] = 0
        return obs, rewards, terminations, truncations, infos


def steps_to_threshold(episodes, threshold: float, window: int = WINDOW) -> int | None:
    """First global_step at which the mean of the `window` latest episode returns is >= threshold (None: never).

    episodes: (global_step, return) in step order; no mean exists before `window` episodes have ended.
    """
    if len(episodes) < window:
        return None
    means = np.convolve([r for _, r in episodes], np.ones(window) / window, "valid")  # means[i] ends at i + window - 1
    hits = np.flatnonzero(means >= threshold - 1e-9)
    return episodes[hits[0] + window - 1][0] if len(hits) else None


def make_envs(env_id: str, num_envs: int, wrap=None) -> EpisodeLog:
    """num_envs SAME_STEP copies of env_id, logged; `wrap(log)` may wrap the log (e.g. scale rewards)."""
    log = EpisodeLog(gym.vector.SyncVectorEnv([lambda: gym.make(env_id)] * num_envs,
                                               autoreset_mode=gym.vector.AutoresetMode.SAME_STEP))
    return log if wrap is None else wrap(log)


def train_ours(envs, config: PPOConfig, model_config: ModelConfig, total_steps: int, threshold: float,
               max_steps: int | None = None, backend: str = "numpy") -> dict:
    """rl.train's run (same init, seeds, loop and annealing over total_steps), stopped as soon as the rolling
    mean of the log's episodes reaches threshold, or at max_steps. Returns steps_to_threshold, steps, sps."""
    log = envs if isinstance(envs, EpisodeLog) else envs.log

    async def run() -> dict:
        learner = await create_backend(backend, model_config)
        params = init_params(model_config, config.seed)
        await learner.load_params(params)
        loop = LearnerLoop(learner, config, VectorEnvSource(envs, config.num_steps, config.seed), params=params,
                           num_updates=total_steps // config.batch_size)
        start = time.perf_counter()
        while loop.updates < loop.num_updates and loop.global_step < (max_steps or total_steps):
            await loop.step()
            if steps_to_threshold(log.episodes, threshold) is not None:
                break
        wall = time.perf_counter() - start
        return {"steps_to_threshold": steps_to_threshold(log.episodes, threshold), "steps": loop.global_step,
                "sps": loop.global_step / wall}

    return asyncio.run(run())
