// Sample one action per row from softmax(logits) with Gumbel-max on a counter-based hash, one thread
// per row (twin: rl/reference.py sample_actions_gumbel):
//
//   bits_{r,a} = pcg4d(seed, step, id_r, stream * 65536 + a).x
//   u_{r,a}    = ((bits_{r,a} >> 8) + 0.5) / 2^24                      in (0, 1), exact in f32
//   a_r        = argmax_a l_{r,a} - log(-log u_{r,a})                 P(a_r = a) = softmax(l_r)_a
//   logp_r     = l_{r,a_r} - m_r - log sum_j exp(l_{r,j} - m_r),     m_r = max_j l_{r,j}
//   value_r    = out[r, A]
//
//   out    [rows, A + 1]  the fused head's output (A logits, then the value), row-major
//   clock  [2] u32        [t, step]: this decision's row block in the rollout, and the draw's step
//   ids    [rows] u32     each row's identity in the hash (its env), so a draw does not depend on
//                         where the row sits in a batch
//   table  [3, column_rows] column-major (rl/wgsl/kernels.py ROLLOUT_COLUMNS' first three):
//                         action (as f32), logprob, value; row r goes to offset + t * t_stride + r

struct Sample {
    rows: u32, num_actions: u32, seed: u32, stream: u32,
    column_rows: u32, offset: u32, t_stride: u32,
}

@group(0) @binding(0) var<uniform> u: Sample;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> clock: array<u32>;
@group(0) @binding(3) var<storage, read> ids: array<u32>;
@group(0) @binding(4) var<storage, read_write> table: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let r = id.x;
    if (r >= u.rows) {
        return;
    }
    let A = u.num_actions;
    let row = r * (A + 1u);
    var best = 0u;
    var best_score = -3.4e38;
    for (var a = 0u; a < A; a++) {
        let l = out[row + a];
        let bits = pcg4d(vec4<u32>(u.seed, clock[1], ids[r], u.stream * 65536u + a)).x;
        let uniform = (f32(bits >> 8u) + 0.5) * (1.0 / 16777216.0);
        let score = l - log(-log(uniform));
        if (score > best_score) {
            best_score = score;
            best = a;
        }
    }
    let shift = log_softmax_shift(row, A);  // shaders/log_softmax_row.wgsl
    let i = u.offset + clock[0] * u.t_stride + r;
    table[i] = f32(best);
    table[u.column_rows + i] = out[row + best] - shift.x - shift.y;
    table[2u * u.column_rows + i] = out[row + A];
}
