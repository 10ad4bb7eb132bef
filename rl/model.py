"""The actor-critic MLP: its configuration, flat parameter layout and init.

The network maps observations x [B, obs_size] to out = [logits | value]
[B, num_actions + 1]. It is one or two *chains* of "linear + activation"
layers (the activation after every layer but a chain's last), each chain
writing its own columns of out. Two layouts:

  layout="shared" (one trunk, a fused head):
    h_1    = act(x       W_1^T + b_1)    [B, hidden_sizes[0]]     "trunk.0"
    h_k    = act(h_{k-1} W_k^T + b_k)    [B, hidden_sizes[k-1]]   "trunk.{k-1}"
    out    =     h_K     W_h^T + b_h     [B, num_actions + 1]     "head"

  layout="separate" (CleanRL's agent: an actor and a critic MLP, no shared parameters):
    logits = actor(x)   [B, num_actions]   "actor.0" .. "actor.K"  -> out[:, :num_actions]
    value  = critic(x)  [B, 1]             "critic.0" .. "critic.K" -> out[:, num_actions]
    each with the hidden widths hidden_sizes, the last layer linear.

With "shared" the value loss and the policy loss pull on the same trunk; with
"separate" they only meet in the global gradient-norm clip and Adam. Either
way the GPU needs one linear kernel (the activation fused into it) and its
backwards, and one forward pass serves both acting and the value estimate.

Every weight follows PyTorch's `nn.Linear` convention: W has shape
[out_features, in_features], stored row-major (W[o, i] at offset o * in + i),
and y = x W^T + b. All parameters live in ONE flat float32 vector, in the
order of `param_layout()`; the same bytes are used by the GPU buffers, the
shared-memory weights board and `.dshq` files.

Standard library only: this file runs in the browser.
"""

import functools
import hashlib
import math
import random
from array import array
from dataclasses import dataclass
from operator import mul
from typing import NamedTuple


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """'64,64' -> (64, 64): the hidden widths as the command line and the page's URL write them; ValueError
    for anything but comma-separated whole numbers >= 1."""
    parts = text.split(",")
    if not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise ValueError(f"expected comma-separated widths >= 1 such as 64,64, got {text!r}")
    return tuple(int(part) for part in parts)


@dataclass(frozen=True)
class ModelConfig:
    obs_size: int
    """Length of a flat float observation."""
    num_actions: int
    """Number of discrete actions (logits per row)."""
    hidden_sizes: tuple[int, ...] = (128, 128)
    """Widths of the hidden layers: of the trunk, or of each of the actor and the critic."""
    activation: str = "tanh"
    """Hidden-layer activation: "tanh" or "relu"."""
    layout: str = "shared"
    """"shared" (one trunk, a fused head of A logits and the value; every file written before this field
    existed has it) or "separate" (an actor and a critic MLP, each with hidden_sizes: CleanRL's agent)."""

    def __post_init__(self):
        object.__setattr__(self, "hidden_sizes", tuple(self.hidden_sizes))
        for name in ("obs_size", "num_actions"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ModelConfig.{name} must be an int >= 1, got {value!r}")
        if not self.hidden_sizes or not all(
            isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in self.hidden_sizes
        ):
            raise ValueError(f"ModelConfig.hidden_sizes must be a non-empty tuple of ints >= 1, got {self.hidden_sizes!r}")
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"ModelConfig.activation must be 'tanh' or 'relu', got {self.activation!r}")
        if self.layout not in ("shared", "separate"):
            raise ValueError(f"ModelConfig.layout must be 'shared' or 'separate', got {self.layout!r}")


class ParamSpec(NamedTuple):
    name: str
    shape: tuple[int, ...]
    offset: int  # in float32 elements from the start of the flat vector

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@functools.cache
def chains(config: ModelConfig) -> tuple[tuple[tuple[str, int, int], ...], ...]:
    """The network's chains of linear layers (name, in_features, out_features), in the column order of out.

    Each chain starts from the observation; its last layer (no activation) writes the next
    out_features columns of out [B, A + 1]: shared -> (trunk.0 .. trunk.{K-1}, head) [A + 1];
    separate -> (actor.0 .. actor.K) [A], then (critic.0 .. critic.K) [1].
    """
    sizes = (config.obs_size, *config.hidden_sizes)

    def chain(prefix: str, last: str, n_out: int) -> tuple[tuple[str, int, int], ...]:
        hidden = tuple((f"{prefix}.{k}", sizes[k], sizes[k + 1]) for k in range(len(config.hidden_sizes)))
        return hidden + ((last, sizes[-1], n_out),)

    if config.layout == "shared":
        return (chain("trunk", "head", config.num_actions + 1),)
    depth = len(config.hidden_sizes)
    return chain("actor", f"actor.{depth}", config.num_actions), chain("critic", f"critic.{depth}", 1)


@functools.cache
def param_layout(config: ModelConfig) -> tuple[ParamSpec, ...]:
    """Ordered (name, shape, offset) of every tensor in the flat parameter vector.

    For each linear layer in order, chain after chain: "<layer>.weight" [out, in],
    then "<layer>.bias" [out]. Offsets are contiguous, no padding.
    """
    layout, offset = [], 0
    for name, n_in, n_out in (layer for chain in chains(config) for layer in chain):
        for suffix, shape in (("weight", (n_out, n_in)), ("bias", (n_out,))):
            layout.append(ParamSpec(f"{name}.{suffix}", shape, offset))
            offset += math.prod(shape)
    return tuple(layout)


def num_params(config: ModelConfig) -> int:
    last = param_layout(config)[-1]
    return last.offset + last.size


def layout_string(config: ModelConfig) -> str:
    """Canonical text of everything needed to interpret the flat vector.

    The tensor names tell the layouts apart ("trunk"/"head" or "actor"/"critic"), so the
    shared layout's text, hence its shape_hash, is what it was before layouts existed.
    """
    tensors = ";".join(f"{s.name}:{'x'.join(map(str, s.shape))}@{s.offset}" for s in param_layout(config))
    return f"actor-critic-mlp/v1;activation={config.activation};{tensors}"


def shape_hash(config: ModelConfig) -> int:
    """A stable non-negative int32 identifying the layout and activation.

    First 4 bytes (little-endian) of SHA-256(layout_string) with the sign bit
    cleared, so it fits an int32 slot of the weights board and JSON metadata.
    """
    digest = hashlib.sha256(layout_string(config).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def orthogonal(rows: int, cols: int, gain: float, rng: random.Random) -> list[list[float]]:
    """A [rows, cols] matrix with orthonormal rows (rows <= cols) or columns, times gain.

    Gram-Schmidt on min(rows, cols) Gaussian vectors of length max(rows, cols):
    the result is Haar-distributed like torch.nn.init.orthogonal_.
    """
    k, n = min(rows, cols), max(rows, cols)
    basis = []
    while len(basis) < k:
        v = [rng.gauss(0.0, 1.0) for _ in range(n)]
        for q in basis:  # modified Gram-Schmidt: v -= (v.q) q
            d = sum(map(mul, v, q))
            v = [vi - d * qi for vi, qi in zip(v, q)]
        norm = math.sqrt(sum(map(mul, v, v)))
        if norm > 1e-6:  # a degenerate draw (probability ~0) is redrawn
            basis.append([vi / norm for vi in v])
    if rows <= cols:
        return [[gain * x for x in q] for q in basis]
    return [[gain * basis[c][r] for c in range(cols)] for r in range(rows)]


def init_params(config: ModelConfig, seed: int) -> array:
    """Fresh flat float32 parameters, CleanRL-style orthogonal init.

    Gains: sqrt(2) for hidden layers, 0.01 for the policy rows (the head's first A
    rows, or the actor's last layer), 1.0 for the value row (the head's last row, or
    the critic's last layer); all biases 0. Deterministic in `seed`.
    """
    rng = random.Random(seed)
    params = array("f", bytes(4 * num_params(config)))
    depth = len(config.hidden_sizes)
    output_gains = {f"actor.{depth}.weight": 0.01, f"critic.{depth}.weight": 1.0}  # the separate layout's
    for spec in param_layout(config):
        if not spec.name.endswith(".weight"):
            continue  # biases stay 0
        n_out, n_in = spec.shape
        if spec.name == "head.weight":
            rows = orthogonal(config.num_actions, n_in, 0.01, rng) + orthogonal(1, n_in, 1.0, rng)
        else:
            rows = orthogonal(n_out, n_in, output_gains.get(spec.name, math.sqrt(2.0)), rng)
        params[spec.offset : spec.offset + spec.size] = array("f", (x for row in rows for x in row))
    return params
