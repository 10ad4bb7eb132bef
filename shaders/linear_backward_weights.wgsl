// Linear layer backward, parameter gradients, as a register-tiled, split-K matrix multiply:
//
//   dW[o, i] = sum_r dY[r, o] X[r, i]     dW = dY^T X   [n_out, n_in]
//   db[o]    = sum_r dY[r, o]                            [n_out]
//
//   dY [rows, n_out]  gradient of the layer output (pre-activation): columns
//                     [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer
//   X  [rows, n_in]   layer input
//   partials [splits, num_params]: split s writes the sum over its rows
//                     [s * chunk, (s + 1) * chunk) to partials[s * num_params + weight_offset ..]
//                     (dW, row-major) and [.. + bias_offset ..] (db); gradient_sum.wgsl adds the splits
//
// db is column n_in of dY^T [X | 1], so one multiply over [n_out, n_in + 1]
// writes both. Each invocation computes a 4 x 4 block of that result in four
// vec4 accumulators (no workgroup memory, no barriers): per row r it loads 4
// values of dY and 4 of [X | 1] and does 16 multiply-adds. A workgroup of 64
// covers a 32 x 32 tile (outputs x inputs) of one split (workgroup_id.z):
// adjacent invocations take adjacent blocks along the longer side (outputs when
// lanes_along_outputs = 1, else inputs), so on a software adapter whole SIMD
// groups past the shorter edge return at once; blocks that straddle the edge are
// clamped and not stored. Splitting the
// sum over rows spreads a large minibatch over many workgroups.
// When rows of dY and X start on 4-float boundaries (out_stride, out_col, n_out,
// n_in multiples of 4: the hidden layers of the usual widths) the same buffers
// are also read as vec4 arrays (dy4, x4): 2 vec4 loads per row and block
// instead of 8 scalar ones. Partials are overwritten, never accumulated across calls.

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
    chunk: u32, num_params: u32, lanes_along_outputs: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;

fn store_row(base: u32, o: u32, i0: u32, acc: vec4<f32>) {
    if (o >= layer.n_out) {
        return;
    }
    for (var b = 0u; b < 4u; b++) {
        let i = i0 + b;
        if (i < layer.n_in) {
            partials[base + layer.weight_offset + o * layer.n_in + i] = acc[b];
        } else if (i == layer.n_in) {
            partials[base + layer.bias_offset + o] = acc[b];
        }
    }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let along = l % 8u;
    let across = l / 8u;
    let outputs_fast = layer.lanes_along_outputs == 1u;
    let o0 = group.y * 32u + 4u * select(across, along, outputs_fast);
    let i0 = group.x * 32u + 4u * select(along, across, outputs_fast);
    if (o0 >= layer.n_out || i0 > layer.n_in) {
        return;
    }
    let last_o = layer.n_out - 1u;
    let last_i = layer.n_in - 1u;
    let d0 = layer.out_col + min(o0, last_o);
    let d1 = layer.out_col + min(o0 + 1u, last_o);
    let d2 = layer.out_col + min(o0 + 2u, last_o);
    let d3 = layer.out_col + min(o0 + 3u, last_o);
    let c0 = min(i0, last_i);
    let c1 = min(i0 + 1u, last_i);
    let c2 = min(i0 + 2u, last_i);
    let c3 = min(i0 + 3u, last_i);
    let is_bias = vec4<bool>(i0 == layer.n_in, i0 + 1u == layer.n_in, i0 + 2u == layer.n_in, i0 + 3u == layer.n_in);
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    let end = min(layer.rows, (group.z + 1u) * layer.chunk);
    let aligned = vec4<u32>(layer.out_stride, layer.out_col, layer.n_out, layer.n_in) % vec4<u32>(4u);
    if (all(aligned == vec4<u32>(0u))) {
        let x_block = min(i0, layer.n_in - 4u) / 4u;  // the bias block (i0 = n_in) loads any block, then selects
        for (var r = group.z * layer.chunk; r < end; r++) {
            let xv = select(x4[r * (layer.n_in / 4u) + x_block], vec4<f32>(1.0), is_bias);
            let d = dy4[(r * layer.out_stride + d0) / 4u];
            acc0 += d.x * xv;
            acc1 += d.y * xv;
            acc2 += d.z * xv;
            acc3 += d.w * xv;
        }
    } else {
        for (var r = group.z * layer.chunk; r < end; r++) {
            let xr = r * layer.n_in;
            let xv = select(vec4<f32>(x[xr + c0], x[xr + c1], x[xr + c2], x[xr + c3]), vec4<f32>(1.0), is_bias);
            let dr = r * layer.out_stride;
            acc0 += dy[dr + d0] * xv;
            acc1 += dy[dr + d1] * xv;
            acc2 += dy[dr + d2] * xv;
            acc3 += dy[dr + d3] * xv;
        }
    }
    let base = group.z * layer.num_params;
    store_row(base, o0, i0, acc0);
    store_row(base, o0 + 1u, i0, acc1);
    store_row(base, o0 + 2u, i0, acc2);
    store_row(base, o0 + 3u, i0, acc3);
}
