"""The learner backend on WebGPU: PPO's forward, loss, backward and Adam as WGSL kernels.

Implements rl.backend.Backend with the same semantics as
rl/numpy_backend.py, in both hosts (wgpu-py in CPython, navigator.gpu in the
browser). Standard library only.

Everything lives in persistent GPU buffers: parameters, gradients, Adam's m
and v, the uploaded rollout and the minibatch scratch. One minibatch is about
15 dispatches,

    gather -> [normalize advantages] -> forward (per layer) -> policy head + PPO loss
    -> loss-term sums (2) -> backward (per layer, split-K) -> gradient sum + squares
    -> grad norm + finite flag -> Adam

and `train_minibatches` records all the minibatches of an update (every epoch,
their rows uploaded once) into one submission, with one readback of their
stats [M, 9] at the end; the gradient never leaves the GPU. Pipelines, uniforms
and bind groups are made once (kernels.Dispatch keeps one uniform per distinct
call), so an update writes only the rows and Adam's clock. The NaN/inf guard is
decided on the GPU too: grad_norm.wgsl sets finite = 0 when the gradient norm
or any loss sum is non-finite, adam.wgsl then leaves params, m and v untouched,
and Adam's t counts only finite steps (on the GPU, so later minibatches in the
same submission use the right bias correction); the stats readback tells the
host how many steps counted, as the numpy backend does.
"""

from array import array
from dataclasses import dataclass, field
from typing import ClassVar

import gpu

from rl.wgsl import kernels as k
from rl.optimizer_state import OptimizerState
from rl.wgsl.network import GPUForward, GPUNetwork
from rl.model import ModelConfig, num_params
from rl.rollout import Rollout
from rl.shuffle import ShuffledMinibatches


class RolloutBuffers:
    """One rollout of N = T * E rows on the GPU, and the minibatch scratch that trains on it.

    The scratch (the network's activations and gradients, the gathered minibatch columns, the loss
    terms) holds the largest minibatch trained on so far (`reserve_minibatch_rows`), not the rollout:
    every kernel on it strides by the minibatch's own rows. A rollout of 4096 x 128 rows in 32
    minibatches so needs 16,384 rows of activations (8 MiB at a width of 128) where N rows would need
    256 MiB, past the 128 MiB a storage buffer binding holds on many adapters (lavapipe's, and
    WebGPU's default)."""

    def __init__(self, device, kernels, model_config: ModelConfig, params, grad_partials, num_steps: int,
                 num_envs: int):
        self.num_steps, self.num_envs = num_steps, num_envs
        n = num_steps * num_envs
        self.rows = n
        self.device, self.kernels, self.model_config = device, kernels, model_config
        self.params, self.grad_partials, self.obs_size = params, grad_partials, model_config.obs_size
        self.obs = k.storage_buffer(device, n * self.obs_size, "rollout obs")
        self.table = k.storage_buffer(device, len(k.ROLLOUT_COLUMNS) * n, "rollout table")
        self.variances = k.storage_buffer(device, 2, "explained variance")
        self.gae = k.gae(device, kernels, num_steps, num_envs, self.table)
        self.explained_variance = k.explained_variance(device, kernels, n, self.table, self.variances)
        self.index = self.shuffle_keys = self.shuffle = None  # reserve_index sizes them
        self.index_capacity = 0
        self.network = self.minibatch = self.terms = self.loss_partials = None  # reserve_minibatch_rows sizes them
        self.normalize = self.loss = self.loss_sums = None
        self.scratch_rows = 0
        self.gather = None  # reads the index, writes the scratch: made anew when either is
        self.reserve_index(n)

    def reserve_index(self, total_rows: int) -> None:
        """Room in the index buffer for `total_rows` minibatch rows (all of an update's minibatches), and for
        the shuffle keys of as many epochs of all the rows."""
        if total_rows <= self.index_capacity:
            return
        if self.index is not None:
            for old in (self.index, self.shuffle_keys, self.shuffle):
                old.destroy()
        self.index_capacity = total_rows
        self.index = k.storage_buffer(self.device, total_rows, "minibatch index")
        self.shuffle_keys = k.storage_buffer(self.device, max(1, total_rows // self.rows), "shuffle keys")
        self.shuffle = k.shuffle_rows(self.device, self.kernels, self.rows, self.shuffle_keys, self.index)
        self._make_gather()

    def reserve_minibatch_rows(self, rows: int) -> None:
        """Scratch for minibatches of up to `rows` rows (at most the rollout's): kept while large enough."""
        if rows <= self.scratch_rows:
            return
        rows = min(max(rows, 1), self.rows)
        self._destroy_scratch()
        device, kernels, model_config = self.device, self.kernels, self.model_config
        self.scratch_rows = rows
        self.network = GPUNetwork(device, kernels, model_config, self.params, self.grad_partials, rows)
        self.minibatch = k.storage_buffer(device, len(k.MINIBATCH_COLUMNS) * rows, "minibatch")
        self.terms = k.storage_buffer(device, len(k.LOSS_TERMS) * rows, "loss terms")
        self.loss_partials = k.storage_buffer(device, len(k.LOSS_TERMS) * k.groups(rows, k.REDUCE_CHUNK),
                                              "loss-term partial sums")
        self.normalize = k.normalize_advantages(device, kernels, self.minibatch)
        self.loss = k.ppo_loss(device, kernels, model_config.num_actions, self.network.out, self.minibatch,
                               self.network.dout, self.terms)
        self.loss_sums = k.reduce_sum(device, kernels, len(k.LOSS_TERMS), self.terms, self.loss_partials)
        self._make_gather()

    def _make_gather(self) -> None:
        if self.gather is not None:
            self.gather.destroy()
            self.gather = None
        if self.index is not None and self.network is not None:
            self.gather = k.gather_minibatch(self.device, self.kernels, self.obs_size, self.rows, self.index,
                                             self.obs, self.table, self.network.x, self.minibatch)

    def _destroy_scratch(self) -> None:
        if self.network is None:
            return
        for buffer in (self.minibatch, self.terms, self.loss_partials):
            buffer.destroy()
        for dispatch in (self.normalize, self.loss, self.loss_sums):
            dispatch.destroy()
        self.network.destroy()

    def destroy(self) -> None:
        for buffer in (self.obs, self.table, self.index, self.shuffle_keys, self.variances):
            buffer.destroy()
        for dispatch in (self.gather, self.shuffle, self.gae, self.explained_variance):
            if dispatch is not None:
                dispatch.destroy()
        self._destroy_scratch()


@dataclass
class DeviceRollout:
    """A rollout already in the backend's RolloutBuffers, written there by a GPU-resident source
    (rl/soccer/gpu_rollout_source.py): `set_rollout` of it uploads nothing. Every row is valid
    (SAME_STEP auto-reset)."""

    num_steps: int
    num_envs: int
    buffers: RolloutBuffers
    episode_returns: list[float] = field(default_factory=list)  # of episodes that ended in this rollout
    episode_lengths: list[int] = field(default_factory=list)

    shuffled_on_backend: ClassVar[bool] = True  # the backend can draw its minibatches (rl/shuffle.drawn_on_backend)

    def valid_indices(self) -> array:
        return array("i", range(self.num_steps * self.num_envs))


class GPUBackend:
    def __init__(self, device, kernels: dict, model_config: ModelConfig):
        self.device, self.kernels, self.model_config = device, kernels, model_config
        self.num_params = num_params(model_config)
        P = self.num_params
        self.params = k.storage_buffer(device, P, "params")
        self.grad_partials = k.storage_buffer(device, k.MAX_SPLITS * P, "gradient partials")  # [splits, P]
        self.grads = k.storage_buffer(device, P, "grads")
        self.squares = k.storage_buffer(device, k.gradient_threads(P), "gradient squares")
        self.adam_m = k.storage_buffer(device, P, "adam m")
        self.adam_v = k.storage_buffer(device, P, "adam v")
        self.gradient_sum = k.gradient_sum(device, kernels, P, self.grad_partials, self.grads, self.squares)
        self.adam_step = 0  # Adam's t: minibatch updates applied since load_params
        self.acting = GPUForward(device, kernels, model_config, self.params)
        self.rollout = None  # RolloutBuffers for the current rollout size
        self.stats_capacity = 0  # minibatches per submission that stats and clock hold (reserve_minibatches)
        self.stats = self.clock = self.grad_norm = self.adam = None
        self.loss_totals = None  # (the rollout's loss partials buffer, reduce_sum of it into stats)
        self.reserve_minibatches(1)

    def reserve_minibatches(self, count: int) -> None:
        """Room for `count` minibatches in one submission: stats [count, 9], Adam's clock [1 + 2 count]."""
        if count <= self.stats_capacity:
            return
        for old in (self.stats, self.clock, self.grad_norm, self.adam, self.loss_totals and self.loss_totals[1]):
            if old is not None:
                old.destroy()
        device, kernels, P = self.device, self.kernels, self.num_params
        self.stats_capacity = count
        self.stats = k.storage_buffer(device, len(k.STATS) * count, "minibatch stats")
        self.clock = k.storage_buffer(device, 1 + 2 * count, "adam clock")
        self.grad_norm = k.grad_norm(device, kernels, P, self.squares, self.stats, self.clock)
        self.adam = k.adam(device, kernels, P, self.grads, self.stats, self.clock, self.params, self.adam_m,
                           self.adam_v)
        self.loss_totals = None

    def destroy(self) -> None:
        """Free this backend's GPU buffers; the device and the compiled kernels stay (the page's kept trainer
        builds the next run's backend over them, workers/kernel_progress.py)."""
        for buffer in (self.params, self.grad_partials, self.grads, self.squares, self.adam_m, self.adam_v,
                       self.stats, self.clock):
            buffer.destroy()
        for dispatch in (self.gradient_sum, self.grad_norm, self.adam, self.loss_totals and self.loss_totals[1]):
            if dispatch is not None:
                dispatch.destroy()
        for owner in (self.acting.network, self.rollout):
            if owner is not None:
                owner.destroy()

    async def load_params(self, params: array) -> None:
        """Replace the parameters and reset Adam (m = v = 0, t = 0)."""
        if len(params) != self.num_params:
            raise ValueError(f"expected {self.num_params} parameters, got {len(params)}")
        zeros = bytes(4 * self.num_params)
        self.device.queue.write_buffer(self.params, 0, array("f", params))
        self.device.queue.write_buffer(self.adam_m, 0, zeros)
        self.device.queue.write_buffer(self.adam_v, 0, zeros)
        self.adam_step = 0

    async def get_params(self) -> array:
        return await k.read_floats(self.device, self.params, self.num_params)

    async def get_optimizer_state(self) -> OptimizerState:
        """Read back Adam's m and v buffers (two readbacks); t is kept on the host."""
        m = await k.read_floats(self.device, self.adam_m, self.num_params)
        v = await k.read_floats(self.device, self.adam_v, self.num_params)
        return OptimizerState(m, v, self.adam_step)

    async def set_optimizer_state(self, state: OptimizerState) -> None:
        """Write Adam's m and v buffers and t (after load_params, which resets them)."""
        state.check(self.num_params)
        self.device.queue.write_buffer(self.adam_m, 0, array("f", state.m))
        self.device.queue.write_buffer(self.adam_v, 0, array("f", state.v))
        self.adam_step = state.step

    async def forward(self, obs: array, n: int) -> tuple[array, array]:
        """Forward n rows; read back out [n, A+1] once and split it into logits [n*A] and values [n]."""
        return await self.acting.forward(obs, n)

    def rollout_buffers(self, num_steps: int, num_envs: int) -> RolloutBuffers:
        """The rollout buffers for T x E rows (reallocated when the shape changes): what `set_rollout`
        uploads into, or what a GPU-resident source writes into before handing over a DeviceRollout."""
        if self.rollout is None or (self.rollout.num_steps, self.rollout.num_envs) != (num_steps, num_envs):
            if self.rollout is not None:
                self.rollout.destroy()
            self.rollout = RolloutBuffers(self.device, self.kernels, self.model_config, self.params,
                                          self.grad_partials, num_steps, num_envs)
        return self.rollout

    async def set_rollout(self, rollout) -> None:
        """Upload obs and the rollout table's input columns (advantages/returns come from compute_advantages);
        a DeviceRollout is already there."""
        if isinstance(rollout, DeviceRollout):
            if rollout.buffers is not self.rollout:
                raise ValueError("this DeviceRollout is not in this backend's current rollout buffers")
            return
        self.rollout_buffers(rollout.num_steps, rollout.num_envs)
        n, queue = self.rollout.rows, self.device.queue
        queue.write_buffer(self.rollout.obs, 0, rollout.obs)
        for name in ("actions", "logprobs", "values", "rewards", "next_values", "dones", "valid"):
            column = array("f", rollout.actions) if name == "actions" else getattr(rollout, name)  # exact below 2^24
            queue.write_buffer(self.rollout.table, 4 * n * k.ROLLOUT_COLUMNS.index(name), column)

    async def read_rollout(self) -> Rollout:
        """The current rollout buffers' input columns read back as a host Rollout (obs, actions,
        logprobs, values, rewards, next_values, dones, valid; no episode lists)."""
        r, n = self.rollout, self.rollout.rows
        obs = await k.read_floats(self.device, r.obs, n * self.model_config.obs_size)
        table = await k.read_floats(self.device, r.table, len(k.ROLLOUT_COLUMNS) * n)
        column = {name: table[i * n:(i + 1) * n] for i, name in enumerate(k.ROLLOUT_COLUMNS)}
        return Rollout(r.num_steps, r.num_envs, obs, array("i", map(int, column["actions"])),
                       *(column[name] for name in ("logprobs", "values", "rewards", "next_values", "dones", "valid")))

    async def compute_advantages(self, gamma: float, gae_lambda: float) -> None:
        """GAE and returns into the rollout table, on the GPU (no readback)."""
        k.submit(self.device, [(self.rollout.gae, (gamma, gae_lambda))])

    async def train_minibatch(self, indices: array, lr: float, config) -> dict:
        """One PPO gradient step on rollout rows `indices`; one stats readback."""
        return (await self.train_minibatches([indices], lr, config))[0]

    async def train_minibatches(self, minibatches: list, lr: float, config) -> list[dict]:
        """train_minibatch on each of `minibatches` in order, all in one submission: their rows
        uploaded in one write, one readback of every minibatch's stats at the end."""
        bounds, start = [], 0
        for indices in minibatches:
            bounds.append((start, len(indices)))
            start += len(indices)
        self.rollout.reserve_index(start)
        self.device.queue.write_buffer(self.rollout.index, 0,
                                       array("i", [i for minibatch in minibatches for i in minibatch]))
        return await self._train(bounds, [], lr, config)

    async def train_shuffled(self, plan: ShuffledMinibatches, lr: float, config) -> list[dict]:
        """train_minibatches on `plan`'s minibatches, their rows drawn on the GPU (shaders/shuffle_rows.wgsl:
        one dispatch writes every epoch's order) in the same submission: only the keys are uploaded."""
        r = self.rollout
        if r is None or plan.rows != r.rows:
            raise ValueError(f"the plan shuffles {plan.rows} rows, the rollout on the GPU has "
                             f"{None if r is None else r.rows}")
        r.reserve_index(plan.rows * len(plan.keys))
        self.device.queue.write_buffer(r.shuffle_keys, 0, array("I", plan.keys))
        return await self._train(plan.bounds(), [(r.shuffle, (len(plan.keys),))], lr, config)

    async def _train(self, bounds: list, first_steps: list, lr: float, config) -> list[dict]:
        """One submission: `first_steps`, then a gradient step on the index rows [start, start + rows) of
        each of `bounds`; one readback of their stats."""
        r, count = self.rollout, len(bounds)
        self.reserve_minibatches(count)
        r.reserve_minibatch_rows(max(rows for _, rows in bounds))
        if self.loss_totals is None or self.loss_totals[0] is not r.loss_partials:
            if self.loss_totals is not None:
                self.loss_totals[1].destroy()
            self.loss_totals = (r.loss_partials, k.reduce_sum(self.device, self.kernels, len(k.LOSS_TERMS),
                                                               r.loss_partials, self.stats))
        for per_minibatch in (r.gather, self.loss_totals[1], self.grad_norm, self.adam):  # args with offsets
            per_minibatch.keep(count)
        self.device.queue.write_buffer(self.clock, 0, k.adam_clock(lr, self.adam_step + 1, count))
        steps = list(first_steps)
        for j, (start, rows) in enumerate(bounds):
            steps += self.minibatch_steps(rows, start, j, config)
        k.submit(self.device, steps)
        stats = await k.read_floats(self.device, self.stats, len(k.STATS) * count)
        results = []
        for j, (_, rows) in enumerate(bounds):
            named = dict(zip(k.STATS, stats[j * len(k.STATS):(j + 1) * len(k.STATS)]))
            out = {name: named[name] / rows for name in k.LOSS_TERMS}
            out["grad_norm"] = named["grad_norm"]
            out["finite"] = named["finite"] == 1.0
            self.adam_step += int(out["finite"])
            results.append(out)
        return results

    def minibatch_steps(self, rows: int, start: int, slot: int, config) -> list:
        """(dispatch, args) steps of one PPO gradient step on the `rows` rows at `start` of the uploaded
        index, its stats into slot `slot` (train_minibatches has reserved both)."""
        r, offset = self.rollout, slot * len(k.STATS)
        steps = [(r.gather, (rows, start))]
        if config.norm_adv:
            steps.append((r.normalize, (rows,)))
        steps += r.network.forward_steps(rows)
        steps.append((r.loss, (rows, config.clip_coef, config.clip_vloss, config.ent_coef, config.vf_coef)))
        steps += k.column_sums_steps(r.loss_sums, self.loss_totals[1], rows, offset)
        steps += r.network.backward_steps(rows)
        return steps + [(self.gradient_sum, (r.network.gradient_splits(rows),)),
                        (self.grad_norm, (config.max_grad_norm, offset)), (self.adam, (offset,))]

    async def explained_variance(self) -> float:
        """1 - Var(R - v) / Var(R) over the valid rollout rows (NaN if Var(R) = 0)."""
        k.submit(self.device, [(self.rollout.explained_variance, ())])
        var_returns, var_residual = await k.read_floats(self.device, self.rollout.variances, 2)
        return float("nan") if var_returns == 0 else 1.0 - var_residual / var_returns


async def create_backend(model_config: ModelConfig, device=None) -> GPUBackend:
    """A GPUBackend on `device` (default: a fresh device from gpu.request_device())."""
    device = device or await gpu.request_device(label="dshq-learner")
    return GPUBackend(device, await k.build_kernels(device), model_config)
