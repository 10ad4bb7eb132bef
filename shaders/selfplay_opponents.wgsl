// GPU self-play, decision step 2: every snapshot opponent's observation into its pool slot's block of
// the pool's network input, compacted within the block. One thread per env e, with s = slot_e:
//
//   if kind_e = snapshot:   j = atomicAdd(count[s], 1)
//                           x[s E + j, :] = sim obs row 2e + 1 - side_e,  ids[s E + j] = e,  pos[e] = j
//
// The order of j among a slot's envs is the GPU's, but nothing depends on it: a row's forward does
// not depend on its position, and its action is drawn with the hash of its env (sample_actions.wgsl).
//
//   sim    u32 [OUTPUT_* sections]     envs u32 [E, ENV_WORDS]   count atomic u32 [S] (zeroed by selfplay_tick)
//   x      f32 [S E, OBSERVATION_SIZE] ids u32 [S E]             pos u32 [E]

struct Params { num_envs: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sim: array<u32>;
@group(0) @binding(2) var<storage, read> envs: array<u32>;
@group(0) @binding(3) var<storage, read_write> count: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> ids: array<u32>;
@group(0) @binding(6) var<storage, read_write> pos: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    let E = params.num_envs;
    if (e >= E) {
        return;
    }
    let state = e * ENV_WORDS;
    if (envs[state + ENV_KIND] != KIND_SNAPSHOT) {
        return;
    }
    let s = envs[state + ENV_SLOT];
    let j = atomicAdd(&count[s], 1u);
    let row = s * E + j;
    let D = u32(OBSERVATION_SIZE);
    let source = OUTPUT_OBS * E + (2u * e + 1u - envs[state + ENV_SIDE]) * D;
    for (var k = 0u; k < D; k++) {
        x[row * D + k] = bitcast<f32>(sim[source + k]);
    }
    ids[row] = e;
    pos[e] = j;
}
