// Global gradient norm, clip factor and the update's finiteness flag (one workgroup of 256 threads):
//
//   norm   = sqrt(sum_p g_p^2)                          (tree reduction in workgroup memory)
//   scale  = min(1, max_grad_norm / (norm + 1e-6))      (torch.nn.utils.clip_grad_norm_)
//   finite = norm and every loss sum are finite         (a NaN/inf anywhere in g makes norm non-finite)
//
//   grads [num_params]
//   stats [9]: 0..5 loss sums (reduce_sum.wgsl: policy, value, entropy, approx_kl,
//              old_approx_kl, clipped), 6 norm, 7 scale, 8 finite (0/1)
//
// adam.wgsl reads scale and finite from here, so a non-finite minibatch
// changes nothing without waiting for a readback. WGSL may assume floats are finite, so
// the test is on the exponent bits, which no compiler can fold away.

struct GradNorm { num_params: u32, num_loss_sums: u32, max_grad_norm: f32 }

@group(0) @binding(0) var<uniform> u: GradNorm;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;

const THREADS: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

fn is_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
    var acc = 0.0;
    for (var p = t; p < u.num_params; p += THREADS) {
        acc += grads[p] * grads[p];
    }
    partial[t] = acc;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        let norm = sqrt(partial[0]);
        var finite = is_finite(norm);
        for (var k = 0u; k < u.num_loss_sums; k++) {
            finite = finite && is_finite(stats[k]);
        }
        stats[6] = norm;
        stats[7] = min(1.0, u.max_grad_norm / (norm + 1e-6));
        stats[8] = select(0.0, 1.0, finite);
    }
}
