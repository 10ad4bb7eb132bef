"""PettingZoo ParallelEnv adapter for SoccerEnv (CPython only; the browser never imports it).

    from sim.pettingzoo_native import SoccerParallelEnv
    env = SoccerParallelEnv(SoccerConfig(...), seed=0)

Adds what PettingZoo tooling expects on top of SoccerEnv: Gymnasium spaces per
agent, `agents` as a list that empties when the episode ends, `render_mode`.
Observations are float32 numpy arrays.
"""
import functools

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from .config import SoccerConfig
from .env import AGENTS, SoccerEnv


class SoccerParallelEnv(ParallelEnv):
    metadata = SoccerEnv.metadata
    possible_agents = list(AGENTS)

    def __init__(self, config: SoccerConfig | None = None, seed: int = 0):
        self.env = SoccerEnv(config, seed=seed)
        self.render_mode = None
        self.agents = []

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent: str) -> spaces.Box:
        SoccerEnv._agent(agent)
        return spaces.Box(-np.inf, np.inf, shape=(self.env.observation_size,), dtype=np.float32)

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent: str) -> spaces.Discrete:
        SoccerEnv._agent(agent)
        return spaces.Discrete(self.env.num_actions)

    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, infos = self.env.reset(seed=seed, options=options)
        self.agents = list(AGENTS)
        return self._arrays(obs), infos

    def step(self, actions: dict):
        obs, rewards, terminations, truncations, infos = self.env.step(actions)
        if any(terminations.values()) or any(truncations.values()):
            self.agents = []
        return self._arrays(obs), rewards, terminations, truncations, infos

    @staticmethod
    def _arrays(obs: dict) -> dict:
        return {agent: np.asarray(values, dtype=np.float32) for agent, values in obs.items()}
