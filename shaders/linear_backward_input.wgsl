// Linear layer backward to its input, fused with the previous activation's backward:
//
//   dX[r, i]  = sum_o dY[r, o] W[o, i]          dX = dY W      [rows, n_in]
//   dZ[r, i]  = dX[r, i] act'(H[r, i])
//
//   dY [rows, n_out]  gradient of this layer's output (pre-activation): columns
//                     [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer
//   W  [n_out, n_in]  params[weight_offset ..], row-major
//   H  [rows, n_in]   this layer's input = the previous layer's activation output
//   dZ [rows, n_in]   gradient of the previous layer's pre-activation
//   act' from the output h: tanh 1 - h^2 (activation 1), relu [h > 0] (2), identity 1 (0)
//
// A workgroup of 8x8 threads computes one 32x32 tile of dZ (each thread a 4x4
// block), summing over n_out in 32-wide slabs of dY and W staged in workgroup
// memory.

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read> h: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;

const TILE: u32 = 32u;
var<workgroup> dy_slab: array<array<f32, 32>, 32>;  // [o][tile r]
var<workgroup> w_slab: array<array<f32, 32>, 32>;   // [o][tile i]

fn activation_slope(hv: f32) -> f32 {
    if (layer.activation == 1u) {
        return 1.0 - hv * hv;
    }
    if (layer.activation == 2u) {
        return select(0.0, 1.0, hv > 0.0);
    }
    return 1.0;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let r0 = group.y * TILE;
    let i0 = group.x * TILE;
    var acc: array<vec4<f32>, 4>;  // acc[a][b] = dX[r0 + 4 local.y + a, i0 + 4 local.x + b]
    for (var o0 = 0u; o0 < layer.n_out; o0 += TILE) {
        for (var e = t; e < TILE * TILE; e += 64u) {
            let across = e / TILE;  // tile r (of dY) or o (of W)
            let along = e % TILE;   // o (of dY) or tile i (of W), contiguous in memory
            var dyv = 0.0;
            if (r0 + across < layer.rows && o0 + along < layer.n_out) {
                dyv = dy[(r0 + across) * layer.out_stride + layer.out_col + o0 + along];
            }
            var wv = 0.0;
            if (o0 + across < layer.n_out && i0 + along < layer.n_in) {
                wv = params[layer.weight_offset + (o0 + across) * layer.n_in + i0 + along];
            }
            dy_slab[along][across] = dyv;
            w_slab[across][along] = wv;
        }
        workgroupBarrier();
        for (var j = 0u; j < TILE; j++) {
            let c = 4u * local.x;
            let w4 = vec4<f32>(w_slab[j][c], w_slab[j][c + 1u], w_slab[j][c + 2u], w_slab[j][c + 3u]);
            for (var a = 0u; a < 4u; a++) {
                acc[a] += dy_slab[j][4u * local.y + a] * w4;
            }
        }
        workgroupBarrier();
    }
    for (var a = 0u; a < 4u; a++) {
        let r = r0 + 4u * local.y + a;
        for (var b = 0u; b < 4u; b++) {
            let i = i0 + 4u * local.x + b;
            if (r < layer.rows && i < layer.n_in) {
                let index = r * layer.n_in + i;
                dz[index] = acc[a][b] * activation_slope(h[index]);
            }
        }
    }
}
