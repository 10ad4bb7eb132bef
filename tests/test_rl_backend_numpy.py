"""The numpy backend behind the backend interface, and NaN/inf minibatch skipping."""

import asyncio
import math
from array import array

import numpy as np
import pytest

from rl import reference as ref
from rl.numpy_backend import NumpyBackend, forward
from rl.optimizer_state import OptimizerState
from rl.config import PPOConfig
from rl.model import ModelConfig, init_params, num_params
from rl.backend import create_backend
from rl.ppo import PPOLearner
from rl.rollout import Rollout

MODEL = ModelConfig(obs_size=3, num_actions=4, hidden_sizes=(8, 8))
P = num_params(MODEL)
T, E = 8, 4


def run(coro):
    return asyncio.run(coro)


def make_rollout(seed=0, nan_row=None):
    rng = np.random.default_rng(seed)
    n = T * E

    def f32(x):
        return array("f", np.asarray(x, np.float32).tobytes())

    obs = rng.normal(size=(n, MODEL.obs_size))
    if nan_row is not None:
        obs[nan_row] = np.nan
    values = rng.normal(size=n)
    return Rollout(
        num_steps=T, num_envs=E, obs=f32(obs), actions=array("i", rng.integers(0, 4, n).tolist()),
        logprobs=f32(rng.normal(-1.4, 0.1, n)), values=f32(values), rewards=f32(rng.normal(size=n)),
        next_values=f32(np.concatenate([values[E:], rng.normal(size=E)])), dones=f32(rng.random(n) < 0.1),
        valid=f32(np.ones(n)))


async def loaded_backend(seed=0):
    backend = await create_backend("numpy", MODEL)
    await backend.load_params(init_params(MODEL, seed))
    return backend


def test_params_roundtrip_and_act_matches_reference_forward():
    async def main():
        backend = await loaded_backend()
        params = await backend.get_params()
        assert params == init_params(MODEL, 0)
        obs = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
        logits, values = await backend.forward(array("f", obs.tobytes()) + array("f", [9.0] * 3), 5)  # extra row ignored
        assert len(logits) == 5 * 4 and len(values) == 5
        out = forward(np.frombuffer(params, np.float32), MODEL, obs)[-1]
        np.testing.assert_allclose(np.array(logits).reshape(5, 4), out[:, :4], rtol=1e-6)
        np.testing.assert_allclose(values, out[:, 4], rtol=1e-6)
    run(main())


def test_advantages_and_explained_variance_use_the_twins():
    async def main():
        backend = await loaded_backend()
        rollout = make_rollout()
        rollout.valid[3] = 0.0
        await backend.set_rollout(rollout)
        await backend.compute_advantages(0.99, 0.95)
        shape = (T, E)
        r, v, nv, d = (np.array(a, np.float32).reshape(shape) for a in
                       (rollout.rewards, rollout.values, rollout.next_values, rollout.dones))
        adv = ref.gae(r, v, nv, d, 0.99, 0.95)
        np.testing.assert_allclose(backend.advantages, adv.reshape(-1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(backend.returns, (adv + v).reshape(-1), rtol=1e-5, atol=1e-6)
        keep = np.arange(T * E) != 3
        assert await backend.explained_variance() == pytest.approx(
            ref.explained_variance(v.reshape(-1)[keep], (adv + v).reshape(-1)[keep]), rel=1e-5)
    run(main())


def test_train_minibatch_reports_stats_and_lowers_the_loss():
    async def main():
        backend = await loaded_backend()
        await backend.set_rollout(make_rollout())
        await backend.compute_advantages(0.99, 0.95)
        config = PPOConfig(norm_adv=False)
        indices = array("i", range(0, 32, 2))
        first = await backend.train_minibatch(indices, 1e-2, config)
        assert set(first) == {"policy_loss", "value_loss", "entropy", "approx_kl", "old_approx_kl", "clipfrac",
                              "grad_norm", "finite"}
        assert first["finite"] is True and all(math.isfinite(v) for k, v in first.items() if k != "finite")
        assert backend.adam_step == 1
        for _ in range(30):
            last = await backend.train_minibatch(indices, 1e-2, config)
        assert last["value_loss"] < first["value_loss"]
    run(main())


@pytest.mark.parametrize("poison", ["obs", "advantage", "old_logprob"])
def test_nan_minibatch_is_skipped_and_leaves_params_and_adam_untouched(poison):
    async def main():
        backend = await loaded_backend()
        rollout = make_rollout(nan_row=5 if poison == "obs" else None)
        if poison == "old_logprob":
            rollout.logprobs[5] = -math.inf  # ratio = exp(+inf)
        await backend.set_rollout(rollout)
        await backend.compute_advantages(0.99, 0.95)
        if poison == "advantage":
            backend.advantages[5] = np.inf
        config = PPOConfig()
        await backend.train_minibatch(array("i", [0, 1, 2, 3]), 1e-3, config)  # one good step: Adam state non-zero
        before = [backend.params.copy(), backend.adam_m.copy(), backend.adam_v.copy(), backend.adam_step]
        stats = await backend.train_minibatch(array("i", [4, 5, 6, 7]), 1e-3, config)
        assert stats["finite"] is False
        np.testing.assert_array_equal(backend.params, before[0])
        np.testing.assert_array_equal(backend.adam_m, before[1])
        np.testing.assert_array_equal(backend.adam_v, before[2])
        assert backend.adam_step == before[3]
        assert (await backend.train_minibatch(array("i", [8, 9, 10, 11]), 1e-3, config))["finite"] is True
        assert backend.adam_step == before[3] + 1
    run(main())


def test_learner_counts_skipped_minibatches_and_keeps_training():
    async def main():
        backend = await loaded_backend()
        config = PPOConfig(num_envs=E, num_steps=T, num_minibatches=4, update_epochs=3, norm_adv=False)
        learner = PPOLearner(backend, config)
        metrics = await learner.update(make_rollout(nan_row=5), 1e-3)
        # row 5 sits in exactly one of the 4 minibatches of each of the 3 epochs
        assert metrics["skipped_updates"] == learner.skipped_updates == 3
        assert backend.adam_step == 3 * 4 - 3
        assert np.isfinite(backend.params).all()
        assert all(v is not None and math.isfinite(v) for k, v in metrics.items() if k.startswith("losses/"))
    run(main())


def test_all_bad_update_keeps_the_last_good_parameters():
    async def main():
        backend = await loaded_backend()
        config = PPOConfig(num_envs=E, num_steps=T, num_minibatches=2, update_epochs=2)
        learner = PPOLearner(backend, config)
        await learner.update(make_rollout(seed=1), 1e-3)
        good = await backend.get_params()
        poisoned = make_rollout(seed=2)
        poisoned.rewards = array("f", [math.nan] * (T * E))
        metrics = await learner.update(poisoned, 1e-3)
        assert metrics["skipped_updates"] == 4
        assert metrics["losses/policy_loss"] is None and metrics["losses/clipfrac"] is None
        assert await backend.get_params() == good
    run(main())


def test_target_kl_stops_epochs_early():
    async def main():
        backend = await loaded_backend()
        config = PPOConfig(num_envs=E, num_steps=T, num_minibatches=2, update_epochs=10, target_kl=1e-9)
        await PPOLearner(backend, config).update(make_rollout(), 1e-2)
        assert backend.adam_step == 2  # one epoch, then approx_kl > target_kl stops
    run(main())


def test_same_indices_give_same_result_in_a_fresh_backend():
    async def main():
        results = []
        for _ in range(2):
            backend = await loaded_backend()
            config = PPOConfig(num_envs=E, num_steps=T, num_minibatches=2, update_epochs=2, seed=3)
            await PPOLearner(backend, config).update(make_rollout(), 1e-3)
            results.append(await backend.get_params())
        assert results[0] == results[1]
    run(main())


def test_optimizer_state_round_trip_and_validation():
    async def main():
        backend = await loaded_backend()
        state = await backend.get_optimizer_state()
        assert (state.m, state.v, state.step) == (array("f", bytes(4 * P)), array("f", bytes(4 * P)), 0)
        await PPOLearner(backend, PPOConfig(num_envs=E, num_steps=T, num_minibatches=2, update_epochs=1)).update(
            make_rollout(), 1e-3)
        trained = await backend.get_optimizer_state()
        assert trained.step == 2 and trained.m.typecode == "f" and len(trained.v) == P and any(trained.m)
        fresh = await loaded_backend()
        await fresh.set_optimizer_state(trained)
        assert await fresh.get_optimizer_state() == trained
        await fresh.load_params(init_params(MODEL, 0))  # load_params resets Adam
        assert (await fresh.get_optimizer_state()).step == 0
        for bad, message in ((OptimizerState(trained.m[:-1], trained.v, 2), f"m has {P - 1} values, the model has {P}"),
                             (OptimizerState(trained.m, trained.v + array("f", [0.0]), 2), f"v has {P + 1} values"),
                             (OptimizerState(trained.m, trained.v, -1), "step must be an int >= 0, got -1"),
                             (OptimizerState(trained.m, trained.v, 2.0), "step must be an int >= 0, got 2.0")):
            with pytest.raises(ValueError, match=message):
                await fresh.set_optimizer_state(bad)
    run(main())


def test_unknown_backend_name():
    with pytest.raises(ValueError, match="unknown backend"):
        run(create_backend("cuda", MODEL))


def test_numpy_backend_is_the_registered_one():
    assert isinstance(run(create_backend("numpy", MODEL)), NumpyBackend)
