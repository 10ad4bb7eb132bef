"""The actor-critic MLP's forward and backward passes on the GPU, for up to `capacity` rows.

With L linear layers (rl/model.py: the trunk, then the fused head):

    forward   acts[0] = X,  acts[k+1] = act_k(acts[k] W_k^T + b_k)          linear_forward.wgsl
    backward  dz[L-1] = d loss / d out (written by ppo_loss.wgsl), then for k = L-1 .. 0:
              grads[W_k, b_k] = dz[k]^T [acts[k] | 1]                         linear_backward_weights.wgsl
              dz[k-1] = (dz[k] W_k) * act_{k-1}'(acts[k])      (k > 0)        linear_backward_input.wgsl

Buffers (float32, row-major, sized for `capacity` rows): acts[k] [rows, width_k]
with acts[L] = out [rows, A + 1]; dz[k] [rows, n_out_k]. The gradient w.r.t.
the observations is never formed. Standard library only.
"""

from rl.wgsl.kernels import (linear_backward_input, linear_backward_weights, linear_forward, network_layers,
                            storage_buffer)
from rl.model import ModelConfig


class GPUNetwork:
    def __init__(self, device, kernels, model_config: ModelConfig, params, grads, capacity: int,
                 with_backward: bool = True):
        self.capacity = capacity
        self.layers = network_layers(model_config)
        widths = [self.layers[0].n_in] + [layer.n_out for layer in self.layers]
        self.acts = [storage_buffer(device, capacity * w, f"acts[{k}]") for k, w in enumerate(widths)]
        self.x, self.out = self.acts[0], self.acts[-1]
        self.forward = [linear_forward(device, kernels, layer, self.acts[k], params, self.acts[k + 1])
                        for k, layer in enumerate(self.layers)]
        self.dz, self.backward = [], []
        if with_backward:
            self.dz = [storage_buffer(device, capacity * layer.n_out, f"dz[{k}]")
                       for k, layer in enumerate(self.layers)]
            for k in reversed(range(len(self.layers))):
                layer = self.layers[k]
                self.backward.append(linear_backward_weights(device, kernels, layer, self.dz[k], self.acts[k], grads))
                if k > 0:
                    into_previous = layer._replace(activation=self.layers[k - 1].activation)
                    self.backward.append(linear_backward_input(device, kernels, into_previous, self.dz[k], params,
                                                               self.acts[k], self.dz[k - 1]))
        self.dout = self.dz[-1] if self.dz else None

    def forward_steps(self, rows: int) -> list:
        """(dispatch, args) steps of the forward pass over `rows` rows of self.x."""
        return [(dispatch, (rows,)) for dispatch in self.forward]

    def backward_steps(self, rows: int) -> list:
        """(dispatch, args) steps writing grads from self.dout (acts must hold this batch's forward)."""
        return [(dispatch, (rows,)) for dispatch in self.backward]

    def destroy(self) -> None:
        for buffer in self.acts + self.dz:
            buffer.destroy()
        for dispatch in self.forward + self.backward:
            dispatch.destroy()
