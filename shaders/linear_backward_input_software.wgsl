// linear_backward_input.wgsl for software adapters: same math, bindings and grid, a 16 x 16 block
// of dZ per invocation instead of 4 x 4 (why: linear_forward_software.wgsl).
//
//   dX[r, i] = sum_o dY[r, o] W[o, i]          dX = dY W      [rows, n_in]
//   dZ[r, i] = dX[r, i] act'(H[r, i])
//
//   dY = columns [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer, W [n_out, n_in] =
//   params[weight_offset ..], H [rows, n_in] the previous layer's activation output, dZ [rows, n_in];
//   act' from the output h: tanh 1 - h^2 (activation 1), relu [h > 0] (2), identity 1 (0)
//
// Per o an invocation loads 16 values of dY (its rows) and 16 contiguous values
// of W's row o (its inputs) for 256 multiply-adds, into sixteen mat4x4 plain
// variables a_gh (rows 4g.., inputs 4h.. of the block; a_gh[r][c] = dX[r0 + 4g + r,
// i0 + 4h + c]). A workgroup of 4 covers the 32 x 32 tile (rows x inputs) of
// linear_backward_input.wgsl: row block l % 2, input block l / 2. Rows and
// inputs past the edge are clamped, never stored. Each loop iteration takes 4
// values of o (why: linear_forward_software.wgsl): W_h * D_g, with D_g's
// columns the 4 rows' dY[r, o..o+3] and W_h's the 4 rows o.. of W at the
// block's inputs; vec4 loads where rows of dY and W start on 4-float
// boundaries (out_stride, out_col, n_out, n_in, weight_offset multiples of 4),
// else scalar loads with dY past n_out zero. Stores as linear_forward_software.wgsl.

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

// act'(h) for 4 values, without branches: SwiftShader runs the body of every `if` that is not a loop,
// taken or not, so the three activations' slopes are all computed and one selected.
fn activation_slope(hv: vec4<f32>) -> vec4<f32> {
    let tanh_slope = vec4<f32>(1.0) - hv * hv;
    let relu_slope = select(vec4<f32>(0.0), vec4<f32>(1.0), hv > vec4<f32>(0.0));
    return select(select(vec4<f32>(1.0), relu_slope, layer.activation == 2u), tanh_slope, layer.activation == 1u);
}

// Start offsets in dY of 4 consecutive rows, clamped to the last one; W's columns i0 .. i0 + 3, clamped.
fn dy_rows(r0: u32) -> vec4<u32> {
    return min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(layer.rows - 1u)) * layer.out_stride
        + layer.out_col;
}

fn w_columns(i0: u32) -> vec4<u32> {
    return layer.weight_offset + min(vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(layer.n_in - 1u));
}

fn dy_at(o: vec4<u32>, k: u32) -> vec4<f32> {
    return vec4<f32>(dy[o.x + k], dy[o.y + k], dy[o.z + k], dy[o.w + k]);
}

fn w_at(c: vec4<u32>, k: u32) -> vec4<f32> {
    let row = k * layer.n_in;
    return vec4<f32>(params[c.x + row], params[c.y + row], params[c.z + row], params[c.w + row]);
}

// dY[4 rows, 4 k4 .. 4 k4 + 3] as a mat4x4, one row per column (offsets multiples of 4).
fn dy_at4(o: vec4<u32>, k4: u32) -> mat4x4<f32> {
    let o4 = o / 4u + k4;
    return mat4x4<f32>(dy4[o4.x], dy4[o4.y], dy4[o4.z], dy4[o4.w]);
}

// W[4 k4 + q, i0 .. i0 + 3] for q = 0..3 as the columns of a mat4x4 (i0 and the offset multiples of 4).
fn w_at4(i0: u32, k4: u32) -> mat4x4<f32> {
    let n4 = layer.n_in / 4u;
    let w = (layer.weight_offset + min(i0, layer.n_in - 4u)) / 4u + 4u * k4 * n4;
    return mat4x4<f32>(params4[w], params4[w + n4], params4[w + 2u * n4], params4[w + 3u * n4]);
}

// Steps o .. o + 3 as the columns of a mat4x4 (column q: the 4 rows' dY, or W at the 4 inputs, at o + q),
// from scalar loads; dY's columns past n_out are zero (W's loads clamped to its last row).
fn dy_block(d: vec4<u32>, o: u32) -> mat4x4<f32> {
    let last = layer.n_out - 1u;
    let zero = vec4<f32>(0.0);
    return mat4x4<f32>(dy_at(d, o), select(zero, dy_at(d, min(o + 1u, last)), o + 1u <= last),
                       select(zero, dy_at(d, min(o + 2u, last)), o + 2u <= last),
                       select(zero, dy_at(d, min(o + 3u, last)), o + 3u <= last));
}

fn w_block(c: vec4<u32>, o: u32) -> mat4x4<f32> {
    let last = layer.n_out - 1u;
    return mat4x4<f32>(w_at(c, o), w_at(c, min(o + 1u, last)), w_at(c, min(o + 2u, last)), w_at(c, min(o + 3u, last)));
}

// Row row of dZ at inputs i0 .. i0 + 3 (v: their sums of dX), those inside the matrix (H is loaded at all 4:
// past the row's end it is the next row's or clamped, never stored).
fn store_row(row: u32, i0: u32, v: vec4<f32>) {
    let n_in = layer.n_in;
    let o = row * n_in + i0;
    let d = v * activation_slope(vec4<f32>(h[o], h[o + 1u], h[o + 2u], h[o + 3u]));
    if (row < layer.rows) {
        if (i0 < n_in) { dz[o] = d.x; }
        if (i0 + 1u < n_in) { dz[o + 1u] = d.y; }
        if (i0 + 2u < n_in) { dz[o + 2u] = d.z; }
        if (i0 + 3u < n_in) { dz[o + 3u] = d.w; }
    }
}

fn store(r0: u32, i0: u32, a: mat4x4<f32>) {
    store_row(r0, i0, a[0]);
    store_row(r0 + 1u, i0, a[1]);
    store_row(r0 + 2u, i0, a[2]);
    store_row(r0 + 3u, i0, a[3]);
}

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let r0 = group.y * 32u + 16u * (l % 2u);
    let i0 = group.x * 32u + 16u * (l / 2u);
    if (r0 >= layer.rows || i0 >= layer.n_in) {
        return;
    }
    let d0 = dy_rows(r0);
    let d1 = dy_rows(r0 + 4u);
    let d2 = dy_rows(r0 + 8u);
    let d3 = dy_rows(r0 + 12u);
    var a00 = mat4x4<f32>(); var a01 = mat4x4<f32>(); var a02 = mat4x4<f32>(); var a03 = mat4x4<f32>();
    var a10 = mat4x4<f32>(); var a11 = mat4x4<f32>(); var a12 = mat4x4<f32>(); var a13 = mat4x4<f32>();
    var a20 = mat4x4<f32>(); var a21 = mat4x4<f32>(); var a22 = mat4x4<f32>(); var a23 = mat4x4<f32>();
    var a30 = mat4x4<f32>(); var a31 = mat4x4<f32>(); var a32 = mat4x4<f32>(); var a33 = mat4x4<f32>();
    let aligned = vec4<u32>(layer.out_stride, layer.out_col, layer.n_out, layer.n_in) % vec4<u32>(4u);
    if (all(aligned == vec4<u32>(0u)) && layer.weight_offset % 4u == 0u) {
        for (var k4 = 0u; k4 < layer.n_out / 4u; k4++) {
            let y0 = dy_at4(d0, k4);
            let y1 = dy_at4(d1, k4);
            let y2 = dy_at4(d2, k4);
            let y3 = dy_at4(d3, k4);
            let w0 = w_at4(i0, k4);  // input blocks past n_in load the last block (clamped, never stored)
            let w1 = w_at4(i0 + 4u, k4);
            let w2 = w_at4(i0 + 8u, k4);
            let w3 = w_at4(i0 + 12u, k4);
            a00 += w0 * y0; a01 += w1 * y0; a02 += w2 * y0; a03 += w3 * y0;
            a10 += w0 * y1; a11 += w1 * y1; a12 += w2 * y1; a13 += w3 * y1;
            a20 += w0 * y2; a21 += w1 * y2; a22 += w2 * y2; a23 += w3 * y2;
            a30 += w0 * y3; a31 += w1 * y3; a32 += w2 * y3; a33 += w3 * y3;
        }
    } else {
        let c0 = w_columns(i0);
        let c1 = w_columns(i0 + 4u);
        let c2 = w_columns(i0 + 8u);
        let c3 = w_columns(i0 + 12u);
        // Not 4-aligned: the same blocks from scalar loads, dY past n_out zero.
        for (var o = 0u; o < layer.n_out; o += 4u) {
            let y0 = transpose(dy_block(d0, o));
            let y1 = transpose(dy_block(d1, o));
            let y2 = transpose(dy_block(d2, o));
            let y3 = transpose(dy_block(d3, o));
            let w0 = w_block(c0, o);
            let w1 = w_block(c1, o);
            let w2 = w_block(c2, o);
            let w3 = w_block(c3, o);
            a00 += w0 * y0; a01 += w1 * y0; a02 += w2 * y0; a03 += w3 * y0;
            a10 += w0 * y1; a11 += w1 * y1; a12 += w2 * y1; a13 += w3 * y1;
            a20 += w0 * y2; a21 += w1 * y2; a22 += w2 * y2; a23 += w3 * y2;
            a30 += w0 * y3; a31 += w1 * y3; a32 += w2 * y3; a33 += w3 * y3;
        }
    }
    // One copy of the store code for the 16 blocks (why: linear_forward_software.wgsl).
    for (var j = 0u; j < 16u; j++) {
        var m: mat4x4<f32>;
        switch j {
            case 0u: { m = a00; } case 1u: { m = a01; } case 2u: { m = a02; } case 3u: { m = a03; }
            case 4u: { m = a10; } case 5u: { m = a11; } case 6u: { m = a12; } case 7u: { m = a13; }
            case 8u: { m = a20; } case 9u: { m = a21; } case 10u: { m = a22; } case 11u: { m = a23; }
            case 12u: { m = a30; } case 13u: { m = a31; } case 14u: { m = a32; } default: { m = a33; }
        }
        store(r0 + 4u * (j / 4u), i0 + 4u * (j % 4u), m);
    }
}
