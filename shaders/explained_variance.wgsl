// The variances behind explained variance, over the valid rollout rows (one workgroup of 256 threads):
//
//   var_R   = mean_i (R_i - mean R)^2                 (population variances, valid rows i)
//   var_res = mean_i (res_i - mean res)^2,   res_i = R_i - v_i
//   explained variance = 1 - var_res / var_R          (NaN if var_R = 0; computed by the caller)
//
//   rollout [9, N] column-major: 2 value, 4 return, 8 valid (1.0 or 0.0)
//   out     [2]: var_R, var_res
//
// Two passes (means, then squared deviations), each a tree reduction of
// vec4 partial sums in workgroup memory.

struct Rows { rows: u32 }

@group(0) @binding(0) var<uniform> u: Rows;
@group(0) @binding(1) var<storage, read> rollout: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const THREADS: u32 = 256u;
const VALUE: u32 = 2u;
const RETURN: u32 = 4u;
const VALID: u32 = 8u;
var<workgroup> partial: array<vec4<f32>, 256>;

fn workgroup_sum(t: u32, value: vec4<f32>) -> vec4<f32> {
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

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
    let n = u.rows;
    var acc = vec4<f32>(0.0);
    for (var i = t; i < n; i += THREADS) {
        let valid = rollout[VALID * n + i];
        let ret = rollout[RETURN * n + i];
        acc += valid * vec4<f32>(1.0, ret, ret - rollout[VALUE * n + i], 0.0);
    }
    let sums = workgroup_sum(t, acc);
    let mean_return = sums.y / sums.x;
    let mean_residual = sums.z / sums.x;
    acc = vec4<f32>(0.0);
    for (var i = t; i < n; i += THREADS) {
        let valid = rollout[VALID * n + i];
        let ret = rollout[RETURN * n + i];
        let d_return = ret - mean_return;
        let d_residual = ret - rollout[VALUE * n + i] - mean_residual;
        acc += valid * vec4<f32>(d_return * d_return, d_residual * d_residual, 0.0, 0.0);
    }
    let squares = workgroup_sum(t, acc);
    if (t == 0u) {
        out[0] = squares.x / sums.x;
        out[1] = squares.y / sums.x;
    }
}
