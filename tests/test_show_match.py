"""The show match's timing and control logic, in CPython (app/show_match.py)."""

import math

import pytest

from app.show_match import ShowMatch, ShowMatchConfig, parse_seed
from sim.constants import DT


def test_accumulator_runs_120_ticks_per_second_at_1x_and_scales_with_speed():
    match = ShowMatch()
    assert sum(match.advance(1 / 60) for _ in range(60)) == pytest.approx(120, abs=1)
    match.set_speed(2.0)
    assert sum(match.advance(1 / 60) for _ in range(60)) == pytest.approx(240, abs=1)
    match.set_speed(0.25)
    assert sum(match.advance(1 / 60) for _ in range(60)) == pytest.approx(30, abs=1)


def test_paused_match_does_not_move_and_step_is_exactly_one_decision():
    match = ShowMatch()
    match.playing = False
    digest = match.env.state_digest()
    assert match.advance(1.0) == 0 and match.env.state_digest() == digest
    for expected in (4, 8, 12):
        match.step_decision()
        assert match.ticks == expected
    assert match.env.state_digest() != digest


def test_a_stalled_frame_is_capped():
    assert ShowMatch().advance(10.0) == round(0.25 / DT)


def test_reset_with_the_same_seed_replays_the_same_match():
    match = ShowMatch(ShowMatchConfig(seed=7))
    for _ in range(50):
        match.step_decision()
    digest = match.env.state_digest()
    match.reset(7)
    for _ in range(50):
        match.step_decision()
    assert match.env.state_digest() == digest
    match.reset(8)
    for _ in range(50):
        match.step_decision()
    assert match.env.state_digest() != digest


@pytest.mark.parametrize("text", ["", "-1", "1.5", "abc", "4294967296", "1e3", "nan"])
def test_bad_seed_text_is_refused_with_a_message(text):
    with pytest.raises(ValueError, match="seed must be a whole number"):
        parse_seed(text)


def test_seed_text_is_parsed():
    assert parse_seed(" 42 ") == 42 and parse_seed("4294967295") == 2**32 - 1


def test_bad_speed_and_mode_are_refused():
    match = ShowMatch()
    with pytest.raises(ValueError, match="speed"):
        match.set_speed(3.0)
    with pytest.raises(ValueError, match="mode"):
        match.set_mode("spectator")


def test_sandbox_drop_moves_the_ball_and_rejects_nan_without_touching_the_state():
    match = ShowMatch()
    match.set_mode("sandbox")
    match.drop("ball", 2.0, -1.0)
    assert match.current["ball"][:2] == (2.0, -1.0)
    digest = match.env.state_digest()
    with pytest.raises(ValueError, match="ball"):
        match.drop("ball", math.nan, 0.0)
    assert match.env.state_digest() == digest
    match.drop("ball", 100.0, 100.0)  # outside the pitch: clamped inside
    x, y = match.current["ball"][:2]
    assert abs(x) < 9 and abs(y) < 5


def test_drag_outside_sandbox_is_refused():
    with pytest.raises(ValueError, match="Sandbox"):
        ShowMatch().drop("ball", 0.0, 0.0)


def test_body_at_picks_the_nearest_body():
    match = ShowMatch()
    bx, by = match.current["ball"][:2]
    assert match.body_at(bx + 0.1, by) == "ball"
    assert match.body_at(0.0, 4.9) is None


def test_human_keys_drive_the_blue_player_only_in_human_mode():
    match = ShowMatch()
    match.set_mode("human-vs-ai")
    match.set_movement("heading")
    start = match.current["blue"][:2]
    heading = match.current["blue"][2:4]
    match.human_keys.add("w")
    for _ in range(60):
        match.tick()
    end = match.current["blue"][:2]
    moved = ((end[0] - start[0]) * heading[0] + (end[1] - start[1]) * heading[1])
    assert moved > 0.5  # forward along the kickoff heading


def test_view_interpolates_between_ticks():
    match = ShowMatch()
    match.advance(0.5)
    match.accumulator = DT / 2
    a, b, v = match.previous["ball"], match.current["ball"], match.view()["ball"]
    assert v[0] == pytest.approx((a[0] + b[0]) / 2)
