// Self-test kernel: y[i] = x[i] * x[i] + 0.5 * x[i] + i.
// Run by gpu/selftest.py in CPython (wgpu-py), on the page's main thread and
// in a worker; the inputs are small multiples of 1/4, so every result is exact
// in float32 and all three hosts must agree bit for bit.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= arrayLength(&x)) {
        return;
    }
    y[i] = x[i] * x[i] + 0.5 * x[i] + f32(i);
}
