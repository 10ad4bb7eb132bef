"""app/human_input.py: keys, the touch stick and the dash button -> the sim's actions."""

from math import cos, sin

import pytest

from app.human_input import TURN_TOLERANCE, human_action, screen_action, stick_direction
from app.show_match import ShowMatch
from sim import decode_action

EAST, NORTH = (1.0, 0.0), (0.0, 1.0)       # headings: facing right, facing up the screen


def parts(action):
    move, turn, dash = decode_action(action)
    return ("stop", "forward", "back", "left", "right")[move], ("none", "left", "right")[turn], dash


@pytest.mark.parametrize("keys, heading, expected", [
    ({"d"}, EAST, ("forward", "none", 0)),          # already facing right: straight on
    ({"w"}, EAST, ("left", "left", 0)),              # up is to its left: strafe there and turn to face it
    ({"s"}, EAST, ("right", "right", 0)),
    ({"arrowup"}, NORTH, ("forward", "none", 0)),
    ({"a"}, NORTH, ("left", "left", 0)),
    ({"d"}, NORTH, ("right", "right", 0)),
    ({"w", "d"}, NORTH, ("forward", "right", 0)),    # the diagonal is 45 degrees off: forward, turning right
    ({"a", "d"}, EAST, ("stop", "none", 0)),         # opposite keys cancel
    (set(), EAST, ("stop", "none", 0)),
    ({"d", " "}, EAST, ("forward", "none", 1)),
    ({"w", "e"}, EAST, ("left", "right", 0)),        # Q/E turn by hand and replace the automatic turn
])
def test_screen_keys_move_relative_to_the_screen_whatever_the_heading(keys, heading, expected):
    assert parts(human_action(keys, heading, "screen")) == expected


def test_screen_movement_behind_the_player_backs_off_and_turns_around():
    move, turn, _ = parts(screen_action(-1.0, 0.0, *EAST))
    assert move == "back" and turn in ("left", "right")


def test_no_automatic_turn_within_the_tolerance():
    inside, outside = TURN_TOLERANCE * 0.9, TURN_TOLERANCE * 1.1
    assert parts(screen_action(cos(inside), sin(inside), *EAST)) == ("forward", "none", 0)
    assert parts(screen_action(cos(outside), sin(outside), *EAST)) == ("forward", "left", 0)
    assert parts(screen_action(cos(-outside), sin(-outside), *EAST)) == ("forward", "right", 0)


@pytest.mark.parametrize("keys, expected", [
    ({"w"}, ("forward", "none", 0)), ({"arrowdown"}, ("back", "none", 0)), ({"a"}, ("left", "none", 0)),
    ({"d"}, ("right", "none", 0)), ({"q", " "}, ("stop", "left", 1)),
])
def test_heading_keys_are_the_sims_own_moves(keys, expected):
    assert parts(human_action(keys, NORTH, "heading")) == expected


def test_the_stick_moves_relative_to_the_screen_and_wins_over_keys():
    right = stick_direction(0.9, 0.1)                   # screen y points down: slightly below the middle
    assert right == (0.9, -0.1)
    assert parts(human_action({"w"}, EAST, "heading", stick=right)) == ("forward", "none", 0)
    assert stick_direction(0.1, -0.1) == (0.0, 0.0)    # the dead zone
    assert parts(human_action(set(), EAST, "screen", stick=(0.0, 0.0), dash_button=True)) == ("stop", "none", 1)


def test_bad_input_is_refused_with_its_name():
    with pytest.raises(ValueError, match="dx"):
        screen_action(float("nan"), 0.0, *EAST)
    with pytest.raises(ValueError, match="movement"):
        human_action({"w"}, EAST, "sideways")


@pytest.mark.parametrize("key, direction", [("w", (0, 1)), ("a", (-1, 0)), ("s", (0, -1)), ("d", (1, 0))])
def test_holding_a_screen_key_moves_blue_that_way_and_turns_it_to_face_it(key, direction):
    match = ShowMatch()
    match.set_mode("human-vs-ai")
    start = match.current["blue"][:2]
    match.human_keys.add(key)
    for _ in range(120):    # one second
        match.tick()
    x, y, c, s = match.current["blue"][:4]
    moved = (x - start[0]) * direction[0] + (y - start[1]) * direction[1]
    assert moved > 1.5, (key, moved)
    assert c * direction[0] + s * direction[1] > cos(2 * TURN_TOLERANCE), (key, c, s)   # facing it


def test_the_scoreboard_calls_the_persons_side_you():
    match = ShowMatch()
    assert match.shown_label("blue") == "scripted"
    match.set_mode("human-vs-ai")
    assert (match.shown_label("blue"), match.shown_label("red")) == ("you", "scripted")
    match.human_stick, match.human_dash = (1.0, 0.0), True
    match.set_mode("sandbox")
    assert match.shown_label("blue") == "scripted" and match.human_stick is None and not match.human_dash


def test_set_movement_refuses_unknown_names():
    match = ShowMatch()
    match.set_movement("heading")
    assert match.movement == "heading"
    with pytest.raises(ValueError, match="movement"):
        match.set_movement("diagonal")
