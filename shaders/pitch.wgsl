// The empty pitch: one full-screen triangle, grass in mowed stripes.
// Drawn on the page before the match starts, proving the render path
// (device -> canvas context -> render pipeline -> frame) end to end.

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    // Vertices (-1,-1), (3,-1), (-1,3) cover the whole clip square.
    let corner = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    var out: VertexOut;
    out.position = vec4<f32>(corner * 2.0 - 1.0, 0.0, 1.0);
    out.uv = corner;
    return out;
}

const GRASS_LIGHT = vec3<f32>(0.20, 0.55, 0.24);
const GRASS_DARK = vec3<f32>(0.17, 0.49, 0.21);
const STRIPES = 12.0;

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let stripe = floor(in.uv.x * STRIPES) % 2.0;
    return vec4<f32>(mix(GRASS_LIGHT, GRASS_DARK, stripe), 1.0);
}
