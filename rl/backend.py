"""The learner backend: one interface, two implementations (standard library only).

A backend owns the parameters, Adam's state and the uploaded rollout; the
learner (rl/ppo.py) only sends indices and scalars and reads back small stats,
so a GPU backend does about one readback per minibatch. Implementations, both
checked against `Backend` in tests/test_interfaces.py:

    "numpy"  rl/numpy_backend.NumpyBackend   numpy twins of the kernels (CPython only)
    "gpu"    rl/wgsl/backend.GPUBackend      the WGSL kernels through gpu/ (both hosts)

Each module has `async def create_backend(model_config) -> backend`. All
methods are async because a GPU readback is awaited in the browser.
"""

import importlib
from array import array
from typing import Protocol, runtime_checkable

from rl.model import ModelConfig
from rl.optimizer_state import OptimizerState

BACKENDS = {"numpy": "rl.numpy_backend", "gpu": "rl.wgsl.backend"}


@runtime_checkable
class Backend(Protocol):
    async def load_params(self, params: array) -> None:
        """Replace the parameters [P] (layout of rl/model.py) and reset Adam (m = v = 0, t = 0)."""

    async def get_params(self) -> array:
        """The parameters, array('f') [P]."""

    async def get_optimizer_state(self) -> OptimizerState:
        """Adam's m, v [P] in flat parameter order and t (steps since load_params or set_optimizer_state)."""

    async def set_optimizer_state(self, state: OptimizerState) -> None:
        """Restore Adam's m, v and t after load_params (which resets them); ValueError if m or v is not
        [P] long or step is not an int >= 0. Params and this state saved after an update and restored
        into a fresh backend give the next update exactly as if training had gone on."""

    async def forward(self, obs: array, n: int) -> tuple[array, array]:
        """rl.policy.Policy.forward with the current parameters: obs [n*obs_size] (rows past n
        ignored) -> logits array('f') [n*A], values array('f') [n]."""

    async def set_rollout(self, rollout) -> None:
        """Upload a whole rl.rollout.Rollout (flat time-major buffers, index t * E + e)."""

    async def compute_advantages(self, gamma: float, gae_lambda: float) -> None:
        """advantages = GAE(rewards, values, next_values, dones), returns = advantages + values,
        kept on the backend (rl.reference.gae)."""

    async def train_minibatch(self, indices: array, lr: float, config) -> dict:
        """One gradient step on the rollout rows `indices` ('i' [B]): advantages normalised over the
        minibatch if config.norm_adv, forward, PPO loss, backward, global-norm clip to
        config.max_grad_norm, Adam with `lr`. Returns floats policy_loss, value_loss, entropy,
        approx_kl, old_approx_kl, clipfrac, grad_norm (before clipping) and finite: bool. If any is
        NaN/inf, finite is False and parameters and Adam state (t included) are unchanged."""

    async def train_minibatches(self, minibatches: list, lr: float, config) -> list[dict]:
        """train_minibatch on each index array of `minibatches` in order, with the same `lr` and config;
        their stats in order. The GPU backend records them all in one submission with one readback."""

    async def train_shuffled(self, plan, lr: float, config) -> list[dict]:
        """train_minibatches on the minibatches of `plan` (rl.shuffle.ShuffledMinibatches: every epoch a
        keyed permutation of all the rollout's rows, drawn by the backend itself), for a rollout whose rows
        are all valid; ValueError if the plan's rows are not the rollout's."""

    async def explained_variance(self) -> float:
        """1 - Var(returns - values) / Var(returns) over valid rows (NaN if Var = 0)."""


async def create_backend(name: str, model_config: ModelConfig) -> Backend:
    """The named backend, its module imported lazily (numpy only loads when asked for)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: choose one of {sorted(BACKENDS)}")
    return await importlib.import_module(BACKENDS[name]).create_backend(model_config)
