"""Physical constants of the Ball Drill arena, all in SI units (m, s, kg, rad).

World frame: x runs along the pitch (blue attacks +x, red attacks -x), y runs
across it, the centre spot is the origin, angles turn counter-clockwise.

    y = +W  +---------------------------------------+
            |                   |                   |+--+
            |                   |                   ||  |  goal recess, depth D,
      -L  [ |         blue -->  o  <-- red          | ] |  mouth half-width G,
            |                   |                   ||  |  rounded posts at the mouth
            |                   |                   |+--+
    y = -W  +---------------------------------------+
           x = -L                                  x = +L

Every number the physics uses lives here; derived values are computed once at
import with exact IEEE-754 operations (+ - * / sqrt), so they are identical on
every host.
"""
from math import sqrt

# --- time ------------------------------------------------------------------
DT = 1.0 / 120.0                # s, one physics tick (semi-implicit Euler)
TICKS_PER_SECOND = 120

# --- pitch -----------------------------------------------------------------
HALF_LENGTH = 8.0               # m, L: goal lines at x = +-L
HALF_WIDTH = 5.0                # m, W: side walls at y = +-W
GOAL_HALF_WIDTH = 1.5           # m, G: the recess spans |y| <= G behind each goal line
GOAL_DEPTH = 0.8                # m, D: recess back wall at |x| = L + D
POST_RADIUS = 0.12              # m, round posts at (+-(L + r), +-(G + r)): the mouth's edges

# --- ball ------------------------------------------------------------------
BALL_RADIUS = 0.2               # m
BALL_MASS = 0.45                # kg
BALL_DAMPING = 0.5              # 1/s, rolling friction: v *= (1 - c dt) each tick
BALL_MAX_SPEED = 16.0           # m/s, hard cap; 16 m/s * dt = 0.133 m < BALL_RADIUS (no tunnelling)
BALL_WALL_RESTITUTION = 0.7     # walls and posts
BALL_PLAYER_RESTITUTION = 0.5

# --- players (oriented boxes) ----------------------------------------------
PLAYER_HALF_LENGTH = 0.25       # m, half extent along the heading (front face = "foot")
PLAYER_HALF_WIDTH = 0.4         # m, half extent across the heading
PLAYER_MASS = 70.0              # kg
PLAYER_DAMPING = 0.5            # 1/s, linear drag, applied before the drive
PLAYER_ANGULAR_DAMPING = 2.0    # 1/s, angular drag, applied before the turn drive
PLAYER_RESTITUTION = 0.2        # player vs player
FORWARD_SPEED = 4.0             # m/s, target speed of "forward"
BACK_SPEED = 2.0                # m/s, target speed of "back"
STRAFE_SPEED = 3.0              # m/s, target speed of "strafe left/right"
ACCELERATION = 12.0             # m/s^2, per axis of the player frame
TURN_RATE = 4.0                 # rad/s, target angular speed of "turn left/right"
ANGULAR_ACCELERATION = 40.0     # rad/s^2
DASH_SPEED = 4.0                # m/s, velocity change of one dash along the heading (impulse / mass)
DASH_COOLDOWN_TICKS = 180       # ticks (1.5 s) before the next dash

# --- derived (exact at import) ----------------------------------------------
BALL_DAMPING_FACTOR = 1.0 - BALL_DAMPING * DT
PLAYER_DAMPING_FACTOR = 1.0 - PLAYER_DAMPING * DT
PLAYER_ANGULAR_DAMPING_FACTOR = 1.0 - PLAYER_ANGULAR_DAMPING * DT
ACCELERATION_STEP = ACCELERATION * DT                   # m/s per tick
ANGULAR_ACCELERATION_STEP = ANGULAR_ACCELERATION * DT   # rad/s per tick
PLAYER_CIRCUMRADIUS = sqrt(PLAYER_HALF_LENGTH * PLAYER_HALF_LENGTH + PLAYER_HALF_WIDTH * PLAYER_HALF_WIDTH)  # m, broad phase
PLAYER_INERTIA = PLAYER_MASS * (PLAYER_HALF_LENGTH * PLAYER_HALF_LENGTH + PLAYER_HALF_WIDTH * PLAYER_HALF_WIDTH) / 3.0  # kg m^2
GOAL_LINE_BALL_X = HALF_LENGTH + BALL_RADIUS            # m, ball centre beyond this = whole ball over the line
