"""Physics stepping: one flat list of floats, advanced tick by tick.

State layout (`state` is a plain list of 20 numbers, world frame, SI units):

    index  0..3    ball    x, y, vx, vy
    index  4..11   blue    x, y, vx, vy, cos, sin, omega, dash_cooldown
    index 12..19   red     same fields
                           (heading is the unit vector (cos, sin); omega in rad/s;
                            dash_cooldown in ticks, an int)

One tick (dt = 1/120 s, semi-implicit Euler: velocities first, then positions):
  1. drive each player: drag, then accelerate toward the action's target
     velocity (player frame, per axis at most ACCELERATION*dt) and target turn
     rate; dash adds DASH_SPEED along the heading when the cooldown is 0;
     heading rotates by omega*dt; position += velocity*dt.
  2. ball: drag, position += velocity*dt.
  3. collisions, cheapest broad-phase test first, exact test only when close:
     player vs player (SAT on the two boxes, push apart, normal impulse),
     player vs walls (project the box back inside the pitch rectangle; the
     goal line is a wall for players only), ball vs player (closest point on
     the box, impulse with the box's angular inertia, so a moving or turning
     player strikes the ball), ball vs walls and posts (reflection with
     restitution), and a pinned ball pushes its player back.
  4. goal: the whole ball is past a goal line (the recess walls keep it inside
     the mouth there).

Only + - * /, sqrt, comparisons, abs, min and max are used, so every host that
implements IEEE-754 doubles computes bit-identical states.

Hot-loop style: `advance` copies the state into locals, runs up to `ticks`
ticks without creating objects other than floats, and writes the state back.
Rare narrow-phase work (contacts) lives in small helpers called only when a
broad-phase test says two bodies are close.
"""
from math import sqrt

from .actions import ACTION_TARGETS
from .constants import (
    ACCELERATION_STEP, ANGULAR_ACCELERATION_STEP, BALL_DAMPING_FACTOR, BALL_MASS, BALL_MAX_SPEED,
    BALL_PLAYER_RESTITUTION, BALL_RADIUS, BALL_WALL_RESTITUTION, DASH_COOLDOWN_TICKS, DASH_SPEED, DT,
    GOAL_DEPTH, GOAL_HALF_WIDTH, GOAL_LINE_BALL_X, HALF_LENGTH, HALF_WIDTH, PLAYER_ANGULAR_DAMPING_FACTOR,
    PLAYER_CIRCUMRADIUS, PLAYER_DAMPING_FACTOR, PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH, PLAYER_INERTIA,
    PLAYER_MASS, PLAYER_RESTITUTION, POST_RADIUS,
)

STATE_SIZE = 20
BALL = 0
BLUE = 4
RED = 12
X, Y, VX, VY, COS, SIN, OMEGA, COOLDOWN = range(8)  # offsets inside a player's block

HX = PLAYER_HALF_LENGTH
HY = PLAYER_HALF_WIDTH
R = BALL_RADIUS
R2 = R * R
MAX_SPEED2 = BALL_MAX_SPEED * BALL_MAX_SPEED
INV_BALL_MASS = 1.0 / BALL_MASS
INV_PLAYER_MASS = 1.0 / PLAYER_MASS
INV_PLAYER_INERTIA = 1.0 / PLAYER_INERTIA
# Broad phase: outside these, a body cannot touch the thing in question.
BALL_SAFE_X = HALF_LENGTH - R                     # ball vs end walls and posts
BALL_SAFE_Y = HALF_WIDTH - R                      # ball vs side walls
PLAYER_SAFE_X = HALF_LENGTH - PLAYER_CIRCUMRADIUS
PLAYER_SAFE_Y = HALF_WIDTH - PLAYER_CIRCUMRADIUS
BALL_PLAYER_REACH2 = (R + PLAYER_CIRCUMRADIUS) * (R + PLAYER_CIRCUMRADIUS)
PLAYER_PLAYER_REACH2 = 4.0 * PLAYER_CIRCUMRADIUS * PLAYER_CIRCUMRADIUS

# Static colliders at the +x end, as (x0, x1, y0, y1, radius): an axis-aligned
# segment [x0, x1] x [y0, y1] (a point for a post) thickened by `radius`. The
# -x end is the same geometry mirrored (x -> -x). Side walls are handled apart.
L, W, G, D, P = HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_DEPTH, POST_RADIUS
END_COLLIDERS = (
    (L, L, G + P, W, 0.0),             # end wall above the mouth
    (L, L, -W, -(G + P), 0.0),         # end wall below the mouth
    (L + P, L + P, G + P, G + P, P),   # upper post
    (L + P, L + P, -(G + P), -(G + P), P),  # lower post
    (L + P, L + D, G, G, 0.0),         # recess side wall, upper
    (L + P, L + D, -G, -G, 0.0),       # recess side wall, lower
    (L + D, L + D, -G, G, 0.0),        # recess back wall
)


def new_state() -> list:
    """All bodies at rest at the origin; `kickoff` places them."""
    state = [0.0] * STATE_SIZE
    state[BLUE + COS] = 1.0
    state[RED + COS] = -1.0
    state[BLUE + COOLDOWN] = 0
    state[RED + COOLDOWN] = 0
    return state


def advance(state: list, action_blue: int, action_red: int, ticks: int) -> tuple[int, int]:
    """Hold both actions for up to `ticks` ticks; stop early on a goal.

    Returns (ticks_run, goal) with goal = +1 if blue scored (ball past x = +L),
    -1 if red scored, 0 otherwise. Actions must already be validated ints.
    """
    fwd_b, left_b, turn_b, dash_b = ACTION_TARGETS[action_blue]
    fwd_r, left_r, turn_r, dash_r = ACTION_TARGETS[action_red]
    (bx, by, bvx, bvy,
     x1, y1, vx1, vy1, c1, s1, w1, cd1,
     x2, y2, vx2, vy2, c2, s2, w2, cd2) = state
    acc, acc_w = ACCELERATION_STEP, ANGULAR_ACCELERATION_STEP
    damp, damp_w, damp_ball = PLAYER_DAMPING_FACTOR, PLAYER_ANGULAR_DAMPING_FACTOR, BALL_DAMPING_FACTOR
    dt = DT
    goal = 0
    tick = 0
    while tick < ticks:
        tick += 1
        # 1. drive blue. v_f, v_l: velocity in the player frame (f = heading, l = left of it).
        vx1 *= damp
        vy1 *= damp
        dv_f = fwd_b - (vx1 * c1 + vy1 * s1)
        dv_l = left_b - (vy1 * c1 - vx1 * s1)
        dv_f = -acc if dv_f < -acc else (acc if dv_f > acc else dv_f)
        dv_l = -acc if dv_l < -acc else (acc if dv_l > acc else dv_l)
        vx1 += dv_f * c1 - dv_l * s1
        vy1 += dv_f * s1 + dv_l * c1
        if cd1:
            cd1 -= 1
        elif dash_b:
            vx1 += DASH_SPEED * c1
            vy1 += DASH_SPEED * s1
            cd1 = DASH_COOLDOWN_TICKS
        dw = turn_b - w1 * damp_w
        w1 += -acc_w - w1 if dw < -acc_w - w1 + w1 * 0 else 0  # placeholder replaced below
        x1 += vx1 * dt
        y1 += vy1 * dt
    state[:] = (bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, cd1, x2, y2, vx2, vy2, c2, s2, w2, cd2)
    return tick, goal
