"""The overlays on the pitch: a network player's decision (app/network_player.py)
-> the shapes the arena draws (app/arena_scene.py). Pure Python, tested in CPython.

Shapes are tuples (kind, cx, cy, hx, hy, ax, ay, param, fill, line), the
fields of `struct Shape` in shaders/arena.wgsl, in world metres.

Intent (around the player, in its own frame: +x along the heading, +y to its left):
    move m = 1..4   a petal from PETAL_BASE out along the move's direction;
                    its length is PETAL_LENGTH * P(move = m)
    move 0 (stop)   an arc at STOP_RADIUS over the fraction P(move = 0) of a turn
    turn left/right a mark beside the front, out to its side, length TURN_LENGTH * P(turn)
    dash            a dot ahead of the front, area proportional to P(dash = 1)
    the chosen action's parts are outlined in white (the stop arc turns white)
    P(move = m) = sum of p[a] over the actions a with that move, likewise turn and dash.

Value (above the player): a bar of V(s) and, under it, one of the last
finished decision's advantage, each from the player's x out to
+-VALUE_BAR_HALF * clamp(x / VALUE_SCALE, -1, 1); blue when >= 0, orange below.

Colours are Okabe and Ito's colour-blind-safe palette.
"""

from math import sqrt

from sim.actions import MOVES, TURNS, decode_action

PITCH, BOX, CIRCLE, ARC, TRAIL, CAPSULE, FIELD = 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0  # shape kinds of shaders/arena.wgsl
OVERLAYS = ("intent", "value", "field")     # "field": the value field, app/value_field.py and app/field_overlay.py

MOVE_DIRECTIONS = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0))   # moves 1..4, player frame
PETAL_BASE = 0.75           # m from the player's centre, clear of its body and dash-cooldown ring
PETAL_LENGTH = 1.5          # m at probability 1
PETAL_RADIUS = 0.06         # m
STOP_RADIUS = 0.5           # m
TURN_ROOT = (0.45, 0.45)    # m, player frame: where the turn-left mark starts (turn right: y mirrored)
TURN_LENGTH = 0.8           # m at probability 1
TURN_RADIUS = 0.04          # m
DASH_CENTRE = 0.45          # m ahead of the player's centre
DASH_RADIUS = 0.15          # m at probability 1
CHOSEN_OUTLINE = 0.03       # m
VALUE_OFFSET = 0.95         # m above the player's centre
VALUE_BAR_HALF = 0.6        # m at |value| = VALUE_SCALE
VALUE_SCALE = 1.0           # a goal is worth 1 (sim/rewards.py)
BAR_RADIUS = 0.05           # m
ADVANTAGE_GAP = 0.13        # m between the value bar and the advantage bar

YELLOW = (0.94, 0.89, 0.26, 0.9)
SKY_BLUE = (0.34, 0.71, 0.91, 0.9)
ORANGE = (0.90, 0.62, 0.0, 0.9)
PURPLE = (0.80, 0.47, 0.65, 0.9)
BLUE = (0.0, 0.45, 0.70, 1.0)
TRACK = (0.06, 0.08, 0.10, 0.45)
CHOSEN = (1.0, 1.0, 1.0, 1.0)


def marginals(probabilities: list[float]) -> tuple[list[float], list[float], list[float]]:
    """(P(move), P(turn), P(dash)) of a distribution over the 30 actions."""
    move, turn, dash = [0.0] * len(MOVES), [0.0] * len(TURNS), [0.0, 0.0]
    for action, p in enumerate(probabilities):
        m, t, d = decode_action(action)
        move[m] += p
        turn[t] += p
        dash[d] += p
    return move, turn, dash


def segment(body, fx: float, fy: float, ux: float, uy: float, length: float, radius: float,
            fill, chosen: bool) -> tuple:
    """A capsule from player-frame point (fx, fy) out along player-frame unit (ux, uy) for `length` metres."""
    x, y, c, s = body[:4]
    mx, my = fx + ux * length / 2, fy + uy * length / 2
    line = CHOSEN if chosen else fill
    return (CAPSULE, x + c * mx - s * my, y + s * mx + c * my, length / 2 + radius, radius,
            c * ux - s * uy, s * ux + c * uy, CHOSEN_OUTLINE if chosen else 0.0, fill, line)


def intent_shapes(body, probabilities: list[float], action: int) -> list[tuple]:
    """The intent glyph of a player at `body` (x, y, cos, sin, ...) that acted `action` on `probabilities`."""
    move, turn, dash = marginals(probabilities)
    chosen_move, chosen_turn, chosen_dash = decode_action(action)
    x, y, c, s = body[:4]
    shapes = [(ARC, x, y, STOP_RADIUS, STOP_RADIUS, c, s, move[0], CHOSEN if chosen_move == 0 else PURPLE, PURPLE)]
    for m, (ux, uy) in enumerate(MOVE_DIRECTIONS, start=1):
        shapes.append(segment(body, ux * PETAL_BASE, uy * PETAL_BASE, ux, uy, PETAL_LENGTH * move[m],
                              PETAL_RADIUS, YELLOW, chosen_move == m))
    for t, side in ((1, 1.0), (2, -1.0)):
        shapes.append(segment(body, TURN_ROOT[0], side * TURN_ROOT[1], 0.0, side, TURN_LENGTH * turn[t],
                              TURN_RADIUS, SKY_BLUE, chosen_turn == t))
    radius = DASH_RADIUS * sqrt(dash[1])
    shapes.append(segment(body, DASH_CENTRE, 0.0, 1.0, 0.0, 0.0, radius, ORANGE, chosen_dash == 1))
    return shapes


def bar(x: float, y: float, amount: float) -> list[tuple]:
    """A track and, from its middle, a bar out to amount / VALUE_SCALE of its half length."""
    reach = VALUE_BAR_HALF * max(-1.0, min(1.0, amount / VALUE_SCALE))
    fill = BLUE if amount >= 0 else ORANGE
    return [(CAPSULE, x, y, VALUE_BAR_HALF + BAR_RADIUS, BAR_RADIUS, 1.0, 0.0, 0.0, TRACK, TRACK),
            (CAPSULE, x + reach / 2, y, abs(reach) / 2 + BAR_RADIUS, BAR_RADIUS, 1.0, 0.0, 0.0, fill, fill)]


def value_shapes(body, value: float, advantage: float | None) -> list[tuple]:
    """The value bar (and the advantage bar once there is one) above a player at `body`."""
    x, y = body[0], body[1] + VALUE_OFFSET
    shapes = bar(x, y, value)
    if advantage is not None:
        shapes += bar(x, y - ADVANTAGE_GAP, advantage)
    return shapes


def overlay_shapes(view: dict, decisions: dict, advantages: dict, shown) -> list[tuple]:
    """The shapes of the overlays in `shown` for each side with a decision, at the drawn positions in `view`."""
    shapes = []
    for side, decision in decisions.items():
        if "intent" in shown:
            shapes += intent_shapes(view[side], decision.probabilities, decision.action)
        if "value" in shown:
            shapes += value_shapes(view[side], decision.value, advantages.get(side))
    return shapes
