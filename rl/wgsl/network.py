"""The actor-critic MLP's forward and backward passes on the GPU, for up to `capacity` rows.

The network is one or two chains of linear layers (rl/model.py: the shared trunk
and its fused head, or the actor and the critic), all reading X and each writing
its columns of out = [logits | value]. For a chain of L layers W_0 .. W_{L-1}:

    forward   acts[0] = X,  acts[k+1] = act_k(acts[k] W_k^T + b_k)          linear_forward.wgsl
              acts[L] is the chain's columns of out [rows, A + 1]
    backward  dz[L-1] = the chain's columns of d loss / d out (written by ppo_loss.wgsl), then
              for k = L-1 .. 0:
              partials[W_k, b_k] = dz[k]^T [acts[k] | 1], split over rows     linear_backward_weights.wgsl
              dz[k-1] = (dz[k] W_k) * act_{k-1}'(acts[k])      (k > 0)        linear_backward_input.wgsl

Buffers (float32, row-major, sized for `capacity` rows): x [rows, obs_size]
and out, dout [rows, A + 1] are shared by the chains; each chain has its hidden
acts[1..L-1] [rows, width] and dz[0..L-2]. The chains never share a parameter,
so each writes its own gradients, as split-K partial sums [splits, P] that
gradient_sum.wgsl adds up (rl/wgsl/backend.py). The gradient w.r.t. the
observations is never formed. Standard library only.
"""

from rl.wgsl.kernels import (linear_backward_input, linear_backward_weights, linear_forward, network_chains,
                            param_stride, read_floats, split_rows, storage_buffer, submit, weight_splits)
from rl.model import ModelConfig, num_params


class GPUNetwork:
    """The MLP's buffers and dispatches for `capacity` rows. With slots > 1 (forward only) it is `slots`
    networks of one shape: rows [z C, (z + 1) C) of every buffer (C = capacity / slots) are network z's,
    whose parameters are params[z param_stride ..] (kernels.param_stride); a forward dispatch's grid
    z = slot runs them all at once (the opponent pool's indirect dispatches), network z over its first
    slot_rows[z] rows (a u32 buffer [slots] filled on the GPU) when slot_rows is given."""

    def __init__(self, device, kernels, model_config: ModelConfig, params, grad_partials, capacity: int,
                 with_backward: bool = True, slots: int = 1, slot_rows=None):
        if slots > 1 and (with_backward or capacity % slots):
            raise ValueError(f"a network of {slots} slots is forward only, over a capacity that {slots} divides "
                             f"(got capacity {capacity}, with_backward={with_backward})")
        self.capacity = capacity
        self.param_stride = param_stride(num_params(model_config))
        self.rows_per_split = split_rows(device)  # the weight gradients' split-K (kernels.weight_splits)
        self.chains = network_chains(model_config)
        width = model_config.num_actions + 1
        self.x = storage_buffer(device, capacity * model_config.obs_size, "x")
        self.out = storage_buffer(device, capacity * width, "out")
        self.dout = storage_buffer(device, capacity * width, "dout") if with_backward else None
        self.hidden, self.forward, self.backward = [], [], []
        for c, layers in enumerate(self.chains):
            acts = [self.x] + [storage_buffer(device, capacity * layer.n_out, f"chain {c} acts[{k + 1}]")
                               for k, layer in enumerate(layers[:-1])] + [self.out]
            self.forward += [linear_forward(device, kernels, layer, acts[k], params, acts[k + 1], capacity // slots,
                                            self.param_stride, slot_rows)
                             for k, layer in enumerate(layers)]
            self.hidden += acts[1:-1]
            if not with_backward:
                continue
            dz = [storage_buffer(device, capacity * layer.n_out, f"chain {c} dz[{k}]")
                  for k, layer in enumerate(layers[:-1])] + [self.dout]
            self.hidden += dz[:-1]
            for k in reversed(range(len(layers))):
                layer = layers[k]
                self.backward.append(linear_backward_weights(device, kernels, layer, num_params(model_config), dz[k],
                                                             acts[k], grad_partials, self.rows_per_split))
                if k > 0:
                    into_previous = layer._replace(activation=layers[k - 1].activation)
                    self.backward.append(linear_backward_input(device, kernels, into_previous, dz[k], params,
                                                               acts[k], dz[k - 1]))

    def forward_steps(self, rows: int) -> list:
        """(dispatch, args) steps of the forward pass over `rows` rows of self.x."""
        return [(dispatch, (rows,)) for dispatch in self.forward]

    def gradient_splits(self, rows: int) -> int:
        """The split-K partial gradients that backward_steps(rows) writes (gradient_sum adds them up)."""
        return weight_splits(rows, self.rows_per_split)[0]

    def backward_steps(self, rows: int) -> list:
        """(dispatch, args) steps writing the gradient partials from self.dout (acts must hold this batch's forward)."""
        return [(dispatch, (rows,)) for dispatch in self.backward]

    def destroy(self) -> None:
        for buffer in [self.x, self.out] + ([self.dout] if self.dout else []) + self.hidden:
            buffer.destroy()
        for dispatch in self.forward + self.backward:
            dispatch.destroy()


class GPUForward:
    """forward(obs, n) -> (logits [n*A], values [n]) over the parameters in the storage buffer `params`,
    needing only the linear_forward kernel: GPUBackend acts through one, and the value field's worker
    (workers/value_field.py) uses one alone, without building the learner's other kernels. Its
    forward-only GPUNetwork grows to the largest n seen."""

    def __init__(self, device, kernels, model_config: ModelConfig, params):
        self.device, self.kernels, self.model_config, self.params = device, kernels, model_config, params
        self.network = None

    async def forward(self, obs, n: int):
        """Forward n rows; read back out [n, A+1] once and split it into logits [n*A] and values [n]."""
        config = self.model_config
        if self.network is None or self.network.capacity < n:
            if self.network is not None:
                self.network.destroy()
            self.network = GPUNetwork(self.device, self.kernels, config, self.params, None, n, with_backward=False)
        self.device.queue.write_buffer(self.network.x, 0, memoryview(obs)[: n * config.obs_size])
        submit(self.device, self.network.forward_steps(n))
        width = config.num_actions + 1
        out = await read_floats(self.device, self.network.out, n * width)
        values = out[config.num_actions :: width]
        del out[config.num_actions :: width]
        return out, values
