// GPU self-play, decision step 4: actions into the sim, and the previous decision's bootstrap value.
// One thread per env e, with t = clock[0] and V_e = out[e, A] (the learner's value of s_t):
//
//   actions[2e + side_e]       = a_{t,e}                  (the learner's, sampled into the rollout table)
//   actions[2e + 1 - side_e]   = snapshot table[slot_e E + pos_e]     (snapshot opponents only)
//   next_value[t-1, e]         = (1 - done[t-1, e]) V_e   (t >= 1; a truncation is overwritten with
//                                                          V(final obs) by selfplay_bootstrap)
//
// With params.act = 0 (the rollout's closing forward, t = T) only the bootstrap value is written.
//
//   table     f32 [9, T E]   the rollout table (rl/wgsl/kernels.py ROLLOUT_COLUMNS)
//   snapshots f32 [3, S E]   the pool's sampled actions, slot s's at rows s E .. (sample_actions.wgsl)
//   envs u32 [E, ENV_WORDS]  pos u32 [E]  out f32 [E, A + 1]  actions u32 [2E] (the sim's)  clock u32 [2]

struct Params { num_envs: u32, rows: u32, act: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> table: array<f32>;
@group(0) @binding(2) var<storage, read> snapshots: array<f32>;
@group(0) @binding(3) var<storage, read> envs: array<u32>;
@group(0) @binding(4) var<storage, read> pos: array<u32>;
@group(0) @binding(5) var<storage, read> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> actions: array<u32>;
@group(0) @binding(7) var<storage, read> clock: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    let E = params.num_envs;
    if (e >= E) {
        return;
    }
    let t = clock[0];
    let N = params.rows;
    if (t >= 1u) {
        let previous = (t - 1u) * E + e;
        let value = out[e * (NUM_ACTIONS + 1u) + NUM_ACTIONS];
        table[COLUMN_NEXT_VALUE * N + previous] = (1.0 - table[COLUMN_DONE * N + previous]) * value;
    }
    if (params.act == 0u) {
        return;
    }
    let state = e * ENV_WORDS;
    let side = envs[state + ENV_SIDE];
    actions[2u * e + side] = u32(table[COLUMN_ACTION * N + t * E + e]);
    if (envs[state + ENV_KIND] == KIND_SNAPSHOT) {
        actions[2u * e + 1u - side] = u32(snapshots[envs[state + ENV_SLOT] * E + pos[e]]);
    }
}
