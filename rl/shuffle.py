"""Minibatches drawn where the rollout is: one keyed permutation of its rows per epoch.

PPO shuffles the rollout's rows every epoch and cuts the order into
num_minibatches near-equal parts (rl/ppo.py). For a rollout the host holds,
the learner shuffles on the host (random.Random, the numpy engine's
bit-exact order). For a rollout already on the GPU (a DeviceRollout: every
row valid) that would be the one per-row cost left on the host, O(N) Python
per epoch (about 0.2 s per epoch of 524,288 rows in CPython, three times
that in Pyodide), so there the learner sends only one 32-bit key per epoch
and the backend draws the order itself:

    order_e = pi_{keys[e]}(0 .. N-1)      a keyed pseudo-random permutation of [0, N)
    minibatch k of epoch e = order_e[k N // M : (k + 1) N // M]      (M = num_minibatches)

pi is an eight-round Feistel network on 2h bits (2^(2h) >= N) with pcg4d as
its round function, restricted to [0, N) by cycle walking: shaders/shuffle_rows.wgsl
on the GPU, rl/reference.py `shuffled_rows` (numpy) as its twin and for the
numpy backend. Four rounds make a pseudo-random permutation as the width
grows (Luby & Rackoff), but at a rollout's widths they measurably kept
neighbouring rows together: over 3,000 keys at N = 64 cut into 16
minibatches, rows i and i + 1 shared a minibatch 5.56% of the time against
4.76% by chance; with eight rounds 4.79% (tests/test_shuffle.py checks this).

Both backends give the same minibatches for the same keys, so their updates
agree as with host indices. The orders differ from the host shuffle's draw
for draw, not in distribution (uniform over orders, as far as a
pseudo-random permutation is uniform).

Only a large rollout is drawn this way (`drawn_on_backend`: at least
BACKEND_DRAW_MIN_ROWS rows). At the page's 4,096 rows the host's shuffle
costs little (a few hundredths of a second-long update in Pyodide), and the
page started later with the keyed draw than with the host's on both seeds
tried: seed 1 stood at 0.20 of decided matches against the scripted player
after 20 minutes, against 0.60 after 12.6; seed 2 won first after 11.8
minutes against 3.2 (docs/learning_curve.md). That is one training
trajectory each (the page's training is deterministic for a seed), and no
fault was found: the GPU's orders equal the twin's and its update
equals the host-indexed one bit for bit in Chromium, the orders' statistics
match a uniform shuffle's, and headless runs at the page's shape learned as
well with keys as without over six seeds. So the keyed draw is kept where
it pays, on the large batches of a real GPU, where its learning on the GPU
engine has yet to be compared with the host's draw.
"""

from dataclasses import dataclass

BACKEND_DRAW_MIN_ROWS = 65_536
"""PPOLearner's default: rows from which a rollout on the backend has its minibatches drawn there (1,024
envs x 64 steps), where the host's shuffle costs a fifth of a second per update in Pyodide
(bench/bench_update_host.py)."""


def drawn_on_backend(rollout, min_rows: int) -> bool:
    """Whether PPOLearner sends `rollout`'s backend keys instead of host-shuffled rows: it is on a backend
    that draws (`Rollout.shuffled_on_backend`) and has at least `min_rows` rows."""
    return rollout.shuffled_on_backend and rollout.num_steps * rollout.num_envs >= min_rows


def half_bits(rows: int) -> int:
    """h: the Feistel network's half width, the smallest with 2^(2h) >= rows (at least 1)."""
    bits = max(1, (rows - 1).bit_length())
    return (bits + 1) // 2


@dataclass(frozen=True)
class ShuffledMinibatches:
    """Every minibatch of one backend call, as epochs of a keyed permutation of all the rollout's rows."""

    rows: int
    """N: the rollout's rows (T x E), every one valid."""
    keys: tuple
    """One 32-bit key per epoch, in order: epoch e's order is pi_{keys[e]} (module docstring)."""
    num_minibatches: int
    """M: the parts each epoch's order is cut into."""

    def __post_init__(self):
        if self.rows < 1 or self.num_minibatches < 1 or not self.keys:
            raise ValueError(f"ShuffledMinibatches needs rows, num_minibatches and keys, got {self}")
        if any(not 0 <= key < 2**32 for key in self.keys):
            raise ValueError(f"shuffle keys must be 32-bit unsigned, got {self.keys}")

    def bounds(self) -> list[tuple[int, int]]:
        """(start, rows) of every minibatch in the concatenated orders [epochs * N], epoch by epoch; a
        minibatch with no rows (N < M) is left out, as the host path leaves it out."""
        n, m = self.rows, self.num_minibatches
        return [(e * n + k * n // m, (k + 1) * n // m - k * n // m)
                for e in range(len(self.keys)) for k in range(m) if (k + 1) * n // m > k * n // m]
