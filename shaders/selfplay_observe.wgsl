// GPU self-play, decision step 1 (rl/soccer/gpu_rollout_source.py): the learner's observation of
// every env, into the learner network's input and, unless this is the rollout's closing forward,
// into the rollout's obs at block t. One thread per env e (side_e = 0 blue, 1 red):
//
//   x[e, :]              = sim obs row 2e + side_e
//   obs[(t E + e), :]    = x[e, :]                                   (when params.record == 1)
//
//   sim       u32 [OUTPUT_* sections]   the soccer kernel's outputs (floats as bits, sim/wgsl/layout.py)
//   envs      u32 [E, ENV_WORDS]        per-env self-play state (ENV_SIDE, ...)
//   x         f32 [E, OBSERVATION_SIZE]
//   obs       f32 [T E, OBSERVATION_SIZE]
//   clock     u32 [2]                   [t, step]

struct Params { num_envs: u32, record: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sim: array<u32>;
@group(0) @binding(2) var<storage, read> envs: array<u32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> obs: array<f32>;
@group(0) @binding(5) var<storage, read> clock: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    let E = params.num_envs;
    if (e >= E) {
        return;
    }
    let D = u32(OBSERVATION_SIZE);
    let source = OUTPUT_OBS * E + (2u * e + envs[e * ENV_WORDS + ENV_SIDE]) * D;
    let row = (clock[0] * E + e) * D;
    for (var k = 0u; k < D; k++) {
        let value = bitcast<f32>(sim[source + k]);
        x[e * D + k] = value;
        if (params.record == 1u) {
            obs[row + k] = value;
        }
    }
}
