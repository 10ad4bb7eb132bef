"""Forward-pass kernels vs their numpy twins: gather, tiled linear + activation.

Twins run in float64 on the same float32 inputs; a sum of K products in f32
is allowed an absolute error of 1e-6 * K (terms of order 1) on top of rtol 1e-5.
"""

import numpy as np
import pytest

from rl.soccer.gpu_rollout_source import INDIRECT, Indirect
from rl.wgsl import kernels as k
from rl import reference as ref
from kernel_io import read, upload

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("activation", ["identity", "tanh", "relu"])
@pytest.mark.parametrize("out_stride, out_col", [(35, 0), (41, 4)], ids=["own-buffer", "columns-of-wider"])
@pytest.mark.parametrize("n_in, offset", [(71, 5), (34, 2), (64, 8)], ids=["scalar-loads", "page-inputs", "vec4-loads"])
def test_linear_forward_matches_twin(matmul_kernels, activation, out_stride, out_col, n_in, offset):
    """Rows of X and W on 4-float boundaries (n_in, offset multiples of 4) take the vec4-load path; the others
    (71 and the page's 34 inputs: 3 and 2 past a multiple of 4) the scalar loads, 4 steps of the sum at once in
    the software variant, its last step partly past n_in."""
    device, kernels = matmul_kernels
    rng = np.random.default_rng(0)
    rows, n_out = 37, 35  # not multiples of the 32-wide tile or the 4x4 block
    x = rng.normal(size=(rows, n_in)).astype(np.float32)
    W = (rng.normal(size=(n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
    b = rng.normal(size=n_out).astype(np.float32)
    params = np.concatenate([np.full(offset, 9.0, np.float32), W.ravel(), b])  # offsets != 0
    layer = k.Linear(n_in, n_out, offset, offset + W.size, k.ACTIVATION_CODES[activation], out_stride, out_col)
    sentinel = np.full((rows, out_stride), -7.0, np.float32)
    y_buffer = upload(device, sentinel)
    dispatch = k.linear_forward(device, kernels, layer, upload(device, x), upload(device, params), y_buffer)
    k.submit(device, [(dispatch, (rows,))])
    z = ref.linear_forward(x.astype(np.float64), W.astype(np.float64), b.astype(np.float64))
    expected = sentinel.astype(np.float64)
    expected[:, out_col : out_col + n_out] = z if activation == "identity" else ref.activation_forward(z, activation)
    np.testing.assert_allclose(read(device, y_buffer, rows * out_stride).reshape(rows, out_stride), expected,
                               rtol=1e-5, atol=1e-6 * n_in)  # and the other columns untouched


@pytest.mark.parametrize("counted", [False, True], ids=["tiles-of-the-fullest", "own-rows"])
@pytest.mark.parametrize("n_in, offset", [(64, 4), (34, 1)], ids=["vec4-loads", "scalar-loads"])
def test_linear_forward_slots_match_twin(matmul_kernels, n_in, offset, counted):
    """Grid z = slot (the opponent pool's forward, an indirect dispatch): 5 networks with their own W and
    b at params[z * param_stride + offset ..], slot z's rows its first count[z] of `capacity` (one with
    none), the grid the row tiles of the fullest. Given the counts (slot_rows, the pool's case), every
    slot computes exactly its own rows and writes nothing past them; without, every slot computes all
    the grid's row tiles and nothing past them."""
    device, kernels = matmul_kernels
    rng = np.random.default_rng(3)
    capacity, n_out, counts = 80, 35, [3, 0, 70, 33, 17]  # 1, 0, 3, 2 and 1 row tiles of 32; the grid runs 3
    S = len(counts)
    stride = k.param_stride(offset + n_out * n_in + n_out)
    x = rng.normal(size=(S, capacity, n_in)).astype(np.float32)
    W = (rng.normal(size=(S, n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
    b = rng.normal(size=(S, n_out)).astype(np.float32)
    params = np.full((S, stride), 9.0, np.float32)
    params[:, offset : offset + W[0].size] = W.reshape(S, -1)
    params[:, offset + W[0].size : offset + W[0].size + n_out] = b
    layer = k.Linear(n_in, n_out, offset, offset + W[0].size, k.ACTIVATION_CODES["tanh"], n_out, 0)
    sentinel = np.full((S, capacity, n_out), -7.0, np.float32)
    y_buffer = upload(device, sentinel)
    slot_rows = device.create_buffer(size=4 * S, usage=k.STORAGE, label="slot rows")
    device.queue.write_buffer(slot_rows, 0, np.array(counts, np.uint32).tobytes())
    dispatch = k.linear_forward(device, kernels, layer, upload(device, x), upload(device, params), y_buffer,
                                capacity, stride, slot_rows if counted else None)
    tiles = k.groups(max(counts), k.TILE)
    grid = device.create_buffer(size=16, usage=INDIRECT, label="grid")
    device.queue.write_buffer(grid, 0, np.array([k.groups(n_out, k.TILE), tiles, S, 0], np.uint32).tobytes())
    k.submit(device, [(Indirect(dispatch, grid, 0), (capacity,))])
    y = read(device, y_buffer, sentinel.size).reshape(sentinel.shape)
    for z, count in enumerate(counts):
        computed = count if counted else tiles * k.TILE
        z_ref = ref.linear_forward(x[z].astype(np.float64), W[z].astype(np.float64), b[z].astype(np.float64))
        np.testing.assert_allclose(y[z, :computed], np.tanh(z_ref[:computed]), rtol=1e-5, atol=1e-6 * n_in)
        np.testing.assert_array_equal(y[z, computed:], sentinel[z, computed:])


def test_linear_forward_tanh_saturates_without_nan(matmul_kernels):
    device, kernels = matmul_kernels
    x = np.array([[1e3], [-1e3], [50.0], [0.5]], np.float32)
    layer = k.Linear(1, 1, 0, 1, k.ACTIVATION_CODES["tanh"], 1, 0)
    y_buffer = k.storage_buffer(device, 4, "y")
    dispatch = k.linear_forward(device, kernels, layer, upload(device, x), upload(device, [1.0, 0.0]), y_buffer)
    k.submit(device, [(dispatch, (4,))])
    np.testing.assert_allclose(read(device, y_buffer, 4), np.tanh(x.ravel()), rtol=1e-6)


def test_gather_minibatch_copies_the_indexed_rows(device_kernels):
    device, kernels = device_kernels
    rng = np.random.default_rng(2)
    n, obs_size = 50, 7
    obs = rng.normal(size=(n, obs_size)).astype(np.float32)
    table = rng.normal(size=(len(k.ROLLOUT_COLUMNS), n)).astype(np.float32)
    index = rng.permutation(n)[:23].astype(np.int32)
    rows, start = len(index), 5  # the minibatch's rows start 5 entries into the index buffer
    index_buffer = k.storage_buffer(device, start + n, "index")
    device.queue.write_buffer(index_buffer, 0, np.concatenate([np.full(start, 99, np.int32), index]).tobytes())
    x, minibatch = k.storage_buffer(device, n * obs_size, "x"), k.storage_buffer(device, 5 * n, "minibatch")
    dispatch = k.gather_minibatch(device, kernels, obs_size, n, index_buffer, upload(device, obs),
                                  upload(device, table), x, minibatch)
    k.submit(device, [(dispatch, (rows, start))])
    np.testing.assert_array_equal(read(device, x, rows * obs_size).reshape(rows, obs_size), obs[index])
    np.testing.assert_array_equal(read(device, minibatch, 5 * rows).reshape(5, rows), table[:5, index])
