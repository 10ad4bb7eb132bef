"""The learner: PPO over an actor-critic MLP, the same code in the browser and CPython.

    from rl import PPOConfig, train
    policy, history = train(envs, PPOConfig(num_envs=envs.num_envs), total_steps=100_000)
    actions = policy.act(obs_batch)   # greedy by default

Importing `rl` never imports numpy (the browser has none); the numpy backend
is loaded only when `backend="numpy"` is asked for.

The module rl/train.py is the `python -m rl.train` command and nothing
imports it: importing a submodule sets the package attribute of its name, so
`import rl.train` would replace the function `rl.train` below with the module.
"""

import asyncio

from rl.config import PPOConfig
from rl.model import ModelConfig
from rl.policy import Policy
from rl.ppo import train_async

__all__ = ["ModelConfig", "PPOConfig", "Policy", "train"]


def train(envs, config: PPOConfig, total_steps: int, backend="numpy", model_config: ModelConfig | None = None,
          log=None) -> tuple[Policy, list[dict]]:
    """Train on a Gymnasium-style vector env (CPython); returns (policy, per-update metrics history).

    See rl.ppo.train_async for the arguments; `log`, if given, is called with
    every history entry as it is produced. The browser awaits train_async (or
    drives RolloutCollector and PPOLearner itself) instead of calling this.
    """
    return asyncio.run(train_async(envs, config, total_steps, backend, model_config, log))
