"""The learner's WGSL kernels seen from Python: built once, bound once, recorded every step.

Every learner kernel in shaders/ follows one binding convention: @binding(0)
is a small uniform block (sizes, offsets, hyperparameters) and @binding(1..)
are the storage buffers in the order its header comment lists them. A
`Dispatch` is one kernel bound to its buffers; `record(compute_pass, *args)`
repacks the uniform only when `args` changed (one `write_buffer`) and
dispatches. The functions below, one per kernel, know that kernel's uniform
layout and grid size. The GPU backend and the kernel tests both call them, so
a kernel test exercises exactly what the backend runs.

Buffer layouts shared by several kernels (all float32):

    rollout   [9, N] column-major, N = num_steps * num_envs, row t * E + e:
              ROLLOUT_COLUMNS = action (as a float), logprob, value, advantage,
              return, reward, next_value, done, valid
    minibatch [5, B] column-major: the first five rollout columns of its rows
    stats     [9]: STATS = the six loss-term sums, grad_norm, clip_scale, finite (0/1)

Standard library only (struct, array): this runs in the browser too.
"""

import math
import struct
from array import array
from typing import NamedTuple

import gpu
from gpu import BufferUsage

from rl.model import ModelConfig, chains, param_layout
from rl.shuffle import half_bits

KERNEL_NAMES = ("shuffle_rows", "gather_minibatch", "normalize_advantages", "linear_forward", "ppo_loss",
                "reduce_sum", "linear_backward_weights", "linear_backward_input", "gradient_sum", "grad_norm", "adam", "gae",
                "explained_variance", "sample_actions")
KERNEL_INCLUDES = {"sample_actions": ("pcg4d", "log_softmax_row"),  # shaders prepended to a kernel's own source
                   "shuffle_rows": ("pcg4d",),
                   "ppo_loss": ("log_softmax_row",)}
# The matrix products have a variant for software adapters, shaders/<name>_software.wgsl: a 16 x 16
# block per invocation (4 per 32 x 32 tile) instead of 4 x 4 (64 per tile), same bindings and grid.
SOFTWARE_VARIANTS = ("linear_forward", "linear_backward_weights", "linear_backward_input")
ROLLOUT_COLUMNS = ("actions", "logprobs", "values", "advantages", "returns", "rewards", "next_values", "dones",
                   "valid")
MINIBATCH_COLUMNS = ROLLOUT_COLUMNS[:5]
LOSS_TERMS = ("policy_loss", "value_loss", "entropy", "approx_kl", "old_approx_kl", "clipfrac")
STATS = LOSS_TERMS + ("grad_norm", "clip_scale", "finite")
ACTIVATION_CODES = {"identity": 0, "tanh": 1, "relu": 2}
TILE = 32  # the matmul kernels' output tile: 32 x 32 per workgroup of 64 threads, 4 x 4 each
SPLIT_ROWS = 128  # linear_backward_weights sums at least this many rows per split on a real GPU ...
SOFTWARE_SPLIT_ROWS = 1024  # ... and on a software adapter (split_rows: why)
MAX_SPLITS = 32  # ... in at most this many splits (the gradient partials are [MAX_SPLITS, P])
REDUCE_CHUNK = 64  # rows per thread in reduce_sum's first pass; gradient_sum's parameters per thread
ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-5
ADAM_PARAMS_PER_THREAD = 4  # adam.wgsl's PARAMS_PER_THREAD, 64 threads per workgroup
MAX_GROUPS = 65535  # workgroups per grid dimension that every WebGPU device allows
MAX_SLOTS = 256  # uniform blocks a Dispatch keeps at least, one per distinct call arguments
UNIFORM_BYTES = 32  # most kernels' uniform blocks fit in 32 bytes (Dispatch takes a larger size where one does not)
STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST


def groups(count: int, size: int) -> int:
    """Workgroups of `size` threads needed to cover `count` items (at least 1)."""
    return max(1, -(-count // size))


def storage_buffer(device, num_floats: int, label: str):
    """A zero-filled storage buffer of `num_floats` 4-byte elements (copyable both ways), rounded up to
    whole vec4s so that the matmul kernels can also read it as an array of vec4."""
    return device.create_buffer(size=16 * max(groups(num_floats, 4), 1), usage=STORAGE, label=label)


async def read_floats(device, buffer, count: int, offset: int = 0) -> array:
    """Floats [offset, offset + count) of a storage buffer, as array('f')."""
    out = array("f")
    out.frombytes(await device.read_buffer(buffer, 4 * offset, 4 * count))
    return out


async def build_kernels(device, names=KERNEL_NAMES, prelude: str = "", includes=KERNEL_INCLUDES) -> dict:
    """Compile kernels once: {name: compute pipeline}, each from `prelude` (generated constants), the
    shaders `includes` names for it, and its own shader: on a software adapter (gpu.is_software_adapter)
    the matrix products' SOFTWARE_VARIANTS. Raises gpu.GPUError naming the kernel."""
    return await build_variants(device, names, gpu.is_software_adapter(device.adapter_info), prelude, includes)


async def build_variants(device, names, software: bool, prelude: str = "", includes=KERNEL_INCLUDES) -> dict:
    """build_kernels with the variant chosen by the caller: `software` builds SOFTWARE_VARIANTS' shaders
    under their kernels' names (the kernel tests check both variants on any adapter)."""
    pipelines = {}
    for name in names:
        own = f"{name}_software" if software and name in SOFTWARE_VARIANTS else name
        async with device.error_scope(f"building the {own} kernel"):
            code = prelude + "".join(gpu.shader_source(part) for part in includes.get(name, ()) + (own,))
            module = device.create_shader_module(code=code, label=name)
            pipelines[name] = device.create_compute_pipeline(
                layout="auto", compute={"module": module, "entry_point": "main"}, label=name)
    return pipelines


class Dispatch:
    """One kernel bound to its storage buffers, with one uniform block per distinct call.

    `plan(*args) -> (uniform bytes, workgroups tuple)` turns the per-call
    arguments (row count, offsets, hyperparameters) into the uniform and the grid.
    Each distinct `args` gets its own uniform buffer and bind group, written
    once when first seen: a submission may record one kernel many times with
    different arguments (every minibatch of an update), and queue writes all
    land before it runs. Args should take few distinct values (the oldest of
    more than `capacity` is dropped); per-call scalars such as the learning
    rate travel in storage buffers instead. A kernel recorded once per
    minibatch with the minibatch's offsets needs a slot per minibatch of a
    submission (`keep`), or every update would make its uniforms and bind
    groups anew (0.4 s of host time per update of 1,024 minibatches in CPython).
    """

    def __init__(self, device, pipeline, buffers: list, plan, label: str, uniform_bytes: int = UNIFORM_BYTES):
        self.device, self.pipeline, self.plan, self.label = device, pipeline, plan, label
        self.buffers, self.uniform_bytes = buffers, uniform_bytes
        self.slots = {}  # args -> (uniform buffer, bind group, workgroups)
        self.capacity = MAX_SLOTS

    def keep(self, slots: int) -> None:
        """Keep at least `slots` distinct calls' uniforms (never fewer than MAX_SLOTS)."""
        self.capacity = max(self.capacity, slots)

    def record(self, compute_pass, *args) -> None:
        workgroups = self._bind(compute_pass, args)
        compute_pass.dispatch_workgroups(*workgroups)

    def record_indirect(self, compute_pass, grid, grid_offset: int, *args) -> None:
        """As `record`, with the workgroup counts read on the GPU: 3 u32 at byte `grid_offset` of `grid`."""
        self._bind(compute_pass, args)
        compute_pass.dispatch_workgroups_indirect(grid, grid_offset)

    def _bind(self, compute_pass, args: tuple) -> tuple:
        if args not in self.slots:
            uniform_bytes, workgroups = self.plan(*args)
            uniform = self.device.create_buffer(size=self.uniform_bytes,
                                                usage=BufferUsage.UNIFORM | BufferUsage.COPY_DST,
                                                label=f"{self.label} uniform")
            self.device.queue.write_buffer(uniform, 0, uniform_bytes.ljust(self.uniform_bytes, b"\0"))
            entries = [{"binding": 0, "resource": {"buffer": uniform}}]
            entries += [{"binding": i + 1, "resource": {"buffer": b}} for i, b in enumerate(self.buffers)]
            bind_group = self.device.create_bind_group(layout=self.pipeline.get_bind_group_layout(0),
                                                       entries=entries, label=self.label)
            if len(self.slots) >= self.capacity:  # dropped, not destroyed: a pending command may still use it
                del self.slots[next(iter(self.slots))]
            self.slots[args] = (uniform, bind_group, workgroups)
        _, bind_group, workgroups = self.slots[args]
        compute_pass.set_pipeline(self.pipeline)
        compute_pass.set_bind_group(0, bind_group)
        return workgroups

    def destroy(self) -> None:
        for uniform, _, _ in self.slots.values():
            uniform.destroy()
        self.slots.clear()


def submit(device, steps) -> None:
    """Record [(dispatch, args), ...] in order into one compute pass and submit it.

    WebGPU orders dispatches within a pass and makes each one's storage writes
    visible to the next, so a whole minibatch update is one submit.
    """
    encoder = device.create_command_encoder()
    compute_pass = encoder.begin_compute_pass()
    for dispatch, args in steps:
        dispatch.record(compute_pass, *args)
    compute_pass.end()
    device.queue.submit([encoder.finish()])


# ---------------------------------------------------------------- the MLP's layers


class Linear(NamedTuple):
    """One linear layer of rl/model.py as the matmul kernels see it (offsets in floats).

    Its output Y [rows, n_out] (and the gradient dY) is columns [out_col, out_col + n_out)
    of a row-major [rows, out_stride] buffer: its own buffer (out_stride = n_out, out_col = 0)
    for a hidden layer, its chain's columns of out [rows, A + 1] for a chain's last layer.
    """

    n_in: int
    n_out: int
    weight_offset: int
    bias_offset: int
    activation: int  # ACTIVATION_CODES of the activation after this layer
    out_stride: int
    out_col: int

    def uniform(self, rows: int, *extra: int) -> bytes:
        return struct.pack(f"<{8 + len(extra)}I", rows, self.n_in, self.n_out, self.weight_offset, self.bias_offset,
                           self.activation, self.out_stride, self.out_col, *extra)


def split_rows(device) -> int:
    """Rows per split of the weight gradients on `device`. A real GPU wants many workgroups (SPLIT_ROWS);
    a software adapter has a few cores, and there every split costs a store of its [dW | db] and a load
    of it in gradient_sum: on SwiftShader one split instead of 8 at 1024-row minibatches took
    the weight gradients and gradient_sum from 24.6 to 18.4 ms per minibatch step (docs/kernels.md)."""
    return SOFTWARE_SPLIT_ROWS if gpu.is_software_adapter(device.adapter_info) else SPLIT_ROWS


def weight_splits(rows: int, rows_per_split: int = SPLIT_ROWS) -> tuple[int, int]:
    """(splits, rows per split) for linear_backward_weights over `rows` rows: one split per
    `rows_per_split` rows (split_rows), at most MAX_SPLITS."""
    splits = min(MAX_SPLITS, groups(rows, rows_per_split))
    return splits, groups(rows, splits)


def network_chains(config: ModelConfig) -> list[list[Linear]]:
    """rl.model.chains as kernel layers: hidden layers with the model's activation into their own buffers,
    each chain's last layer with none into its columns of out [rows, A + 1]."""
    offsets = {spec.name: spec.offset for spec in param_layout(config)}
    result, column = [], 0
    for chain in chains(config):
        layers = []
        for k, (name, n_in, n_out) in enumerate(chain):
            last = k == len(chain) - 1
            layers.append(Linear(n_in, n_out, offsets[f"{name}.weight"], offsets[f"{name}.bias"],
                                 ACTIVATION_CODES["identity" if last else config.activation],
                                 config.num_actions + 1 if last else n_out, column if last else 0))
        result.append(layers)
        column += chain[-1][2]
    return result


def param_stride(num_params: int) -> int:
    """Floats from one network's parameters to the next in a buffer of several (the opponent pool's):
    num_params rounded up to whole vec4s, so that every network's weights keep the vec4 loads."""
    return 4 * groups(num_params, 4)


def linear_forward(device, kernels, layer: Linear, x, params, y, row_stride: int = 0,
                   param_stride: int = 0, slot_rows=None) -> Dispatch:
    """Y = act(X W^T + b).    record(pass, rows)

    A grid with z > 1 (record_indirect) runs one network per z: slot z's rows of X and Y start at row
    z * row_stride, its W and b at params[z * param_stride ..]. Each slot runs over `rows` rows, or,
    given the u32 buffer `slot_rows` [slots], over its first min(rows, slot_rows[z]) (the others are
    neither computed nor written)."""
    counted = int(slot_rows is not None)
    return Dispatch(device, kernels["linear_forward"], [x, x, params, params, y, slot_rows if counted else params],
                    lambda rows: (layer.uniform(rows, row_stride, param_stride, counted),
                                  (groups(layer.n_out, TILE), groups(rows, TILE))),
                    f"linear_forward {layer.n_in}-{layer.n_out}", uniform_bytes=48)


def linear_backward_weights(device, kernels, layer: Linear, num_params: int, dy, x, partials,
                            rows_per_split: int = SPLIT_ROWS) -> Dispatch:
    """dW = dY^T X and db = sum_r dY[r], split over rows (weight_splits): split s into
    partials[s * num_params ..] at the layer's offsets.    record(pass, rows)"""
    def plan(rows):
        splits, chunk = weight_splits(rows, rows_per_split)
        return (layer.uniform(rows, chunk, num_params, int(layer.n_out > layer.n_in + 1)),
                (groups(layer.n_in + 1, TILE), groups(layer.n_out, TILE), splits))

    return Dispatch(device, kernels["linear_backward_weights"], [dy, dy, x, x, partials], plan,
                    f"linear_backward_weights {layer.n_in}-{layer.n_out}", uniform_bytes=48)


def linear_backward_input(device, kernels, layer: Linear, dy, params, h, dz) -> Dispatch:
    """dZ = (dY W) * act'(H), the previous layer's pre-activation gradient.    record(pass, rows)

    `layer.activation` must be the activation whose output H is (the previous layer's).
    """
    return Dispatch(device, kernels["linear_backward_input"], [dy, dy, params, params, h, dz],
                    lambda rows: (layer.uniform(rows), (groups(layer.n_in, TILE), groups(rows, TILE))),
                    f"linear_backward_input {layer.n_in}-{layer.n_out}")


# ---------------------------------------------------------------- per-row and reduction kernels


def shuffle_rows(device, kernels, rows: int, keys, index) -> Dispatch:
    """index[e * rows + i] = pi_{keys[e]}(i), every epoch's order of the rows (rl/shuffle.py).
    record(pass, epochs)"""
    row_groups = groups(rows, 64)
    grid_x = min(row_groups, MAX_GROUPS)
    return Dispatch(device, kernels["shuffle_rows"], [keys, index],
                    lambda epochs: (struct.pack("<2I", rows, half_bits(rows)),
                                    (grid_x, groups(row_groups, grid_x), epochs)),
                    "shuffle_rows")


def gather_minibatch(device, kernels, obs_size: int, rollout_rows: int, index, obs, rollout, x, minibatch) -> Dispatch:
    """x = obs[index[start ..]], minibatch = first five rollout columns there.    record(pass, rows, start)"""
    return Dispatch(device, kernels["gather_minibatch"], [index, obs, rollout, x, minibatch],
                    lambda rows, start: (struct.pack("<4I", rows, rollout_rows, obs_size, start),
                                         (groups(rows, 64),)),
                    "gather_minibatch")


def normalize_advantages(device, kernels, minibatch) -> Dispatch:
    """Minibatch advantages <- (A - mean) / (std + 1e-8), in place.    record(pass, rows)"""
    return Dispatch(device, kernels["normalize_advantages"], [minibatch],
                    lambda rows: (struct.pack("<I", rows), (1,)), "normalize_advantages")


def ppo_loss(device, kernels, num_actions: int, out, minibatch, dout, terms) -> Dispatch:
    """Per-row log-softmax, PPO loss terms and d loss / d out.

    record(pass, rows, clip_coef, clip_vloss, ent_coef, vf_coef)
    """
    def plan(rows, clip_coef, clip_vloss, ent_coef, vf_coef):
        uniform = struct.pack("<3I3f", rows, num_actions, int(clip_vloss), clip_coef, ent_coef, vf_coef)
        return uniform, (groups(rows, 64),)

    return Dispatch(device, kernels["ppo_loss"], [out, minibatch, dout, terms], plan, "ppo_loss")


def reduce_sum(device, kernels, columns: int, values, sums) -> Dispatch:
    """sums[offset + c * G + g] = sum of values[c, rows of chunk g], G = ceil(rows / chunk).

    record(pass, rows, chunk, offset)
    """
    return Dispatch(device, kernels["reduce_sum"], [values, sums],
                    lambda rows, chunk, offset: (struct.pack("<4I", rows, columns, chunk, offset),
                                                 (groups(columns * groups(rows, chunk), 64),)),
                    "reduce_sum")


def column_sums_steps(first: Dispatch, second: Dispatch, rows: int, offset: int) -> list:
    """Column totals of values [columns, rows] into sums[offset + c] over many workgroups: `first` (a
    reduce_sum from values into a scratch [columns, ceil(rows / REDUCE_CHUNK)]) adds chunks of
    REDUCE_CHUNK rows, `second` (a reduce_sum from that scratch into sums) adds the chunks."""
    partials = groups(rows, REDUCE_CHUNK)
    return [(first, (rows, REDUCE_CHUNK, 0)), (second, (partials, partials, offset))]


def gradient_threads(num_params: int) -> int:
    """gradient_sum's thread count (about REDUCE_CHUNK parameters each): grad_norm's squares to add up."""
    return 64 * groups(num_params, 64 * REDUCE_CHUNK)


def gradient_sum(device, kernels, num_params: int, partials, grads, squares) -> Dispatch:
    """grads = the sum of the first `splits` rows of partials [splits, P]; squares [gradient_threads] = partial
    sums of grads^2.    record(pass, splits)"""
    threads = gradient_threads(num_params)
    return Dispatch(device, kernels["gradient_sum"], [partials, grads, squares],
                    lambda splits: (struct.pack("<3I", num_params, splits, threads), (threads // 64,)),
                    "gradient_sum")


def grad_norm(device, kernels, num_params: int, squares, stats, clock) -> Dispatch:
    """stats[offset + (grad_norm, clip_scale, finite)] from gradient_sum's squares and the loss sums at
    stats[offset ..]; clock[0] += finite.    record(pass, max_grad_norm, offset)"""
    count = gradient_threads(num_params)
    return Dispatch(device, kernels["grad_norm"], [squares, stats, clock],
                    lambda max_grad_norm, offset: (struct.pack("<2IfI", count, len(LOSS_TERMS), max_grad_norm,
                                                               offset), (1,)),
                    "grad_norm")


def adam_clock(lr: float, first_step: int, steps: int) -> array:
    """adam.wgsl's clock [1 + 2 steps]: a zero count, then step_size = lr / (1 - b1^t) and
    bias2_sqrt = sqrt(1 - b2^t) for t = first_step .. first_step + steps - 1, in float64 like torch."""
    clock = array("f", [0.0])
    for t in range(first_step, first_step + steps):
        clock.extend((lr / (1.0 - ADAM_BETA1**t), math.sqrt(1.0 - ADAM_BETA2**t)))
    return clock


def adam(device, kernels, num_params: int, grads, stats, clock, params, adam_m, adam_v) -> Dispatch:
    """One Adam step on clip_scale * grads, skipped when stats[offset ..] says non-finite; its t and lr
    from clock (adam_clock, counted by grad_norm).    record(pass, offset)"""
    return Dispatch(device, kernels["adam"], [grads, stats, clock, params, adam_m, adam_v],
                    lambda offset: (struct.pack("<2I3f", num_params, offset, ADAM_BETA1, ADAM_BETA2, ADAM_EPS),
                                    (groups(num_params, ADAM_PARAMS_PER_THREAD * 64),)),
                    "adam")


def gae(device, kernels, num_steps: int, num_envs: int, rollout) -> Dispatch:
    """Advantages and returns columns of the rollout.    record(pass, gamma, gae_lambda)"""
    return Dispatch(device, kernels["gae"], [rollout],
                    lambda gamma, gae_lambda: (struct.pack("<2I2f", num_steps, num_envs, gamma, gae_lambda),
                                               (groups(num_envs, 64),)),
                    "gae")


def explained_variance(device, kernels, rollout_rows: int, rollout, out) -> Dispatch:
    """out = [Var(R), Var(R - v)] over the valid rollout rows.    record(pass)"""
    return Dispatch(device, kernels["explained_variance"], [rollout, out],
                    lambda: (struct.pack("<I", rollout_rows), (1,)), "explained_variance")


def sample_actions(device, kernels, num_actions: int, seed: int, stream: int, column_rows: int, offset: int,
                   t_stride: int, out, clock, ids, table) -> Dispatch:
    """table[:3, offset + t * t_stride + r] = (a_r ~ softmax(logits_r), log pi(a_r), value_r), Gumbel-max
    with the hash of (seed, step, ids[r], stream); [t, step] = clock.    record(pass, rows)"""
    def plan(rows):
        uniform = struct.pack("<7I", rows, num_actions, seed & 0xFFFFFFFF, stream, column_rows, offset, t_stride)
        return uniform, (groups(rows, 64),)

    return Dispatch(device, kernels["sample_actions"], [out, clock, ids, table], plan, "sample_actions")
