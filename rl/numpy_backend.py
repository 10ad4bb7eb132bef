"""The learner backend on numpy (CPython only): the GPU backend's reference.

Implements rl.backend.Backend (docs/learner.md)
by composing the kernel twins of rl/reference.py, in float32 like the GPU.
All methods are `async` to match the GPU backend; here they never wait.
"""

from array import array

import numpy as np

from rl import reference as ref
from rl.optimizer_state import OptimizerState
from rl.model import ModelConfig, chains, num_params, param_layout


def unflatten(params, config: ModelConfig) -> dict:
    """Views of the flat vector as named tensors (no copy).    [P] -> {name: array}"""
    return {s.name: params[s.offset : s.offset + s.size].reshape(s.shape) for s in param_layout(config)}


def forward(params, config: ModelConfig, obs) -> tuple[list, np.ndarray]:
    """Every chain's activations [x, h_1, ..., h_K, y] and out = [y of each chain]  [B, A+1].

    obs [B, obs_size]; y is the chain's last layer (no activation): [B, A+1] for the shared
    head, [B, A] for the actor and [B, 1] for the critic (rl/model.py).
    """
    tensors = unflatten(params, config)
    activations = []
    for chain in chains(config):
        acts = [obs]
        for k, (name, _, _) in enumerate(chain):
            z = ref.linear_forward(acts[-1], tensors[f"{name}.weight"], tensors[f"{name}.bias"])
            acts.append(z if k == len(chain) - 1 else ref.activation_forward(z, config.activation))
        activations.append(acts)
    outs = [acts[-1] for acts in activations]
    return activations, outs[0] if len(outs) == 1 else np.concatenate(outs, axis=1)


def loss_and_grad(params, config: ModelConfig, ppo, obs, actions, old_logprobs, old_values, advantages, returns):
    """Minibatch PPO loss stats and d loss / d params, flat like params.    [P] -> (dict, [P])

    obs [B, obs_size]; actions, old_logprobs, old_values, advantages, returns [B].
    Advantages are normalised here when ppo.norm_adv.
    """
    if ppo.norm_adv:
        advantages = ref.normalize_advantages(advantages)
    activations, out = forward(params, config, obs)
    logits, values = ref.split_head(out, config.num_actions)
    stats, dlogits, dvalues = ref.ppo_loss(logits, values, actions, old_logprobs, old_values, advantages, returns,
                                           ppo.clip_coef, ppo.clip_vloss, ppo.ent_coef, ppo.vf_coef)
    grad = np.zeros_like(params)
    grads, tensors = unflatten(grad, config), unflatten(params, config)
    dout = ref.fuse_head_grad(dlogits, dvalues)  # [B, A+1]
    column = 0
    for chain, acts in zip(chains(config), activations):
        dy = dout[:, column : column + chain[-1][2]]  # this chain's columns of out
        column += chain[-1][2]
        for k in reversed(range(len(chain))):
            name = chain[k][0]
            if k < len(chain) - 1:
                dy = ref.activation_backward(dy, acts[k + 1], config.activation)
            dx, grads[f"{name}.weight"][...], grads[f"{name}.bias"][...] = ref.linear_backward(
                dy, acts[k], tensors[f"{name}.weight"])
            dy = dx
    return stats, grad


class NumpyMLP:
    """rl.policy.Policy's forward pass on numpy: Policy(params, model_config, mlp=NumpyMLP)."""

    def __init__(self, params, model_config: ModelConfig, copy: bool = True):
        self.weights = np.frombuffer(params, np.float32)
        if copy:
            self.weights = self.weights.copy()
        self.model_config = model_config

    def __call__(self, x: array, n: int) -> tuple[array, array]:
        """x [n*obs_size] (rows past n ignored) -> logits [n*A], values [n]."""
        config = self.model_config
        obs = np.frombuffer(x, np.float32, count=n * config.obs_size).reshape(n, config.obs_size)
        logits, values = ref.split_head(forward(self.weights, config, obs)[1], config.num_actions)
        return array("f", logits.tobytes()), array("f", values.tobytes())


class NumpyBackend:
    def __init__(self, model_config: ModelConfig):
        self.model_config = model_config
        self.params = np.zeros(num_params(model_config), np.float32)
        self.adam_m = np.zeros_like(self.params)
        self.adam_v = np.zeros_like(self.params)
        self.adam_step = 0

    async def load_params(self, params: array) -> None:
        self.params[:] = np.frombuffer(params, np.float32)
        self.adam_m[:] = 0
        self.adam_v[:] = 0
        self.adam_step = 0

    async def get_params(self) -> array:
        return array("f", self.params.tobytes())

    async def get_optimizer_state(self) -> OptimizerState:
        return OptimizerState(array("f", self.adam_m.tobytes()), array("f", self.adam_v.tobytes()), self.adam_step)

    async def set_optimizer_state(self, state: OptimizerState) -> None:
        state.check(len(self.params))
        self.adam_m[:] = np.frombuffer(array("f", state.m), np.float32)
        self.adam_v[:] = np.frombuffer(array("f", state.v), np.float32)
        self.adam_step = state.step

    async def forward(self, obs: array, n: int) -> tuple[array, array]:
        return NumpyMLP(self.params, self.model_config, copy=False)(obs, n)

    async def set_rollout(self, rollout) -> None:
        def flat(a):
            return np.frombuffer(a, np.float32).copy()

        self.obs = flat(rollout.obs).reshape(-1, self.model_config.obs_size)
        self.actions = np.frombuffer(rollout.actions, np.int32).astype(np.intp)
        self.logprobs, self.values, self.valid = flat(rollout.logprobs), flat(rollout.values), flat(rollout.valid)
        shape = (rollout.num_steps, rollout.num_envs)
        self.rewards, self.next_values, self.dones = (flat(a).reshape(shape) for a in
                                                      (rollout.rewards, rollout.next_values, rollout.dones))

    async def compute_advantages(self, gamma: float, gae_lambda: float) -> None:
        values = self.values.reshape(self.rewards.shape)
        advantages = ref.gae(self.rewards, values, self.next_values, self.dones, np.float32(gamma), np.float32(gae_lambda))
        self.advantages = advantages.reshape(-1)
        self.returns = ref.returns_from_advantages(advantages, values).reshape(-1)

    async def train_minibatches(self, minibatches: list, lr: float, config) -> list[dict]:
        return [await self.train_minibatch(indices, lr, config) for indices in minibatches]

    async def train_shuffled(self, plan, lr: float, config) -> list[dict]:
        """The plan's minibatches drawn by the twin of the GPU's shuffle (rl.reference.shuffled_rows)."""
        if plan.rows != len(self.valid) or not self.valid.all():
            raise ValueError(f"the plan shuffles all of {plan.rows} rows, the rollout has {len(self.valid)} "
                             f"of which {int(self.valid.sum())} valid")
        order = np.concatenate([ref.shuffled_rows(plan.rows, key) for key in plan.keys])
        return await self.train_minibatches([array("i", order[start:start + rows].tobytes())
                                             for start, rows in plan.bounds()], lr, config)

    async def train_minibatch(self, indices: array, lr: float, config) -> dict:
        i = np.frombuffer(indices, np.int32).astype(np.intp)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # NaN/inf is caught below
            stats, grad = loss_and_grad(self.params, self.model_config, config, self.obs[i], self.actions[i],
                                        self.logprobs[i], self.values[i], self.advantages[i], self.returns[i])
            grad, grad_norm = ref.clip_by_global_norm(grad, config.max_grad_norm)
            logratio = stats["logratio"]
            out = dict(policy_loss=float(stats["policy_loss"]), value_loss=float(stats["value_loss"]),
                       entropy=float(stats["entropy"]), approx_kl=float(ref.approx_kl(logratio)),
                       old_approx_kl=float(ref.old_approx_kl(logratio)),
                       clipfrac=float(ref.clipfrac(logratio, config.clip_coef)), grad_norm=float(grad_norm))
        out["finite"] = bool(np.isfinite(list(out.values())).all())
        if out["finite"]:  # a NaN/inf minibatch leaves params and Adam state untouched
            self.adam_step += 1
            self.params[:], self.adam_m[:], self.adam_v[:] = ref.adam(
                self.params, grad, self.adam_m, self.adam_v, self.adam_step, lr)
        return out

    async def explained_variance(self) -> float:
        valid = self.valid > 0
        return float(ref.explained_variance(self.values[valid], self.returns[valid]))


async def create_backend(model_config: ModelConfig) -> NumpyBackend:
    return NumpyBackend(model_config)
