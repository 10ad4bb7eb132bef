"""A pure-Python forward pass for acting on a few observations (standard library only).

The on-screen match asks for 2 actions every few ticks: a GPU round trip or
numpy is not worth it (nor available in the browser's main thread). Weights
are copied once into Python lists row by row; each output is then a C-speed
`sum(map(mul, w_row, x))`, computed in float64 from the float32 parameters.
"""

import math
import random
from array import array
from operator import mul

from rl.model import ModelConfig, linear_layers, param_layout
from rl.rollout import as_float32, sample_actions


class Policy:
    """The actor-critic of rl/model.py over a flat float32 parameter vector."""

    def __init__(self, params: array, model_config: ModelConfig, seed: int = 0):
        self.params = params
        self.model_config = model_config
        self.rng = random.Random(seed)
        specs = {s.name: s for s in param_layout(model_config)}
        self.layers = []  # per linear layer: (weight rows [out][in], bias [out])
        for name, n_in, _ in linear_layers(model_config):
            w, b = specs[f"{name}.weight"], specs[f"{name}.bias"]
            rows = [params[r : r + n_in].tolist() for r in range(w.offset, w.offset + w.size, n_in)]
            self.layers.append((rows, params[b.offset : b.offset + b.size].tolist()))
        self.activation = math.tanh if model_config.activation == "tanh" else (lambda z: z if z > 0.0 else 0.0)

    def forward(self, obs_batch) -> tuple[list[list[float]], list[float]]:
        """Logits [n][A] and values [n] for n observations (numpy array, array('f') or lists)."""
        x = as_float32(obs_batch)
        size, num_actions = self.model_config.obs_size, self.model_config.num_actions
        if len(x) % size:
            raise ValueError(f"observations hold {len(x)} floats, not a multiple of obs_size={size}")
        logits, values = [], []
        for start in range(0, len(x), size):
            h = x[start : start + size].tolist()
            for rows, bias in self.layers[:-1]:
                h = [self.activation(sum(map(mul, w, h)) + b) for w, b in zip(rows, bias)]
            rows, bias = self.layers[-1]
            out = [sum(map(mul, w, h)) + b for w, b in zip(rows, bias)]
            logits.append(out[:num_actions])
            values.append(out[num_actions])
        return logits, values

    def act(self, obs_batch, greedy: bool = True) -> list[int]:
        """One action per observation: argmax of the logits, or a sample from softmax(logits)."""
        logits, _ = self.forward(obs_batch)
        if greedy:
            return [max(range(len(row)), key=row.__getitem__) for row in logits]
        flat = array("f", (l for row in logits for l in row))
        return sample_actions(flat, self.model_config.num_actions, self.rng)[0]
