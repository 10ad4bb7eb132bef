"""Baseline players that use the same observation/action interface as a policy.

- `random_action(rng)`: uniform over the 30 actions, from a SplitMix64 (never `random`).
- `scripted_action(obs)`: a hand-written striker/defender, the yardstick of learning:
    1. aim line: u = unit vector from the ball to the opponent goal centre;
       "behind the ball" means on the far side of the ball from that goal.
    2. lined up behind the ball (within the foot's width of the aim line):
       face u and run through the ball; dash when facing u, the ball is right
       in front, and the dash is ready.
    3. otherwise run to the point 0.8 m behind the ball on the aim line; when
       level with or ahead of the ball, swing round it on the side already
       taken, never pushing it toward the own goal. That point lies between the
       ball and the own goal, so the same rule defends.
  Targets are clamped inside the pitch; the player faces where it runs when
  far and faces u when close, strafing for small corrections.
Both play either side: observations are mirrored, so "opponent goal" is
always +x in the field frame.
"""
from math import sqrt

from .actions import NUM_ACTIONS, encode_action
from .constants import BALL_MAX_SPEED, BALL_RADIUS, HALF_LENGTH, HALF_WIDTH, PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH
from .observation import (
    OBS_BALL_F, OBS_BALL_L, OBS_BALL_VF, OBS_BALL_VL, OBS_OPPONENT_GOAL_F, OBS_OPPONENT_GOAL_L, OBS_OWN_COOLDOWN, POSITION_SCALE,
)
from .rng import SplitMix64

STOP, FORWARD, BACK, STRAFE_LEFT, STRAFE_RIGHT = range(5)
NO_TURN, TURN_LEFT, TURN_RIGHT = range(3)
CONTACT_DISTANCE = BALL_RADIUS + PLAYER_HALF_LENGTH   # m, ball centre to player centre when touching the front
BEHIND_DISTANCE = CONTACT_DISTANCE + 0.35            # m, where to wait behind the ball
SWING_WIDTH = 0.9                                    # m, sideways offset when going round the ball
LINE_UP_WIDTH = 0.6 * PLAYER_HALF_WIDTH              # m, "lined up" lateral tolerance
DASH_RANGE = CONTACT_DISTANCE + 0.5                  # m, dash only with the ball this close
TURN_TOLERANCE = 0.12                                # |sin| of the heading error left uncorrected
TARGET_MARGIN = 0.45                                 # m, targets stay this far inside the walls
LEAD_SPEED = 5.0                                     # m/s, ball lead time = distance / LEAD_SPEED ...
LEAD_MAX = 0.8                                       # s, ... at most this


def random_action(rng: SplitMix64) -> int:
    """Uniform random action."""
    return rng.below(NUM_ACTIONS)


def scripted_action(obs) -> int:
    """The scripted player's action for one observation (list/array of floats)."""
    ball_f = obs[OBS_BALL_F] * POSITION_SCALE                 # m, ego frame
    ball_l = obs[OBS_BALL_L] * POSITION_SCALE
    lead = min(LEAD_MAX, sqrt(ball_f * ball_f + ball_l * ball_l) / LEAD_SPEED)  # s, where the ball will be
    ball_f += obs[OBS_BALL_VF] * BALL_MAX_SPEED * lead
    ball_l += obs[OBS_BALL_VL] * BALL_MAX_SPEED * lead
    aim_f = obs[OBS_OPPONENT_GOAL_F] * POSITION_SCALE - ball_f
    aim_l = obs[OBS_OPPONENT_GOAL_L] * POSITION_SCALE - ball_l
    norm = sqrt(aim_f * aim_f + aim_l * aim_l) or 1.0
    aim_f /= norm
    aim_l /= norm
    along = -(ball_f * aim_f + ball_l * aim_l)                # (me - ball) . u, negative = behind the ball
    across = ball_f * aim_l - ball_l * aim_f                  # (me - ball) . perp(u), perp(u) = (-u_l, u_f)
    dash = 0
    if along < -0.5 * CONTACT_DISTANCE and abs(across) < LINE_UP_WIDTH:
        target_f, target_l = ball_f + aim_f, ball_l + aim_l   # run through the ball
        face_f, face_l = aim_f, aim_l
        ball_distance = sqrt(ball_f * ball_f + ball_l * ball_l)
        if aim_f > 0.95 and ball_f > 0.0 and ball_distance < DASH_RANGE and obs[OBS_OWN_COOLDOWN] == 0.0:
            dash = 1
    else:
        target_f = ball_f - BEHIND_DISTANCE * aim_f
        target_l = ball_l - BEHIND_DISTANCE * aim_l
        if along > -0.5 * BEHIND_DISTANCE:                    # level with or ahead of the ball: swing round it
            side = 1.0 if across >= 0.0 else -1.0
            target_f -= side * SWING_WIDTH * aim_l
            target_l += side * SWING_WIDTH * aim_f
        target_f, target_l = _clamp_to_pitch(obs, target_f, target_l)
        distance = sqrt(target_f * target_f + target_l * target_l)
        face_f, face_l = (target_f, target_l) if distance > 1.0 else (aim_f, aim_l)
    return encode_action(_move_toward(target_f, target_l), _turn_toward(face_f, face_l), dash)


def _clamp_to_pitch(obs, target_f: float, target_l: float) -> tuple[float, float]:
    """Clamp an ego-frame target to the pitch (via the mirrored field frame and back)."""
    x, y, c, s = obs[0] * HALF_LENGTH, obs[1] * HALF_WIDTH, obs[2], obs[3]
    field_x = x + target_f * c - target_l * s
    field_y = y + target_f * s + target_l * c
    limit_x = HALF_LENGTH - TARGET_MARGIN
    limit_y = HALF_WIDTH - TARGET_MARGIN
    field_x = max(-limit_x, min(limit_x, field_x)) - x
    field_y = max(-limit_y, min(limit_y, field_y)) - y
    return field_x * c + field_y * s, field_y * c - field_x * s


def _move_toward(target_f: float, target_l: float) -> int:
    distance = sqrt(target_f * target_f + target_l * target_l)
    if distance < 0.1:
        return STOP
    if target_f > 0.7 * distance:
        return FORWARD
    if target_f < -0.7 * distance and distance < 1.5:
        return BACK
    return STRAFE_LEFT if target_l > 0.0 else STRAFE_RIGHT


def _turn_toward(face_f: float, face_l: float) -> int:
    norm = sqrt(face_f * face_f + face_l * face_l)
    if norm == 0.0:
        return NO_TURN
    sin_error = face_l / norm
    if face_f < 0.0:
        return TURN_LEFT if face_l >= 0.0 else TURN_RIGHT
    if sin_error > TURN_TOLERANCE:
        return TURN_LEFT
    if sin_error < -TURN_TOLERANCE:
        return TURN_RIGHT
    return NO_TURN


class ScriptedPolicy:
    """`act(obs) -> int` wrapper around `scripted_action`."""

    def act(self, obs) -> int:
        return scripted_action(obs)


class RandomPolicy:
    """`act(obs) -> int`: uniform random actions from its own SplitMix64(seed)."""

    def __init__(self, seed: int = 0):
        self.rng = SplitMix64(seed)

    def act(self, obs) -> int:
        return random_action(self.rng)
