"""A person's input (held keys, or the touch stick and dash button) -> one of the sim's 30 actions.

Pure Python, tested in CPython (tests/test_human_input.py); `app/show_match.py`
calls `human_action` at each decision of the human-controlled player.

The sim's moves are in the player's own frame (sim/actions.py: forward, back,
strafe left/right, turn left/right). Two ways to move are offered:

- "screen" (the default: what a newcomer expects): W/↑ is up the screen, S/↓
  down, A/← left, D/→ right, and keys combine into diagonals. The wanted
  direction d = (dx, dy) in world coordinates (+y is up the screen) is turned
  into the player's frame with its heading h = (c, s):

      f = dx c + dy s          (along the heading)
      l = dy c - dx s          (to its left)

  The move is the one of forward (f), back (-f), strafe left (l) and strafe
  right (-l) that points most nearly along d, and while the heading is more
  than TURN_TOLERANCE off d (angle atan2(l, f)) the player also turns toward
  it, so it soon faces where it goes and dashes that way. Q/E still turn by
  hand (and then no automatic turn is added). The touch stick always works
  this way: its direction is d.
- "heading": the sim's own moves, relative to where the player faces: W/↑
  forward, S/↓ back, A/← strafe left, D/→ strafe right.
"""

from math import atan2, isfinite, sqrt

from sim import encode_action

MOVEMENTS = ("screen", "heading")
TURN_TOLERANCE = 0.3    # rad: at 4 rad/s the turn overshoots by ~0.33 rad (one 1/30 s decision plus braking)
STICK_DEAD_ZONE = 0.25  # fraction of the stick's radius that means "stand still"

HEADING_MOVE_KEYS = {"w": 1, "arrowup": 1, "s": 2, "arrowdown": 2, "a": 3, "arrowleft": 3, "d": 4, "arrowright": 4}
SCREEN_DIRECTION_KEYS = {"w": (0, 1), "arrowup": (0, 1), "s": (0, -1), "arrowdown": (0, -1),
                         "a": (-1, 0), "arrowleft": (-1, 0), "d": (1, 0), "arrowright": (1, 0)}
TURN_KEYS = {"q": 1, "e": 2}            # turn left (counter-clockwise), turn right
DASH_KEYS = {" ", "space"}
HUMAN_KEYS = frozenset(HEADING_MOVE_KEYS) | frozenset(TURN_KEYS) | DASH_KEYS


def screen_action(dx: float, dy: float, heading_c: float, heading_s: float, turn: int = 0, dash: int = 0) -> int:
    """Move toward the world direction (dx, dy) from a player facing (heading_c, heading_s).

    (0, 0) stands still. `turn` (0 none, 1 left, 2 right) overrides the
    automatic turn toward (dx, dy); `dash` is 0 or 1. Returns the action int.
    """
    for name, value in (("dx", dx), ("dy", dy), ("heading_c", heading_c), ("heading_s", heading_s)):
        if not isinstance(value, (int, float)) or not isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if dx == 0 and dy == 0:
        return encode_action(0, turn, dash)
    f = dx * heading_c + dy * heading_s
    l = dy * heading_c - dx * heading_s
    move = max(((f, 1), (-f, 2), (l, 3), (-l, 4)), key=lambda option: option[0])[1]    # best aligned; ties: forward
    if turn == 0:
        angle = atan2(l, f)
        turn = 0 if abs(angle) <= TURN_TOLERANCE else (1 if angle > 0 else 2)
    return encode_action(move, turn, dash)


def stick_direction(x: float, y: float) -> tuple[float, float]:
    """The touch stick's offset (x right, y down the screen, in stick radii) -> world direction, (0, 0) in
    the dead zone."""
    if sqrt(x * x + y * y) < STICK_DEAD_ZONE:
        return 0.0, 0.0
    return float(x), float(-y)


def human_action(keys, heading: tuple[float, float], movement: str = "screen",
                 stick: tuple[float, float] | None = None, dash_button: bool = False) -> int:
    """The held `keys` (lower-case `KeyboardEvent.key` values), the touch `stick` (a world direction, or
    None when untouched) and the dash button -> the action for a player facing `heading`."""
    if movement not in MOVEMENTS:
        raise ValueError(f"movement must be one of {', '.join(MOVEMENTS)}, got {movement!r}")
    turn = next((TURN_KEYS[k] for k in keys if k in TURN_KEYS), 0)
    dash = int(dash_button or any(k in DASH_KEYS for k in keys))
    if stick is not None and stick != (0.0, 0.0):
        return screen_action(stick[0], stick[1], *heading, turn=turn, dash=dash)
    if movement == "heading":
        move = next((HEADING_MOVE_KEYS[k] for k in keys if k in HEADING_MOVE_KEYS), 0)
        return encode_action(move, turn, dash)
    dx = sum(SCREEN_DIRECTION_KEYS[k][0] for k in set(keys) & SCREEN_DIRECTION_KEYS.keys())
    dy = sum(SCREEN_DIRECTION_KEYS[k][1] for k in set(keys) & SCREEN_DIRECTION_KEYS.keys())
    return screen_action(dx, dy, *heading, turn=turn, dash=dash)
