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
// Register-tiled like linear_forward.wgsl: each invocation computes a 4 x 4
// block of dZ in four vec4 accumulators; per o it loads 4 values of dY and 4
// contiguous values of W's row o, then does 16 multiply-adds. No workgroup
// memory, no barriers. A workgroup of 64 covers a 32 x 32 tile (rows x inputs):
// row block l % 8, input block l / 8; blocks wholly past the edge return at
// once, straddling ones are clamped and not stored. When rows of dY and W start
// on 4-float boundaries (out_stride, out_col, n_out, n_in, weight_offset
// multiples of 4: the hidden layers of the usual widths) the same buffers are
// also read as vec4 arrays (dy4, params4), 8 vec4 loads per 64 multiply-adds.

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> h: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;

fn combine(d: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
    return d.x * w0 + d.y * w1 + d.z * w2 + d.w * w3;
}

fn activation_slope(hv: f32) -> f32 {
    if (layer.activation == 1u) {
        return 1.0 - hv * hv;
    }
    if (layer.activation == 2u) {
        return select(0.0, 1.0, hv > 0.0);
    }
    return 1.0;
}

fn store_row(r: u32, i0: u32, acc: vec4<f32>) {
    if (r >= layer.rows) {
        return;
    }
    for (var b = 0u; b < 4u; b++) {
        let i = i0 + b;
        if (i < layer.n_in) {
            let index = r * layer.n_in + i;
            dz[index] = acc[b] * activation_slope(h[index]);
        }
    }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let r0 = group.y * 32u + 4u * (l % 8u);
    let i0 = group.x * 32u + 4u * (l / 8u);
    if (r0 >= layer.rows || i0 >= layer.n_in) {
        return;
    }
    let last_row = layer.rows - 1u;
    let last_i = layer.n_in - 1u;
    let stride = layer.out_stride;
    let d0 = min(r0, last_row) * stride + layer.out_col;
    let d1 = min(r0 + 1u, last_row) * stride + layer.out_col;
    let d2 = min(r0 + 2u, last_row) * stride + layer.out_col;
    let d3 = min(r0 + 3u, last_row) * stride + layer.out_col;
    let c0 = layer.weight_offset + min(i0, last_i);
    let c1 = layer.weight_offset + min(i0 + 1u, last_i);
    let c2 = layer.weight_offset + min(i0 + 2u, last_i);
    let c3 = layer.weight_offset + min(i0 + 3u, last_i);
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    let aligned = vec4<u32>(stride, layer.out_col, layer.n_out, layer.n_in) % vec4<u32>(4u);
    if (all(aligned == vec4<u32>(0u)) && layer.weight_offset % 4u == 0u) {
        let n4 = layer.n_in / 4u;
        for (var o = 0u; o < layer.n_out / 4u; o++) {
            let w = c0 / 4u + 4u * o * n4;  // W[4o, i0 .. i0 + 3] as vec4 index
            let wa = params4[w];
            let wb = params4[w + n4];
            let wc = params4[w + 2u * n4];
            let wd = params4[w + 3u * n4];
            acc0 += combine(dy4[d0 / 4u + o], wa, wb, wc, wd);
            acc1 += combine(dy4[d1 / 4u + o], wa, wb, wc, wd);
            acc2 += combine(dy4[d2 / 4u + o], wa, wb, wc, wd);
            acc3 += combine(dy4[d3 / 4u + o], wa, wb, wc, wd);
        }
    } else {
        for (var o = 0u; o < layer.n_out; o++) {
            let row = o * layer.n_in;
            let w = vec4<f32>(params[c0 + row], params[c1 + row], params[c2 + row], params[c3 + row]);
            acc0 += dy[d0 + o] * w;
            acc1 += dy[d1 + o] * w;
            acc2 += dy[d2 + o] * w;
            acc3 += dy[d3 + o] * w;
        }
    }
    store_row(r0, i0, acc0);
    store_row(r0 + 1u, i0, acc1);
    store_row(r0 + 2u, i0, acc2);
    store_row(r0 + 3u, i0, acc3);
}
