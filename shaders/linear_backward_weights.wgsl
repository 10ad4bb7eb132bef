// Linear layer backward, parameter gradients, as a tiled matrix multiply:
//
//   dW[o, i] = sum_r dY[r, o] X[r, i]     dW = dY^T X   [n_out, n_in]
//   db[o]    = sum_r dY[r, o]                            [n_out]
//
//   dY [rows, n_out]  gradient of the layer output (pre-activation): columns
//                     [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer
//   X  [rows, n_in]   layer input
//   dW -> grads[weight_offset ..] row-major, db -> grads[bias_offset ..]
//
// db is column n_in of dY^T [X | 1], so one multiply over [n_out, n_in + 1]
// writes both. A workgroup of 8x8 threads computes one 32x32 tile of that
// result (each thread a 4x4 block), summing over the minibatch rows in 32-row
// slabs of dY and [X | 1] staged in workgroup memory. Gradients are
// overwritten, never accumulated across calls.

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;

const TILE: u32 = 32u;
var<workgroup> dy_slab: array<array<f32, 32>, 32>;  // [r][tile o]
var<workgroup> x_slab: array<array<f32, 32>, 32>;   // [r][tile i]

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
    let o0 = group.y * TILE;
    let i0 = group.x * TILE;
    var acc: array<vec4<f32>, 4>;  // acc[a][b] = dW_ext[o0 + 4 local.y + a, i0 + 4 local.x + b]
    for (var r0 = 0u; r0 < layer.rows; r0 += TILE) {
        for (var e = t; e < TILE * TILE; e += 64u) {
            let r = r0 + e / TILE;
            let column = e % TILE;  // tile o (of dY) or tile i (of X)
            var dyv = 0.0;
            var xv = 0.0;
            if (r < layer.rows) {
                if (o0 + column < layer.n_out) {
                    dyv = dy[r * layer.out_stride + layer.out_col + o0 + column];
                }
                if (i0 + column < layer.n_in) {
                    xv = x[r * layer.n_in + i0 + column];
                } else if (i0 + column == layer.n_in) {
                    xv = 1.0;  // the bias column
                }
            }
            dy_slab[e / TILE][column] = dyv;
            x_slab[e / TILE][column] = xv;
        }
        workgroupBarrier();
        for (var j = 0u; j < TILE; j++) {
            let c = 4u * local.x;
            let x4 = vec4<f32>(x_slab[j][c], x_slab[j][c + 1u], x_slab[j][c + 2u], x_slab[j][c + 3u]);
            for (var a = 0u; a < 4u; a++) {
                acc[a] += dy_slab[j][4u * local.y + a] * x4;
            }
        }
        workgroupBarrier();
    }
    for (var a = 0u; a < 4u; a++) {
        let o = o0 + 4u * local.y + a;
        for (var b = 0u; b < 4u; b++) {
            let i = i0 + 4u * local.x + b;
            if (o < layer.n_out) {
                if (i < layer.n_in) {
                    grads[layer.weight_offset + o * layer.n_in + i] = acc[a][b];
                } else if (i == layer.n_in) {
                    grads[layer.bias_offset + o] = acc[a][b];
                }
            }
        }
    }
}
