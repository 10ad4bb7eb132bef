"""rl.soccer.selfplay: the self-play vector env (sides, opponent mix, SameStep auto-reset, outcomes, determinism)."""

import math
import subprocess
import sys
from array import array

import pytest

from rl import PPOConfig, train
from rl.model import ModelConfig, init_params
from rl.rollout import RolloutCollector
from rl.policy import Policy, PythonMLP
from rl.soccer.selfplay import SelfPlayConfig, SelfPlayEnv
from sim import NUM_ACTIONS, OBSERVATION_SIZE, SoccerConfig, scripted_action
from sim.constants import HALF_LENGTH, HALF_WIDTH
from sim.observation import OBS_TIME_LEFT

D = OBSERVATION_SIZE
MODEL = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS)


def rows(flat, n):
    return [list(flat[i * D : (i + 1) * D]) for i in range(n)]


def scripted_learner(env):
    """The learner's actions from the scripted baseline (it plays well, so episodes end in goals)."""
    return [scripted_action(env.obs[i * D : (i + 1) * D]) for i in range(env.num_envs)]


def constant_mlp(action):
    """An `mlp` whose snapshots always pick `action`; records the batch sizes it is called with."""
    calls = []

    class ConstantMLP:
        def __init__(self, params, model_config):
            pass

        def __call__(self, obs, n):
            calls.append(n)
            assert len(obs) == n * D
            logits = array("f", [100.0 if a == action else 0.0 for _ in range(n) for a in range(NUM_ACTIONS)])
            return logits, array("f", [0.0] * n)

    return ConstantMLP, calls


def test_vector_env_interface():
    env = SelfPlayEnv(3, seed=0)
    assert env.num_envs == 3
    assert env.single_observation_space.shape == (D,)
    assert env.single_action_space.n == NUM_ACTIONS
    assert env.metadata["autoreset_mode"] == "SameStep"
    obs, infos = env.reset(seed=1)
    assert len(obs) == 3 * D and infos == {}
    for i in range(3):  # the learner's row of the underlying EnvBatch
        row = 2 * i + env.sides[i]
        assert list(obs[i * D : (i + 1) * D]) == list(env.batch.obs[row * D : (row + 1) * D])
    obs, rewards, terminations, truncations, infos = env.step([0, 6, 29])
    assert (len(obs), len(rewards), len(terminations), len(truncations)) == (3 * D, 3, 3, 3)
    with pytest.raises(ValueError, match="num_envs"):
        env.step([0, 0])


def test_sides_random_and_balanced():
    env = SelfPlayEnv(400, seed=0, config=SelfPlayConfig(0.0, 1.0, 0.0))
    blue = 0
    for seed in range(5):
        env.reset(seed=seed)
        blue += env.sides.tolist().count(0)
    assert 0.45 < blue / 2000 < 0.55  # binomial sd = 0.011
    env.reset(seed=0)
    first = env.sides.tolist()
    env.reset(seed=1)
    assert env.sides.tolist() != first


@pytest.mark.parametrize("probs", [(0.5, 0.3, 0.2), (0.0, 0.25, 0.75), (1.0, 0.0, 0.0)])
def test_opponent_mix_proportions(probs):
    env = SelfPlayEnv(2000, seed=3, config=SelfPlayConfig(*probs))
    env.add_snapshot(0, init_params(MODEL, 0))
    env.reset(seed=3)
    counts = [env.kinds.tolist().count(k) for k in range(3)]
    for count, p in zip(counts, probs):
        assert abs(count / 2000 - p) < 0.04  # sd <= 0.0112
    assert all((version is None) == (kind != 0) for version, kind in zip(env.versions, env.kinds))


def test_empty_pool_shares_the_snapshot_probability_out():
    env = SelfPlayEnv(2000, seed=0, config=SelfPlayConfig(0.5, 0.3, 0.2))
    env.reset(seed=0)
    kinds = env.kinds.tolist()
    assert kinds.count(0) == 0
    assert abs(kinds.count(1) / 2000 - 0.6) < 0.04
    with pytest.raises(ValueError, match="pool is empty"):
        SelfPlayEnv(2, config=SelfPlayConfig(1.0, 0.0, 0.0)).reset(seed=0)


def test_snapshot_opponents_are_batched_and_pool_keeps_the_latest():
    mlp, calls = constant_mlp(action=7)
    env = SelfPlayEnv(6, seed=0, config=SelfPlayConfig(1.0, 0.0, 0.0, pool_size=2), mlp=mlp)
    for version in range(3):
        env.add_snapshot(version, init_params(MODEL, version))
    assert [version for version, _ in env.pool] == [1, 2]
    env.reset(seed=0)
    calls.clear()
    env.step([0] * 6)
    distinct = len(set(env.versions))
    assert len(calls) == distinct and sum(calls) == 6  # one forward per snapshot, over all its envs
    opponent_actions = [env._joint_actions[2 * i + 1 - env.sides[i]] for i in range(6)]
    assert opponent_actions == [7] * 6


def test_offered_snapshots_join_every_snapshot_every_versions_and_only_if_they_play():
    config = SelfPlayConfig(snapshot_prob=0.2, scripted_prob=0.6, random_prob=0.2, snapshot_every=10)
    env = SelfPlayEnv(2, seed=0, config=config, model_config=MODEL)
    added = [v for v in (3, 9, 12, 13, 40) if env.offer_snapshot(v, init_params(MODEL, v))]
    assert added == [3, 13, 40] and [v for v, _ in env.pool] == [3, 13, 40]
    silent = SelfPlayEnv(2, seed=0, config=SelfPlayConfig(snapshot_prob=0.0, scripted_prob=0.7, random_prob=0.3),
                         model_config=MODEL)
    assert not silent.offer_snapshot(1, init_params(MODEL, 1)) and silent.pool == []


def test_python_snapshots_match_numpy_snapshots():
    from rl.numpy_backend import NumpyMLP

    params = init_params(MODEL, 5)
    env = SelfPlayEnv(4, seed=0)
    obs, _ = env.reset(seed=0)
    a, _ = Policy(params, MODEL, mlp=PythonMLP).forward(obs, 4)
    b, _ = Policy(params, MODEL, mlp=NumpyMLP).forward(obs, 4)
    assert len(a) == len(b) == 4 * NUM_ACTIONS
    assert max(abs(x - y) for x, y in zip(a, b)) < 1e-4


def test_same_step_final_obs_and_outcomes():
    """Every finished episode: final_obs is the learner's terminal row, obs the new kickoff, and the
    outcome, return, length and side agree with the rewards the learner saw."""
    match = SoccerConfig(match_seconds=8.0)
    env = SelfPlayEnv(8, seed=2, config=SelfPlayConfig(0.0, 0.5, 0.5), soccer_config=match)
    env.reset(seed=2)
    totals, lengths, sides = [0.0] * 8, [0] * 8, env.sides.tolist()
    seen = {"win": 0, "loss": 0, "draw": 0}
    for _ in range(400):
        obs, rewards, terminations, truncations, infos = env.step(scripted_learner(env))
        for i in range(8):
            totals[i] += rewards[i]
            lengths[i] += 1
            ended = terminations[i] or truncations[i]
            assert bool(infos.get("_final_obs", [False] * 8)[i]) == bool(ended)
            if not ended:
                continue
            final = infos["final_obs"][i]
            row = 2 * i + sides[i]
            assert list(final) == list(env.batch.final_obs[row * D : (row + 1) * D])
            assert obs[i * D + OBS_TIME_LEFT] == 1.0 and final[OBS_TIME_LEFT] < 1.0  # time left: new kickoff vs. terminal
            new_row = 2 * i + env.sides[i]
            assert list(obs[i * D : (i + 1) * D]) == list(env.batch.obs[new_row * D : (new_row + 1) * D])
            episode = next(e for e in infos["episodes"] if e["env"] == i)
            expected = "win" if rewards[i] > 0.5 else "loss" if rewards[i] < -0.5 else "draw"
            assert episode["outcome"] == expected
            assert (episode["outcome"] == "draw") == bool(truncations[i])
            assert episode["return"] == pytest.approx(totals[i], abs=1e-3)
            assert episode["length"] == lengths[i]
            assert episode["learner_side"] == ("blue", "red")[sides[i]]
            assert episode["opponent"] in ("scripted", "random") and episode["opponent_version"] is None
            seen[episode["outcome"]] += 1
            totals[i], lengths[i], sides[i] = 0.0, 0, env.sides[i]
    assert all(seen.values()), seen  # wins (mostly vs random), losses and timeouts all happened
    assert sum(seen.values()) == len(env.pop_episodes()) and env.pop_episodes() == []


def test_closing_speed_reward():
    """reward(approach_coef=c) - reward(approach_coef=0) = c * (d(s) - d(s')), d' from final_obs at an episode end."""
    match = SoccerConfig(match_seconds=2.0)
    plain = SelfPlayEnv(4, seed=5, config=SelfPlayConfig(0.0, 0.5, 0.5, approach_coef=0.0), soccer_config=match)
    shaped = SelfPlayEnv(4, seed=5, config=SelfPlayConfig(0.0, 0.5, 0.5, approach_coef=2.0), soccer_config=match)
    obs, _ = plain.reset(seed=5)
    shaped.reset(seed=5)
    ended = 0
    for t in range(100):
        before = [obs[i * D + 10] for i in range(4)]
        actions = [(3 * t + i) % NUM_ACTIONS for i in range(4)]
        obs, rewards, terminations, truncations, infos = plain.step(actions)
        _, shaped_rewards, *_ = shaped.step(actions)
        for i in range(4):
            after = infos["final_obs"][i][10] if terminations[i] or truncations[i] else obs[i * D + 10]
            ended += bool(terminations[i] or truncations[i])
            assert shaped_rewards[i] - rewards[i] == pytest.approx(2.0 * (before[i] - after), abs=1e-5)
    assert ended >= 4


def test_ball_progress_reward():
    """reward(progress_coef=c) - reward(progress_coef=0) = c * (g(s) - g(s')), g = |opponent goal - ball| / 2L
    recomputed here from the ball's field-frame position (rows 13, 14), s' from final_obs at an episode end."""
    match = SoccerConfig(match_seconds=2.0)
    configs = (SelfPlayConfig(0.0, 0.5, 0.5, approach_coef=0.0, progress_coef=0.0),
               SelfPlayConfig(0.0, 0.5, 0.5, approach_coef=0.0, progress_coef=3.0))
    plain, shaped = (SelfPlayEnv(4, seed=5, config=config, soccer_config=match) for config in configs)
    obs, _ = plain.reset(seed=5)
    shaped.reset(seed=5)

    def g(row):
        return math.hypot(HALF_LENGTH * (1.0 - row[13]), HALF_WIDTH * row[14]) / (2.0 * HALF_LENGTH)

    ended = 0
    for t in range(100):
        before = [g(obs[i * D : (i + 1) * D]) for i in range(4)]
        actions = [(5 * t + i) % NUM_ACTIONS for i in range(4)]
        obs, rewards, terminations, truncations, infos = plain.step(actions)
        _, shaped_rewards, *_ = shaped.step(actions)
        for i in range(4):
            done = terminations[i] or truncations[i]
            after = g(infos["final_obs"][i] if done else obs[i * D : (i + 1) * D])
            ended += bool(done)
            assert shaped_rewards[i] - rewards[i] == pytest.approx(3.0 * (before[i] - after), abs=1e-5)
    assert ended >= 4


def test_restore_snapshots_seeds_the_pool_with_the_newest_saved_versions():
    saved = {version: init_params(MODEL, version) for version in (40, 3, 12, 25)}   # any order, as read from a file
    env = SelfPlayEnv(2, seed=1, config=SelfPlayConfig(pool_size=3))
    assert env.restore_snapshots(saved) == [12, 25, 40]
    assert [version for version, _ in env.pool] == [12, 25, 40]
    assert not env.offer_snapshot(45, init_params(MODEL, 45))                     # < snapshot_every after v40
    assert env.offer_snapshot(50, init_params(MODEL, 50)) and [v for v, _ in env.pool] == [25, 40, 50]
    never = SelfPlayEnv(2, seed=1, config=SelfPlayConfig(0.0, 0.5, 0.5))
    assert never.restore_snapshots(saved) == [] and never.pool == []


def play(seed, steps=60):
    env = SelfPlayEnv(4, seed=seed, config=SelfPlayConfig(0.4, 0.3, 0.3))
    env.add_snapshot(0, init_params(MODEL, 1))
    obs, _ = env.reset(seed=seed)
    trace = [list(obs)]
    for t in range(steps):
        obs, rewards, terminations, truncations, infos = env.step([(t * 7 + i) % NUM_ACTIONS for i in range(4)])
        trace.append((list(obs), list(rewards), list(terminations), list(truncations)))
    return trace, env.pop_episodes(), env.batch.envs[0].state_digest()


def test_deterministic_for_a_seed():
    assert play(11) == play(11)
    assert play(11)[0] != play(12)[0]


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match="SelfPlayConfig.scripted_prob"):
        SelfPlayConfig(scripted_prob=-0.1)
    with pytest.raises(ValueError, match="SelfPlayConfig.snapshot_prob"):
        SelfPlayConfig(snapshot_prob=float("nan"))
    with pytest.raises(ValueError, match="sum to 1"):
        SelfPlayConfig(0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="SelfPlayConfig.pool_size"):
        SelfPlayConfig(pool_size=0)
    with pytest.raises(ValueError, match="model_config"):
        SelfPlayEnv(1, model_config=ModelConfig(10, NUM_ACTIONS))


def test_rollout_collector_and_train_accept_the_env():
    import asyncio

    env = SelfPlayEnv(4, seed=0, soccer_config=SoccerConfig(match_seconds=1.0))  # 30 decisions: truncations
    collector = RolloutCollector(env, 40, seed=0)
    calls = []

    class UniformBackend:
        async def forward(self, obs, n):
            calls.append(n)
            return array("f", [0.0] * (n * NUM_ACTIONS)), array("f", [0.5] * n)

    rollout = asyncio.run(collector.collect(UniformBackend()))
    assert list(rollout.valid) == [1.0] * 160  # SameStep: every transition is real
    assert sum(rollout.dones) >= 4 and len(rollout.episode_lengths) >= 4
    assert len(calls) > 40 + 1  # plus the calls for V(final_obs) of truncated episodes

    policy, history = train(SelfPlayEnv(4, seed=0), PPOConfig(num_envs=4, num_steps=32, num_minibatches=2),
                            total_steps=256)
    assert len(history) == 2 and len(policy.act(env.obs[:D])) == 1


def test_selfplay_imports_without_numpy():
    code = ("import sys; sys.modules['numpy'] = None; from rl.soccer.selfplay import SelfPlayEnv; "
            "e = SelfPlayEnv(2, seed=0); e.reset(seed=0); e.step([0, 1]); print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
