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
     player vs player (SAT on the two boxes, push apart, normal impulse);
     ball vs player (closest point on the box, impulse with the box's angular
     inertia, so a moving or turning player strikes the ball); ball vs walls
     and posts (reflection with restitution), where a pinned ball pushes its
     player back; player vs walls last (project the box back inside the pitch
     rectangle; the goal line is a wall for players only).
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

    Returns (ticks_run, goal): goal = +1 if blue scored (whole ball past
    x = +L), -1 if red scored (past x = -L), else 0. Actions must be valid ints.

    Drive, per player and tick (f = heading (c, s), l = left of it (-s, c)):
        v     <- v * (1 - drag dt)
        dv_f  =  clamp(target_f - v.f, +-ACCELERATION dt)
        dv_l  =  clamp(target_l - v.l, +-ACCELERATION dt)
        v     <- v + dv_f f + dv_l l (+ DASH_SPEED f if dashing)
        omega <- omega * (1 - drag_w dt) + clamp(target_w - omega(1 - drag_w dt), +-ANGULAR_ACCELERATION dt)
        (c, s) <- normalise((c, s) + omega dt (-s, c))   # rotation by atan(omega dt) = omega dt (1 - O(1e-3))
        x     <- x + v dt
    """
    fwd_b, left_b, turn_b, dash_b = ACTION_TARGETS[action_blue]
    fwd_r, left_r, turn_r, dash_r = ACTION_TARGETS[action_red]
    (bx, by, bvx, bvy,
     x1, y1, vx1, vy1, c1, s1, w1, cd1,
     x2, y2, vx2, vy2, c2, s2, w2, cd2) = state
    acc, acc_w, dt = ACCELERATION_STEP, ANGULAR_ACCELERATION_STEP, DT
    damp, damp_w, damp_ball = PLAYER_DAMPING_FACTOR, PLAYER_ANGULAR_DAMPING_FACTOR, BALL_DAMPING_FACTOR
    player_safe_x, player_safe_y, ball_safe_x, ball_safe_y = PLAYER_SAFE_X, PLAYER_SAFE_Y, BALL_SAFE_X, BALL_SAFE_Y
    ball_reach2, player_reach2 = BALL_PLAYER_REACH2, PLAYER_PLAYER_REACH2
    goal = 0
    tick = 0
    while tick < ticks:
        tick += 1
        # 1a. drive blue
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
        w1 *= damp_w
        dw = turn_b - w1
        w1 += -acc_w if dw < -acc_w else (acc_w if dw > acc_w else dw)
        if w1:
            a = w1 * dt
            c1, s1 = c1 - s1 * a, s1 + c1 * a
            inv_norm = 1.0 / sqrt(c1 * c1 + s1 * s1)
            c1 *= inv_norm
            s1 *= inv_norm
        x1 += vx1 * dt
        y1 += vy1 * dt
        # 1b. drive red (same code, red's variables)
        vx2 *= damp
        vy2 *= damp
        dv_f = fwd_r - (vx2 * c2 + vy2 * s2)
        dv_l = left_r - (vy2 * c2 - vx2 * s2)
        dv_f = -acc if dv_f < -acc else (acc if dv_f > acc else dv_f)
        dv_l = -acc if dv_l < -acc else (acc if dv_l > acc else dv_l)
        vx2 += dv_f * c2 - dv_l * s2
        vy2 += dv_f * s2 + dv_l * c2
        if cd2:
            cd2 -= 1
        elif dash_r:
            vx2 += DASH_SPEED * c2
            vy2 += DASH_SPEED * s2
            cd2 = DASH_COOLDOWN_TICKS
        w2 *= damp_w
        dw = turn_r - w2
        w2 += -acc_w if dw < -acc_w else (acc_w if dw > acc_w else dw)
        if w2:
            a = w2 * dt
            c2, s2 = c2 - s2 * a, s2 + c2 * a
            inv_norm = 1.0 / sqrt(c2 * c2 + s2 * s2)
            c2 *= inv_norm
            s2 *= inv_norm
        x2 += vx2 * dt
        y2 += vy2 * dt
        # 2. ball
        bvx *= damp_ball
        bvy *= damp_ball
        bx += bvx * dt
        by += bvy * dt
        # 3a. player vs player
        dx = x2 - x1
        dy = y2 - y1
        if dx * dx + dy * dy < player_reach2:
            contact = _player_player(x1, y1, vx1, vy1, c1, s1, x2, y2, vx2, vy2, c2, s2)
            if contact:
                x1, y1, vx1, vy1, x2, y2, vx2, vy2 = contact
        # 3b. ball vs players
        dx = bx - x1
        dy = by - y1
        near_blue = dx * dx + dy * dy < ball_reach2
        dx = bx - x2
        dy = by - y2
        if dx * dx + dy * dy < ball_reach2:
            if near_blue:
                (bx, by, bvx, bvy, x1, y1, vx1, vy1, w1, x2, y2, vx2, vy2, w2) = _ball_two_players(
                    bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, x2, y2, vx2, vy2, c2, s2, w2)
            else:
                contact = _ball_player(bx, by, bvx, bvy, x2, y2, vx2, vy2, c2, s2, w2)
                if contact:
                    bx, by, bvx, bvy, vx2, vy2, w2 = contact
        elif near_blue:
            contact = _ball_player(bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1)
            if contact:
                bx, by, bvx, bvy, vx1, vy1, w1 = contact
        # 3c. ball vs walls and posts; a ball pinned against a wall pushes the player back
        if not (-ball_safe_x < bx < ball_safe_x and -ball_safe_y < by < ball_safe_y):
            bx, by, bvx, bvy, hit = _ball_walls(bx, by, bvx, bvy)
            if hit:
                contact = _player_off_ball(bx, by, x1, y1, vx1, vy1, c1, s1)
                if contact:
                    x1, y1, vx1, vy1 = contact
                contact = _player_off_ball(bx, by, x2, y2, vx2, vy2, c2, s2)
                if contact:
                    x2, y2, vx2, vy2 = contact
        # 3d. players vs walls, last, so that players always end the tick inside the pitch
        if not (-player_safe_x < x1 < player_safe_x and -player_safe_y < y1 < player_safe_y):
            x1, y1, vx1, vy1 = _player_walls(x1, y1, vx1, vy1, c1, s1)
        if not (-player_safe_x < x2 < player_safe_x and -player_safe_y < y2 < player_safe_y):
            x2, y2, vx2, vy2 = _player_walls(x2, y2, vx2, vy2, c2, s2)
        # 4. goal: the whole ball is past the line (only possible inside the mouth)
        if bx > GOAL_LINE_BALL_X:
            goal = 1
            break
        if bx < -GOAL_LINE_BALL_X:
            goal = -1
            break
    state[:] = (bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, cd1, x2, y2, vx2, vy2, c2, s2, w2, cd2)
    return tick, goal


def _player_player(x1, y1, vx1, vy1, c1, s1, x2, y2, vx2, vy2, c2, s2):
    """Separating-axis test of two equal boxes; push apart along the axis of least overlap.

    Axes: a1 = (c1, s1), b1 = (-s1, c1), a2, b2. With ca = |a1.a2| = |b1.b2| and
    cb = |a1.b2| = |b1.a2|, the other box's half-extent along one's own length
    axis is p = HX ca + HY cb, along its width axis q = HX cb + HY ca, so the
    overlap on a1 is HX + p - |d.a1| (d = centre 2 - centre 1), and so on.
    Each box moves half the overlap; equal masses exchange the normal impulse
        j = (1 + e) v_n / 2,   v_n = (v2 - v1).n < 0 (approaching),
    and no angular impulse. Returns None when the boxes do not overlap.
    """
    dx = x2 - x1
    dy = y2 - y1
    ca = abs(c1 * c2 + s1 * s2)
    cb = abs(s1 * c2 - c1 * s2)
    p = HX * ca + HY * cb
    q = HX * cb + HY * ca
    along = dx * c1 + dy * s1                        # axis a1
    depth = HX + p - abs(along)
    if depth <= 0.0:
        return None
    nx, ny = c1, s1
    along_other = dy * c1 - dx * s1                  # axis b1
    overlap = HY + q - abs(along_other)
    if overlap <= 0.0:
        return None
    if overlap < depth:
        depth, nx, ny, along = overlap, -s1, c1, along_other
    along_other = dx * c2 + dy * s2                  # axis a2
    overlap = HX + p - abs(along_other)
    if overlap <= 0.0:
        return None
    if overlap < depth:
        depth, nx, ny, along = overlap, c2, s2, along_other
    along_other = dy * c2 - dx * s2                  # axis b2
    overlap = HY + q - abs(along_other)
    if overlap <= 0.0:
        return None
    if overlap < depth:
        depth, nx, ny, along = overlap, -s2, c2, along_other
    if along < 0.0:                                  # normal points from box 1 to box 2
        nx, ny = -nx, -ny
    half = 0.5 * depth
    x1 -= nx * half
    y1 -= ny * half
    x2 += nx * half
    y2 += ny * half
    v_n = (vx2 - vx1) * nx + (vy2 - vy1) * ny
    if v_n < 0.0:
        j = 0.5 * (1.0 + PLAYER_RESTITUTION) * v_n
        vx1 += j * nx
        vy1 += j * ny
        vx2 -= j * nx
        vy2 -= j * ny
    return x1, y1, vx1, vy1, x2, y2, vx2, vy2


def _player_walls(x, y, vx, vy, c, s):
    """Project the box back inside |x| <= L, |y| <= W; zero the outward velocity.

    The box's half-extents along the world axes are
        e_x = HX |c| + HY |s|,   e_y = HX |s| + HY |c|.
    The goal line is a wall for players (they never enter the goal recess).
    """
    ex = HX * abs(c) + HY * abs(s)
    ey = HX * abs(s) + HY * abs(c)
    if x > HALF_LENGTH - ex:
        x = HALF_LENGTH - ex
        if vx > 0.0:
            vx = 0.0
    elif x < ex - HALF_LENGTH:
        x = ex - HALF_LENGTH
        if vx < 0.0:
            vx = 0.0
    if y > HALF_WIDTH - ey:
        y = HALF_WIDTH - ey
        if vy > 0.0:
            vy = 0.0
    elif y < ey - HALF_WIDTH:
        y = ey - HALF_WIDTH
        if vy < 0.0:
            vy = 0.0
    return x, y, vx, vy


def _closest_on_box(bx, by, x, y, c, s):
    """Ball centre vs box: (depth, nx, ny, rx, ry) or None when apart.

    In the box frame the ball centre is (l_x, l_y) = R(-heading) (b - p); its
    closest box point is q = (clamp(l_x, +-HX), clamp(l_y, +-HY)). The contact
    normal n (world, box -> ball) is (l - q)/|l - q| and depth = R_ball - |l - q|.
    A centre inside the box leaves through the nearest face. (rx, ry) is the
    contact point q relative to the box centre, in the world frame.
    """
    dx = bx - x
    dy = by - y
    lx = dx * c + dy * s
    ly = dy * c - dx * s
    qx = -HX if lx < -HX else (HX if lx > HX else lx)
    qy = -HY if ly < -HY else (HY if ly > HY else ly)
    ex = lx - qx
    ey = ly - qy
    d2 = ex * ex + ey * ey
    if d2 >= R2:
        return None
    if d2 > 0.0:
        d = sqrt(d2)
        nlx = ex / d
        nly = ey / d
        depth = R - d
    else:
        face_x = HX - abs(lx)
        face_y = HY - abs(ly)
        if face_x < face_y:
            nlx, nly = (1.0 if lx >= 0.0 else -1.0), 0.0
            qx = HX * nlx
            depth = R + face_x
        else:
            nlx, nly = 0.0, (1.0 if ly >= 0.0 else -1.0)
            qy = HY * nly
            depth = R + face_y
    return depth, nlx * c - nly * s, nlx * s + nly * c, qx * c - qy * s, qx * s + qy * c


def _ball_player(bx, by, bvx, bvy, x, y, vx, vy, c, s, w):
    """Ball vs box: move the ball out, then a normal impulse at the contact point.

    The box surface at r (contact point - box centre) moves with v + omega x r
    = (vx - omega r_y, vy + omega r_x). With v_n = (v_ball - v_surface).n < 0
    and r_n = r x n = r_x n_y - r_y n_x:
        j = -(1 + e) v_n / (1/m_ball + 1/m_player + r_n^2 / I_player)
        v_ball += j n / m_ball,  v_player -= j n / m_player,  omega -= j r_n / I_player
    which never adds kinetic energy for e <= 1. The ball speed is then capped.
    """
    contact = _closest_on_box(bx, by, x, y, c, s)
    if contact is None:
        return None
    depth, nx, ny, rx, ry = contact
    bx += nx * depth
    by += ny * depth
    v_n = (bvx - vx + w * ry) * nx + (bvy - vy - w * rx) * ny
    if v_n < 0.0:
        r_n = rx * ny - ry * nx
        j = -(1.0 + BALL_PLAYER_RESTITUTION) * v_n / (INV_BALL_MASS + INV_PLAYER_MASS + r_n * r_n * INV_PLAYER_INERTIA)
        bvx += j * INV_BALL_MASS * nx
        bvy += j * INV_BALL_MASS * ny
        vx -= j * INV_PLAYER_MASS * nx
        vy -= j * INV_PLAYER_MASS * ny
        w -= j * r_n * INV_PLAYER_INERTIA
        speed2 = bvx * bvx + bvy * bvy
        if speed2 > MAX_SPEED2:
            scale = BALL_MAX_SPEED / sqrt(speed2)
            bvx *= scale
            bvy *= scale
    return bx, by, bvx, bvy, vx, vy, w


def _ball_two_players(bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, x2, y2, vx2, vy2, c2, s2, w2):
    """Both players near the ball: the deeper contact resolves first, the other
    last, and a ball squeezed back into the first player pushes that player off.

    Ordering by depth (not by colour) keeps the rules symmetric: swapping the
    players and rotating the pitch by 180 degrees gives the mirrored result exactly.
    """
    contact_blue = _closest_on_box(bx, by, x1, y1, c1, s1)
    contact_red = _closest_on_box(bx, by, x2, y2, c2, s2)
    if contact_red is not None and (contact_blue is None or contact_red[0] > contact_blue[0]):
        (bx, by, bvx, bvy, x2, y2, vx2, vy2, w2, x1, y1, vx1, vy1, w1) = _ball_squeeze(
            bx, by, bvx, bvy, x2, y2, vx2, vy2, c2, s2, w2, x1, y1, vx1, vy1, c1, s1, w1)
    else:
        (bx, by, bvx, bvy, x1, y1, vx1, vy1, w1, x2, y2, vx2, vy2, w2) = _ball_squeeze(
            bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, x2, y2, vx2, vy2, c2, s2, w2)
    return bx, by, bvx, bvy, x1, y1, vx1, vy1, w1, x2, y2, vx2, vy2, w2


def _ball_squeeze(bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1, x2, y2, vx2, vy2, c2, s2, w2):
    """Resolve the ball against player 1, then player 2, then push player 1 off the ball."""
    contact = _ball_player(bx, by, bvx, bvy, x1, y1, vx1, vy1, c1, s1, w1)
    if contact:
        bx, by, bvx, bvy, vx1, vy1, w1 = contact
    contact = _ball_player(bx, by, bvx, bvy, x2, y2, vx2, vy2, c2, s2, w2)
    if contact:
        bx, by, bvx, bvy, vx2, vy2, w2 = contact
        contact = _player_off_ball(bx, by, x1, y1, vx1, vy1, c1, s1)
        if contact:
            x1, y1, vx1, vy1 = contact
    return bx, by, bvx, bvy, x1, y1, vx1, vy1, w1, x2, y2, vx2, vy2, w2


def _player_off_ball(bx, by, x, y, vx, vy, c, s):
    """A ball pinned against a wall cannot move: push the box off it instead,
    and drop the box's velocity component into the ball. None when apart."""
    dx = bx - x
    dy = by - y
    if dx * dx + dy * dy >= BALL_PLAYER_REACH2:
        return None
    contact = _closest_on_box(bx, by, x, y, c, s)
    if contact is None:
        return None
    depth, nx, ny, _, _ = contact
    x -= nx * depth
    y -= ny * depth
    v_n = vx * nx + vy * ny
    if v_n > 0.0:
        vx -= v_n * nx
        vy -= v_n * ny
    return x, y, vx, vy


def _ball_walls(bx, by, bvx, bvy):
    """Ball vs side walls, end walls, posts and goal recess; returns (..., hit).

    Each collider is a segment thickened by a radius (0 for walls). With c the
    closest point of the segment to the ball centre, d = |b - c| and
    n = (b - c)/d: if d < R + radius, the ball moves to c + n (R + radius) and,
    when approaching (v.n < 0), reflects: v <- v - (1 + e) (v.n) n.
    The -x end is handled as the +x end mirrored (u = -x), which is exact.
    """
    bounce = 1.0 + BALL_WALL_RESTITUTION
    hit = False
    if by > BALL_SAFE_Y:
        by = BALL_SAFE_Y
        hit = True
        if bvy > 0.0:
            bvy = -BALL_WALL_RESTITUTION * bvy
    elif by < -BALL_SAFE_Y:
        by = -BALL_SAFE_Y
        hit = True
        if bvy < 0.0:
            bvy = -BALL_WALL_RESTITUTION * bvy
    if -BALL_SAFE_X < bx < BALL_SAFE_X:
        return bx, by, bvx, bvy, hit
    side = 1.0 if bx > 0.0 else -1.0
    u = bx * side
    vu = bvx * side
    for x0, x1, y0, y1, radius in END_COLLIDERS:
        cx = x0 if u < x0 else (x1 if u > x1 else u)
        cy = y0 if by < y0 else (y1 if by > y1 else by)
        dx = u - cx
        dy = by - cy
        d2 = dx * dx + dy * dy
        reach = R + radius
        if 0.0 < d2 < reach * reach:
            d = sqrt(d2)
            nx = dx / d
            ny = dy / d
            u = cx + nx * reach
            by = cy + ny * reach
            hit = True
            v_n = vu * nx + bvy * ny
            if v_n < 0.0:
                vu -= bounce * v_n * nx
                bvy -= bounce * v_n * ny
    return u * side, by, vu * side, bvy, hit
