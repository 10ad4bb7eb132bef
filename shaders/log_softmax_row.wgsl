// A row of logits' log-softmax shift, shared by the kernels that read out = [logits | value]
// (prepended to policy_head.wgsl and sample_actions.wgsl, which declare `out`):
//
//   m = max_j l_j,   s = log sum_j exp(l_j - m),   log softmax(l)_a = l_a - m - s
//
// for the A logits at out[row .. row + A). Returns (m, s).
fn log_softmax_shift(row: u32, A: u32) -> vec2<f32> {
    var m = out[row];
    for (var a = 1u; a < A; a++) {
        m = max(m, out[row + a]);
    }
    var total = 0.0;
    for (var a = 0u; a < A; a++) {
        total += exp(out[row + a] - m);
    }
    return vec2<f32>(m, log(total));
}
