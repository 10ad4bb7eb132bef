// Column sums by a tree reduction in workgroup memory (one workgroup of 256 threads):
//
//   sums[c] = sum_r values[c * rows + r]        for c < columns
//
//   values [columns, rows]  (e.g. ppo_loss.wgsl's per-row terms)
//   sums   [columns]        (the first slots of the minibatch stats buffer)
//
// Each thread first adds a strided share of the rows, then the 256 partial
// sums are halved log2(256) = 8 times.

struct Reduce { rows: u32, columns: u32 }

@group(0) @binding(0) var<uniform> u: Reduce;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

const THREADS: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
    for (var c = 0u; c < u.columns; c++) {
        var acc = 0.0;
        for (var r = t; r < u.rows; r += THREADS) {
            acc += values[c * u.rows + r];
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
            sums[c] = partial[0];
        }
        workgroupBarrier();
    }
}
