"""Backward and optimiser kernels vs their numpy twins: linear backward (dW, db, dX with the
activation's backward), global grad norm + clip + finite flag, Adam and its NaN/inf skip.

Twins run in float64 on the same float32 inputs. Sums of K products: rtol 1e-5,
atol 1e-6 * K. Adam: rtol 1e-5 on m, v and the parameter step (plus one rounding of the f32 parameter).
"""

import numpy as np
import pytest

from rl.wgsl import kernels as k
from rl import reference as ref
from kernel_io import read, upload

pytestmark = pytest.mark.gpu
STAT = {name: i for i, name in enumerate(k.STATS)}


@pytest.mark.parametrize("rows", [75, 1000], ids=["one-split", "eight-splits"])
@pytest.mark.parametrize("n_in, n_out, out_stride, out_col", [(45, 36, 36, 0), (45, 36, 39, 2), (8, 33, 35, 1),
                                                             (48, 36, 40, 4), (34, 1, 31, 30), (34, 36, 36, 0)],
                         ids=["own-buffer", "columns-of-wider", "lanes-along-outputs", "vec4-loads", "value-column",
                              "thin-edges"])
def test_linear_backward_weights_and_gradient_sum_match_twin(matmul_kernels, rows, n_in, n_out, out_stride, out_col):
    """Split-K partials of dW, db, added up by gradient_sum, which also leaves the partial sums of g^2.
    45 inputs: the bias column falls inside the second 32-wide tile; 8 -> 33: more outputs than inputs + 1;
    48 -> 36 at column 4 of 40: rows on 4-float boundaries, the vec4-load path (the bias a block of its own:
    of 4 columns in the GPU variant, of 16 in the software one). 34 -> 1 at column 30 of 31: the separate
    layout's value layer; 34 -> 36: blocks with at most 4 outputs or 4 columns of [X | 1] left, which the
    software variant sums alone (inputs 32, 33 and the bias; outputs 32..35)."""
    device, kernels = matmul_kernels
    rng = np.random.default_rng(10)
    wide = rng.normal(size=(rows, out_stride)).astype(np.float32)  # dY is columns out_col.. of it
    dy = wide[:, out_col : out_col + n_out]
    x = rng.normal(size=(rows, n_in)).astype(np.float32)
    sentinel = -7.0
    P = 3 + n_out * n_in + n_out + 2
    splits, _ = k.weight_splits(rows)
    assert splits == (1 if rows == 75 else 8)
    partials = upload(device, np.full(splits * P, sentinel, np.float32))
    grads = k.storage_buffer(device, P, "grads")
    squares = k.storage_buffer(device, k.gradient_threads(P), "squares")
    layer = k.Linear(n_in, n_out, 3, 3 + n_out * n_in, k.ACTIVATION_CODES["tanh"], out_stride, out_col)
    dispatch = k.linear_backward_weights(device, kernels, layer, P, upload(device, wide), upload(device, x), partials)
    k.submit(device, [(dispatch, (rows,)),
                      (k.gradient_sum(device, kernels, P, partials, grads, squares), (splits,))])
    got = read(device, grads, P) / splits  # each split's sentinels add up
    _, dW, db = ref.linear_backward(dy.astype(np.float64), x.astype(np.float64), np.zeros((n_out, n_in)))
    np.testing.assert_allclose(got[3 : 3 + dW.size].reshape(n_out, n_in) * splits, dW, rtol=1e-5, atol=1e-6 * rows)
    np.testing.assert_allclose(got[3 + dW.size : 3 + dW.size + n_out] * splits, db, rtol=1e-5, atol=1e-6 * rows)
    assert got[:3].tolist() == [sentinel] * 3 and got[-2:].tolist() == [sentinel] * 2  # nothing else written
    g = read(device, grads, P).astype(np.float64)
    np.testing.assert_allclose(read(device, squares, k.gradient_threads(P)).sum(), (g * g).sum(), rtol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n_in, n_out, out_stride, out_col, offset",
                         [(37, 70, 70, 0, 2), (37, 70, 71, 1, 2), (64, 31, 31, 0, 6), (36, 68, 72, 4, 4)],
                         ids=["own-buffer", "columns-of-wider", "page-outputs", "vec4-loads"])
def test_linear_backward_input_matches_twins(matmul_kernels, activation, n_in, n_out, out_stride, out_col, offset):
    """Rows of dY and W on 4-float boundaries take the vec4-load path; the others sum over 4 outputs at once
    in the software variant, the last step partly past n_out (70 and the page's 31 outputs: 2 and 3 past)."""
    device, kernels = matmul_kernels
    rng = np.random.default_rng(11)
    rows = 35
    wide = rng.normal(size=(rows, out_stride)).astype(np.float32)  # dY is columns out_col.. of it
    dy = wide[:, out_col : out_col + n_out]
    W = rng.normal(size=(n_out, n_in)).astype(np.float32)
    h = ref.activation_forward(rng.normal(size=(rows, n_in)), activation).astype(np.float32)
    layer = k.Linear(n_in, n_out, offset, 0, k.ACTIVATION_CODES[activation], out_stride, out_col)
    dz = k.storage_buffer(device, rows * n_in, "dz")
    params = np.concatenate([np.zeros(offset, np.float32), W.ravel()])
    dispatch = k.linear_backward_input(device, kernels, layer, upload(device, wide), upload(device, params),
                                       upload(device, h), dz)
    k.submit(device, [(dispatch, (rows,))])
    dx, _, _ = ref.linear_backward(dy.astype(np.float64), np.zeros((rows, n_in)), W.astype(np.float64))
    expected = ref.activation_backward(dx, h.astype(np.float64), activation)
    np.testing.assert_allclose(read(device, dz, rows * n_in).reshape(rows, n_in), expected,
                               rtol=1e-5, atol=1e-6 * n_out)


def run_grad_norm(device, kernels, grads, loss_sums, max_grad_norm):
    """gradient_sum (one split) then grad_norm on stats slot 1 of 2; returns that slot and Adam's step count."""
    P, S = grads.size, len(k.STATS)
    stats = np.full(2 * S, -7.0, np.float32)
    stats[S : S + 6] = loss_sums
    stats_buffer, clock = upload(device, stats), upload(device, [2.0, 0.0, 0.0])
    squares = k.storage_buffer(device, k.gradient_threads(P), "squares")
    k.submit(device, [
        (k.gradient_sum(device, kernels, P, upload(device, grads), k.storage_buffer(device, P, "grads"), squares), (1,)),
        (k.grad_norm(device, kernels, P, squares, stats_buffer, clock), (max_grad_norm, S)),
    ])
    got = read(device, stats_buffer, 2 * S)
    assert got[:S].tolist() == [-7.0] * S  # the other slot untouched
    return dict(zip(k.STATS, got[S:]), steps=read(device, clock, 1)[0])


def test_grad_norm_and_clip_match_twin(device_kernels):
    device, kernels = device_kernels
    grads = np.random.default_rng(12).normal(size=5000).astype(np.float32)
    stats = run_grad_norm(device, kernels, grads, np.arange(6), max_grad_norm=0.5)
    clipped, norm = ref.clip_by_global_norm(grads.astype(np.float64), 0.5)
    np.testing.assert_allclose(stats["grad_norm"], norm, rtol=1e-5)
    np.testing.assert_allclose(stats["clip_scale"], clipped[0] / grads[0], rtol=1e-5)
    assert stats["finite"] == 1.0 and stats["steps"] == 3.0  # a finite step is counted for Adam
    assert run_grad_norm(device, kernels, grads, np.arange(6), max_grad_norm=1e4)["clip_scale"] == 1.0


@pytest.mark.parametrize("where", ["grads nan", "grads inf", "loss nan", "loss inf"])
def test_grad_norm_flags_any_nan_or_inf(device_kernels, where):
    device, kernels = device_kernels
    grads, loss_sums = np.ones(1000, np.float32), np.ones(6, np.float32)
    bad = np.nan if where.endswith("nan") else np.inf
    if where.startswith("grads"):
        grads[777] = bad
    else:
        loss_sums[4] = bad
    stats = run_grad_norm(device, kernels, grads, loss_sums, max_grad_norm=0.5)
    assert stats["finite"] == 0.0 and stats["steps"] == 2.0


def run_adam(device, kernels, params, grads, m, v, scale, finite, step, lr):
    """Adam as the step-th of a clock starting at t = 1 (grad_norm has counted step - 1 steps before
    this one, and this one), reading stats slot 1."""
    stats = np.zeros(2 * len(k.STATS), np.float32)
    stats[len(k.STATS) + STAT["clip_scale"]], stats[len(k.STATS) + STAT["finite"]] = scale, finite
    clock = np.array(k.adam_clock(lr, 1, step + 1), np.float32)
    clock[0] = step
    buffers = [upload(device, a) for a in (params, m, v)]
    dispatch = k.adam(device, kernels, params.size, upload(device, grads), upload(device, stats),
                      upload(device, clock), *buffers)
    k.submit(device, [(dispatch, (len(k.STATS),))])
    return [read(device, b, params.size) for b in buffers]


def test_adam_matches_twin_on_the_clipped_gradient(device_kernels):
    device, kernels = device_kernels
    rng = np.random.default_rng(13)
    P, scale, step, lr = 3003, 0.7, 3, 2.5e-4  # the last of adam.wgsl's threads has 3 of its 4 parameters
    params, grads, m = (rng.normal(size=P).astype(np.float32) for _ in range(3))
    v = rng.random(P).astype(np.float32) * 0.1
    got = run_adam(device, kernels, params, grads, m, v, scale, 1.0, step, lr)
    expected = ref.adam(*(a.astype(np.float64) for a in (params, grads * scale, m, v)), step, lr)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-5, atol=1e-7)
    step_size = np.abs(expected[0] - params)  # the update, judged to rtol 1e-5 plus one f32 rounding of p'
    assert (np.abs(got[0] - expected[0]) <= 1e-5 * step_size + np.spacing(np.abs(params))).all()


def test_adam_leaves_everything_untouched_when_not_finite(device_kernels):
    device, kernels = device_kernels
    rng = np.random.default_rng(14)
    params, grads, m, v = (rng.random(500).astype(np.float32) for _ in range(4))
    grads[3] = np.nan
    got = run_adam(device, kernels, params, grads, m, v, 1.0, 0.0, 1, 1e-3)
    for before, after in zip((params, m, v), got):
        np.testing.assert_array_equal(after, before)
