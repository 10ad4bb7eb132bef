"""The learner: PPO over an actor-critic MLP, the same code in the browser and CPython.

    from rl import PPOConfig, train
    policy, history = train(envs, PPOConfig(num_envs=envs.num_envs), total_steps=100_000)
    actions = policy.act(obs_batch)   # greedy by default

Importing `rl` never imports numpy (the browser has none); the numpy backend
is loaded only when `backend="numpy"` is asked for.

Where things are (docs/architecture.md): the PPO core here (config, model,
policy, rollout, ppo, loop, sources, backend, reference, numpy_backend),
rl/wgsl (the WGSL backend), rl/live (shared-memory training for the browser),
rl/files (.dshq agent files), rl/soccer (self-play, evaluation, the training
command). rl/train.py and rl/evaluate.py are only the `python -m` entry points;
nothing imports them, since importing a submodule sets the package attribute
of its name and `import rl.train` would hide the function `rl.train` below.
"""

import asyncio
import math

from rl.backend import create_backend
from rl.config import PPOConfig
from rl.loop import LearnerLoop
from rl.model import ModelConfig, init_params
from rl.policy import Policy
from rl.sources import VectorEnvSource

__all__ = ["ModelConfig", "PPOConfig", "Policy", "default_model_config", "train"]


def default_model_config(envs) -> ModelConfig:
    """train()'s network for a vector env: separate actor and critic MLPs (CleanRL's agent), 128x128 tanh.

    Separate networks, because with a shared trunk the value loss swamps the policy's features and
    CartPole-v1 never reaches 475 in 500k steps with CleanRL's defaults; 128 wide, because that reached
    475 sooner than CleanRL's 64 (docs/learner.md, "Why train() lagged CleanRL")."""
    return ModelConfig(math.prod(envs.single_observation_space.shape), int(envs.single_action_space.n),
                       hidden_sizes=(128, 128), layout="separate")


def train(envs, config: PPOConfig, total_steps: int, backend="numpy", model_config: ModelConfig | None = None,
          log=None) -> tuple[Policy, list[dict]]:
    """Train on a Gymnasium-style vector env (CPython); returns (policy, per-update metrics history).

    See train_async for the arguments; `log`, if given, is called with every
    history entry as it is produced.
    """
    return asyncio.run(train_async(envs, config, total_steps, backend, model_config, log))


async def train_async(envs, config: PPOConfig, total_steps: int, backend="numpy",
                      model_config: ModelConfig | None = None, log=None) -> tuple[Policy, list[dict]]:
    """total_steps // batch_size updates of rl.loop's learner loop over `envs`; returns (Policy, history).

    `backend` is a name in rl.backend.BACKENDS or a backend object; `model_config` defaults to
    default_model_config(envs). Each history
    entry (also passed to `log`) has global_step, update, charts/* and losses/*.
    """
    if envs.num_envs != config.num_envs:
        raise ValueError(f"PPOConfig.num_envs is {config.num_envs} but the env has num_envs={envs.num_envs}")
    num_updates = total_steps // config.batch_size
    if num_updates < 1:
        raise ValueError(f"total_steps={total_steps} is less than one batch (batch_size={config.batch_size})")
    env_model = default_model_config(envs)
    model_config = model_config or env_model
    if (model_config.obs_size, model_config.num_actions) != (env_model.obs_size, env_model.num_actions):
        raise ValueError(f"model_config has obs_size={model_config.obs_size}, num_actions={model_config.num_actions}"
                         f" but the env has {env_model.obs_size}, {env_model.num_actions}")
    if isinstance(backend, str):
        backend = await create_backend(backend, model_config)
    params = init_params(model_config, config.seed)
    await backend.load_params(params)

    async def log_entry(loop, entry: dict) -> None:
        log(entry)

    sinks = [] if log is None else [log_entry]
    loop = LearnerLoop(backend, config, VectorEnvSource(envs, config.num_steps, config.seed), sinks, params,
                       num_updates=num_updates)
    history = await loop.run()
    return Policy(loop.params, model_config), history
