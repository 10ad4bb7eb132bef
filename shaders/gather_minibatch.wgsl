// Gather one minibatch of rollout rows:
//
//   x[i, :]           = obs[index[start + i], :]             for i < rows
//   minibatch[c, i]   = rollout[c, index[start + i]]         for the first 5 columns c
//
//   index     [..] i32               rollout rows of every minibatch of an update; this one's from start
//   obs       [N, obs_size]          row-major, N = rollout_rows
//   rollout   [9, N] column-major:   0 action (as f32), 1 logprob, 2 value, 3 advantage,
//                                    4 return, 5 reward, 6 next_value, 7 done, 8 valid
//   x         [rows, obs_size]
//   minibatch [5, rows]:             0 action, 1 old logprob, 2 old value, 3 advantage, 4 return
//
// One thread per minibatch row.

struct Gather { rows: u32, rollout_rows: u32, obs_size: u32, start: u32 }

@group(0) @binding(0) var<uniform> u: Gather;
@group(0) @binding(1) var<storage, read> index: array<i32>;
@group(0) @binding(2) var<storage, read> obs: array<f32>;
@group(0) @binding(3) var<storage, read> rollout: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> minibatch: array<f32>;

const MINIBATCH_COLUMNS: u32 = 5u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= u.rows) {
        return;
    }
    let source = u32(index[u.start + i]);
    for (var d = 0u; d < u.obs_size; d++) {
        x[i * u.obs_size + d] = obs[source * u.obs_size + d];
    }
    for (var c = 0u; c < MINIBATCH_COLUMNS; c++) {
        minibatch[c * u.rows + i] = rollout[c * u.rollout_rows + source];
    }
}
