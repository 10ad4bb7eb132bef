// GPU self-play, decision step 6 (after the sim's step): the learner's transition, episode ends and
// the next episode's matchup. One thread per env e, i = t E + e, row = 2e + side_e (the learner's):
//
//   reward[i] = r_row + approach_coef * (d - d')_row + progress_coef * (g - g')_row
//               (the sim's reward and rl/soccer/selfplay.py's two shaping terms, sim/wgsl's outputs)
//   done[i]   = terminated_e or truncated_e,   valid[i] = 1   (SAME_STEP auto-reset: every row is real)
//   episodes[i, :] = (return, length, outcome, kind + 1) when the episode ended, else zeros
//                    (outcome 0 win, 1 draw, 2 loss by the episode's goals, from the learner's side)
//   truncated: the final observation goes to the bootstrap batch, row k E + e for the env's k-th
//              truncation in this rollout, and boot_rows[k E + e] = i (selfplay_bootstrap)
//   ended (or params.start = 1, before the first rollout): draw the next matchup from
//              h = pcg4d(seed, e, n_e, MATCHUP_STREAM), n_e = matchups drawn in env e so far:
//              side = top bit of h.x; u = U[0, 1) * total from h.y picks snapshot (only with a
//              non-empty pool) / scripted / random as rl/soccer/selfplay.py's _draw_matchup; the
//              snapshot is uniform over the pool's `pool_count` newest slots of the ring of S from
//              h.z; the sim's controllers then say who plays each row.
//
//   sim u32 [OUTPUT_* sections]  envs u32 [E, ENV_WORDS]  table f32 [9, T E]  episodes u32 [T E, 4]
//   controllers u32 [2E] (the sim's)  boot_x f32 [K E, OBSERVATION_SIZE]  boot_rows i32 [K E]  clock u32 [2]

struct Params {
    num_envs: u32, rows: u32, start: u32, seed: u32,
    pool_count: u32, newest: u32, slots: u32, boot_slots: u32,
    snapshot_prob: f32, scripted_prob: f32, random_prob: f32, approach_coef: f32,
    progress_coef: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sim: array<u32>;
@group(0) @binding(2) var<storage, read_write> envs: array<u32>;
@group(0) @binding(3) var<storage, read_write> table: array<f32>;
@group(0) @binding(4) var<storage, read_write> episodes: array<u32>;
@group(0) @binding(5) var<storage, read_write> controllers: array<u32>;
@group(0) @binding(6) var<storage, read_write> boot_x: array<f32>;
@group(0) @binding(7) var<storage, read_write> boot_rows: array<i32>;
@group(0) @binding(8) var<storage, read> clock: array<u32>;

fn sim_f32(section: u32, index: u32) -> f32 {
    return bitcast<f32>(sim[section * params.num_envs + index]);
}

fn draw_matchup(e: u32) {
    let state = e * ENV_WORDS;
    let h = pcg4d(vec4<u32>(params.seed, e, envs[state + ENV_DRAWN], MATCHUP_STREAM));
    envs[state + ENV_DRAWN] += 1u;
    let side = h.x >> 31u;
    var snapshot_prob = params.snapshot_prob;
    if (params.pool_count == 0u) {
        snapshot_prob = 0.0;
    }
    let u = f32(h.y >> 8u) * (1.0 / 16777216.0) * (snapshot_prob + params.scripted_prob + params.random_prob);
    var kind = KIND_RANDOM;
    if (u < snapshot_prob) {
        kind = KIND_SNAPSHOT;
    } else if (u < snapshot_prob + params.scripted_prob) {
        kind = KIND_SCRIPTED;
    }
    let back = ((h.z >> 8u) * params.pool_count) >> 24u;  // 0 = the newest snapshot
    envs[state + ENV_SIDE] = side;
    envs[state + ENV_KIND] = kind;
    envs[state + ENV_SLOT] = (params.newest + params.slots - back) % params.slots;
    var opponent = CONTROLLER_ACTIONS;
    if (kind == KIND_SCRIPTED) {
        opponent = CONTROLLER_SCRIPTED;
    } else if (kind == KIND_RANDOM) {
        opponent = CONTROLLER_RANDOM;
    }
    controllers[2u * e + side] = CONTROLLER_ACTIONS;
    controllers[2u * e + 1u - side] = opponent;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    let E = params.num_envs;
    if (e >= E) {
        return;
    }
    if (params.start == 1u) {
        draw_matchup(e);
        return;
    }
    let state = e * ENV_WORDS;
    let side = envs[state + ENV_SIDE];
    let row = 2u * e + side;
    let N = params.rows;
    let i = clock[0] * E + e;
    let reward = sim_f32(OUTPUT_REWARDS, row) + params.approach_coef * sim_f32(OUTPUT_BALL_APPROACH, row)
                 + params.progress_coef * sim_f32(OUTPUT_BALL_PROGRESS, row);
    let terminated = sim[OUTPUT_TERMINATIONS * E + e] != 0u;
    let truncated = sim[OUTPUT_TRUNCATIONS * E + e] != 0u;
    let ended = terminated || truncated;
    table[COLUMN_REWARD * N + i] = reward;
    table[COLUMN_DONE * N + i] = select(0.0, 1.0, ended);
    table[COLUMN_VALID * N + i] = 1.0;
    let episode_return = bitcast<f32>(envs[state + ENV_RETURN]) + reward;
    if (!ended) {
        envs[state + ENV_RETURN] = bitcast<u32>(episode_return);
        for (var k = 0u; k < 4u; k++) {
            episodes[4u * i + k] = 0u;
        }
        return;
    }
    let goals_for = sim[OUTPUT_EPISODE_GOALS * E + row];
    let goals_against = sim[OUTPUT_EPISODE_GOALS * E + 2u * e + 1u - side];
    var outcome = 1u;
    if (goals_for > goals_against) {
        outcome = 0u;
    } else if (goals_for < goals_against) {
        outcome = 2u;
    }
    episodes[4u * i] = bitcast<u32>(episode_return);
    episodes[4u * i + 1u] = sim[OUTPUT_EPISODE_LENGTHS * E + e];
    episodes[4u * i + 2u] = outcome;
    episodes[4u * i + 3u] = envs[state + ENV_KIND] + 1u;
    envs[state + ENV_RETURN] = bitcast<u32>(0.0);
    if (truncated) {
        let k = envs[state + ENV_BOOTS];
        envs[state + ENV_BOOTS] = k + 1u;
        let slot = min(k, params.boot_slots - 1u) * E + e;
        let D = u32(OBSERVATION_SIZE);
        for (var d = 0u; d < D; d++) {
            boot_x[slot * D + d] = sim_f32(OUTPUT_FINAL_OBS, row * D + d);
        }
        boot_rows[slot] = i32(i);
    }
    draw_matchup(e);
}
