// The Ball Drill soccer sim in float32: the WGSL twin of sim/ (physics.py, kickoff.py,
// observation.py, rewards.py, env.py's episode rules, baselines.py's players).
//
// One invocation = one env. It loads the env's state, plays `params.decisions`
// decisions with the state in registers (each decision holds both actions for
// up to ACTION_REPEAT ticks and stops early on a goal), and stores it back.
// Every rule below follows the Python function named in its comment, in the
// same order of operations; the constants (HALF_LENGTH, MOVE_TARGETS,
// OBS_BALL_F, MATCH_TICKS, ...) are generated from sim/ by sim/wgsl/source.py.
//
// Bindings (E = params.num_envs, rows 2i = env i's blue player, 2i + 1 its red; layouts in
// sim/wgsl/layout.py, which also defines ENV_FLOATS, COUNTER_*, CONTROLLER_*, TALLY_*, OUTPUT_*):
//   0 params       uniform {num_envs, decisions, restart, _}
//   1 state        f32 [E * ENV_FLOATS]: sim/physics.py's 20 numbers, potential, episode return
//   2 counters     u32 [E * ENV_COUNTERS]: RNG key, RNG draws, tick, score, episode length
//   3 actions      u32 [2E]: the action of every row whose controller is CONTROLLER_ACTIONS
//   4 controllers  u32 [2E]: who plays each row
//   5 outputs      u32 [OUTPUT_* sections]: EnvBatch's buffers after the last decision, floats as bits
//   6 tallies      u32 [E * TALLY_COUNT]: results summed over every episode that ended
//
// RNG: counter-based. Draw n of env i is pcg4d(key_lo, key_hi, n, 0).x, where the
// 64-bit key is env i's seed (sim/batch.py's env_seeds): a stream per env that
// does not depend on how invocations are grouped.

struct Params {
    num_envs: u32,
    decisions: u32,
    restart: u32,        // 1: start a new episode in every env and write its observations, no decision
    _pad: u32,
}

struct Ball { x: f32, y: f32, vx: f32, vy: f32 }
struct Player { x: f32, y: f32, vx: f32, vy: f32, c: f32, s: f32, w: f32, cooldown: f32 }
struct World { ball: Ball, blue: Player, red: Player }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;
@group(0) @binding(2) var<storage, read_write> counters: array<u32>;
@group(0) @binding(3) var<storage, read> actions: array<u32>;
@group(0) @binding(4) var<storage, read> controllers: array<u32>;
@group(0) @binding(5) var<storage, read_write> outputs: array<u32>;
@group(0) @binding(6) var<storage, read_write> tallies: array<u32>;

var<private> rng_key: vec2<u32>;
var<private> rng_draws: u32;

// ---------------------------------------------------------------- randomness

// pcg4d(v): the counter-based 4D hash of shaders/pcg4d.wgsl, prepended by sim/wgsl/source.py.

fn next_u32() -> u32 {
    let bits = pcg4d(vec4<u32>(rng_key.x, rng_key.y, rng_draws, 0u)).x;
    rng_draws += 1u;
    return bits;
}

// Uniform in [low, high): the top 24 bits scaled by 2^-24 (exact in f32), as SplitMix64.uniform.
fn uniform_between(low: f32, high: f32) -> f32 {
    return low + (high - low) * (f32(next_u32() >> 8u) * (1.0 / 16777216.0));
}

// Integer in [0, n): multiply-shift on the top 24 bits, as SplitMix64.below.
fn below(n: u32) -> u32 {
    return ((next_u32() >> 8u) * n) >> 24u;
}

// ---------------------------------------------------------------- physics (sim/physics.py)

// ACTION_TARGETS[action] of sim/actions.py from its factors: action = (move * NUM_TURNS + turn) * 2 + dash
// -> (MOVE_TARGETS[move] (forward, left m/s), TURN_TARGETS[turn] rad/s, dash). Indexing the two small
// tables costs a software adapter far less than indexing the 30-row one.
fn action_targets(action: u32) -> array<f32, 4> {
    let moves = MOVE_TARGETS;
    let turns = TURN_TARGETS;
    let move_velocity = moves[action / (2u * NUM_TURNS)];
    return array<f32, 4>(move_velocity[0], move_velocity[1], turns[(action / 2u) % NUM_TURNS], f32(action % 2u));
}

// advance(), step 1: drag, bounded acceleration toward the want velocity (player frame),
// dash, turn, heading rotation normalise((c, s) + omega dt (-s, c)), position update.
// want = ACTION_TARGETS[action] = (forward m/s, left m/s, turn rad/s, dash 0/1).
fn drive(player: Player, want: array<f32, 4>) -> Player {
    var p = player;
    p.vx *= PLAYER_DAMPING_FACTOR;
    p.vy *= PLAYER_DAMPING_FACTOR;
    let dv_f = clamp(want[0] - (p.vx * p.c + p.vy * p.s), -ACCELERATION_STEP, ACCELERATION_STEP);
    let dv_l = clamp(want[1] - (p.vy * p.c - p.vx * p.s), -ACCELERATION_STEP, ACCELERATION_STEP);
    p.vx += dv_f * p.c - dv_l * p.s;
    p.vy += dv_f * p.s + dv_l * p.c;
    if (p.cooldown != 0.0) {
        p.cooldown -= 1.0;
    } else if (want[3] != 0.0) {
        p.vx += DASH_SPEED * p.c;
        p.vy += DASH_SPEED * p.s;
        p.cooldown = f32(DASH_COOLDOWN_TICKS);
    }
    p.w *= PLAYER_ANGULAR_DAMPING_FACTOR;
    p.w += clamp(want[2] - p.w, -ANGULAR_ACCELERATION_STEP, ANGULAR_ACCELERATION_STEP);
    if (p.w != 0.0) {
        let a = p.w * DT;
        let c = p.c - p.s * a;
        let s = p.s + p.c * a;
        let inv_norm = 1.0 / sqrt(c * c + s * s);
        p.c = c * inv_norm;
        p.s = s * inv_norm;
    }
    p.x += p.vx * DT;
    p.y += p.vy * DT;
    return p;
}

struct Pair { a: Player, b: Player }

// _player_player: separating axes a1, b1, a2, b2 of two equal boxes; push apart along the axis
// of least overlap, half each, and exchange the normal impulse j = (1 + e) v_n / 2 when approaching.
fn player_player(first: Player, second: Player) -> Pair {
    var p1 = first;
    var p2 = second;
    let dx = p2.x - p1.x;
    let dy = p2.y - p1.y;
    let ca = abs(p1.c * p2.c + p1.s * p2.s);
    let cb = abs(p1.s * p2.c - p1.c * p2.s);
    let p = HX * ca + HY * cb;
    let q = HX * cb + HY * ca;
    var along = dx * p1.c + dy * p1.s;                  // axis a1
    var depth = HX + p - abs(along);
    if (depth <= 0.0) { return Pair(first, second); }
    var n = vec2<f32>(p1.c, p1.s);
    var along_other = dy * p1.c - dx * p1.s;            // axis b1
    var overlap = HY + q - abs(along_other);
    if (overlap <= 0.0) { return Pair(first, second); }
    if (overlap < depth) { depth = overlap; n = vec2<f32>(-p1.s, p1.c); along = along_other; }
    along_other = dx * p2.c + dy * p2.s;                // axis a2
    overlap = HX + p - abs(along_other);
    if (overlap <= 0.0) { return Pair(first, second); }
    if (overlap < depth) { depth = overlap; n = vec2<f32>(p2.c, p2.s); along = along_other; }
    along_other = dy * p2.c - dx * p2.s;                // axis b2
    overlap = HY + q - abs(along_other);
    if (overlap <= 0.0) { return Pair(first, second); }
    if (overlap < depth) { depth = overlap; n = vec2<f32>(-p2.s, p2.c); along = along_other; }
    if (along < 0.0) { n = -n; }                        // normal points from box 1 to box 2
    let half = 0.5 * depth;
    p1.x -= n.x * half;
    p1.y -= n.y * half;
    p2.x += n.x * half;
    p2.y += n.y * half;
    let v_n = (p2.vx - p1.vx) * n.x + (p2.vy - p1.vy) * n.y;
    if (v_n < 0.0) {
        let j = 0.5 * (1.0 + PLAYER_RESTITUTION) * v_n;
        p1.vx += j * n.x;
        p1.vy += j * n.y;
        p2.vx -= j * n.x;
        p2.vy -= j * n.y;
    }
    return Pair(p1, p2);
}

// _player_walls: project the box (half-extents e_x, e_y along the world axes) inside |x| <= L,
// |y| <= W and zero the outward velocity.
fn player_walls(player: Player) -> Player {
    var p = player;
    let ex = HX * abs(p.c) + HY * abs(p.s);
    let ey = HX * abs(p.s) + HY * abs(p.c);
    if (p.x > HALF_LENGTH - ex) {
        p.x = HALF_LENGTH - ex;
        if (p.vx > 0.0) { p.vx = 0.0; }
    } else if (p.x < ex - HALF_LENGTH) {
        p.x = ex - HALF_LENGTH;
        if (p.vx < 0.0) { p.vx = 0.0; }
    }
    if (p.y > HALF_WIDTH - ey) {
        p.y = HALF_WIDTH - ey;
        if (p.vy > 0.0) { p.vy = 0.0; }
    } else if (p.y < ey - HALF_WIDTH) {
        p.y = ey - HALF_WIDTH;
        if (p.vy < 0.0) { p.vy = 0.0; }
    }
    return p;
}

struct Contact { hit: bool, depth: f32, n: vec2<f32>, r: vec2<f32> }

// _closest_on_box: ball centre in the box frame l = R(-heading)(b - p), closest box point q =
// clamp(l, +-(HX, HY)); normal (l - q)/|l - q|, depth R - |l - q|; a centre inside the box leaves
// through the nearest face. r = q relative to the box centre, world frame.
fn closest_on_box(ball: Ball, p: Player) -> Contact {
    let dx = ball.x - p.x;
    let dy = ball.y - p.y;
    let lx = dx * p.c + dy * p.s;
    let ly = dy * p.c - dx * p.s;
    var qx = clamp(lx, -HX, HX);
    var qy = clamp(ly, -HY, HY);
    let ex = lx - qx;
    let ey = ly - qy;
    let d2 = ex * ex + ey * ey;
    if (d2 >= R2) { return Contact(false, 0.0, vec2<f32>(0.0), vec2<f32>(0.0)); }
    var nl: vec2<f32>;
    var depth: f32;
    if (d2 > 0.0) {
        let d = sqrt(d2);
        nl = vec2<f32>(ex / d, ey / d);
        depth = R - d;
    } else {
        let face_x = HX - abs(lx);
        let face_y = HY - abs(ly);
        if (face_x < face_y) {
            nl = vec2<f32>(select(-1.0, 1.0, lx >= 0.0), 0.0);
            qx = HX * nl.x;
            depth = R + face_x;
        } else {
            nl = vec2<f32>(0.0, select(-1.0, 1.0, ly >= 0.0));
            qy = HY * nl.y;
            depth = R + face_y;
        }
    }
    return Contact(true, depth, vec2<f32>(nl.x * p.c - nl.y * p.s, nl.x * p.s + nl.y * p.c),
                   vec2<f32>(qx * p.c - qy * p.s, qx * p.s + qy * p.c));
}

struct BallPlayer { hit: bool, ball: Ball, player: Player }

// _ball_player with the contact already found: move the ball out of the box, then the normal
// impulse at the contact point with the box's inertia (r_n = r x n):
//     j = -(1 + e) v_n / (1/m_ball + 1/m_player + r_n^2 / I_player),  v_n = (v_ball - v_surface).n < 0
// and cap the ball's speed.
fn resolve_ball_player(ball_in: Ball, player: Player, contact: Contact) -> BallPlayer {
    if (!contact.hit) { return BallPlayer(false, ball_in, player); }
    var b = ball_in;
    var p = player;
    let n = contact.n;
    let r = contact.r;
    b.x += n.x * contact.depth;
    b.y += n.y * contact.depth;
    let v_n = (b.vx - p.vx + p.w * r.y) * n.x + (b.vy - p.vy - p.w * r.x) * n.y;
    if (v_n < 0.0) {
        let r_n = r.x * n.y - r.y * n.x;
        let j = -(1.0 + BALL_PLAYER_RESTITUTION) * v_n
                / (INV_BALL_MASS + INV_PLAYER_MASS + r_n * r_n * INV_PLAYER_INERTIA);
        b.vx += j * INV_BALL_MASS * n.x;
        b.vy += j * INV_BALL_MASS * n.y;
        p.vx -= j * INV_PLAYER_MASS * n.x;
        p.vy -= j * INV_PLAYER_MASS * n.y;
        p.w -= j * r_n * INV_PLAYER_INERTIA;
        let speed2 = b.vx * b.vx + b.vy * b.vy;
        if (speed2 > MAX_SPEED2) {
            let scale = BALL_MAX_SPEED / sqrt(speed2);
            b.vx *= scale;
            b.vy *= scale;
        }
    }
    return BallPlayer(true, b, p);
}

// _player_off_ball: a ball pinned against a wall pushes the box off it and takes the box's
// velocity component into the ball.
fn player_off_ball(ball: Ball, player: Player) -> Player {
    let dx = ball.x - player.x;
    let dy = ball.y - player.y;
    if (dx * dx + dy * dy >= BALL_PLAYER_REACH2) { return player; }
    let contact = closest_on_box(ball, player);
    if (!contact.hit) { return player; }
    var p = player;
    p.x -= contact.n.x * contact.depth;
    p.y -= contact.n.y * contact.depth;
    let v_n = p.vx * contact.n.x + p.vy * contact.n.y;
    if (v_n > 0.0) {
        p.vx -= v_n * contact.n.x;
        p.vy -= v_n * contact.n.y;
    }
    return p;
}

struct BallHit { ball: Ball, hit: bool }

// _ball_walls: side walls, then (near an end) the END_COLLIDERS of the +x end, the -x end mirrored
// (u = side x). Each collider is a segment thickened by a radius: push the ball to distance
// R + radius from the closest point c and reflect v <- v - (1 + e)(v.n) n when approaching.
fn ball_walls(ball: Ball) -> BallHit {
    var b = ball;
    var hit = false;
    if (b.y > BALL_SAFE_Y) {
        b.y = BALL_SAFE_Y;
        hit = true;
        if (b.vy > 0.0) { b.vy = -BALL_WALL_RESTITUTION * b.vy; }
    } else if (b.y < -BALL_SAFE_Y) {
        b.y = -BALL_SAFE_Y;
        hit = true;
        if (b.vy < 0.0) { b.vy = -BALL_WALL_RESTITUTION * b.vy; }
    }
    if (-BALL_SAFE_X < b.x && b.x < BALL_SAFE_X) { return BallHit(b, hit); }
    let bounce = 1.0 + BALL_WALL_RESTITUTION;
    let side = select(-1.0, 1.0, b.x > 0.0);
    var u = b.x * side;
    var vu = b.vx * side;
    let colliders = END_COLLIDERS;
    for (var k = 0u; k < NUM_END_COLLIDERS; k++) {
        let x0 = colliders[k][0];
        let x1 = colliders[k][1];
        let y0 = colliders[k][2];
        let y1 = colliders[k][3];
        let radius = colliders[k][4];
        let cx = clamp(u, x0, x1);
        let cy = clamp(b.y, y0, y1);
        let dx = u - cx;
        let dy = b.y - cy;
        let d2 = dx * dx + dy * dy;
        let reach = R + radius;
        if (0.0 < d2 && d2 < reach * reach) {
            let d = sqrt(d2);
            let nx = dx / d;
            let ny = dy / d;
            u = cx + nx * reach;
            b.y = cy + ny * reach;
            hit = true;
            let v_n = vu * nx + b.vy * ny;
            if (v_n < 0.0) {
                vu -= bounce * v_n * nx;
                b.vy -= bounce * v_n * ny;
            }
        }
    }
    b.x = u * side;
    b.vx = vu * side;
    return BallHit(b, hit);
}

struct Advance { world: World, ticks_run: u32, goal: i32 }

// advance(): hold both actions for up to `ticks` ticks (drive, ball, collisions, goal); stop
// early on a goal (+1 blue scored: whole ball past x = +L; -1 red scored).
fn advance(start: World, action_blue: u32, action_red: u32, ticks: u32) -> Advance {
    let target_blue = action_targets(action_blue);
    let target_red = action_targets(action_red);
    var b = start.ball;
    var p1 = start.blue;
    var p2 = start.red;
    var goal = 0;
    var tick = 0u;
    while (tick < ticks) {
        tick += 1u;
        // 1. drive both players
        p1 = drive(p1, target_blue);
        p2 = drive(p2, target_red);
        // 2. ball
        b.vx *= BALL_DAMPING_FACTOR;
        b.vy *= BALL_DAMPING_FACTOR;
        b.x += b.vx * DT;
        b.y += b.vy * DT;
        // 3a. player vs player
        var dx = p2.x - p1.x;
        var dy = p2.y - p1.y;
        if (dx * dx + dy * dy < PLAYER_PLAYER_REACH2) {
            let pair = player_player(p1, p2);
            p1 = pair.a;
            p2 = pair.b;
        }
        // 3b. ball vs players (_ball_player, _ball_two_players, _ball_squeeze in one path): the
        // deeper contact resolves first; with both players close, the ball then meets the other
        // one, and if it does, the first is pushed off the squeezed ball
        dx = b.x - p1.x;
        dy = b.y - p1.y;
        let near_blue = dx * dx + dy * dy < BALL_PLAYER_REACH2;
        dx = b.x - p2.x;
        dy = b.y - p2.y;
        let near_red = dx * dx + dy * dy < BALL_PLAYER_REACH2;
        if (near_blue || near_red) {
            var contact_blue = Contact(false, 0.0, vec2<f32>(0.0), vec2<f32>(0.0));
            var contact_red = contact_blue;
            if (near_blue) { contact_blue = closest_on_box(b, p1); }
            if (near_red) { contact_red = closest_on_box(b, p2); }
            let red_first = contact_red.hit && (!contact_blue.hit || contact_red.depth > contact_blue.depth);
            var first = p1;
            var second = p2;
            var first_contact = contact_blue;
            if (red_first) { first = p2; second = p1; first_contact = contact_red; }
            let one = resolve_ball_player(b, first, first_contact);
            b = one.ball;
            first = one.player;
            if (near_blue && near_red) {
                let two = resolve_ball_player(b, second, closest_on_box(b, second));
                if (two.hit) {
                    b = two.ball;
                    second = two.player;
                    first = player_off_ball(b, first);
                }
            }
            if (red_first) { p2 = first; p1 = second; } else { p1 = first; p2 = second; }
        }
        // 3c. ball vs walls and posts; a pinned ball pushes the players back
        if (!(-BALL_SAFE_X < b.x && b.x < BALL_SAFE_X && -BALL_SAFE_Y < b.y && b.y < BALL_SAFE_Y)) {
            let walls = ball_walls(b);
            b = walls.ball;
            if (walls.hit) {
                p1 = player_off_ball(b, p1);
                p2 = player_off_ball(b, p2);
            }
        }
        // 3d. players vs walls, last
        if (!(-PLAYER_SAFE_X < p1.x && p1.x < PLAYER_SAFE_X && -PLAYER_SAFE_Y < p1.y && p1.y < PLAYER_SAFE_Y)) {
            p1 = player_walls(p1);
        }
        if (!(-PLAYER_SAFE_X < p2.x && p2.x < PLAYER_SAFE_X && -PLAYER_SAFE_Y < p2.y && p2.y < PLAYER_SAFE_Y)) {
            p2 = player_walls(p2);
        }
        // 4. goal
        if (b.x > GOAL_LINE_BALL_X) { goal = 1; break; }
        if (b.x < -GOAL_LINE_BALL_X) { goal = -1; break; }
    }
    return Advance(World(b, p1, p2), tick, goal);
}

// ---------------------------------------------------------------- kickoff (sim/kickoff.py)

// h(t) = ((1 - t^2) / (1 + t^2), 2t / (1 + t^2)), the unit vector at angle 2 atan(t).
fn heading(t: f32) -> vec2<f32> {
    let inv = 1.0 / (1.0 + t * t);
    return vec2<f32>((1.0 - t * t) * inv, 2.0 * t * inv);
}

// Players on their own halves facing each other, ball on the centre spot, all at rest, uniform
// jitter j; draw order blue x, y, t; red x, y, t; ball y. Cooldowns 0.
fn kickoff_player(sign: f32) -> Player {
    let j = f32(KICKOFF_JITTER);
    let x = sign * 0.5 * HALF_LENGTH + uniform_between(-j, j);
    let y = uniform_between(-j, j);
    let h = heading(uniform_between(-0.25 * j, 0.25 * j));
    return Player(x, y, 0.0, 0.0, -sign * h.x, -sign * h.y, 0.0, 0.0);
}

fn kickoff() -> World {
    let blue = kickoff_player(-1.0);
    let red = kickoff_player(1.0);
    let j = f32(KICKOFF_JITTER);
    return World(Ball(0.0, uniform_between(-j, j), 0.0, 0.0), blue, red);
}

// ---------------------------------------------------------------- rewards (sim/rewards.py)

// Phi_blue(s) = (|ball - own goal| - |ball - opponent goal|) / 2L.
fn potential(b: Ball) -> f32 {
    let by2 = b.y * b.y;
    let to_own = b.x + HALF_LENGTH;
    let to_opponent = b.x - HALF_LENGTH;
    return (sqrt(to_own * to_own + by2) - sqrt(to_opponent * to_opponent + by2)) * INV_PITCH_LENGTH;
}

// rl/selfplay.py's two extra terms read these per row (side 0 blue, 1 red), in units of 2L:
// d = |ball - own position| (obs[10]) and g = |opponent goal centre - ball|.
fn ball_distance(w: World, side: u32) -> f32 {
    var p = w.blue;
    if (side == 1u) { p = w.red; }
    let dx = w.ball.x - p.x;
    let dy = w.ball.y - p.y;
    return sqrt(dx * dx + dy * dy) * INV_POS;
}

fn goal_distance(w: World, side: u32) -> f32 {
    let goal_x = select(HALF_LENGTH, -HALF_LENGTH, side == 1u);
    let dx = goal_x - w.ball.x;
    return sqrt(dx * dx + w.ball.y * w.ball.y) * INV_PITCH_LENGTH;
}

// ---------------------------------------------------------------- observation (sim/observation.py)

// encode_observation(state, side, time_left): egocentric, mirrored for red; rows in the table's order.
fn observation(world: World, side: u32, time_left: f32) -> array<f32, OBSERVATION_SIZE> {
    var me = world.blue;
    var other = world.red;
    var sign = 1.0;
    if (side == 1u) {
        me = world.red;
        other = world.blue;
        sign = -1.0;
    }
    let bx = world.ball.x;
    let by = world.ball.y;
    let c = me.c;
    let s = me.s;
    let dx = bx - me.x;
    let dy = by - me.y;
    let ball_f = dx * c + dy * s;
    let ball_l = dy * c - dx * s;
    let ox = other.x - me.x;
    let oy = other.y - me.y;
    let goal_x = sign * HALF_LENGTH;
    let gx = goal_x - me.x;
    let hx = -goal_x - me.x;
    let goal_f = gx * c - me.y * s;
    let goal_l = -me.y * c - gx * s;
    let ball_distance = sqrt(dx * dx + dy * dy);
    var bearing = vec2<f32>(1.0, 0.0);
    if (ball_distance > 0.0) { bearing = vec2<f32>(ball_f / ball_distance, ball_l / ball_distance); }
    var aim = vec2<f32>(1.0, 0.0);
    let aim_f = goal_f - ball_f;
    let aim_l = goal_l - ball_l;
    let aim_length = sqrt(aim_f * aim_f + aim_l * aim_l);
    if (aim_length > 0.0) { aim = vec2<f32>(aim_f / aim_length, aim_l / aim_length); }
    let along = -(ball_f * aim.x + ball_l * aim.y);
    let across = ball_f * aim.y - ball_l * aim.x;
    let bvx = world.ball.vx;
    let bvy = world.ball.vy;
    return array<f32, OBSERVATION_SIZE>(
        sign * me.x * INV_L, sign * me.y * INV_W,
        sign * c, sign * s,
        (me.vx * c + me.vy * s) * INV_SPEED, (me.vy * c - me.vx * s) * INV_SPEED,
        me.w * INV_TURN,
        me.cooldown * INV_COOLDOWN,
        ball_f * INV_POS, ball_l * INV_POS,
        ball_distance * INV_POS,
        (bvx * c + bvy * s) * INV_BALL_SPEED, (bvy * c - bvx * s) * INV_BALL_SPEED,
        sign * bx * INV_L, sign * by * INV_W,
        (ox * c + oy * s) * INV_POS, (oy * c - ox * s) * INV_POS,
        (other.vx * c + other.vy * s) * INV_SPEED, (other.vy * c - other.vx * s) * INV_SPEED,
        other.c * c + other.s * s, other.s * c - other.c * s,
        other.cooldown * INV_COOLDOWN,
        goal_f * INV_POS, goal_l * INV_POS,
        (hx * c - me.y * s) * INV_POS, (-me.y * c - hx * s) * INV_POS,
        time_left,
        bearing.x, bearing.y,
        aim.x, aim.y,
        along / (1.0 + abs(along)), across / (1.0 + abs(across)),
        ball_distance / (1.0 + ball_distance),
    );
}

// ---------------------------------------------------------------- the scripted player (sim/baselines.py)

fn move_toward(want: vec2<f32>) -> u32 {
    let distance = sqrt(want.x * want.x + want.y * want.y);
    if (distance < 0.1) { return u32(STOP); }
    if (want.x > 0.7 * distance) { return u32(FORWARD); }
    if (want.x < -0.7 * distance && distance < 1.5) { return u32(BACK); }
    return select(u32(STRAFE_RIGHT), u32(STRAFE_LEFT), want.y > 0.0);
}

fn turn_toward(face: vec2<f32>) -> u32 {
    let norm = sqrt(face.x * face.x + face.y * face.y);
    if (norm == 0.0) { return u32(NO_TURN); }
    let sin_error = face.y / norm;
    if (face.x < 0.0) { return select(u32(TURN_RIGHT), u32(TURN_LEFT), face.y >= 0.0); }
    if (sin_error > TURN_TOLERANCE) { return u32(TURN_LEFT); }
    if (sin_error < -TURN_TOLERANCE) { return u32(TURN_RIGHT); }
    return u32(NO_TURN);
}

// _clamp_to_pitch: an ego-frame want clamped to the pitch through the mirrored field frame.
fn clamp_to_pitch(obs: array<f32, OBSERVATION_SIZE>, want: vec2<f32>) -> vec2<f32> {
    let x = obs[0] * HALF_LENGTH;
    let y = obs[1] * HALF_WIDTH;
    let c = obs[2];
    let s = obs[3];
    let limit_x = HALF_LENGTH - TARGET_MARGIN;
    let limit_y = HALF_WIDTH - TARGET_MARGIN;
    let field_x = clamp(x + want.x * c - want.y * s, -limit_x, limit_x) - x;
    let field_y = clamp(y + want.x * s + want.y * c, -limit_y, limit_y) - y;
    return vec2<f32>(field_x * c + field_y * s, field_y * c - field_x * s);
}

// scripted_action: lead the ball, run 0.8 m behind it on the ball-to-goal line, swing round it
// when level or ahead, run through it when lined up, dash when facing the goal with the ball close.
fn scripted_action(obs: array<f32, OBSERVATION_SIZE>) -> u32 {
    var ball = vec2<f32>(obs[OBS_BALL_F], obs[OBS_BALL_L]) * POSITION_SCALE;
    let lead = min(LEAD_MAX, sqrt(ball.x * ball.x + ball.y * ball.y) / LEAD_SPEED);
    ball += vec2<f32>(obs[OBS_BALL_VF], obs[OBS_BALL_VL]) * BALL_MAX_SPEED * lead;
    var aim = vec2<f32>(obs[OBS_OPPONENT_GOAL_F], obs[OBS_OPPONENT_GOAL_L]) * POSITION_SCALE - ball;
    var norm = sqrt(aim.x * aim.x + aim.y * aim.y);
    if (norm == 0.0) { norm = 1.0; }
    aim /= norm;
    let along = -(ball.x * aim.x + ball.y * aim.y);
    let across = ball.x * aim.y - ball.y * aim.x;
    var dash = 0u;
    var want: vec2<f32>;
    var face: vec2<f32>;
    if (along < -0.5 * CONTACT_DISTANCE && abs(across) < LINE_UP_WIDTH) {
        want = ball + aim;
        face = aim;
        let distance = sqrt(ball.x * ball.x + ball.y * ball.y);
        if (aim.x > 0.95 && ball.x > 0.0 && distance < DASH_RANGE && obs[OBS_OWN_COOLDOWN] == 0.0) { dash = 1u; }
    } else {
        want = ball - BEHIND_DISTANCE * aim;
        if (along > -0.5 * BEHIND_DISTANCE) {
            let side = select(-1.0, 1.0, across >= 0.0);
            want += side * SWING_WIDTH * vec2<f32>(-aim.y, aim.x);
        }
        want = clamp_to_pitch(obs, want);
        let distance = sqrt(want.x * want.x + want.y * want.y);
        face = select(aim, want, distance > 1.0);
    }
    return (move_toward(want) * 3u + turn_toward(face)) * 2u + dash;
}

// ---------------------------------------------------------------- the env (sim/env.py, sim/batch.py)

// Start of an output section (OUTPUT_* are in units of E floats).
fn section(start: u32) -> u32 {
    return start * params.num_envs;
}

fn put(index: u32, value: f32) {
    outputs[index] = bitcast<u32>(value);
}

fn write_observations(base: u32, env: u32, world: World, time_left: f32) {
    for (var side = 0u; side < 2u; side++) {
        let o = observation(world, side, time_left);
        let start = base + (2u * env + side) * u32(OBSERVATION_SIZE);
        for (var k = 0u; k < u32(OBSERVATION_SIZE); k++) {
            put(start + k, o[k]);
        }
    }
}

// One env's episode bookkeeping between decisions (SoccerEnv's attributes).
struct Episode { world: World, tick: u32, blue_goals: u32, red_goals: u32, length: u32, potential: f32, ret: f32 }

fn time_left(e: Episode) -> f32 {
    return f32(u32(MATCH_TICKS) - e.tick) * INV_MATCH_TICKS;
}

// SoccerEnv._start_episode: kickoff from the env's RNG, clock and score at 0.
fn start_episode() -> Episode {
    let world = kickoff();
    return Episode(world, 0u, 0u, 0u, 0u, potential(world.ball), 0.0);
}

fn row_action(env: u32, side: u32, world: World, left: f32) -> u32 {
    let row = 2u * env + side;
    let controller = controllers[row];
    if (controller == CONTROLLER_SCRIPTED) { return scripted_action(observation(world, side, left)); }
    if (controller == CONTROLLER_RANDOM) { return below(u32(NUM_ACTIONS)); }
    return actions[row];
}

fn load_episode(env: u32) -> Episode {
    let f = env * ENV_FLOATS;
    let u = env * ENV_COUNTERS;
    let world = World(
        Ball(state[f], state[f + 1u], state[f + 2u], state[f + 3u]),
        Player(state[f + 4u], state[f + 5u], state[f + 6u], state[f + 7u],
               state[f + 8u], state[f + 9u], state[f + 10u], state[f + 11u]),
        Player(state[f + 12u], state[f + 13u], state[f + 14u], state[f + 15u],
               state[f + 16u], state[f + 17u], state[f + 18u], state[f + 19u]));
    return Episode(world, counters[u + COUNTER_TICK], counters[u + COUNTER_BLUE_GOALS], counters[u + COUNTER_RED_GOALS],
                   counters[u + COUNTER_EPISODE_LENGTH], state[f + POTENTIAL_SLOT], state[f + RETURN_SLOT]);
}

fn store_episode(env: u32, e: Episode) {
    let f = env * ENV_FLOATS;
    let u = env * ENV_COUNTERS;
    let w = e.world;
    let values = array<f32, ENV_FLOATS>(
        w.ball.x, w.ball.y, w.ball.vx, w.ball.vy,
        w.blue.x, w.blue.y, w.blue.vx, w.blue.vy, w.blue.c, w.blue.s, w.blue.w, w.blue.cooldown,
        w.red.x, w.red.y, w.red.vx, w.red.vy, w.red.c, w.red.s, w.red.w, w.red.cooldown,
        e.potential, e.ret);
    for (var k = 0u; k < ENV_FLOATS; k++) {
        state[f + k] = values[k];
    }
    counters[u + COUNTER_TICK] = e.tick;
    counters[u + COUNTER_BLUE_GOALS] = e.blue_goals;
    counters[u + COUNTER_RED_GOALS] = e.red_goals;
    counters[u + COUNTER_EPISODE_LENGTH] = e.length;
    counters[u + COUNTER_DRAWS] = rng_draws;
}

fn tally(env: u32, e: Episode) {
    let t = env * TALLY_COUNT;
    tallies[t + TALLY_EPISODES] += 1u;
    if (e.blue_goals > e.red_goals) { tallies[t + TALLY_BLUE_WINS] += 1u; }
    else if (e.blue_goals == e.red_goals) { tallies[t + TALLY_DRAWS] += 1u; }
    else { tallies[t + TALLY_RED_WINS] += 1u; }
    tallies[t + TALLY_BLUE_GOALS] += e.blue_goals;
    tallies[t + TALLY_RED_GOALS] += e.red_goals;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let env = id.x;
    if (env >= params.num_envs) { return; }
    let u = env * ENV_COUNTERS;
    rng_key = vec2<u32>(counters[u + COUNTER_KEY_LO], counters[u + COUNTER_KEY_HI]);
    rng_draws = counters[u + COUNTER_DRAWS];
    if (params.restart == 1u) {
        let fresh = start_episode();
        write_observations(section(OUTPUT_OBS), env, fresh.world, time_left(fresh));
        store_episode(env, fresh);
        return;
    }
    var e = load_episode(env);
    for (var decision = 0u; decision < params.decisions; decision++) {
        let last = decision + 1u == params.decisions;
        // SoccerEnv._decide: both actions for up to ACTION_REPEAT ticks, clipped at the match's end
        let left = time_left(e);
        let action_blue = row_action(env, 0u, e.world, left);
        let action_red = row_action(env, 1u, e.world, left);
        let approach_before = vec2<f32>(ball_distance(e.world, 0u), ball_distance(e.world, 1u));
        let progress_before = vec2<f32>(goal_distance(e.world, 0u), goal_distance(e.world, 1u));
        let ran = advance(e.world, action_blue, action_red, min(u32(ACTION_REPEAT), u32(MATCH_TICKS) - e.tick));
        e.world = ran.world;
        e.tick += ran.ticks_run;
        var terminated = false;
        if (ran.goal != 0) {
            if (ran.goal > 0) { e.blue_goals += 1u; } else { e.red_goals += 1u; }
            if (END_ON_GOAL) { terminated = true; } else { e.world = kickoff(); }
        }
        let truncated = !terminated && e.tick >= u32(MATCH_TICKS);
        let next_potential = select(potential(e.world.ball), 0.0, terminated);
        let reward = f32(ran.goal) + SHAPING_COEF * (SHAPING_GAMMA * next_potential - e.potential);
        e.potential = next_potential;
        e.ret += reward;
        e.length += 1u;
        let ended = terminated || truncated;
        if (last) {
            let blue_row = 2u * env;
            put(section(OUTPUT_REWARDS) + blue_row, reward);
            put(section(OUTPUT_REWARDS) + blue_row + 1u, -reward);
            put(section(OUTPUT_BALL_APPROACH) + blue_row, approach_before.x - ball_distance(e.world, 0u));
            put(section(OUTPUT_BALL_APPROACH) + blue_row + 1u, approach_before.y - ball_distance(e.world, 1u));
            put(section(OUTPUT_BALL_PROGRESS) + blue_row, progress_before.x - goal_distance(e.world, 0u));
            put(section(OUTPUT_BALL_PROGRESS) + blue_row + 1u, progress_before.y - goal_distance(e.world, 1u));
            outputs[section(OUTPUT_ACTIONS_PLAYED) + blue_row] = action_blue;
            outputs[section(OUTPUT_ACTIONS_PLAYED) + blue_row + 1u] = action_red;
            outputs[section(OUTPUT_TERMINATIONS) + env] = u32(terminated);
            outputs[section(OUTPUT_TRUNCATIONS) + env] = u32(truncated);
            if (ended) {
                write_observations(section(OUTPUT_FINAL_OBS), env, e.world, time_left(e));
                put(section(OUTPUT_EPISODE_RETURNS) + blue_row, e.ret);
                put(section(OUTPUT_EPISODE_RETURNS) + blue_row + 1u, -e.ret);
                outputs[section(OUTPUT_EPISODE_LENGTHS) + env] = e.length;
                outputs[section(OUTPUT_EPISODE_GOALS) + blue_row] = e.blue_goals;
                outputs[section(OUTPUT_EPISODE_GOALS) + blue_row + 1u] = e.red_goals;
            }
        }
        if (ended) {
            tally(env, e);
            e = start_episode();
        }
    }
    write_observations(section(OUTPUT_OBS), env, e.world, time_left(e));
    store_episode(env, e);
}
