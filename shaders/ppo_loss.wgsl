// CleanRL's PPO loss per minibatch row, and its gradient w.r.t. the fused head output, with the
// policy head (log-softmax, entropy, log-prob of the taken action) fused in:
//
//   logp[i, a] = l_a - m - log sum_j exp(l_j - m),  m = max_j l_j   (shaders/log_softmax_row.wgsl)
//   H_i        = -sum_a exp(logp[i, a]) logp[i, a],   logp_i = logp[i, a_i]
//   r_i  = exp(logratio_i),  logratio_i = logp_i - old_logp_i
//   pg_i = max(-A_i r_i, -A_i clip(r_i, 1-c, 1+c))
//   v_i  = 0.5 (v_i - R_i)^2                                   (clip_vloss = 0)
//   v_i  = 0.5 max((v_i - R_i)^2, (vc_i - R_i)^2),
//          vc_i = old_v_i + clip(v_i - old_v_i, -c, c)          (clip_vloss = 1)
//   loss = mean_i pg_i - ent_coef mean_i H_i + vf_coef mean_i v_i
//
// Gradient (n = rows, p = softmax(logits), the means' 1/n included):
//   g_i           = -A_i / n * r_i   if the unclipped term wins or r_i is inside [1-c, 1+c], else 0
//   dlogits[i, a] = g_i ([a = a_i] - p_a) + ent_coef / n * p_a (logp_a + H_i)
//   dvalue[i]     = vf_coef / n * (v_i - R_i)                             (unclipped wins)
//                 = vf_coef / n * (vc_i - R_i) [|v_i - old_v_i| <= c]     (clipped wins)
//
//   out       [rows, A + 1]  logits then value, row-major (the forward pass)
//   minibatch [5, rows]      action, old logprob, old value, advantage, return
//   dout      [rows, A + 1]  [dlogits | dvalue]
//   terms     [6, rows]      pg_i, v_i, H_i, (r_i - 1) - logratio_i, -logratio_i, [|r_i - 1| > c]
//                            (summed by reduce_sum.wgsl into the minibatch stats)
// One thread per row.

struct Loss {
    rows: u32, num_actions: u32, clip_vloss: u32,
    clip_coef: f32, ent_coef: f32, vf_coef: f32,
}

@group(0) @binding(0) var<uniform> u: Loss;
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> minibatch: array<f32>;
@group(0) @binding(3) var<storage, read_write> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    let n = u.rows;
    if (i >= n) {
        return;
    }
    let A = u.num_actions;
    let c = u.clip_coef;
    let action = u32(minibatch[i]);
    let old_logprob = minibatch[n + i];
    let old_value = minibatch[2u * n + i];
    let advantage = minibatch[3u * n + i];
    let ret = minibatch[4u * n + i];
    let row = i * (A + 1u);
    let shift = log_softmax_shift(row, A);
    var entropy = 0.0;
    for (var a = 0u; a < A; a++) {
        let logp = out[row + a] - shift.x - shift.y;
        entropy -= exp(logp) * logp;
    }
    let value = out[row + A];

    let logratio = out[row + action] - shift.x - shift.y - old_logprob;
    let ratio = exp(logratio);
    let pg_unclipped = -advantage * ratio;
    let pg_clipped = -advantage * clamp(ratio, 1.0 - c, 1.0 + c);
    let in_range = ratio >= 1.0 - c && ratio <= 1.0 + c;
    let g = select(0.0, -advantage / f32(n), pg_unclipped >= pg_clipped || in_range) * ratio;
    let ent_scale = u.ent_coef / f32(n);
    for (var a = 0u; a < A; a++) {
        let logp = out[row + a] - shift.x - shift.y;
        let p = exp(logp);
        dout[i * (A + 1u) + a] = g * (select(0.0, 1.0, a == action) - p) + ent_scale * p * (logp + entropy);
    }

    let v_unclipped = (value - ret) * (value - ret);
    var v_term = 0.5 * v_unclipped;
    var dvalue = value - ret;
    if (u.clip_vloss == 1u) {
        let v_clipped_value = old_value + clamp(value - old_value, -c, c);
        let v_clipped = (v_clipped_value - ret) * (v_clipped_value - ret);
        v_term = 0.5 * max(v_unclipped, v_clipped);
        if (v_unclipped < v_clipped) {
            dvalue = select(0.0, v_clipped_value - ret, abs(value - old_value) <= c);
        }
    }
    dout[i * (A + 1u) + A] = u.vf_coef / f32(n) * dvalue;

    terms[i] = max(pg_unclipped, pg_clipped);
    terms[n + i] = v_term;
    terms[2u * n + i] = entropy;
    terms[3u * n + i] = (ratio - 1.0) - logratio;
    terms[4u * n + i] = -logratio;
    terms[5u * n + i] = select(0.0, 1.0, abs(ratio - 1.0) > c);
}
