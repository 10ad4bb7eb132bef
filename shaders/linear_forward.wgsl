// Linear layer forward with activation, as a tiled matrix multiply:
//
//   Y = act(X W^T + b)          Y[r, c] = act(sum_k X[r, k] W[c, k] + b[c])
//
//   X [rows, n_in]    layer input, row-major
//   W [n_out, n_in]   params[weight_offset ..], row-major (PyTorch nn.Linear)
//   b [n_out]         params[bias_offset ..]
//   Y [rows, n_out]   layer output; act: 0 identity, 1 tanh, 2 relu. Y is columns
//                     [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer
//                     (an actor's logits and a critic's value share out [rows, A + 1])
//
// A workgroup of 8x8 threads computes one 32x32 tile of Y, each thread a 4x4
// block of it. The sum over k walks 32-wide slabs: the workgroup stages
// X[tile rows, slab] and W[tile cols, slab] in workgroup memory (coalesced
// loads, zero-padded at the edges), then every thread multiplies from there.
// Each staged value is reused 32 times, each loaded pair 16 times per thread.

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const TILE: u32 = 32u;
var<workgroup> x_slab: array<array<f32, 32>, 32>;  // [k][tile row]
var<workgroup> w_slab: array<array<f32, 32>, 32>;  // [k][tile col]

fn activate(z: f32) -> f32 {
    if (layer.activation == 1u) {
        return tanh(clamp(z, -20.0, 20.0));  // tanh is exactly +-1 in f32 past |z| = 9; the clamp avoids exp overflow
    }
    if (layer.activation == 2u) {
        return max(z, 0.0);
    }
    return z;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let row0 = group.y * TILE;
    let col0 = group.x * TILE;
    var acc: array<vec4<f32>, 4>;  // acc[i][j] = Y[row0 + 4 local.y + i, col0 + 4 local.x + j] - b
    for (var k0 = 0u; k0 < layer.n_in; k0 += TILE) {
        for (var e = t; e < TILE * TILE; e += 64u) {
            let r = e / TILE;  // tile row (of X) or tile col (of W)
            let k = k0 + e % TILE;
            var xv = 0.0;
            if (row0 + r < layer.rows && k < layer.n_in) {
                xv = x[(row0 + r) * layer.n_in + k];
            }
            var wv = 0.0;
            if (col0 + r < layer.n_out && k < layer.n_in) {
                wv = params[layer.weight_offset + (col0 + r) * layer.n_in + k];
            }
            x_slab[e % TILE][r] = xv;
            w_slab[e % TILE][r] = wv;
        }
        workgroupBarrier();
        for (var j = 0u; j < TILE; j++) {
            let c = 4u * local.x;
            let w4 = vec4<f32>(w_slab[j][c], w_slab[j][c + 1u], w_slab[j][c + 2u], w_slab[j][c + 3u]);
            for (var i = 0u; i < 4u; i++) {
                acc[i] += x_slab[j][4u * local.y + i] * w4;
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = row0 + 4u * local.y + i;
        for (var j = 0u; j < 4u; j++) {
            let col = col0 + 4u * local.x + j;
            if (row < layer.rows && col < layer.n_out) {
                y[row * layer.out_stride + layer.out_col + col] = activate(acc[i][j] + params[layer.bias_offset + col]);
            }
        }
    }
}
