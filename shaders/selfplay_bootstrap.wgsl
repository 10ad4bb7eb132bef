// GPU self-play, after the rollout's last decision: the truncation bootstrap. One thread per
// bootstrap row b = k E + e, whose final observation went through the learner's forward (out):
//
//   next_value[boot_rows[b]] = V(final obs) = out[b, A]      (when boot_rows[b] >= 0)
//   then boot_rows[b] = -1 and the env's truncation count = 0, for the next rollout
//
//   out f32 [K E, A + 1]  boot_rows i32 [K E]  table f32 [9, T E]  envs u32 [E, ENV_WORDS]

struct Params { num_envs: u32, rows: u32, boot_rows: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> boot_rows: array<i32>;
@group(0) @binding(3) var<storage, read_write> table: array<f32>;
@group(0) @binding(4) var<storage, read_write> envs: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let b = id.x;
    if (b >= params.boot_rows) {
        return;
    }
    let row = boot_rows[b];
    if (row >= 0) {
        table[COLUMN_NEXT_VALUE * params.rows + u32(row)] = out[b * (NUM_ACTIONS + 1u) + NUM_ACTIONS];
        boot_rows[b] = -1;
    }
    if (b < params.num_envs) {
        envs[b * ENV_WORDS + ENV_BOOTS] = 0u;
    }
}
