"""Observation rows 27-33 (spec version 2): bearing, aim and near-ball geometry, derived from rows 0-26."""
import math
import random

import pytest

from sim import SoccerConfig, SoccerEnv
from sim.observation import OBSERVATION_SIZE, POSITION_SCALE, encode_observation


def player(x, y, heading):
    """A player's 8 state values at rest: x, y, vx, vy, cos, sin, omega, dash cooldown."""
    return [x, y, 0.0, 0.0, math.cos(heading), math.sin(heading), 0.0, 0.0]


def state(ball, blue, red):
    return [*ball, 0.0, 0.0, *player(*blue), *player(*red)]


def squash(metres):
    return metres / (1.0 + abs(metres))


def test_lined_up_behind_the_ball():
    """Blue 1 m behind the ball on the line to the goal, facing it: all straight ahead, along = -1 m."""
    obs = encode_observation(state((3.0, 0.0), (2.0, 0.0, 0.0), (-5.0, 0.0, math.pi)), 0, 1.0)
    assert len(obs) == OBSERVATION_SIZE == 34
    assert obs[27:34] == pytest.approx((1.0, 0.0, 1.0, 0.0, squash(-1.0), 0.0, squash(1.0)), abs=1e-12)


def test_side_on_and_off_the_line():
    """Blue at (0, 2) faces +y, the ball is at (1, 0): the ego frame turns everything a quarter turn; blue is
    1 m behind the ball (along < 0) and 2 m left of the aim line y = 0 (across > 0)."""
    obs = encode_observation(state((1.0, 0.0), (0.0, 2.0, math.pi / 2), (-5.0, 0.0, 0.0)), 0, 1.0)
    to_ball = (1.0, -2.0)                                  # world, m
    length = math.hypot(*to_ball)
    bearing = (to_ball[1] / length, -to_ball[0] / length)  # ego: f = world y, l = -world x when facing +y
    assert obs[27:29] == pytest.approx(bearing, abs=1e-12)
    assert obs[29:31] == pytest.approx((0.0, -1.0), abs=1e-12)  # the goal is straight to the right
    assert obs[31:33] == pytest.approx((squash(-1.0), squash(2.0)), abs=1e-12)
    assert obs[33] == pytest.approx(squash(length), abs=1e-12)


def test_degenerate_geometry_gives_the_documented_defaults():
    """Ball on the player's centre, or on the opponent goal centre: bearing (or aim) (1, 0), no division by 0."""
    on_player = encode_observation(state((2.0, 1.0), (2.0, 1.0, 0.3), (-5.0, 0.0, 0.0)), 0, 1.0)
    assert on_player[27:29] == (1.0, 0.0) and on_player[33] == 0.0
    on_goal = encode_observation(state((8.0, 0.0), (2.0, 1.0, 0.3), (-5.0, 0.0, 0.0)), 0, 1.0)
    assert on_goal[29:31] == (1.0, 0.0)


@pytest.mark.parametrize("seed", range(3))
def test_rows_27_to_33_follow_from_rows_0_to_26_in_play(seed):
    """Over real play (random players), rows 27-33 equal the same geometry recomputed from rows 8-10, 22, 23."""
    env = SoccerEnv(SoccerConfig(end_on_goal=False), seed=seed)
    env.reset(seed=seed)
    rng = random.Random(seed)
    for _ in range(600):
        for agent in env.agents:
            obs = env.observe(agent)
            ball_f, ball_l, distance = (POSITION_SCALE * v for v in obs[8:11])
            aim_f, aim_l = POSITION_SCALE * obs[22] - ball_f, POSITION_SCALE * obs[23] - ball_l
            aim_length = math.hypot(aim_f, aim_l)
            aim_f, aim_l = aim_f / aim_length, aim_l / aim_length
            assert obs[27:29] == pytest.approx((ball_f / distance, ball_l / distance), abs=1e-5)
            assert obs[29:31] == pytest.approx((aim_f, aim_l), abs=1e-5)
            assert obs[31] == pytest.approx(squash(-(ball_f * aim_f + ball_l * aim_l)), abs=1e-5)
            assert obs[32] == pytest.approx(squash(ball_f * aim_l - ball_l * aim_f), abs=1e-5)
            assert obs[33] == pytest.approx(squash(distance), abs=1e-5)
            assert all(-1.0 <= v <= 1.0 for v in obs[27:34])
        env.step({agent: rng.randrange(env.num_actions) for agent in env.agents})
