"""Egocentric, side-mirrored observation: one policy plays either side.

"Field frame" = the world seen from the player's own side: red's view is the
world rotated by 180 degrees (x, y) -> (-x, -y), so every player attacks +x.
(A rotation, not a reflection: left stays left, so actions need no remapping.)
"Ego frame" = the player's own frame: f along its heading, l to its left;
for a world vector (dx, dy) and heading (c, s): f = dx c + dy s, l = dy c - dx s.
Ego quantities do not change under the 180-degree rotation at all.

| index | observation                          | frame | unit / scale            | range (about) |
|-------|--------------------------------------|-------|-------------------------|---------------|
| 0, 1  | own position x, y                    | field | / L, / W                | [-1, 1]       |
| 2, 3  | own heading cos, sin                 | field | unit vector             | [-1, 1]       |
| 4, 5  | own velocity f, l                    | ego   | / 8 m/s                 | [-1, 1]       |
| 6     | own angular velocity                 | -     | / TURN_RATE             | [-1, 1]       |
| 7     | own dash cooldown left               | -     | / DASH_COOLDOWN_TICKS   | [0, 1]        |
| 8, 9  | ball position - own position, f, l   | ego   | / 2L                    | [-1.2, 1.2]   |
| 10    | ball distance                        | -     | / 2L                    | [0, 1.2]      |
| 11, 12| ball velocity f, l                   | ego   | / BALL_MAX_SPEED        | [-1, 1]       |
| 13, 14| ball position x, y                   | field | / L, / W                | [-1.1, 1.1]   |
| 15, 16| opponent position - own position     | ego   | / 2L                    | [-1.2, 1.2]   |
| 17, 18| opponent velocity f, l               | ego   | / 8 m/s                 | [-1, 1]       |
| 19, 20| opponent heading cos, sin            | ego   | unit vector             | [-1, 1]       |
| 21    | opponent dash cooldown left          | -     | / DASH_COOLDOWN_TICKS   | [0, 1]        |
| 22, 23| opponent goal centre - own position  | ego   | / 2L                    | [-1.2, 1.2]   |
| 24, 25| own goal centre - own position       | ego   | / 2L                    | [-1.2, 1.2]   |
| 26    | match time left                      | -     | fraction of the match   | [0, 1]        |
| 27, 28| bearing of the ball, f, l            | ego   | unit vector             | [-1, 1]       |
| 29, 30| aim: ball -> opponent goal centre    | ego   | unit vector u           | [-1, 1]       |
| 31    | along: (own position - ball) . u     | aim   | a / (1 m + abs(a))      | (-1, 1)       |
| 32    | across: (own position - ball) . u_perp | aim | a / (1 m + abs(a))      | (-1, 1)       |
| 33    | ball distance                        | -     | d / (1 m + d)           | [0, 1)        |

Goal directions and distances are given as vectors (22-25), so no atan2 is
needed anywhere; the distance is the vector's length.

Rows 27-33 (spec version 2) are functions of rows 0-26, given to the network
because an MLP computes them poorly: directions need a division by a length,
and near the ball the metre-scale geometry that decides a touch is tiny in
units of 2L (0.45 m is 0.03). "Aim" is the frame of a shot: u points from the
ball to the centre of the opponent goal and u_perp = (-u_l, u_f) is u turned
left, so along < 0 means the player is behind the ball, lined up for a shot
when across is near 0. The squashing a / (1 m + |a|) keeps centimetres
visible near the ball and still separates 5 m from 10 m. Only + - * / sqrt
and abs, so the values are identical in CPython and Pyodide; a player exactly
on the ball's centre (or the ball on the goal centre) gets the bearing (or
aim) (1, 0).
"""
from math import sqrt

from .constants import BALL_MAX_SPEED, DASH_COOLDOWN_TICKS, HALF_LENGTH, HALF_WIDTH, TURN_RATE

OBSERVATION_SIZE = 34
OBS_BALL_F, OBS_BALL_L = 8, 9                  # named indices the scripted player reads
OBS_OWN_COOLDOWN = 7
OBS_BALL_VF, OBS_BALL_VL = 11, 12
OBS_OPPONENT_GOAL_F, OBS_OPPONENT_GOAL_L = 22, 23
OBS_OWN_GOAL_F, OBS_OWN_GOAL_L = 24, 25
OBS_OPPONENT_F, OBS_OPPONENT_L = 15, 16
OBS_BALL_X, OBS_BALL_Y = 13, 14
OBS_TIME_LEFT = 26

POSITION_SCALE = 2.0 * HALF_LENGTH             # m, relative positions are divided by this
PLAYER_SPEED_SCALE = 8.0                       # m/s, forward speed plus one dash
INV_L = 1.0 / HALF_LENGTH
INV_W = 1.0 / HALF_WIDTH
INV_POS = 1.0 / POSITION_SCALE
INV_SPEED = 1.0 / PLAYER_SPEED_SCALE
INV_BALL_SPEED = 1.0 / BALL_MAX_SPEED
INV_TURN = 1.0 / TURN_RATE
INV_COOLDOWN = 1.0 / DASH_COOLDOWN_TICKS


def encode_observation(state: list, side: int, time_left: float) -> tuple:
    """Observation (tuple of OBSERVATION_SIZE floats) for side 0 = blue, 1 = red.

    `time_left` is the fraction of the match still to play, in [0, 1].
    """
    (bx, by, bvx, bvy,
     x1, y1, vx1, vy1, c1, s1, w1, cd1,
     x2, y2, vx2, vy2, c2, s2, w2, cd2) = state
    if side:   # red: swap roles and rotate the field frame by 180 degrees
        x1, y1, vx1, vy1, c1, s1, w1, cd1, x2, y2, vx2, vy2, c2, s2, w2, cd2 = (
            x2, y2, vx2, vy2, c2, s2, w2, cd2, x1, y1, vx1, vy1, c1, s1, w1, cd1)
        sign = -1.0
    else:
        sign = 1.0
    dx = bx - x1
    dy = by - y1
    ball_f = dx * c1 + dy * s1
    ball_l = dy * c1 - dx * s1
    ox = x2 - x1
    oy = y2 - y1
    goal_x = sign * HALF_LENGTH                 # opponent goal centre (world x); own goal at -goal_x
    gx = goal_x - x1
    hx = -goal_x - x1
    goal_f = gx * c1 - y1 * s1                  # opponent goal centre - own position, ego frame (m)
    goal_l = -y1 * c1 - gx * s1
    ball_distance = sqrt(dx * dx + dy * dy)
    bearing_f, bearing_l = (ball_f / ball_distance, ball_l / ball_distance) if ball_distance > 0.0 else (1.0, 0.0)
    aim_f = goal_f - ball_f                     # ball -> opponent goal centre, ego frame (m)
    aim_l = goal_l - ball_l
    aim_length = sqrt(aim_f * aim_f + aim_l * aim_l)
    aim_f, aim_l = (aim_f / aim_length, aim_l / aim_length) if aim_length > 0.0 else (1.0, 0.0)
    along = -(ball_f * aim_f + ball_l * aim_l)   # (me - ball) . u
    across = ball_f * aim_l - ball_l * aim_f     # (me - ball) . u_perp
    return (
        sign * x1 * INV_L, sign * y1 * INV_W,
        sign * c1, sign * s1,
        (vx1 * c1 + vy1 * s1) * INV_SPEED, (vy1 * c1 - vx1 * s1) * INV_SPEED,
        w1 * INV_TURN,
        cd1 * INV_COOLDOWN,
        ball_f * INV_POS, ball_l * INV_POS,
        ball_distance * INV_POS,
        (bvx * c1 + bvy * s1) * INV_BALL_SPEED, (bvy * c1 - bvx * s1) * INV_BALL_SPEED,
        sign * bx * INV_L, sign * by * INV_W,
        (ox * c1 + oy * s1) * INV_POS, (oy * c1 - ox * s1) * INV_POS,
        (vx2 * c1 + vy2 * s1) * INV_SPEED, (vy2 * c1 - vx2 * s1) * INV_SPEED,
        c2 * c1 + s2 * s1, s2 * c1 - c2 * s1,
        cd2 * INV_COOLDOWN,
        goal_f * INV_POS, goal_l * INV_POS,
        (hx * c1 - y1 * s1) * INV_POS, (-y1 * c1 - hx * s1) * INV_POS,
        time_left,
        bearing_f, bearing_l,
        aim_f, aim_l,
        along / (1.0 + abs(along)), across / (1.0 + abs(across)),
        ball_distance / (1.0 + ball_distance),
    )
