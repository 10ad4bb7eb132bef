"""Deterministic 2D 1v1 soccer ("Ball Drill"): physics, env API, baselines.

Standard library only; the same code runs in CPython and in Pyodide and gives
bit-identical results. See docs/sim.md.
"""
from .actions import NUM_ACTIONS, decode_action, encode_action
from .baselines import RandomPolicy, ScriptedPolicy, random_action, scripted_action
from .batch import EnvBatch
from .config import SoccerConfig
from .env import AGENTS, SoccerEnv
from .observation import OBSERVATION_SIZE
from .rng import SplitMix64

__all__ = [
    "AGENTS", "EnvBatch", "NUM_ACTIONS", "OBSERVATION_SIZE", "RandomPolicy", "ScriptedPolicy", "SoccerConfig",
    "SoccerEnv", "SplitMix64", "decode_action", "encode_action", "random_action", "scripted_action",
]
