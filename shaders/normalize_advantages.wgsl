// Advantage normalisation over one minibatch, in place (one workgroup of 64 threads: on a software
// adapter every barrier costs per group of 4 invocations, and 256 took 3.4x as long on SwiftShader):
//
//   mean = sum_i A_i / n
//   std  = sqrt(sum_i (A_i - mean)^2 / (n - 1))        (unbiased, like torch.std)
//   A_i <- (A_i - mean) / (std + 1e-8)
//
//   minibatch [5, rows]: column 3 holds the advantages (gather_minibatch.wgsl)
//
// Both sums are tree reductions in workgroup memory; the variance is taken
// around the mean (two passes), not as E[A^2] - mean^2, to keep f32 precision.

struct Normalize { rows: u32 }

@group(0) @binding(0) var<uniform> u: Normalize;
@group(0) @binding(1) var<storage, read_write> minibatch: array<f32>;

const THREADS: u32 = 64u;
const ADVANTAGE: u32 = 3u;
var<workgroup> partial: array<f32, 64>;

fn workgroup_sum(t: u32, value: f32) -> f32 {
    partial[t] = value;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) t: u32) {
    let n = u.rows;
    let base = ADVANTAGE * n;
    var acc = 0.0;
    for (var i = t; i < n; i += THREADS) {
        acc += minibatch[base + i];
    }
    let mean = workgroup_sum(t, acc) / f32(n);
    acc = 0.0;
    for (var i = t; i < n; i += THREADS) {
        let d = minibatch[base + i] - mean;
        acc += d * d;
    }
    let std_dev = sqrt(workgroup_sum(t, acc) / f32(n - 1u));
    for (var i = t; i < n; i += THREADS) {
        minibatch[base + i] = (minibatch[base + i] - mean) / (std_dev + 1e-8);
    }
}
