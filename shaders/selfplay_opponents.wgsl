// GPU self-play, decision step 2: the envs whose opponent is pool slot `params.slot` put the
// opponent's observation into that slot's network input, compacted. One thread per env e:
//
//   if kind_e = snapshot and slot_e = s:   j = atomicAdd(count[s], 1)
//                                          x[j, :] = sim obs row 2e + 1 - side_e,  ids[j] = e,  pos[e] = j
//
// The order of j among envs is the GPU's, but nothing depends on it: a row's forward does not
// depend on its position, and its action is drawn with the hash of its env (sample_actions.wgsl).
//
//   sim    u32 [OUTPUT_* sections]   envs u32 [E, ENV_WORDS]   count atomic u32 [S] (zeroed by selfplay_tick)
//   x      f32 [E, OBSERVATION_SIZE] ids u32 [E]               pos u32 [E]

struct Params { num_envs: u32, slot: u32 }

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
    if (envs[state + ENV_KIND] != KIND_SNAPSHOT || envs[state + ENV_SLOT] != params.slot) {
        return;
    }
    let j = atomicAdd(&count[params.slot], 1u);
    let D = u32(OBSERVATION_SIZE);
    let source = OUTPUT_OBS * E + (2u * e + 1u - envs[state + ENV_SIDE]) * D;
    for (var k = 0u; k < D; k++) {
        x[j * D + k] = bitcast<f32>(sim[source + k]);
    }
    ids[j] = e;
    pos[e] = j;
}
