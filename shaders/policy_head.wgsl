// The fused head's policy half: split, log-softmax, log-prob and entropy, one thread per row.
//
//   logits[r, :] = out[r, :A]           (out[r, A] is the value, read by ppo_loss)
//   logp[r, a]   = l_a - m - log sum_j exp(l_j - m),   m = max_j l_j
//   entropy[r]   = -sum_a exp(logp[r, a]) logp[r, a]
//   logprob[r]   = logp[r, action_r]
//
//   out       [rows, A + 1]  row-major
//   minibatch [5, rows]      column 0 holds the actions (as f32)
//   head      [A + 2, rows]: logp [rows, A] row-major, then entropy [rows], then logprob [rows]

struct Head { rows: u32, num_actions: u32 }

@group(0) @binding(0) var<uniform> u: Head;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> minibatch: array<f32>;
@group(0) @binding(3) var<storage, read_write> head: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let r = id.x;
    if (r >= u.rows) {
        return;
    }
    let A = u.num_actions;
    let row = r * (A + 1u);
    let shift = log_softmax_shift(row, A);  // shaders/log_softmax_row.wgsl
    let m = shift.x;
    let log_total = shift.y;
    var entropy = 0.0;
    for (var a = 0u; a < A; a++) {
        let logp = out[row + a] - m - log_total;
        head[r * A + a] = logp;
        entropy -= exp(logp) * logp;
    }
    let action = u32(minibatch[r]);
    head[u.rows * A + r] = entropy;
    head[u.rows * (A + 1u) + r] = out[row + action] - m - log_total;
}
