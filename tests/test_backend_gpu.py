"""The WGSL learner backend against the numpy backend: same rollout, same minibatch order.

Tolerances: act outputs rtol 1e-5 / atol 1e-6; per-minibatch stats rtol 1e-4
/ atol 1e-6 (f32 sums in a different order); parameters after a full update
(16 Adam steps) atol 1e-5 — Adam's step is at most ~lr = 2.5e-4 per update,
so this still catches any wrong sign, scale or skipped step.
"""

import asyncio
import math
from array import array

import numpy as np
import pytest

import gpu
from rl import numpy_backend as numpy_module
from rl.wgsl import backend as wgsl_module
from rl.optimizer_state import OptimizerState
from rl.config import PPOConfig
from rl.model import ModelConfig, init_params, num_params
from rl.ppo import PPOLearner
from rl.rollout import Rollout

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def device():
    return asyncio.run(gpu.request_device(label="backend tests"))


def f32(values) -> array:
    return array("f", np.asarray(values, np.float32).tobytes())


def synthetic_rollout(T, E, config: ModelConfig, seed) -> Rollout:
    """Random but plausible rollout: old log-probs near log(1/A), ~10% episode ends, ~10% invalid rows."""
    rng = np.random.default_rng(seed)
    n = T * E
    actions = rng.integers(0, config.num_actions, n).astype(np.int32)
    return Rollout(T, E, f32(rng.normal(size=n * config.obs_size)), array("i", actions.tobytes()),
                   f32(-math.log(config.num_actions) + 0.3 * rng.normal(size=n)), f32(rng.normal(size=n)),
                   f32(rng.normal(size=n)), f32(rng.normal(size=n)), f32(rng.random(n) < 0.1),
                   f32(rng.random(n) > 0.1))


def backends(device, model_config, seed=3):
    async def make():
        pair = (await numpy_module.create_backend(model_config),
                await wgsl_module.create_backend(model_config, device))
        for backend in pair:
            await backend.load_params(init_params(model_config, seed))
        return pair

    return asyncio.run(make())


def params_of(backend) -> np.ndarray:
    return np.array(asyncio.run(backend.get_params()), np.float32)


@pytest.mark.parametrize("layout", ["shared", "separate"])
def test_act_matches_numpy_backend_and_ignores_rows_past_n(device, layout):
    model_config = ModelConfig(obs_size=9, num_actions=5, hidden_sizes=(20, 17), layout=layout)
    numpy_backend, gpu_backend = backends(device, model_config)
    obs = f32(np.random.default_rng(0).normal(size=(12, 9)))
    for n in (3, 12, 7):  # the acting buffers grow once, then are reused for fewer rows
        expected = asyncio.run(numpy_backend.forward(obs, n))
        got = asyncio.run(gpu_backend.forward(obs, n))
        for g, e in zip(got, expected):
            assert len(g) == len(e)
            np.testing.assert_allclose(np.array(g), np.array(e), rtol=1e-5, atol=1e-6)


CONFIGS = [
    (ModelConfig(obs_size=11, num_actions=7, hidden_sizes=(32, 24), activation="tanh"),
     PPOConfig(num_envs=4, num_steps=32, num_minibatches=4, update_epochs=4)),
    (ModelConfig(obs_size=6, num_actions=30, hidden_sizes=(40,), activation="relu"),
     PPOConfig(num_envs=3, num_steps=40, num_minibatches=2, update_epochs=3, clip_vloss=False, norm_adv=False,
               ent_coef=0.05)),
    (ModelConfig(obs_size=11, num_actions=7, hidden_sizes=(32, 24), activation="tanh", layout="separate"),
     PPOConfig(num_envs=4, num_steps=32, num_minibatches=4, update_epochs=4)),
    (ModelConfig(obs_size=6, num_actions=30, hidden_sizes=(40,), activation="relu", layout="separate"),
     PPOConfig(num_envs=3, num_steps=40, num_minibatches=2, update_epochs=3, clip_vloss=False, norm_adv=False,
               ent_coef=0.05)),
    # 1,088-row minibatches: split-K partials per weight gradient (9 on a real GPU, 2 on a software adapter:
    # kernels.split_rows); target_kl = 1e-9 stops after one epoch, whose two minibatches are one submission
    (ModelConfig(obs_size=11, num_actions=7, hidden_sizes=(33, 5), activation="tanh", layout="separate"),
     PPOConfig(num_envs=8, num_steps=272, num_minibatches=2, update_epochs=3, target_kl=1e-9)),
]


@pytest.mark.parametrize("model_config, ppo_config", CONFIGS,
                         ids=["tanh-clip_vloss-norm_adv", "relu-plain", "separate-tanh-clip_vloss-norm_adv",
                              "separate-relu-plain", "separate-split-k-target_kl"])
def test_full_update_matches_numpy_backend(device, model_config, ppo_config):
    results = []
    for backend in backends(device, model_config):
        learner = PPOLearner(backend, ppo_config)
        rollout = synthetic_rollout(ppo_config.num_steps, ppo_config.num_envs, model_config, seed=1)
        metrics = asyncio.run(learner.update(rollout, learning_rate=2.5e-4))
        results.append((metrics, params_of(backend), backend))
    (expected, expected_params, numpy_backend), (got, got_params, gpu_backend) = results
    assert got.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-4, atol=1e-6, err_msg=name)
    epochs = 1 if ppo_config.target_kl == 1e-9 else ppo_config.update_epochs
    assert gpu_backend.adam_step == numpy_backend.adam_step == epochs * ppo_config.num_minibatches
    assert np.abs(got_params - np.array(init_params(model_config, 3))).max() > 1e-4  # it did learn
    np.testing.assert_allclose(got_params, expected_params, rtol=0, atol=1e-5)


def test_optimizer_state_round_trip_and_the_next_step_matches_numpy(device_kernels):
    """set_optimizer_state writes Adam's m, v, t to the GPU (get reads them back) and Adam then uses them."""
    device, kernels = device_kernels
    model_config = ModelConfig(obs_size=5, num_actions=3, hidden_sizes=(8,))
    ppo = PPOConfig(num_envs=2, num_steps=8, num_minibatches=2, update_epochs=1)
    P = num_params(model_config)
    rng = np.random.default_rng(0)
    state = OptimizerState(f32(rng.normal(0, 1e-2, P)), f32(rng.random(P) * 1e-4), step=7)

    async def main():
        gpu_backend = wgsl_module.GPUBackend(device, kernels, model_config)
        numpy_backend = numpy_module.NumpyBackend(model_config)
        for backend in (gpu_backend, numpy_backend):
            await backend.load_params(init_params(model_config, 3))
            await backend.set_optimizer_state(state)
        assert await gpu_backend.get_optimizer_state() == state
        rollout = synthetic_rollout(ppo.num_steps, ppo.num_envs, model_config, seed=1)
        for backend in (gpu_backend, numpy_backend):
            await backend.set_rollout(rollout)
            await backend.compute_advantages(ppo.gamma, ppo.gae_lambda)
            assert (await backend.train_minibatch(array("i", range(8)), 1e-3, ppo))["finite"]
        got, expected = await gpu_backend.get_optimizer_state(), await numpy_backend.get_optimizer_state()
        assert got.step == expected.step == 8
        np.testing.assert_allclose(np.array(got.m), np.array(expected.m), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(np.array(got.v), np.array(expected.v), rtol=1e-4, atol=1e-9)
        np.testing.assert_allclose(np.array(await gpu_backend.get_params()), np.array(await numpy_backend.get_params()),
                                   atol=1e-5)
        await gpu_backend.load_params(init_params(model_config, 3))  # load_params resets Adam
        reset = await gpu_backend.get_optimizer_state()
        assert reset.step == 0 and not any(reset.m) and not any(reset.v)
        with pytest.raises(ValueError, match=f"m has {P - 1} values, the model has {P}"):
            await gpu_backend.set_optimizer_state(OptimizerState(state.m[:-1], state.v, 7))
        with pytest.raises(ValueError, match="step must be an int >= 0"):
            await gpu_backend.set_optimizer_state(OptimizerState(state.m, state.v, -1))

    asyncio.run(main())


def test_minibatch_stats_match_and_rollout_size_can_change(device):
    model_config, ppo_config = CONFIGS[0]
    numpy_backend, gpu_backend = backends(device, model_config)
    for T, E in ((16, 2), (8, 5)):
        rollout = synthetic_rollout(T, E, model_config, seed=T)
        for backend in (numpy_backend, gpu_backend):
            asyncio.run(backend.set_rollout(rollout))
            asyncio.run(backend.compute_advantages(0.99, 0.95))
        np.testing.assert_allclose(asyncio.run(gpu_backend.explained_variance()),
                                   asyncio.run(numpy_backend.explained_variance()), rtol=1e-4, atol=1e-6)
        indices = array("i", list(rollout.valid_indices())[::2])
        expected = asyncio.run(numpy_backend.train_minibatch(indices, 1e-3, ppo_config))
        got = asyncio.run(gpu_backend.train_minibatch(indices, 1e-3, ppo_config))
        assert got.keys() == expected.keys() and got["finite"] is True
        for name in expected:
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(params_of(gpu_backend), params_of(numpy_backend), rtol=0, atol=1e-6)


def test_minibatch_scratch_holds_the_largest_minibatch_not_the_rollout_and_grows(device):
    """The scratch (activations, gathered columns, loss terms) is sized by the largest minibatch trained on,
    not the rollout's rows, grows when a larger one comes (minibatches of 8 rows, then 40, then 8 again),
    and every step still matches the numpy backend's."""
    model_config, ppo_config = CONFIGS[0]
    numpy_backend, gpu_backend = backends(device, model_config)
    rollout = synthetic_rollout(16, 8, model_config, seed=5)
    for backend in (numpy_backend, gpu_backend):
        asyncio.run(backend.set_rollout(rollout))
        asyncio.run(backend.compute_advantages(0.99, 0.95))
    valid = list(rollout.valid_indices())
    scratch_rows = []
    for size in (8, 40, 8):
        minibatches = [array("i", valid[start:start + size]) for start in (0, size)]
        expected = asyncio.run(numpy_backend.train_minibatches(minibatches, 1e-3, ppo_config))
        got = asyncio.run(gpu_backend.train_minibatches(minibatches, 1e-3, ppo_config))
        for want, have in zip(expected, got):
            for name in want:
                np.testing.assert_allclose(have[name], want[name], rtol=1e-4, atol=1e-6, err_msg=name)
        scratch_rows.append((gpu_backend.rollout.scratch_rows, gpu_backend.rollout.network.capacity))
    assert scratch_rows == [(8, 8), (40, 40), (40, 40)] and gpu_backend.rollout.rows == 128
    np.testing.assert_allclose(params_of(gpu_backend), params_of(numpy_backend), rtol=0, atol=1e-5)


def test_an_update_of_many_minibatches_records_its_second_time_with_no_new_bind_groups(device):
    """Past MAX_SLOTS minibatches in one submission, the per-minibatch kernels keep a uniform per minibatch:
    the same update again reuses every bind group (the page's large batches make none per update)."""
    from rl.shuffle import ShuffledMinibatches
    from rl.wgsl import kernels as k
    model_config, ppo_config = CONFIGS[0]
    _, gpu_backend = backends(device, model_config)
    rollout = synthetic_rollout(16, 4, model_config, seed=1)
    rollout.valid = f32(np.ones(64))
    asyncio.run(gpu_backend.set_rollout(rollout))
    asyncio.run(gpu_backend.compute_advantages(0.99, 0.95))
    plan = ShuffledMinibatches(64, tuple(range(9)), 32)  # 288 minibatches of two rows
    assert len(plan.bounds()) > k.MAX_SLOTS

    def bind_groups():
        r, b = gpu_backend.rollout, gpu_backend
        return {id(group) for dispatch in (r.gather, b.loss_totals[1], b.grad_norm, b.adam)
                for _, group, _ in dispatch.slots.values()}

    asyncio.run(gpu_backend.train_shuffled(plan, 1e-3, ppo_config))
    first = bind_groups()
    stats = asyncio.run(gpu_backend.train_shuffled(plan, 1e-3, ppo_config))
    assert len(first) == 4 * len(plan.bounds()) and bind_groups() == first
    assert len(stats) == 288 and all(s["finite"] for s in stats)


def test_nan_minibatch_is_skipped_counted_and_last_good_params_kept(device):
    model_config, ppo_config = CONFIGS[0]
    rollout = synthetic_rollout(ppo_config.num_steps, ppo_config.num_envs, model_config, seed=2)
    poisoned_row = next(iter(rollout.valid_indices()))
    rollout.obs[poisoned_row * model_config.obs_size] = math.nan
    numpy_backend, gpu_backend = backends(device, model_config)
    clean = array("i", [i for i in rollout.valid_indices() if i != poisoned_row][:40])
    poisoned = array("i", [poisoned_row]) + clean[:20]

    async def steps(backend):
        await backend.set_rollout(rollout)
        await backend.compute_advantages(0.99, 0.95)
        first = await backend.train_minibatch(clean, 1e-3, ppo_config)
        before = await backend.get_params()
        skipped = await backend.train_minibatch(poisoned, 1e-3, ppo_config)
        after_skip = await backend.get_params()
        last = await backend.train_minibatch(clean, 1e-3, ppo_config)
        return first, before, skipped, after_skip, last, backend.adam_step

    first, before, skipped, after_skip, last, adam_step = asyncio.run(steps(gpu_backend))
    assert first["finite"] and last["finite"] and skipped["finite"] is False
    assert after_skip == before  # bit for bit
    assert adam_step == 2  # the skipped step is not counted
    numpy_first, _, numpy_skipped, _, numpy_last, _ = asyncio.run(steps(numpy_backend))
    assert numpy_skipped["finite"] is False
    for name in ("policy_loss", "value_loss", "grad_norm"):  # the third step saw untouched Adam m, v and t
        np.testing.assert_allclose(last[name], numpy_last[name], rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(params_of(gpu_backend), params_of(numpy_backend), rtol=0, atol=1e-6)

    async def one_submission(backend):  # a skipped minibatch between good ones, all in one GPU submission
        await backend.load_params(init_params(model_config, 3))
        stats = await backend.train_minibatches([clean, poisoned, clean, clean[:30]], 1e-3, ppo_config)
        return [s["finite"] for s in stats], stats[-1], backend.adam_step

    got_finite, got_last, got_steps = asyncio.run(one_submission(gpu_backend))
    expected_finite, expected_last, expected_steps = asyncio.run(one_submission(numpy_backend))
    assert got_finite == expected_finite == [True, False, True, True] and got_steps == expected_steps == 3
    for name in ("policy_loss", "value_loss", "grad_norm"):  # Adam's t counted on the GPU skips the NaN step
        np.testing.assert_allclose(got_last[name], expected_last[name], rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(params_of(gpu_backend), params_of(numpy_backend), rtol=0, atol=1e-6)

    learner = PPOLearner(gpu_backend, ppo_config)  # the learner counts skipped minibatches
    metrics = asyncio.run(learner.update(rollout, 1e-3))
    assert metrics["skipped_updates"] == ppo_config.update_epochs  # one poisoned minibatch per epoch



@pytest.mark.slow
def test_cartpole_reaches_475_with_the_gpu_backend(device):
    """The peer benchmark of tests/test_rl_cartpole.py (same hyperparameters and criterion) on the WGSL backend:
    a 10-update rolling mean of the episodic return reaches 475, ends >= 475, and the greedy policy scores >= 475."""
    import gymnasium as gym
    from cartpole_check import greedy_return, rolling_returns
    from rl import train

    config = PPOConfig(learning_rate=1e-3, num_envs=8, num_steps=32, num_minibatches=1, update_epochs=20,
                       gamma=0.98, gae_lambda=0.8, ent_coef=0.0, seed=1)
    model_config = ModelConfig(obs_size=4, num_actions=2, hidden_sizes=(64, 64))
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * config.num_envs)
    backend = asyncio.run(wgsl_module.create_backend(model_config, device))
    policy, history = train(envs, config, total_steps=150_000, backend=backend, model_config=model_config)
    rolling = [mean for _, mean in rolling_returns(history)]
    assert max(rolling) >= 475 and rolling[-1] >= 475, f"rolling mean: best {max(rolling):.1f}, last {rolling[-1]:.1f}"
    assert history[-1]["skipped_updates"] == 0
    assert greedy_return(policy) >= 475
