// The gradient from its split-K partials, and the first stage of its squared norm:
//
//   grads[p]   = sum_{s < splits} partials[s * num_params + p]     (linear_backward_weights.wgsl)
//   squares[t] = sum_{p = t mod threads} grads[p]^2                 for t < threads
//
//   partials [splits, num_params]
//   grads    [num_params]
//   squares  [threads]   summed by grad_norm.wgsl
//
// Thread t handles parameters t, t + threads, t + 2 threads, ... (adjacent
// threads read adjacent parameters); no workgroup memory, no barriers.

struct GradientSum { num_params: u32, splits: u32, threads: u32 }

@group(0) @binding(0) var<uniform> u: GradientSum;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> squares: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let t = id.x;
    if (t >= u.threads) {
        return;
    }
    var acc = 0.0;
    for (var p = t; p < u.num_params; p += u.threads) {
        var g = 0.0;
        for (var s = 0u; s < u.splits; s++) {
            g += partials[s * u.num_params + p];
        }
        grads[p] = g;
        acc += g * g;
    }
    squares[t] = acc;
}
