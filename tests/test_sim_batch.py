"""EnvBatch: buffer layout, equivalence with SoccerEnv, SAME_STEP auto-reset."""
import struct
from array import array

import pytest

from sim import EnvBatch, SoccerConfig, SoccerEnv, SplitMix64
from sim.batch import env_seeds
from sim.constants import BALL_RADIUS, HALF_LENGTH
from sim.observation import OBS_TIME_LEFT

OBS = SoccerEnv.observation_size


def as_f32(values) -> list:
    return list(struct.unpack(f"{len(values)}f", struct.pack(f"{len(values)}f", *values)))


def row(buffer, r) -> list:
    return list(buffer[r * OBS:(r + 1) * OBS])


def test_buffer_types_and_sizes():
    batch = EnvBatch(5, seed=1)
    assert (batch.num_envs, batch.observation_size, batch.num_actions) == (5, OBS, 30)
    for name, typecode, length in [("obs", "f", 10 * OBS), ("final_obs", "f", 10 * OBS), ("rewards", "f", 10),
                                   ("terminations", "b", 5), ("truncations", "b", 5),
                                   ("episode_returns", "f", 10), ("episode_lengths", "i", 5),
                                   ("episode_goals", "i", 10)]:
        buffer = getattr(batch, name)
        assert isinstance(buffer, array) and buffer.typecode == typecode and len(buffer) == length, name


def test_rows_match_independent_soccer_envs():
    """Row 2i is env i's blue observation, row 2i+1 its red; env i behaves like SoccerEnv(seed=env_seeds(s)[i])."""
    config = SoccerConfig(match_seconds=3.0)
    batch = EnvBatch(4, seed=9, config=config)
    envs = [SoccerEnv(config, seed=s) for s in env_seeds(9, 4)]
    rng = SplitMix64(0)
    for _ in range(200):
        actions = array("i", [rng.below(30) for _ in range(8)])
        batch.step(actions)
        for i, env in enumerate(envs):
            obs, rewards, terminations, truncations, _ = env.step({"blue": actions[2 * i], "red": actions[2 * i + 1]})
            assert batch.rewards[2 * i] == as_f32([rewards["blue"]])[0]
            assert batch.rewards[2 * i + 1] == as_f32([rewards["red"]])[0]
            assert (batch.terminations[i], batch.truncations[i]) == (terminations["blue"], truncations["blue"])
            if terminations["blue"] or truncations["blue"]:
                assert row(batch.final_obs, 2 * i) == as_f32(obs["blue"])
                assert row(batch.final_obs, 2 * i + 1) == as_f32(obs["red"])
                obs, _ = env.reset()
            assert row(batch.obs, 2 * i) == as_f32(obs["blue"])
            assert row(batch.obs, 2 * i + 1) == as_f32(obs["red"])


def test_same_step_auto_reset_on_truncation():
    config = SoccerConfig(match_seconds=0.1, shaping_coef=0.5)       # 12 ticks = 3 decisions
    batch = EnvBatch(3, seed=2, config=config)
    returns = [0.0, 0.0, 0.0]
    for step in range(3):
        batch.step([6] * 6)                                           # everyone runs forward
        for i in range(3):
            returns[i] += batch.rewards[2 * i]
        expected = 1 if step == 2 else 0
        assert list(batch.truncations) == [expected] * 3 and list(batch.terminations) == [0] * 3
    assert list(batch.episode_lengths) == [3, 3, 3]
    for i in range(3):
        assert batch.episode_returns[2 * i] == pytest.approx(returns[i], abs=1e-6)
        assert batch.episode_returns[2 * i + 1] == -batch.episode_returns[2 * i]
        assert row(batch.final_obs, 2 * i)[OBS_TIME_LEFT] == 0.0                 # time left 0 at the end
        assert row(batch.obs, 2 * i)[OBS_TIME_LEFT] == 1.0                       # new episode: full time left
        assert batch.envs[i].tick == 0


def test_same_step_auto_reset_on_goal():
    batch = EnvBatch(3, seed=4, config=SoccerConfig(shaping_coef=0.0))
    batch.envs[1].place_ball(-(HALF_LENGTH + BALL_RADIUS + 0.01), 0.0, -1.0, 0.0)   # red scores in env 1
    batch.step([0] * 6)
    assert list(batch.terminations) == [0, 1, 0] and list(batch.truncations) == [0, 0, 0]
    assert (batch.rewards[2], batch.rewards[3]) == (-1.0, 1.0)
    assert (batch.episode_goals[2], batch.episode_goals[3]) == (0, 1)
    assert batch.episode_lengths[1] == 1 and batch.episode_returns[2] == -1.0
    final_ball_x_in_red_view = row(batch.final_obs, 3)[13]             # red attacks -x: mirrored +x
    assert final_ball_x_in_red_view > 1.0                              # the ball is in the goal it attacks
    assert row(batch.obs, 3)[13] == 0.0                                # fresh kickoff
    assert batch.envs[1].score == [0, 0] and batch.envs[1].tick == 0


def test_reset_seeding():
    a = EnvBatch(3, seed=5)
    b = EnvBatch(3, seed=6)
    assert a.obs != b.obs
    b.reset(seed=5)
    assert a.obs == b.obs
    before = array("f", a.obs)
    a.reset()                                                          # continues the streams: new kickoffs
    assert a.obs != before
