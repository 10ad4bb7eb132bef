"""PPO: the update over one rollout, and the collect -> update training loop.

Standard library only: this file runs in the browser's trainer worker, where
every GPU readback is awaited, so the learner and the backend are async.

The backend interface
---------------------
A backend owns the parameters, the Adam state and the uploaded rollout; the
learner only sends indices and scalars and reads back small stats, so a GPU
backend does about one readback per minibatch. Implementations:
rl/numpy_backend.py (numpy twins, CPython) and the WGSL backend. Each backend
module has `async def create_backend(model_config) -> backend`; the object has:

  async load_params(params: array('f') [P]) -> None
      Replace the parameters (layout of rl/model.py) and reset Adam (m = v = 0, t = 0).
  async get_params() -> array('f') [P]
  async get_optimizer_state() -> rl.files.container.OptimizerState
      Adam's state: m, v as array('f') [P] in flat parameter order, step = t
      (the Adam steps applied since load_params or set_optimizer_state).
  async set_optimizer_state(state: OptimizerState) -> None
      Restore Adam's m, v and t, e.g. from a .dshq autosave; call it after
      load_params (which resets them). ValueError if m or v is not [P] long or
      step is not an int >= 0. Params and this state saved after an update and
      restored into a fresh backend give the next update exactly as if training
      had gone on (the learner's minibatch order is the learner's business).
  async act(obs: array('f') [n * obs_size], n: int) -> (logits array('f') [n * A], values array('f') [n])
      Forward pass of n rows with the current parameters (rows may hold extra
      data past n * obs_size: ignore it). Sampling happens in Python
      (rl/rollout.py), with the seeded RNG, identically for every backend.
  async set_rollout(rollout: rl.rollout.Rollout) -> None
      Upload a whole rollout: flat time-major buffers (index t * E + e) obs 'f'
      [T*E*obs_size], actions 'i' [T*E], logprobs, values, rewards,
      next_values, dones, valid 'f' [T*E]; ints num_steps (T), num_envs (E).
  async compute_advantages(gamma: float, gae_lambda: float) -> None
      advantages = GAE(rewards, values, next_values, dones) and
      returns = advantages + values, kept on the backend (rl.reference.gae).
  async train_minibatch(indices: array('i') [B], lr: float, config: PPOConfig) -> dict
      One gradient step on the rollout rows `indices`: advantages normalised
      over the minibatch if config.norm_adv, forward, PPO loss, backward,
      global-norm clip to config.max_grad_norm, Adam with `lr`. Returns floats
      policy_loss, value_loss, entropy, approx_kl, old_approx_kl, clipfrac,
      grad_norm (before clipping) and finite: bool. If any of them is NaN/inf,
      finite is False and parameters and Adam state (t included) are unchanged.
  async explained_variance() -> float
      1 - Var(returns - values) / Var(returns) over valid rows (NaN if Var = 0).
"""

import importlib
import math
import random
import time
from array import array

from rl.config import PPOConfig
from rl.model import ModelConfig, init_params
from rl.policy import Policy
from rl.rollout import Rollout, RolloutCollector

BACKENDS = {"numpy": "rl.numpy_backend", "gpu": "rl.wgsl.backend"}


async def create_backend(name: str, model_config: ModelConfig):
    """Import the backend module lazily (numpy only loads when asked for)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: choose one of {sorted(BACKENDS)}")
    return await importlib.import_module(BACKENDS[name]).create_backend(model_config)


def annealed_learning_rate(config: PPOConfig, update: int, num_updates: int) -> float:
    """lr_k = learning_rate * (1 - k / num_updates) for update k = 0, 1, ... (CleanRL); constant if not anneal_lr."""
    if not config.anneal_lr:
        return config.learning_rate
    return config.learning_rate * (1.0 - update / num_updates)


def _finite_or_none(x: float):
    return x if math.isfinite(x) else None


class PPOLearner:
    """The PPO update: `update_epochs` shuffled passes of `num_minibatches` steps over a rollout."""

    def __init__(self, backend, config: PPOConfig):
        self.backend = backend
        self.config = config
        self.rng = random.Random(f"{config.seed}:minibatches")
        self.skipped_updates = 0  # minibatches dropped for a NaN/inf loss or gradient

    async def update(self, rollout: Rollout, learning_rate: float) -> dict:
        """Learn from one rollout; returns CleanRL's losses/* metrics and skipped_updates.

        Losses are the last finite minibatch's, clipfrac the mean over finite
        minibatches (as CleanRL logs them). Each epoch reshuffles the valid
        rows and splits them into num_minibatches near-equal parts; after an
        epoch, training stops early if approx_kl > target_kl.
        """
        config = self.config
        await self.backend.set_rollout(rollout)
        await self.backend.compute_advantages(config.gamma, config.gae_lambda)
        rows = list(rollout.valid_indices())
        last, clipfracs = None, []
        for _ in range(config.update_epochs):
            rows.sort(key=lambda _: self.rng.random())  # a uniform random permutation
            for k in range(config.num_minibatches):
                minibatch = rows[k * len(rows) // config.num_minibatches : (k + 1) * len(rows) // config.num_minibatches]
                if not minibatch:
                    continue
                stats = await self.backend.train_minibatch(array("i", minibatch), learning_rate, config)
                if not stats["finite"]:
                    self.skipped_updates += 1
                    continue
                last = stats
                clipfracs.append(stats["clipfrac"])
            if config.target_kl is not None and last is not None and last["approx_kl"] > config.target_kl:
                break
        metrics = {f"losses/{name}": None if last is None else last[name]
                   for name in ("policy_loss", "value_loss", "entropy", "old_approx_kl", "approx_kl")}
        metrics["losses/clipfrac"] = sum(clipfracs) / len(clipfracs) if clipfracs else None
        metrics["losses/explained_variance"] = _finite_or_none(await self.backend.explained_variance())
        metrics["skipped_updates"] = self.skipped_updates
        return metrics


async def train_async(envs, config: PPOConfig, total_steps: int, backend="numpy",
                      model_config: ModelConfig | None = None, log=None):
    """Collect and update for total_steps // batch_size updates; returns (Policy, history).

    `backend` is a name in BACKENDS or a backend object. Each history entry
    (also passed to `log`) has global_step, update, charts/* and losses/*;
    charts/episodic_return and charts/episodic_length are means over the
    episodes that ended during that rollout (None if none did).
    """
    if envs.num_envs != config.num_envs:
        raise ValueError(f"PPOConfig.num_envs is {config.num_envs} but the env has num_envs={envs.num_envs}")
    num_updates = total_steps // config.batch_size
    if num_updates < 1:
        raise ValueError(f"total_steps={total_steps} is less than one batch (batch_size={config.batch_size})")
    env_model = ModelConfig(math.prod(envs.single_observation_space.shape), int(envs.single_action_space.n))
    model_config = model_config or env_model
    if (model_config.obs_size, model_config.num_actions) != (env_model.obs_size, env_model.num_actions):
        raise ValueError(f"model_config has obs_size={model_config.obs_size}, num_actions={model_config.num_actions}"
                         f" but the env has {env_model.obs_size}, {env_model.num_actions}")
    if isinstance(backend, str):
        backend = await create_backend(backend, model_config)
    await backend.load_params(init_params(model_config, config.seed))
    collector = RolloutCollector(envs, config.num_steps, config.seed)
    learner = PPOLearner(backend, config)
    history, start = [], time.perf_counter()
    for update in range(num_updates):
        learning_rate = annealed_learning_rate(config, update, num_updates)
        rollout = await collector.collect(backend.act)
        metrics = await learner.update(rollout, learning_rate)
        global_step = (update + 1) * config.batch_size
        returns, lengths = rollout.episode_returns, rollout.episode_lengths
        history.append({
            "global_step": global_step,
            "update": update + 1,
            "charts/episodic_return": sum(returns) / len(returns) if returns else None,
            "charts/episodic_length": sum(lengths) / len(lengths) if lengths else None,
            "charts/SPS": int(global_step / (time.perf_counter() - start)),
            "charts/learning_rate": learning_rate,
            **metrics,
        })
        if log is not None:
            log(history[-1])
    return Policy(await backend.get_params(), model_config), history
