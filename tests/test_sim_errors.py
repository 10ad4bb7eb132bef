"""Bad input is a clear ValueError naming the agent/field and the value; actions and config helpers."""
import math

import pytest

from sim import EnvBatch, SoccerConfig, SoccerEnv, decode_action, encode_action
from sim.actions import ACTION_TARGETS
from sim.constants import FORWARD_SPEED, TURN_RATE


@pytest.fixture
def env():
    return SoccerEnv(seed=0)


@pytest.mark.parametrize("actions, message", [
    ({"blue": 0, "red": 0, "green": 1}, "unknown agent 'green'"),
    ({"blue": 0}, "no action for agent 'red'"),
    ({"blue": 30, "red": 0}, r"agent 'blue' must be in range\(30\), got 30"),
    ({"blue": 0, "red": -1}, r"agent 'red' must be in range\(30\), got -1"),
    ({"blue": 1.5, "red": 0}, "agent 'blue' must be an int, got 1.5"),
    ({"blue": "3", "red": 0}, "agent 'blue' must be an int, got '3'"),
    ({"blue": True, "red": 0}, "agent 'blue' must be in range"),
    ([0, 0], "actions must be a dict"),
])
def test_bad_actions(env, actions, message):
    digest = env.state_digest()
    with pytest.raises(ValueError, match=message):
        env.step(actions)
    assert env.state_digest() == digest                  # nothing happened


def test_step_after_the_end_needs_reset(env):
    env = SoccerEnv(SoccerConfig(match_seconds=1 / 30), seed=0)
    env.step({"blue": 0, "red": 0})
    with pytest.raises(RuntimeError, match="reset"):
        env.step({"blue": 0, "red": 0})


@pytest.mark.parametrize("call, message", [
    (lambda e: e.place_ball(math.nan, 0.0), "x for 'ball' must be finite, got nan"),
    (lambda e: e.place_ball(0.0, 0.0, vy=math.inf), "vy for 'ball' must be finite, got inf"),
    (lambda e: e.place_ball("left", 0.0), "x for 'ball' must be a number, got 'left'"),
    (lambda e: e.place_player("green", 0.0, 0.0), "unknown agent 'green'"),
    (lambda e: e.place_player("red", 0.0, math.nan), "y for 'red' must be finite, got nan"),
    (lambda e: e.place_player("blue", 0.0, 0.0, heading=(0.0, 0.0)), "heading for 'blue' must be a non-zero vector"),
    (lambda e: e.place_player("blue", 0.0, 0.0, heading=1.0), r"heading for 'blue' must be a pair"),
    (lambda e: e.place_player("blue", 0.0, 0.0, heading=(math.nan, 1.0)), "heading x for 'blue' must be finite"),
    (lambda e: e.observe("green"), "unknown agent 'green'"),
])
def test_bad_placements(env, call, message):
    digest = env.state_digest()
    with pytest.raises(ValueError, match=message):
        call(env)
    assert env.state_digest() == digest


def test_placements_are_clamped_inside_the_pitch(env):
    env.place_ball(100.0, -100.0)
    snap = env.snapshot()
    assert snap["ball"][:2] == (8.0 - 0.2, -(5.0 - 0.2))
    env.place_player("red", -100.0, 100.0, heading=(0.0, 2.0), vx=1.0)
    x, y, c, s, vx, vy, omega, _ = env.snapshot()["red"]
    assert (x, y, c, s, vx, vy, omega) == (-(8.0 - 0.4), 5.0 - 0.25, 0.0, 1.0, 1.0, 0.0, 0.0)


@pytest.mark.parametrize("field, value", [
    ("match_seconds", 0.0), ("match_seconds", math.nan), ("action_repeat", 0), ("action_repeat", 2.0),
    ("end_on_goal", 1), ("shaping_coef", -0.1), ("shaping_coef", math.inf), ("shaping_gamma", 1.5),
    ("kickoff_jitter", -1.0), ("kickoff_jitter", 2.0),
])
def test_bad_config_names_the_field(field, value):
    with pytest.raises(ValueError, match=f"{field} must be"):
        SoccerConfig(**{field: value})


def test_bad_batch_input():
    with pytest.raises(ValueError, match="num_envs must be an int >= 1, got 0"):
        EnvBatch(0)
    with pytest.raises(ValueError, match="seed must be an int"):
        EnvBatch(2, seed=1.5)
    batch = EnvBatch(2, seed=0)
    with pytest.raises(ValueError, match="length 2\\*num_envs = 4, got 3"):
        batch.step([0, 0, 0])
    with pytest.raises(ValueError, match=r"env 1: action for agent 'red' must be in range\(30\), got 31"):
        batch.step([0, 0, 0, 31])
    with pytest.raises(ValueError, match="SoccerConfig"):
        SoccerEnv(config={"match_seconds": 5})


def test_action_table_round_trip():
    seen = set()
    for action in range(30):
        move, turn, dash = decode_action(action)
        assert encode_action(move, turn, dash) == action
        seen.add((move, turn, dash))
    assert len(seen) == 30
    assert ACTION_TARGETS[encode_action(1, 0, 1)] == (FORWARD_SPEED, 0.0, 0.0, 1)
    assert ACTION_TARGETS[encode_action(0, 2, 0)] == (0.0, 0.0, -TURN_RATE, 0)
    with pytest.raises(ValueError, match="action must be an int in \\[0, 30\\), got 30"):
        decode_action(30)
    with pytest.raises(ValueError, match="move must be"):
        encode_action(5, 0, 0)
