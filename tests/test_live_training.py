"""Live training (rl/live/training.py around rl.loop) in CPython: a trainer and two
rollout workers on threads, sharing a bytearray exactly as the browser's
workers share a SharedArrayBuffer."""

import asyncio
import threading
from array import array

import pytest

from rl.live.layout import SegmentLayout, board_bytes, ring_bytes
from rl.numpy_backend import create_backend
from rl.config import PPOConfig
from rl.live.training import BoardPublisher, LiveTrainingConfig, RingSource, rollout_worker_loop
from rl.loop import LearnerLoop
from rl.model import ModelConfig, init_params, num_params, shape_hash
from rl.policy import Policy
from rl.rollout import Rollout, RolloutCollector, merge_rollouts
from rl.live.rollout_ring import RolloutRing
from rl.soccer.selfplay import SelfPlayConfig, SelfPlayEnv
from rl.live.native_buffer import NativeSharedBuffer
from rl.live.weights_board import WeightsBoard
from sim import NUM_ACTIONS, OBSERVATION_SIZE

MODEL = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=(16, 16))
ENVS_PER_WORKER, NUM_STEPS, WORKERS = 2, 8, 2


def live_trainer(backend, ppo, board, ring, config: LiveTrainingConfig, params=None, is_paused=lambda: False):
    """The browser trainer's loop (workers/trainer.py): the ring in, the weights board out."""
    publisher = BoardPublisher(board, config)
    loop = LearnerLoop(backend, ppo, RingSource(ring, board, config, is_paused), [publisher], params)
    return loop, publisher


def loader(backend):
    """A rollout worker's make_actor on a real GPU: the backend loaded with the published weights."""
    async def make_actor(params):
        await backend.load_params(params)
        return backend
    return make_actor


def tagged(tag, num_steps=2, num_envs=2, obs_size=3):
    n = num_steps * num_envs
    return Rollout(num_steps, num_envs, array("f", [tag + i for i in range(n * obs_size)]),
                   array("i", [int(tag) + i for i in range(n)]),
                   *(array("f", [tag + i for i in range(n)]) for _ in range(6)), episode_returns=[tag])


def test_merge_interleaves_envs_per_time_step():
    a, b = tagged(0.0), tagged(100.0, num_envs=1)
    merged = merge_rollouts([a, b])
    assert (merged.num_steps, merged.num_envs) == (2, 3)
    # t = 0: a's envs 0, 1 then b's env 0; t = 1: likewise
    assert list(merged.values) == [0.0, 1.0, 100.0, 2.0, 3.0, 101.0]
    assert list(merged.obs[:9]) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 100.0, 101.0, 102.0]
    assert merged.episode_returns == [0.0, 100.0]


def test_merge_refuses_different_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        merge_rollouts([tagged(0.0, num_steps=2), tagged(0.0, num_steps=3)])


def test_a_rollout_worker_acting_with_a_policy_acts_like_the_numpy_backend():
    async def both():
        params = init_params(MODEL, 9)
        obs = array("f", [((i * 37) % 19 - 9) / 9 for i in range(3 * OBSERVATION_SIZE)] + [5.0] * 4)
        backend = await create_backend(MODEL)
        actor = await loader(backend)(params)
        return Policy(params, MODEL).forward(obs, 3), await actor.forward(obs, 3)

    (logits, values), (ref_logits, ref_values) = asyncio.run(both())
    assert list(logits) == pytest.approx(list(ref_logits), rel=1e-5, abs=1e-6)
    assert list(values) == pytest.approx(list(ref_values), rel=1e-5, abs=1e-6)


def test_bad_live_training_config_names_the_field():
    with pytest.raises(ValueError, match="segments_per_update"):
        LiveTrainingConfig(segments_per_update=0)


def test_trainer_and_rollout_workers_train_through_shared_memory():
    layout = SegmentLayout(NUM_STEPS, ENVS_PER_WORKER, OBSERVATION_SIZE)
    board_shared = NativeSharedBuffer(bytearray(board_bytes(num_params(MODEL))))
    ring_shared = NativeSharedBuffer(bytearray(ring_bytes(4, layout.nbytes)))
    board = WeightsBoard(board_shared, num_params(MODEL), shape_hash(MODEL)).initialize()
    ring = RolloutRing(ring_shared, layout, 4).initialize()
    ring.set_running(True)
    ppo = PPOConfig(num_envs=ENVS_PER_WORKER * WORKERS, num_steps=NUM_STEPS, num_minibatches=2, update_epochs=2,
                    seed=3)
    selfplay = SelfPlayConfig(snapshot_prob=0.0, scripted_prob=0.5, random_prob=0.5)

    def worker(producer):
        async def run():
            backend = await create_backend(MODEL)
            env = SelfPlayEnv(ENVS_PER_WORKER, seed=producer, config=selfplay, model_config=MODEL)
            return await rollout_worker_loop(env, loader(backend), board, ring, producer, NUM_STEPS, seed=producer)
        written.append(asyncio.run(run()))

    written = []
    threads = [threading.Thread(target=worker, args=(p,)) for p in range(WORKERS)]
    for thread in threads:
        thread.start()

    async def train():
        backend = await create_backend(MODEL)
        params = init_params(MODEL, 3)
        await backend.load_params(params)
        trainer, publisher = live_trainer(backend, ppo, board, ring, LiveTrainingConfig(segments_per_update=WORKERS),
                                          params)
        assert publisher.publish(params, 0) == 1
        return [await trainer.step() for _ in range(3)]

    try:
        reports = asyncio.run(train())
    finally:
        ring.stop()
        for thread in threads:
            thread.join(timeout=30)
    assert [r["policy_version"] for r in reports] == [2, 3, 4]
    assert [r["update"] for r in reports] == [1, 2, 3]
    page_reads = {"global_step", "update", "policy_version", "charts/SPS", "charts/learning_rate", "rollbacks",
                  "ring", "skipped_updates", "charts/episodic_return", "charts/win_rate", "losses/policy_loss",
                  "losses/value_loss", "losses/entropy", "losses/approx_kl", "losses/clipfrac"}
    assert page_reads <= set(reports[-1])           # what app/learner_panel.py and app/session.py read
    assert reports[-1]["global_step"] == 3 * WORKERS * ENVS_PER_WORKER * NUM_STEPS
    assert all(r["losses/value_loss"] is not None for r in reports)
    assert reports[-1]["ring"]["read"] == 3 * WORKERS
    assert sum(written) >= 3 * WORKERS      # every segment the trainer used came from a worker
    version, step, params = board.read_if_newer(0)
    assert version == 4 and step == reports[-1]["global_step"] and params != init_params(MODEL, 3)


def test_rollout_workers_add_snapshots_to_the_opponent_pool():
    layout = SegmentLayout(NUM_STEPS, ENVS_PER_WORKER, OBSERVATION_SIZE)
    board = WeightsBoard(NativeSharedBuffer(bytearray(board_bytes(num_params(MODEL)))), num_params(MODEL),
                         shape_hash(MODEL)).initialize()
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(8, layout.nbytes))), layout, 8).initialize()
    ring.set_running(True)
    selfplay = SelfPlayConfig(snapshot_prob=0.5, scripted_prob=0.25, random_prob=0.25, pool_size=2,
                              snapshot_every=10)
    env = SelfPlayEnv(ENVS_PER_WORKER, seed=4, config=selfplay, model_config=MODEL)

    published = [0]

    async def collect_at(version):
        while published[0] < version:      # the trainer published versions up to `version`
            published[0] = board.publish(init_params(MODEL, published[0] + 1), train_step=published[0])
        backend = await create_backend(MODEL)
        return await rollout_worker_loop(env, loader(backend), board, ring, 0, NUM_STEPS, seed=0, max_segments=1)

    pools = []
    for version in (3, 9, 13, 14, 30):   # the first one read joins, then one 10 or more versions later
        assert asyncio.run(collect_at(version)) == 1
        pools.append([v for v, _ in env.pool])
    assert pools == [[3], [3], [3, 13], [3, 13], [13, 30]]   # pool_size 2 drops the oldest
    obs = array("f", [((i * 7) % 11 - 5) / 5 for i in range(OBSERVATION_SIZE)])
    logits, _ = Policy(init_params(MODEL, 30), MODEL).forward(obs)
    assert list(env.pool[-1][1].forward(obs)[0]) == pytest.approx(list(logits), rel=1e-6)   # the snapshot plays v30


def test_pause_ends_the_wait_for_segments_and_keeps_what_arrived():
    layout = SegmentLayout(2, 1, 3)
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(4, layout.nbytes))), layout, 4).initialize()
    paused = [False]
    source = RingSource(ring, None, LiveTrainingConfig(segments_per_update=2, poll_seconds=0.01),
                        is_paused=lambda: paused[0])
    ring.put(tagged(1.0, num_steps=2, num_envs=1), producer=0, policy_version=1)

    async def wait_then_pause():
        async def pause_soon():
            await asyncio.sleep(0.1)
            paused[0] = True
        asyncio.ensure_future(pause_soon())
        return await source.collect(None)

    assert asyncio.run(wait_then_pause()) is None
    assert len(source.pending) == 1        # the segment that arrived is kept for the next update
    paused[0] = False
    ring.put(tagged(2.0, num_steps=2, num_envs=1), producer=0, policy_version=1)
    segments = asyncio.run(source.next_segments())
    assert [r.values[0] for r, _ in segments] == [1.0, 2.0] and source.pending == []


def test_repeated_non_finite_updates_roll_back_and_halve_the_learning_rate():
    layout = SegmentLayout(NUM_STEPS, ENVS_PER_WORKER, OBSERVATION_SIZE)
    board = WeightsBoard(NativeSharedBuffer(bytearray(board_bytes(num_params(MODEL)))), num_params(MODEL),
                         shape_hash(MODEL)).initialize()
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(4, layout.nbytes))), layout, 4).initialize()
    ppo = PPOConfig(num_envs=ENVS_PER_WORKER, num_steps=NUM_STEPS, num_minibatches=2, update_epochs=1, seed=3)

    async def run():
        backend = await create_backend(MODEL)
        params = init_params(MODEL, 3)
        await backend.load_params(params)
        env = SelfPlayEnv(ENVS_PER_WORKER, seed=1, config=SelfPlayConfig(snapshot_prob=0.0, scripted_prob=1.0,
                                                                          random_prob=0.0), model_config=MODEL)
        rollout = await RolloutCollector(env, NUM_STEPS, seed=1).collect(backend)
        trainer, publisher = live_trainer(backend, ppo, board, ring,
                                          LiveTrainingConfig(segments_per_update=1, rollback_after=3), params)
        good = publisher.publish(params, 0)
        poisoned = Rollout(rollout.num_steps, rollout.num_envs, rollout.obs, rollout.actions, rollout.logprobs,
                           rollout.values, array("f", [float("nan")] * len(rollout.rewards)), rollout.next_values,
                           rollout.dones, rollout.valid)
        reports = []
        for _ in range(3):
            ring.put(poisoned, producer=0, policy_version=good)
            reports.append(await trainer.step())
        ring.put(rollout, producer=0, policy_version=good)
        reports.append(await trainer.step())
        return good, trainer, reports, await backend.get_params()

    good, trainer, reports, params = asyncio.run(run())
    assert [r["policy_version"] for r in reports[:3]] == [good] * 3     # nothing published from bad updates
    assert [r["rollbacks"] for r in reports] == [0, 0, 1, 1]
    assert reports[2]["charts/learning_rate"] == ppo.learning_rate / 2
    assert reports[2]["skipped_updates"] == 3 * 2                          # every minibatch of 3 updates
    assert reports[3]["policy_version"] == good + 1                       # a finite update publishes again
