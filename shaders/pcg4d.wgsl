// Jarzynski & Olano (2020), "Hash Functions for GPU Rendering": a 4D -> 4D hash, the counter-based
// RNG of the soccer sim and the learner's kernels (prepended to the kernels that draw; twin:
// rl/reference.py pcg4d).
fn pcg4d(input: vec4<u32>) -> vec4<u32> {
    var v = input * 1664525u + 1013904223u;
    v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
    v ^= v >> vec4<u32>(16u);
    v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
    return v;
}
