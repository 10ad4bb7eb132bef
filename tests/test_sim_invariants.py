"""Physical invariants over long runs: containment, no interpenetration, no NaN,
no energy from collisions, no tunnelling at the highest reachable speeds."""
import math

import pytest

from sim import RandomPolicy, SoccerConfig, SoccerEnv, SplitMix64, encode_action, scripted_action
from sim.constants import (
    BALL_DAMPING_FACTOR, BALL_MASS, BALL_MAX_SPEED, BALL_RADIUS, GOAL_DEPTH, GOAL_HALF_WIDTH, HALF_LENGTH, HALF_WIDTH,
    PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH, PLAYER_INERTIA, PLAYER_MASS, POST_RADIUS,
)

L, W, G, D, R, P = HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_DEPTH, BALL_RADIUS, POST_RADIUS
HX, HY = PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH
TOLERANCE = 0.05        # m of overlap allowed between bodies after a tick (a quarter of the ball radius)
EPS = 1e-9              # m, for clamps that are exact


def corners(x, y, c, s):
    return [(x + fx * HX * c - fy * HY * s, y + fx * HX * s + fy * HY * c) for fx in (-1, 1) for fy in (-1, 1)]


def box_overlap(a, b) -> float:
    """Penetration depth of two player boxes (x, y, c, s): min over the 4 SAT axes of the projected overlap."""
    ca, cb = corners(*a), corners(*b)
    depth = math.inf
    for axis in ((a[2], a[3]), (-a[3], a[2]), (b[2], b[3]), (-b[3], b[2])):
        pa = [px * axis[0] + py * axis[1] for px, py in ca]
        pb = [px * axis[0] + py * axis[1] for px, py in cb]
        depth = min(depth, min(max(pa), max(pb)) - max(min(pa), min(pb)))
    return depth


def ball_box_overlap(bx, by, x, y, c, s) -> float:
    lx, ly = (bx - x) * c + (by - y) * s, (by - y) * c - (bx - x) * s
    if abs(lx) <= HX and abs(ly) <= HY:
        return R + min(HX - abs(lx), HY - abs(ly))
    qx, qy = max(-HX, min(HX, lx)), max(-HY, min(HY, ly))
    return R - math.hypot(lx - qx, ly - qy)


def ball_static_overlap(bx, by) -> float:
    """How far the ball centre is inside the walls, posts or beyond the recess (<= 0 when legal)."""
    u = abs(bx)
    worst = max(abs(by) - (W - R), u - (L + D - R))
    if u > L:                                           # beyond the goal line: must be inside the mouth
        worst = max(worst, abs(by) - (G - R) if u > L + P else -math.inf)
    for py in (G + P, -(G + P)):                        # posts
        worst = max(worst, (R + P) - math.hypot(u - (L + P), by - py))
    if abs(by) > G + P:                                 # end wall beside the mouth
        worst = max(worst, u - (L - R))
    return worst


def player_outside(x, y, c, s) -> float:
    return max(max(abs(px) - L, abs(py) - W) for px, py in corners(x, y, c, s))


def check_state(state):
    assert all(math.isfinite(v) for v in state), state
    bx, by = state[0], state[1]
    blue, red = (state[4], state[5], state[8], state[9]), (state[12], state[13], state[16], state[17])
    assert ball_static_overlap(bx, by) <= TOLERANCE, ("ball outside the pitch", bx, by)
    for player in (blue, red):
        assert abs(player[2] * player[2] + player[3] * player[3] - 1.0) < 1e-9
        assert player_outside(*player) <= EPS, ("player outside the pitch", player)
        assert ball_box_overlap(bx, by, *player) <= TOLERANCE, ("ball inside a player", bx, by, player)
    assert box_overlap(blue, red) <= TOLERANCE, ("players overlap", blue, red)
    assert math.hypot(state[2], state[3]) <= BALL_MAX_SPEED + 1e-9


@pytest.mark.parametrize("kinds", [("random", "random"), ("scripted", "scripted"), ("scripted", "random")])
def test_invariants_over_long_runs(kinds):
    """Checked after every tick (action_repeat=1, decisions held 4 ticks) over two
    60 s matches per seed, kickoffs after goals included: 28,800 ticks per case."""
    config = SoccerConfig(action_repeat=1, end_on_goal=False)
    for seed in range(2):
        env = SoccerEnv(config, seed=seed)
        obs, _ = env.reset(seed=seed)
        policies = {agent: (scripted_action if kind == "scripted" else RandomPolicy(10 * seed + i).act)
                    for i, (agent, kind) in enumerate(zip(("blue", "red"), kinds))}
        held = {}
        for tick in range(2 * config.match_ticks):
            if tick % 4 == 0:
                held = {agent: policy(obs[agent]) for agent, policy in policies.items()}
            obs, _, _, truncations, _ = env.step(held)
            check_state(env._state)
            if truncations["blue"]:
                obs, _ = env.reset()


def kinetic_energy(state) -> float:
    energy = 0.5 * BALL_MASS * (state[2] ** 2 + state[3] ** 2)
    for base in (4, 12):
        energy += 0.5 * PLAYER_MASS * (state[base + 2] ** 2 + state[base + 3] ** 2)
        energy += 0.5 * PLAYER_INERTIA * state[base + 6] ** 2
    return energy


def test_collisions_never_add_kinetic_energy():
    """With every action "stop" the drive only brakes, so total kinetic energy
    (ball + players, linear + angular) must never rise, collisions included."""
    env = SoccerEnv(SoccerConfig(action_repeat=1, end_on_goal=False), seed=0)
    rng = SplitMix64(42)
    contacts = 0
    for trial in range(300):
        env.reset()
        # three bodies scattered around a random point, all rushing at it, players spinning
        cx, cy = rng.uniform(-L + 1.5, L - 1.5), rng.uniform(-W + 1.5, W - 1.5)
        for agent in ("blue", "red"):
            x, y = cx + rng.uniform(-1.5, 1.5), cy + rng.uniform(-1.5, 1.5)
            env.place_player(agent, x, y, heading=(rng.uniform(-1, 1), 1.0), vx=4.0 * (cx - x), vy=4.0 * (cy - y))
        x, y = cx + rng.uniform(-1.0, 1.0), cy + rng.uniform(-1.0, 1.0)
        env.place_ball(x, y, 8.0 * (cx - x), 8.0 * (cy - y))
        env._state[10], env._state[18] = rng.uniform(-4, 4), rng.uniform(-4, 4)
        before = kinetic_energy(env._state)
        for _ in range(120):
            ball_velocity = env._state[2:4]
            env.step({"blue": 0, "red": 0})
            after = kinetic_energy(env._state)
            assert after <= before * (1 + 1e-12) + 1e-12, (trial, before, after)
            contacts += env._state[2:4] != [v * BALL_DAMPING_FACTOR for v in ball_velocity]   # a bounce happened
            before = after
            if env._done:
                break
    assert contacts > 200       # the scenario really produces collisions


def shoot(env, x, y, vx, vy, ticks=120):
    """Place the ball with (vx, vy), players parked far away; yield the state after every tick."""
    env.place_player("blue", -L + 1, W - 1, heading=(1, 0))
    env.place_player("red", -L + 1, -W + 1, heading=(1, 0))
    env.place_ball(x, y, vx, vy)
    for _ in range(ticks):
        if env._done:
            return
        env.step({"blue": 0, "red": 0})
        yield env._state


@pytest.mark.parametrize("angle_deg", [0, 15, 30, 45, 60, 75, 89])
def test_max_speed_shot_cannot_tunnel_through_walls_or_posts(angle_deg):
    env = SoccerEnv(SoccerConfig(action_repeat=1, end_on_goal=True), seed=0)
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    v = BALL_MAX_SPEED
    # at the end wall beside the mouth, at both posts, at the side walls, into the recess corners
    targets = [(L, G + 0.6), (L, -(G + 0.6)), (L + P, G + P), (L + P, -(G + P)), (0.0, W), (2.0, -W),
               (L, W - 0.3), (L + D, G - 0.1)]
    for tx, ty in targets:
        for side in (1, -1):
            env.reset()
            start = (side * (tx - 2.0 * c), ty - 2.0 * s * (1 if ty >= 0 else -1))
            direction = (side * c, s * (1 if ty >= 0 else -1))
            for state in shoot(env, *start, v * direction[0], v * direction[1]):
                assert ball_static_overlap(state[0], state[1]) <= TOLERANCE, (tx, ty, side, state[:4])
                assert math.hypot(state[2], state[3]) <= v + 1e-9


def test_max_speed_shot_cannot_tunnel_through_a_dashing_player():
    env = SoccerEnv(SoccerConfig(action_repeat=1, end_on_goal=False), seed=0)
    for offset in (-0.35, -0.1, 0.0, 0.2, 0.38):
        env.reset()
        env.place_player("blue", 0.0, offset, heading=(-1, 0), vx=-8.0)
        env.place_player("red", -L + 1, -W + 1, heading=(1, 0))
        env.place_ball(-3.0, 0.0, BALL_MAX_SPEED, 0.0)
        for _ in range(60):
            env.step({"blue": encode_action(1, 0, 1), "red": 0})   # forward + dash, straight at the ball
            state = env._state
            assert ball_box_overlap(state[0], state[1], state[4], state[5], state[8], state[9]) <= TOLERANCE
        assert state[0] < state[4], "ball passed through the player"
