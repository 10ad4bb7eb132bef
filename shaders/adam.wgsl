// One Adam step on the clipped gradient (torch.optim.Adam with CleanRL's eps = 1e-5):
//
//   g  = scale * grad                       (global-norm clip factor, grad_norm.wgsl)
//   m' = b1 m + (1 - b1) g                  v' = b2 v + (1 - b2) g^2
//   p' = p - step_size * m' / (sqrt(v') / bias2_sqrt + eps)
//        step_size = lr / (1 - b1^t),  bias2_sqrt = sqrt(1 - b2^t)
//
//   grads, params, m, v [num_params]
//   stats [.., 9] at stats_offset: 7 scale, 8 finite (0/1)  (grad_norm.wgsl)
//   clock [1 + 2 M]: clock[0] = k, the finite steps so far in this submission, this one included
//         (grad_norm.wgsl counts them); clock[2k - 1], clock[2k] = step_size, bias2_sqrt of the k-th
//
// The host fills the table for t = t0 + 1 .. t0 + M in float64, like torch: in
// f32, 1 - 0.999^t loses ~5e-5 relative precision to cancellation. Counting on
// the GPU lets a whole update's minibatches run in one submission even when
// one of them is skipped. When finite is 0 nothing is written: params, m and v
// keep their values. Four consecutive parameters per thread: the scale, finite flag
// and clock values are loaded once for four (on a software adapter every load is a
// gather, whether or not all lanes read the same address).

struct Adam { num_params: u32, stats_offset: u32, beta1: f32, beta2: f32, eps: f32 }

@group(0) @binding(0) var<uniform> u: Adam;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> clock: array<f32>;
@group(0) @binding(4) var<storage, read_write> params: array<f32>;
@group(0) @binding(5) var<storage, read_write> m: array<f32>;
@group(0) @binding(6) var<storage, read_write> v: array<f32>;

const PARAMS_PER_THREAD: u32 = 4u;  // kernels.adam's grid

fn adam_step(p: u32, scale: f32, step_size: f32, bias2_sqrt: f32) {
    if (p >= u.num_params) {
        return;
    }
    let g = scale * grads[p];
    let m_new = u.beta1 * m[p] + (1.0 - u.beta1) * g;
    let v_new = u.beta2 * v[p] + (1.0 - u.beta2) * g * g;
    params[p] -= step_size * m_new / (sqrt(v_new) / bias2_sqrt + u.eps);
    m[p] = m_new;
    v[p] = v_new;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let p = PARAMS_PER_THREAD * id.x;
    if (p >= u.num_params || stats[u.stats_offset + 8u] != 1.0) {
        return;
    }
    let k = u32(clock[0]);
    let step_size = clock[2u * k - 1u];
    let bias2_sqrt = clock[2u * k];
    let scale = stats[u.stats_offset + 7u];
    adam_step(p, scale, step_size, bias2_sqrt);
    adam_step(p + 1u, scale, step_size, bias2_sqrt);
    adam_step(p + 2u, scale, step_size, bias2_sqrt);
    adam_step(p + 3u, scale, step_size, bias2_sqrt);
}
