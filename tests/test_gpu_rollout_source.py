"""rl.soccer.gpu_rollout_source: GPU self-play rollouts checked on the host after a readback.

Small shapes (lavapipe): 4-second training matches (120 decisions); the
second rollout of 64 decisions has goals, truncations and matchup redraws.
"""

import asyncio
import math
from types import SimpleNamespace

import numpy as np
import pytest

from rl import numpy_backend
from rl.config import PPOConfig
from rl.loop import LearnerLoop
from rl.model import ModelConfig, init_params
from rl.ppo import PPOLearner
from rl.soccer.gpu_rollout_source import ENV_WORDS, GpuSelfPlaySource
from rl.soccer.selfplay import BALL_DISTANCE, SCRIPTED, SNAPSHOT, SelfPlayConfig, goal_distance
from rl.wgsl import backend as wgsl_backend
from rl.wgsl import kernels as k
from sim import NUM_ACTIONS, OBSERVATION_SIZE, SoccerConfig
from sim.constants import HALF_LENGTH, HALF_WIDTH
from sim.observation import OBS_BALL_X, OBS_BALL_Y

pytestmark = pytest.mark.gpu

MODEL = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS)
MATCH = SoccerConfig(match_seconds=4.0)
MATCH_DECISIONS = 120


@pytest.fixture(scope="module")
def device():
    import gpu
    return asyncio.run(gpu.request_device(label="gpu rollout source tests"))


async def make_source(device, ppo, selfplay=SelfPlayConfig(), seed=1):
    backend = await wgsl_backend.create_backend(MODEL, device)
    params = init_params(MODEL, seed)
    await backend.load_params(params)
    return backend, params, await GpuSelfPlaySource.create(backend, ppo, selfplay, MATCH, params)


def forward(params, obs):
    logits, values = numpy_backend.NumpyMLP(params, MODEL)(obs.astype(np.float32).tobytes(), len(obs))
    return np.array(logits).reshape(len(obs), NUM_ACTIONS), np.array(values)


def potential(obs):
    """Phi(s) in the observing player's frame (sim/rewards.py) from the ball's field-frame position."""
    x, y = HALF_LENGTH * obs[..., OBS_BALL_X], HALF_WIDTH * obs[..., OBS_BALL_Y]
    return (np.hypot(x + HALF_LENGTH, y) - np.hypot(x - HALF_LENGTH, y)) / (2 * HALF_LENGTH)


@pytest.fixture(scope="module")
def collected(device):
    """Two rollouts of 64 decisions in 32 envs; the second one read back."""
    async def run():
        ppo = PPOConfig(num_envs=32, num_steps=64, num_minibatches=4)
        backend, params, source = await make_source(device, ppo)
        loop = SimpleNamespace(updates=0, params=params)
        await source.collect(loop)
        result = await source.collect(loop)
        rollout = await backend.read_rollout()
        boot_x = await k.read_floats(device, source.bootstrap.x, source.boot_slots * 32 * OBSERVATION_SIZE)
        return params, result, rollout, np.array(boot_x).reshape(source.boot_slots, 32, OBSERVATION_SIZE)

    return asyncio.run(run())


def test_rollout_shapes_and_policy_columns(collected):
    params, result, rollout, _ = collected
    T, E = rollout.num_steps, rollout.num_envs
    obs = np.array(rollout.obs).reshape(T * E, OBSERVATION_SIZE)
    logits, values = forward(params, obs)
    actions = np.array(rollout.actions)
    assert (np.array(rollout.valid) == 1).all() and len(result.rollout.valid_indices()) == T * E
    assert actions.min() >= 0 and actions.max() < NUM_ACTIONS
    np.testing.assert_allclose(rollout.values, values, rtol=1e-5, atol=1e-5)
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    np.testing.assert_allclose(rollout.logprobs, logp[np.arange(T * E), actions], rtol=1e-5, atol=1e-5)


def test_rewards_are_the_sim_reward_plus_the_learner_shaping(collected):
    """Within an episode: r_t = k (gamma Phi(s') - Phi(s)) + 4 (d - d') + 2 (g - g') from obs t and t + 1."""
    _, _, rollout, _ = collected
    T, E = rollout.num_steps, rollout.num_envs
    obs = np.array(rollout.obs, np.float64).reshape(T, E, OBSERVATION_SIZE)
    rewards, dones = np.array(rollout.rewards).reshape(T, E), np.array(rollout.dones).reshape(T, E)
    selfplay = SelfPlayConfig()
    s, s_next = obs[:-1], obs[1:]
    goal = np.vectorize(lambda row: goal_distance(row, 0), signature="(n)->()")
    expected = (MATCH.shaping_coef * (MATCH.shaping_gamma * potential(s_next) - potential(s))
                + selfplay.approach_coef * (s[..., BALL_DISTANCE] - s_next[..., BALL_DISTANCE])
                + selfplay.progress_coef * (goal(s) - goal(s_next)))
    within = dones[:-1] == 0
    assert within.sum() > 0.9 * within.size
    np.testing.assert_allclose(rewards[:-1][within], expected[within], atol=2e-5)
    assert (np.abs(rewards[dones == 1]) < 2).all()


def test_dones_and_bootstrap_values(collected):
    """next_value: V(s_{t+1}) within an episode, 0 on a goal, V(final obs) on a truncation."""
    params, result, rollout, boot_x = collected
    T, E = rollout.num_steps, rollout.num_envs
    values, next_values = np.array(rollout.values).reshape(T, E), np.array(rollout.next_values).reshape(T, E)
    dones = np.array(rollout.dones).reshape(T, E)
    within = dones[:-1] == 0
    np.testing.assert_array_equal(next_values[:-1][within], values[1:][within])
    _, boot_values = forward(params, boot_x.reshape(-1, OBSERVATION_SIZE))
    boot_values = boot_values.reshape(boot_x.shape[:2])
    truncations = goals = 0
    for e in range(E):
        ends = np.flatnonzero(dones[:, e])
        truncated = [t for t in ends if next_values[t, e] != 0]
        for k_, t in enumerate(truncated):
            np.testing.assert_allclose(next_values[t, e], boot_values[k_, e], rtol=1e-5, atol=1e-6)
        truncations += len(truncated)
        goals += len(ends) - len(truncated)
    records = result.rollout.episode_lengths
    assert len(records) == int(dones.sum()) == truncations + goals
    assert truncations == sum(length == MATCH_DECISIONS for length in records) > 0 and goals > 0
    assert all(1 <= length <= MATCH_DECISIONS for length in records)
    assert result.metrics.keys() == {"charts/win_rate", "selfplay/win_rate_vs_snapshot",
                                     "selfplay/win_rate_vs_scripted", "selfplay/win_rate_vs_random"}
    assert 0.0 <= result.metrics["charts/win_rate"] <= 1.0     # wins / decided, every opponent (the page's chart)


def test_opponent_mix_frequencies(device):
    """4096 first matchups: kinds in SelfPlayConfig's proportions, sides even, the sim's controllers set."""
    async def run():
        selfplay = SelfPlayConfig(snapshot_prob=0.3, scripted_prob=0.5, random_prob=0.2)
        _, _, source = await make_source(device, PPOConfig(num_envs=4096, num_steps=2, num_minibatches=2), selfplay)
        envs = np.frombuffer(await device.read_buffer(source.envs), np.uint32).reshape(4096, len(ENV_WORDS))
        controllers = np.frombuffer(await device.read_buffer(source.sim.controllers_buffer), np.uint32)
        return selfplay, envs, controllers.reshape(4096, 2)

    selfplay, envs, controllers = asyncio.run(run())
    side, kind = envs[:, 0], envs[:, 1]
    for value, p in ((SNAPSHOT, 0.3), (SCRIPTED, 0.5), (2, 0.2)):
        assert abs((kind == value).mean() - p) < 4 * math.sqrt(p * (1 - p) / 4096)
    assert abs(side.mean() - 0.5) < 4 * math.sqrt(0.25 / 4096)
    rows = np.arange(4096)
    assert (controllers[rows, side] == 0).all()  # the learner's row plays the actions buffer
    np.testing.assert_array_equal(controllers[rows, 1 - side], np.where(kind == SNAPSHOT, 0, kind))


async def read_opponents(device, source):
    """The last decision's pool forward: its grid, every slot's params, input rows, output rows and the
    sampled (action, log-prob, value) of each row."""
    S, E, P = len(source.pool), source.num_envs, source.opponents.param_stride
    grid = np.frombuffer(await device.read_buffer(source.grid, 0, 12), np.uint32)
    params = np.array(await k.read_floats(device, source.pool_params, S * P)).reshape(S, P)
    x = np.array(await k.read_floats(device, source.opponents.x, S * E * OBSERVATION_SIZE))
    out = np.array(await k.read_floats(device, source.opponents.out, S * E * (NUM_ACTIONS + 1)))
    table = np.array(await k.read_floats(device, source.snapshot_table, 3 * source.slots * E))
    return (grid, params[:, :source.backend.num_params], x.reshape(S, E, OBSERVATION_SIZE),
            out.reshape(S, E, NUM_ACTIONS + 1), table.reshape(3, source.slots, E)[:, :S])


def check_pool_forward(grid, params, x, out, table):
    """ONE forward over all filled slots: grid z = slots; each slot computes only its own rows (the
    rollout began with every output row NaN: a slot's written rows are a prefix, the most it had in a
    decision, short of all E rows), and those are its own snapshot's forward of its rows (slots hold
    different params), and the sample over all slots' rows gives their log-probs and values."""
    S, E = x.shape[:2]
    assert S == 3 and grid[2] == S and grid[1] >= 1  # the pool is full, and some env plays a snapshot
    assert not np.allclose(params[0], params[1])
    written = ~np.isnan(out[:, :, 0])
    counts = written.sum(1)
    assert 0 < counts.sum() and (counts < E).all(), counts
    for s, rows in enumerate(counts):
        assert written[s, :rows].all() and np.isnan(out[s, rows:]).all()
        logits, values = forward(params[s], x[s, :rows])
        np.testing.assert_allclose(out[s, :rows, :NUM_ACTIONS], logits, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(out[s, :rows, NUM_ACTIONS], values, rtol=1e-4, atol=1e-5)
        actions = table[0, s, :rows].astype(int)
        log_probs = logits - logits.max(1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
        np.testing.assert_allclose(table[1, s, :rows], log_probs[np.arange(rows), actions], atol=1e-4)
        np.testing.assert_allclose(table[2, s, :rows], values, rtol=1e-4, atol=1e-5)


def test_snapshots_join_the_pool_and_updates_equal_numpy(device):
    """A LearnerLoop over the source with snapshot_every=1, pool_size=2: the pool holds the newest two
    update's params, and the full ring's one forward gives each slot its snapshot's outputs; and one PPO
    update on a GPU-collected rollout, its minibatches drawn on the GPU (rl/shuffle.py: the learner's
    threshold lowered to its 256 rows), equals the numpy backend's on the same rollout read back."""
    async def run():
        ppo = PPOConfig(num_envs=16, num_steps=16, num_minibatches=2, update_epochs=2)
        selfplay = SelfPlayConfig(snapshot_prob=0.5, scripted_prob=0.3, random_prob=0.2, pool_size=2,
                                  snapshot_every=1)
        backend, params, source = await make_source(device, ppo, selfplay)
        loop = LearnerLoop(backend, ppo, source, [], params, num_updates=3)
        history = [params]
        pools = [source.pool_versions()]
        for _ in range(3):
            await loop.step()
            history.append(loop.params)
            pools.append(source.pool_versions())
        slots = {version: np.array(await k.read_floats(device, source.pool_params, backend.num_params,
                                                        slot * source.opponents.param_stride))
                 for slot, version in enumerate(source.pool)}
        unwritten = np.full(source.slots * ppo.num_envs * (NUM_ACTIONS + 1), np.nan, np.float32)
        device.queue.write_buffer(source.opponents.out, 0, unwritten.tobytes())
        collected = await source.collect(SimpleNamespace(updates=0, params=loop.params))
        host_rollout = await backend.read_rollout()
        host_rollout.shuffled_on_backend = True  # the GPU rollout's draw (rl/shuffle.py): the same minibatches
        opponents = await read_opponents(device, source)
        numpy = numpy_backend.NumpyBackend(MODEL)
        await numpy.load_params(loop.params)
        before = await backend.get_params()
        await backend.load_params(before)
        await PPOLearner(backend, ppo, backend_draw_min_rows=256).update(collected.rollout, 1e-3)
        await PPOLearner(numpy, ppo, backend_draw_min_rows=256).update(host_rollout, 1e-3)
        return (history, pools, slots, opponents, np.array(await backend.get_params()),
                np.array(await numpy.get_params()))

    history, pools, slots, opponents, gpu_params, numpy_params = asyncio.run(run())
    assert pools == [[0], [0], [0, 1], [1, 2]]
    check_pool_forward(*opponents)
    for version, weights in slots.items():
        np.testing.assert_array_equal(weights, np.array(history[version]))
    np.testing.assert_allclose(gpu_params, numpy_params, atol=1e-5)
    assert np.abs(gpu_params - np.array(history[-1])).max() > 1e-4  # the update did move the params


def test_train_engine_gpu_writes_an_agent_that_evaluate_reads(tmp_path):
    """`python -m rl.train --engine gpu`: 2 updates of 16 x 32 on the GPU backend, then rl.evaluate."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from rl.files.container import load

    root, out = Path(__file__).resolve().parents[1], tmp_path / "gpu.dshq"

    def run(module, *args):
        return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=root, capture_output=True,
                              text=True, timeout=300)

    result = run("rl.train", "--engine", "gpu", "--steps", 1024, "--seed", 2, "--out", out, "--num-envs", 16,
                 "--num-steps", 32, "--num-minibatches", 2, "--update-epochs", 1, "--match-seconds", 4,
                 "--eval-episodes", 0)
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [entry["global_step"] for entry in entries] == [512, 1024]
    assert "selfplay/win_rate_vs_scripted" in entries[-1] and entries[-1]["charts/episodic_return"] is not None
    metadata = load(out).metadata
    assert (metadata["engine"], metadata["backend"], metadata["train_step"]) == ("gpu", "gpu", 1024)
    evaluated = run("rl.evaluate", out, "--vs", "random", "--episodes", 1, "--seed", 1)
    assert evaluated.returncode == 0 and json.loads(evaluated.stdout)["episodes"] == 1
    refused = run("rl.train", "--engine", "gpu", "--backend", "numpy", "--steps", 1024, "--out", out)
    assert refused.returncode == 2 and "--engine gpu" in refused.stderr


def test_rl_train_refuses_a_batch_past_the_adapters_binding_limit(monkeypatch, capsys, tmp_path):
    """rl.train --engine gpu with a rollout whose observations one storage binding cannot hold (here the
    limit is lowered to 8 MiB; 1024 x 128 rows of 34 floats are 17.8 MB) exits 2 naming the flags, the
    buffer and the limit, and writes no file."""
    from gpu.native import NativeDevice
    from rl.soccer.train_cli import main

    monkeypatch.setattr(NativeDevice, "max_storage_binding_bytes", property(lambda self: 8 * 2**20))
    out = tmp_path / "big.dshq"
    code = main(["--engine", "gpu", "--steps", str(1024 * 128), "--out", str(out), "--num-envs", "1024",
                 "--num-steps", "128", "--hidden-sizes", "8,8", "--eval-episodes", "0"])
    stderr = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert ("error: --engine gpu with --num-envs 1024 x --num-steps 128: create_buffer: rollout obs needs "
            "17,825,792 bytes in one binding; this device binds at most 8,388,608") in stderr
