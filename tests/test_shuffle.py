"""Minibatches drawn on the backend (rl/shuffle.py): the GPU's keyed permutation (shaders/shuffle_rows.wgsl)
against its twin (rl.reference.shuffled_rows), the twin's statistics, and PPO's use of it."""

import asyncio
from array import array

import numpy as np
import pytest

from rl import reference as ref
from rl.config import PPOConfig
from rl.model import ModelConfig, init_params
from rl.numpy_backend import NumpyBackend
from rl.ppo import PPOLearner
from rl.rollout import Rollout
from rl.shuffle import BACKEND_DRAW_MIN_ROWS, ShuffledMinibatches, drawn_on_backend, half_bits
from rl.wgsl import kernels as k


def gpu_orders(device, kernels, rows: int, keys: list) -> np.ndarray:
    """shuffle_rows once: every epoch's order, [len(keys), rows]."""
    keys_buffer = k.storage_buffer(device, len(keys), "keys")
    device.queue.write_buffer(keys_buffer, 0, array("I", keys))
    index = k.storage_buffer(device, rows * len(keys), "index")
    k.submit(device, [(k.shuffle_rows(device, kernels, rows, keys_buffer, index), (len(keys),))])
    data = asyncio.run(device.read_buffer(index, 0, 4 * rows * len(keys)))
    return np.frombuffer(data, np.int32).reshape(len(keys), rows)


@pytest.mark.gpu
@pytest.mark.parametrize("rows", [1, 2, 5, 64, 4096, 4097, 65_536 * 3 + 11])
def test_gpu_shuffle_is_its_twin(device_kernels, rows):
    device, kernels = device_kernels
    keys = [0, 1, 0xDEADBEEF]
    orders = gpu_orders(device, kernels, rows, keys)
    for order, key in zip(orders, keys):
        np.testing.assert_array_equal(order, ref.shuffled_rows(rows, key))
        np.testing.assert_array_equal(np.sort(order), np.arange(rows))  # a permutation
    if rows >= 64:
        assert not np.array_equal(orders[0], orders[1])


@pytest.mark.gpu
def test_gpu_shuffle_past_one_grid_row(device_kernels):
    """More rows than 65,535 workgroups of 64 threads: the grid folds into a second dimension."""
    device, kernels = device_kernels
    rows = 65_535 * 64 + 100
    dispatch = k.shuffle_rows(device, kernels, rows, k.storage_buffer(device, 1, "keys"),
                              k.storage_buffer(device, rows, "index"))
    assert dispatch.plan(1)[1] == (65_535, 2, 1)
    order = gpu_orders(device, kernels, rows, [7])[0]
    np.testing.assert_array_equal(order, ref.shuffled_rows(rows, 7))


def test_half_bits_covers_the_rows():
    for rows in (1, 2, 3, 4, 5, 16, 17, 4096, 4097, 2**20):
        h = half_bits(rows)
        assert 4 ** h >= rows and (h == 1 or 4 ** (h - 1) < rows)


def test_the_twin_draws_every_order_about_equally():
    """Small N: each row lands in each position about equally often (chi-square over 3,000 keys)."""
    rows, keys = 5, 3000
    counts = np.zeros((rows, rows))
    for key in range(keys):
        counts[np.arange(rows), ref.shuffled_rows(rows, key)] += 1
    expected = keys / rows
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 46.9  # the 0.999 quantile with (5 - 1)^2 = 16 degrees of freedom


def test_the_twin_does_not_keep_neighbours_together():
    """N = 64 in 16 minibatches of 4: rows i and i + 1 share a minibatch with probability 3/63 by chance
    (four Feistel rounds gave 5.56% here, rl/shuffle.py; eight must stay within 3 standard errors)."""
    rows, size, keys = 64, 4, 3000
    together = 0
    for key in range(keys):
        position = np.empty(rows, np.int64)
        position[ref.shuffled_rows(rows, key)] = np.arange(rows)
        minibatch = position // size
        together += int(np.sum(minibatch[:-1] == minibatch[1:]))
    pairs = keys * (rows - 1)
    chance = (size - 1) / (rows - 1)
    assert abs(together / pairs - chance) < 3 * np.sqrt(chance * (1 - chance) / pairs)


def test_plan_bounds_are_the_host_split():
    plan = ShuffledMinibatches(10, (1, 2), 3)
    assert plan.bounds() == [(0, 3), (3, 3), (6, 4), (10, 3), (13, 3), (16, 4)]
    assert ShuffledMinibatches(2, (5,), 4).bounds() == [(0, 1), (1, 1)]  # empty minibatches left out
    for bad in [dict(rows=0, keys=(1,), num_minibatches=1), dict(rows=4, keys=(), num_minibatches=1),
                dict(rows=4, keys=(2**32,), num_minibatches=1), dict(rows=4, keys=(1,), num_minibatches=0)]:
        with pytest.raises(ValueError):
            ShuffledMinibatches(**bad)


MODEL = ModelConfig(6, 3, (8,))


def make_rollout(T=4, E=8, valid=None, seed=0) -> Rollout:
    rng = np.random.default_rng(seed)
    n = T * E
    floats = lambda values: array("f", np.asarray(values, np.float32).tobytes())
    return Rollout(T, E, floats(rng.normal(size=n * MODEL.obs_size)), array("i", rng.integers(0, 3, n).tolist()),
                   floats(rng.normal(size=n) - 1.0), floats(rng.normal(size=n)), floats(rng.normal(size=n)),
                   floats(rng.normal(size=n)), floats(rng.random(n) < 0.1),
                   floats(np.ones(n) if valid is None else valid))


class OnBackend(Rollout):
    shuffled_on_backend = True


def test_ppo_sends_keys_for_a_large_rollout_on_the_backend():
    """A rollout on the backend of at least the learner's backend_draw_min_rows rows (its 32 here) gets one
    key per epoch and the twin's minibatches: the same update as host indices cut from the twin's orders."""
    config = PPOConfig(num_envs=8, num_steps=4, num_minibatches=4, update_epochs=2, seed=5)

    async def run():
        drawn, expected = NumpyBackend(MODEL), NumpyBackend(MODEL)
        params = init_params(MODEL, 1)
        await drawn.load_params(params)
        await expected.load_params(params)
        learner = PPOLearner(drawn, config, backend_draw_min_rows=32)
        calls = []
        train_shuffled = drawn.train_shuffled
        drawn.train_shuffled = lambda plan, lr, cfg: calls.append(plan) or train_shuffled(plan, lr, cfg)
        await learner.update(OnBackend(**vars(make_rollout())), 1e-2)
        (plan,) = calls
        assert plan.rows == 32 and len(plan.keys) == 2 and plan.num_minibatches == 4
        rollout = make_rollout()
        await expected.set_rollout(rollout)
        await expected.compute_advantages(config.gamma, config.gae_lambda)
        order = np.concatenate([ref.shuffled_rows(32, key) for key in plan.keys])
        await expected.train_minibatches([array("i", order[s:s + n].tolist()) for s, n in plan.bounds()], 1e-2,
                                         config)
        return np.array(await drawn.get_params()), np.array(await expected.get_params()), np.array(params)

    drawn, expected, before = asyncio.run(run())
    np.testing.assert_array_equal(drawn, expected)
    assert np.abs(drawn - before).max() > 1e-4


def test_ppo_shuffles_a_small_rollout_on_the_backend_on_the_host():
    """Below the learner's backend_draw_min_rows (33 here, the rollout has 32; the default is
    BACKEND_DRAW_MIN_ROWS) a rollout on the backend is shuffled on the host as any other: the same calls
    and update as the same rows in a host rollout."""
    config = PPOConfig(num_envs=8, num_steps=4, num_minibatches=4, update_epochs=2, seed=5)

    async def run(rollout):
        backend = NumpyBackend(MODEL)
        await backend.load_params(init_params(MODEL, 1))
        backend.train_shuffled = lambda *args: pytest.fail("a small rollout was drawn from keys")
        await PPOLearner(backend, config, backend_draw_min_rows=33).update(rollout, 1e-2)
        return np.array(await backend.get_params())

    assert not drawn_on_backend(OnBackend(**vars(make_rollout())), BACKEND_DRAW_MIN_ROWS)
    assert drawn_on_backend(OnBackend(**vars(make_rollout())), 32) and not drawn_on_backend(make_rollout(), 1)
    np.testing.assert_array_equal(asyncio.run(run(OnBackend(**vars(make_rollout())))),
                                  asyncio.run(run(make_rollout())))


def test_a_plan_over_invalid_rows_is_refused():
    async def run():
        backend = NumpyBackend(MODEL)
        await backend.load_params(init_params(MODEL, 1))
        await backend.set_rollout(make_rollout(valid=[1.0] * 31 + [0.0]))
        await backend.compute_advantages(0.99, 0.95)
        await backend.train_shuffled(ShuffledMinibatches(32, (1,), 2), 1e-3, PPOConfig(num_envs=8, num_steps=4))

    with pytest.raises(ValueError, match="31 valid"):
        asyncio.run(run())


@pytest.mark.gpu
def test_gpu_backend_trains_the_plan_as_the_numpy_backend(device_kernels):
    """GPUBackend.train_shuffled (orders drawn on the GPU) against NumpyBackend.train_shuffled (the twin's)."""
    from rl.wgsl.backend import GPUBackend
    device, kernels = device_kernels
    config = PPOConfig(num_envs=8, num_steps=4, num_minibatches=4, update_epochs=2)
    plan = ShuffledMinibatches(32, (11, 12), 3)

    async def run(backend):
        await backend.load_params(init_params(MODEL, 1))
        await backend.set_rollout(make_rollout())
        await backend.compute_advantages(config.gamma, config.gae_lambda)
        stats = await backend.train_shuffled(plan, 1e-2, config)
        with pytest.raises(ValueError, match="31 rows"):
            await backend.train_shuffled(ShuffledMinibatches(31, (1,), 2), 1e-2, config)
        return stats, np.array(await backend.get_params())

    gpu_stats, gpu_params = asyncio.run(run(GPUBackend(device, kernels, MODEL)))
    numpy_stats, numpy_params = asyncio.run(run(NumpyBackend(MODEL)))
    np.testing.assert_allclose(gpu_params, numpy_params, atol=1e-5)
    assert len(gpu_stats) == len(numpy_stats) == 6  # 2 epochs x 3 minibatches
    for got, expected in zip(gpu_stats, numpy_stats):
        assert got["policy_loss"] == pytest.approx(expected["policy_loss"], abs=1e-5)
