"""GPU action sampling (shaders/sample_actions.wgsl) against its twin and against rl.rollout.sample_actions.

The kernel draws with Gumbel-max over a counter-based hash, the collector by
inverse CDF over Python's RNG: the draws differ, the distribution must not.
"""

import math
import random
from array import array

import numpy as np
import pytest

from kernel_io import read, upload
from rl import reference as ref
from rl.rollout import sample_actions
from rl.wgsl import kernels as k

pytestmark = pytest.mark.gpu

A = 30
CHI2_CRITICAL_29_DOF = 58.30  # chi-square quantile 0.999 with A - 1 = 29 degrees of freedom


def gpu_sample(device, kernels, out, ids, seed, step, stream, t=0, offset=0, t_stride=0, column_rows=None):
    """Run the kernel once; returns the table [3, column_rows]."""
    rows = len(out)
    column_rows = column_rows or rows
    clock = device.create_buffer(size=8, usage=k.STORAGE, label="clock")
    device.queue.write_buffer(clock, 0, array("I", [t, step]))
    ids_buffer = device.create_buffer(size=4 * rows, usage=k.STORAGE, label="ids")
    device.queue.write_buffer(ids_buffer, 0, np.asarray(ids, np.uint32).tobytes())
    table = k.storage_buffer(device, 3 * column_rows, "table")
    dispatch = k.sample_actions(device, kernels, A, seed, stream, column_rows, offset, t_stride, upload(device, out),
                                clock, ids_buffer, table)
    k.submit(device, [(dispatch, (rows,))])
    return read(device, table, 3 * column_rows).reshape(3, column_rows)


def test_sampling_matches_twin(device_kernels):
    device, kernels = device_kernels
    rng = np.random.default_rng(0)
    rows, t, stride, offset = 500, 3, 512, 7
    out = (2.0 * rng.normal(size=(rows, A + 1))).astype(np.float32)
    ids = rng.permutation(10_000)[:rows]
    table = gpu_sample(device, kernels, out, ids, seed=12345, step=987, stream=1, t=t, offset=offset,
                       t_stride=stride, column_rows=offset + (t + 1) * stride)
    start = offset + t * stride
    actions, logprobs, values = table[:, start:start + rows]
    twin_actions, _, twin_values = ref.sample_actions_gumbel(out, 12345, 987, ids, 1)
    np.testing.assert_array_equal(actions, twin_actions)
    logp = ref.log_softmax(out[:, :A].astype(np.float64))
    np.testing.assert_allclose(logprobs, logp[np.arange(rows), twin_actions], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(values, twin_values)
    assert not table[:, :start].any() and not table[:, start + rows:].any()  # only its own block written


def chi2(counts, expected) -> float:
    return float(((counts - expected) ** 2 / expected).sum())


def test_sampling_distribution_matches_the_collector(device_kernels):
    """Per logits row, 20,000 GPU draws (one per id) and 20,000 rl.rollout.sample_actions draws: each
    fits softmax(logits), and the two fit each other (chi-square, 29 dof, p = 0.001; fixed seeds)."""
    device, kernels = device_kernels
    rng = np.random.default_rng(1)
    n = 20_000
    for scale in (0.3, 1.0, 1.5):
        logits = (scale * rng.normal(size=A)).astype(np.float32)
        probs = np.exp(ref.log_softmax(logits[None].astype(np.float64)))[0]
        out = np.tile(np.append(logits, 0.5).astype(np.float32), (n, 1))
        gpu_actions = gpu_sample(device, kernels, out, np.arange(n), seed=7, step=3, stream=0)[0].astype(int)
        cpu_actions, cpu_logprobs = sample_actions(array("f", out[:, :A].tobytes()), A, random.Random(7))
        gpu_counts = np.bincount(gpu_actions, minlength=A)
        cpu_counts = np.bincount(cpu_actions, minlength=A)
        assert chi2(gpu_counts, n * probs) < CHI2_CRITICAL_29_DOF
        assert chi2(cpu_counts, n * probs) < CHI2_CRITICAL_29_DOF
        pooled = (gpu_counts + cpu_counts) / (2 * n)  # two-sample homogeneity
        assert chi2(gpu_counts, n * pooled) + chi2(cpu_counts, n * pooled) < CHI2_CRITICAL_29_DOF
        assert math.isclose(cpu_logprobs[0], math.log(probs[cpu_actions[0]]), rel_tol=1e-5)


def test_draws_depend_on_seed_step_id_and_stream(device_kernels):
    device, kernels = device_kernels
    out = np.zeros((4000, A + 1), np.float32)  # uniform policy: any dependence shows as different draws
    base = gpu_sample(device, kernels, out, np.arange(4000), seed=1, step=1, stream=0)[0]
    assert (base == gpu_sample(device, kernels, out, np.arange(4000), seed=1, step=1, stream=0)[0]).all()
    for change in (dict(seed=2, step=1, stream=0), dict(seed=1, step=2, stream=0), dict(seed=1, step=1, stream=1)):
        other = gpu_sample(device, kernels, out, np.arange(4000), **change)[0]
        assert (other == base).mean() < 0.1  # 1/30 by chance
    shifted = gpu_sample(device, kernels, out, np.arange(1, 4001), seed=1, step=1, stream=0)[0]
    assert (shifted[:-1] == base[1:]).all()  # a draw follows its id, not its position
