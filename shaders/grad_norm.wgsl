// Global gradient norm, clip factor, the update's finiteness flag and Adam's step count
// (one workgroup of 64 threads):
//
//   norm   = sqrt(sum_t squares[t])                     (squares: gradient_sum.wgsl's partial sums of g^2)
//   scale  = min(1, max_grad_norm / (norm + 1e-6))      (torch.nn.utils.clip_grad_norm_)
//   finite = norm and every loss sum are finite         (a NaN/inf anywhere in g makes norm non-finite)
//   clock[0] += finite                                  (Adam steps taken in this submission)
//
//   squares [count]
//   stats   [.., 9] at stats_offset: 0..5 loss sums (reduce_sum.wgsl: policy, value, entropy,
//           approx_kl, old_approx_kl, clipped), 6 norm, 7 scale, 8 finite (0/1)
//   clock   [1 + 2 M] (adam.wgsl)
//
// adam.wgsl reads scale, finite and the step count from here, so a non-finite
// minibatch changes nothing without waiting for a readback. WGSL may assume floats
// are finite, so the test is on the exponent bits, which no compiler can fold away.

struct GradNorm { count: u32, num_loss_sums: u32, max_grad_norm: f32, stats_offset: u32 }

@group(0) @binding(0) var<uniform> u: GradNorm;
@group(0) @binding(1) var<storage, read> squares: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> clock: array<f32>;

const THREADS: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn is_finite(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) t: u32) {
    var acc = 0.0;
    for (var p = t; p < u.count; p += THREADS) {
        acc += squares[p];
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
        let s = u.stats_offset;
        for (var k = 0u; k < u.num_loss_sums; k++) {
            finite = finite && is_finite(stats[s + k]);
        }
        stats[s + 6u] = norm;
        stats[s + 7u] = min(1.0, u.max_grad_norm / (norm + 1e-6));
        stats[s + 8u] = select(0.0, 1.0, finite);
        if (finite) {
            clock[0] += 1.0;
        }
    }
}
