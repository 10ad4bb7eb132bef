"""The 30 discrete actions: move (5) x turn (3) x dash (2).

    action = (move * 3 + turn) * 2 + dash

| move | name         | target velocity, player frame (m/s) |
|------|--------------|-------------------------------------|
| 0    | stop         | (0, 0)                              |
| 1    | forward      | (+FORWARD_SPEED, 0)                 |
| 2    | back         | (-BACK_SPEED, 0)                    |
| 3    | strafe left  | (0, +STRAFE_SPEED)                  |
| 4    | strafe right | (0, -STRAFE_SPEED)                  |

| turn | name  | target angular velocity (rad/s) |
|------|-------|---------------------------------|
| 0    | none  | 0                               |
| 1    | left  | +TURN_RATE (counter-clockwise)  |
| 2    | right | -TURN_RATE                      |

| dash | meaning                                                        |
|------|----------------------------------------------------------------|
| 0    | no dash                                                        |
| 1    | dash: +DASH_SPEED along the heading as soon as the cooldown is 0 |

So action 0 is "stop, no turn, no dash", action 6 is "forward", action 7 is
"forward + dash", action 29 is "strafe right + turn right + dash".
The player frame has +x along the heading ("forward") and +y to its left.
"""
from .constants import BACK_SPEED, FORWARD_SPEED, STRAFE_SPEED, TURN_RATE

MOVES = ("stop", "forward", "back", "strafe_left", "strafe_right")
TURNS = ("none", "left", "right")
NUM_ACTIONS = len(MOVES) * len(TURNS) * 2

MOVE_TARGETS = ((0.0, 0.0), (FORWARD_SPEED, 0.0), (-BACK_SPEED, 0.0), (0.0, STRAFE_SPEED), (0.0, -STRAFE_SPEED))
TURN_TARGETS = (0.0, TURN_RATE, -TURN_RATE)


def encode_action(move: int, turn: int, dash: int) -> int:
    """(move, turn, dash) -> action int; see the tables above."""
    if not (isinstance(move, int) and 0 <= move < len(MOVES)):
        raise ValueError(f"move must be an int in [0, {len(MOVES)}), got {move!r}")
    if not (isinstance(turn, int) and 0 <= turn < len(TURNS)):
        raise ValueError(f"turn must be an int in [0, {len(TURNS)}), got {turn!r}")
    if dash not in (0, 1):
        raise ValueError(f"dash must be 0 or 1, got {dash!r}")
    return (move * len(TURNS) + turn) * 2 + int(dash)


def decode_action(action: int) -> tuple[int, int, int]:
    """action int -> (move, turn, dash)."""
    if not (isinstance(action, int) and 0 <= action < NUM_ACTIONS):
        raise ValueError(f"action must be an int in [0, {NUM_ACTIONS}), got {action!r}")
    move_turn, dash = divmod(action, 2)
    move, turn = divmod(move_turn, len(TURNS))
    return move, turn, dash


# ACTION_TARGETS[a] = (forward m/s, left m/s, turn rad/s, dash 0/1): what the physics reads.
ACTION_TARGETS = tuple(
    MOVE_TARGETS[m] + (TURN_TARGETS[t], d) for m, t, d in map(decode_action, range(NUM_ACTIONS))
)
