"""Goal edge cases: a goal needs the whole ball past the line inside the mouth."""
import pytest

from sim import SoccerConfig, SoccerEnv
from sim.constants import (
    BALL_MAX_SPEED, BALL_RADIUS, GOAL_DEPTH, GOAL_HALF_WIDTH, HALF_LENGTH, HALF_WIDTH, POST_RADIUS,
)

L, W, G, D, R, P = HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_DEPTH, BALL_RADIUS, POST_RADIUS


def quiet_env(end_on_goal=True) -> SoccerEnv:
    """Players parked in the corners of their own half, action_repeat 1, no shaping noise."""
    env = SoccerEnv(SoccerConfig(action_repeat=1, end_on_goal=end_on_goal, shaping_coef=0.0), seed=0)
    env.place_player("blue", -L + 1.0, W - 1.0, heading=(1, 0))
    env.place_player("red", -L + 1.0, -W + 1.0, heading=(1, 0))
    return env


def run(env, ticks):
    for _ in range(ticks):
        obs, rewards, terminations, truncations, infos = env.step({"blue": 0, "red": 0})
        if terminations["blue"] or truncations["blue"]:
            return rewards, terminations, infos
    return rewards, terminations, infos


@pytest.mark.parametrize("side", [1, -1])
def test_ball_exactly_on_the_line_is_not_a_goal(side):
    env = quiet_env()
    env.place_ball(side * L, 0.0)                      # centre on the line: half the ball over
    _, terminations, _ = run(env, 5)
    assert not terminations["blue"] and env.score == [0, 0]
    env.place_ball(side * (L + R), 0.0)                # trailing edge exactly on the line: not yet over it
    _, terminations, _ = run(env, 5)
    assert not terminations["blue"] and env.score == [0, 0]
    env.place_ball(side * (L + R), 0.0, side * 0.01, 0.0)   # one nudge more and it is over
    rewards, terminations, infos = run(env, 5)
    assert terminations["blue"] and terminations["red"]
    assert env.score == ([1, 0] if side == 1 else [0, 1])
    assert rewards["blue"] == side and rewards["red"] == -side
    assert infos["blue"]["reward_goal"] == side and infos["red"]["reward_goal"] == -side


@pytest.mark.parametrize("side", [1, -1])
@pytest.mark.parametrize("post_y", [G + P, -(G + P)])
def test_shot_at_the_post_bounces_out(side, post_y):
    env = quiet_env()
    env.place_ball(side * (L - 3.0), post_y, side * BALL_MAX_SPEED, 0.0)   # dead centre on the post
    speed_in = BALL_MAX_SPEED
    for _ in range(40):
        env.step({"blue": 0, "red": 0})
        if env._state[2] * side < 0:
            break
    assert env._state[2] * side < 0, "the post did not reflect the ball"
    assert abs(env._state[2]) < speed_in * 0.75       # restitution 0.7
    _, terminations, _ = run(env, 120)
    assert not terminations["blue"] and env.score == [0, 0]


def test_shot_off_the_inside_of_the_post_goes_in():
    env = quiet_env()
    env.place_ball(L - 3.0, G + P - 0.8 * (R + P), BALL_MAX_SPEED, 0.0)   # clips the upper post
    deflected = False
    for _ in range(120):
        _, _, terminations, _, _ = env.step({"blue": 0, "red": 0})
        deflected |= env._state[3] < 0.0
        if terminations["blue"]:
            break
    assert deflected and terminations["blue"] and env.score == [1, 0]


@pytest.mark.parametrize("y", [G + P + R, G + 1.0, W - R, -(G + P + R), -(W - R)])
@pytest.mark.parametrize("side", [1, -1])
def test_crossing_the_line_outside_the_mouth_is_impossible_and_no_goal(side, y):
    env = SoccerEnv(SoccerConfig(action_repeat=1, end_on_goal=False, shaping_coef=0.0), seed=0)
    env.place_player("blue", 0.0, W - 1.0)
    env.place_player("red", 0.0, -W + 1.0)
    env.place_ball(side * (L - 4.0), y, side * BALL_MAX_SPEED, 0.0)
    for _ in range(60):
        env.step({"blue": 0, "red": 0})
        assert abs(env._state[0]) <= L - R + 1e-12
    assert env.score == [0, 0]


def test_ball_placed_beyond_the_line_outside_the_mouth_is_clamped_back():
    env = quiet_env()
    env.place_ball(L + 0.5, G + 1.0)
    assert env._state[0] == L - R
    env.place_ball(-(L + 5.0), 0.0)                    # inside the mouth: clamped to the back of the recess
    assert env._state[0] == -(L + D - R)


def test_goal_with_kickoff_continues_the_match():
    env = quiet_env(end_on_goal=False)
    env.place_ball(L + R + 0.05, 0.0, 1.0, 0.0)
    rewards, terminations, infos = run(env, 1)
    assert not terminations["blue"] and env.score == [1, 0] and rewards["blue"] == 1.0
    assert env._state[0] == 0.0                        # kickoff: ball back on the halfway line
    assert infos["blue"]["goals_for"] == 1 and infos["red"]["goals_against"] == 1
