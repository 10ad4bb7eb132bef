"""The policy: one batched way to act, for every caller in both hosts (standard library only).

    policy = Policy(params, model_config)
    logits, values = policy.forward(obs, n)    # array('f') [n*A], array('f') [n]
    actions = policy.act(obs, n)               # greedy: argmax of each row's logits
    actions = policy.act(obs, n, greedy=False) # sampled from softmax(logits), with the policy's RNG

`obs` is n observations, flat (array('f') [n*obs_size], or anything
rl.rollout.as_float32 flattens: a numpy batch, nested lists); rows past n are
ignored, and n defaults to all the rows there are. The learner's backends
answer the same `forward(obs, n)` (async there: a GPU reads back), so the
rollout collector, snapshot opponents, the evaluator, the show match's player
and the rollout workers all act through this one signature.

This forward pass is pure Python: weights are copied once into Python lists
row by row; each output is then one C-speed dot product `dot(w_row, x)`,
computed in float64 from the float32 parameters and rounded to float32 at the
end. `dot` is `math.sumprod` where the Python has it (3.12 and later, so
Pyodide: 1.7x the evaluator's matches per CPU second there,
bench/bench_policy.py), else `sum(map(mul, w_row, x))`. sumprod accumulates
in extended precision, so the two can differ in float64's last bits, which
rounding to float32 almost always hides (tests/test_rl_policy.py: none of
62,000 outputs differed).
That is the right tool for a few rows (the on-screen match, the evaluator, a
rollout worker on a software adapter); CPython tools use
rl.numpy_backend.NumpyPolicy, the same interface over numpy.
"""

import math
import random
from array import array
from operator import mul

from rl.model import ModelConfig, chains, param_layout
from rl.rollout import as_float32, sample_actions


def sum_of_products(w: list, x: list) -> float:
    """sum_i w_i x_i in float64, left to right: `dot` where math.sumprod is missing (CPython 3.11)."""
    return sum(map(mul, w, x))


dot = getattr(math, "sumprod", sum_of_products)
"""The dot product of PythonMLP (module docstring)."""


class PythonMLP:
    """The forward pass in pure Python (see the module docstring)."""

    def __init__(self, params: array, model_config: ModelConfig):
        self.model_config = model_config
        specs = {s.name: s for s in param_layout(model_config)}

        def layer(name: str, n_in: int) -> tuple[list, list]:  # (weight rows [out][in], bias [out])
            w, b = specs[f"{name}.weight"], specs[f"{name}.bias"]
            rows = [params[r : r + n_in].tolist() for r in range(w.offset, w.offset + w.size, n_in)]
            return rows, params[b.offset : b.offset + b.size].tolist()

        self.chains = [[layer(name, n_in) for name, n_in, _ in chain] for chain in chains(model_config)]
        self.activation = math.tanh if model_config.activation == "tanh" else (lambda z: z if z > 0.0 else 0.0)

    def __call__(self, x: array, n: int) -> tuple[array, array]:
        """x [n*obs_size] -> logits [n*A], values [n].

        Per chain: h_k = act(W_k h_{k-1} + b_k), h_0 = x, then its columns of out = W_last h + b_last;
        out = [logits | value] [A + 1] per row.
        """
        size, num_actions = self.model_config.obs_size, self.model_config.num_actions
        logits, values = array("f"), array("f")
        for start in range(0, n * size, size):
            x_row, out = x[start : start + size].tolist(), []
            for layers in self.chains:
                h = x_row
                for rows, bias in layers[:-1]:
                    h = [self.activation(dot(w, h) + b) for w, b in zip(rows, bias)]
                rows, bias = layers[-1]
                out += [dot(w, h) + b for w, b in zip(rows, bias)]
            logits.extend(out[:num_actions])
            values.append(out[num_actions])
        return logits, values


class Policy:
    """The actor-critic of rl/model.py over a flat float32 parameter vector.

    `mlp` builds the forward pass from (params, model_config): PythonMLP here,
    rl.numpy_backend.NumpyMLP in CPython tools."""

    def __init__(self, params: array, model_config: ModelConfig, seed: int = 0, mlp=PythonMLP):
        self.params = params
        self.model_config = model_config
        self.rng = random.Random(seed)
        self.mlp = mlp(params, model_config)

    def forward(self, obs, n: int | None = None) -> tuple[array, array]:
        """Logits array('f') [n*A] and values array('f') [n] for n observations (rows past n ignored)."""
        x = as_float32(obs)
        size = self.model_config.obs_size
        if n is None:
            if len(x) % size:
                raise ValueError(f"observations hold {len(x)} floats, not a multiple of obs_size={size}")
            n = len(x) // size
        elif len(x) < n * size:
            raise ValueError(f"observations hold {len(x)} floats, fewer than n={n} rows of obs_size={size}")
        return self.mlp(x, n)

    def act(self, obs, n: int | None = None, greedy: bool = True) -> list[int]:
        """One action per observation: argmax of the logits, or a sample from softmax(logits)."""
        logits, _ = self.forward(obs, n)
        num_actions = self.model_config.num_actions
        if greedy:
            return [max(range(start, start + num_actions), key=logits.__getitem__) - start
                    for start in range(0, len(logits), num_actions)]
        return sample_actions(logits, num_actions, self.rng)[0]
