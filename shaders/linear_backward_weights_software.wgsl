// linear_backward_weights.wgsl for software adapters: same math, bindings, grid and split-K, a
// 16 x 16 block of [dW | db] per invocation instead of 4 x 4 (why: linear_forward_software.wgsl).
//
//   dW[o, i] = sum_r dY[r, o] X[r, i]     dW = dY^T X   [n_out, n_in]
//   db[o]    = sum_r dY[r, o]             (column n_in of dY^T [X | 1])
//
//   dY = columns [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer, X [rows, n_in];
//   split s (workgroup_id.z) sums rows [s * chunk, (s + 1) * chunk) into
//   partials[s * num_params + weight_offset ..] (dW) and [.. + bias_offset ..] (db)
//
// Per row an invocation loads 16 values of dY (its outputs) and 16 of [X | 1]
// (its inputs) for 256 multiply-adds, into sixteen mat4x4 plain variables
// a_gh (outputs 4g.., inputs 4h.. of the block; a_gh[o][i] = the sum for
// output o0 + 4g + o, input i0 + 4h + i). A workgroup of 4 covers the 32 x 32
// tile (outputs x inputs) of linear_backward_weights.wgsl: input block l % 2,
// output block l / 2 (lanes_along_outputs is not needed with 2 x 2 blocks).
// Outputs and inputs past the edge are clamped, never stored. Each loop
// iteration takes 4 rows (why: linear_forward_software.wgsl): X_h * D_g^T with
// X_h's columns the 4 rows' [X | 1] at the block's inputs and D_g's their dY
// at its outputs, dY's rows past the split's end zero (loads clamped). Where
// rows of dY and X start on 4-float boundaries (out_stride, out_col, n_out,
// n_in multiples of 4) each group of 4 is one vec4 load. When n_in is a
// multiple of 16 (the usual hidden widths) the bias column starts a block of
// its own, which sums dY alone instead of loading 16 values of X it would not
// store. A block with at most 4 outputs left (the critic's 1-output value
// layer) or at most 4 columns of [X | 1] left (a 34-input layer's second tile:
// inputs 32, 33 and the bias) sums only that row or column of its 4 x 4 blocks,
// the others never being stored: 20 scalar loads per row instead of 32, a
// quarter of the multiply-adds. Stores as linear_forward_software.wgsl.

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

// Columns o0 .. o0 + 3 of dY, and i0 .. i0 + 3 of X, clamped to the last one.
fn dy_columns(o0: u32) -> vec4<u32> {
    return layer.out_col + min(vec4<u32>(o0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(layer.n_out - 1u));
}

fn x_columns(i0: u32) -> vec4<u32> {
    return min(vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(layer.n_in - 1u));
}

fn is_bias(i0: u32) -> vec4<bool> {
    return vec4<u32>(i0) + vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(layer.n_in);
}

fn dy_at(c: vec4<u32>, r: u32) -> vec4<f32> {
    let row = r * layer.out_stride;
    return vec4<f32>(dy[row + c.x], dy[row + c.y], dy[row + c.z], dy[row + c.w]);
}

fn x_at(c: vec4<u32>, bias: vec4<bool>, r: u32) -> vec4<f32> {
    let row = r * layer.n_in;
    return select(vec4<f32>(x[row + c.x], x[row + c.y], x[row + c.z], x[row + c.w]), vec4<f32>(1.0), bias);
}

// The same 4 values as one vec4 load (o0, i0, the strides and offsets multiples of 4).
fn dy_at4(o0: u32, r: u32) -> vec4<f32> {
    return dy4[(r * layer.out_stride + layer.out_col + min(o0, layer.n_out - 4u)) / 4u];
}

fn x_at4(i0: u32, bias: vec4<bool>, r: u32) -> vec4<f32> {
    return select(x4[(r * layer.n_in + min(i0, layer.n_in - 4u)) / 4u], vec4<f32>(1.0), bias);
}

// Rows r .. r + 3 (of a split ending at `end`) of the same 4 columns as the columns of a mat4x4 (column
// q: row r + q); rows past the end are loaded as the last one, and zero in dY.
fn dy_block(c: vec4<u32>, r: u32, end: u32) -> mat4x4<f32> {
    let last = end - 1u;
    let zero = vec4<f32>(0.0);
    return mat4x4<f32>(dy_at(c, r), select(zero, dy_at(c, min(r + 1u, last)), r + 1u <= last),
                       select(zero, dy_at(c, min(r + 2u, last)), r + 2u <= last),
                       select(zero, dy_at(c, min(r + 3u, last)), r + 3u <= last));
}

fn x_block(c: vec4<u32>, bias: vec4<bool>, r: u32, end: u32) -> mat4x4<f32> {
    let last = end - 1u;
    return mat4x4<f32>(x_at(c, bias, r), x_at(c, bias, min(r + 1u, last)), x_at(c, bias, min(r + 2u, last)),
                       x_at(c, bias, min(r + 3u, last)));
}

fn dy_block4(o0: u32, r: u32, end: u32) -> mat4x4<f32> {
    let last = end - 1u;
    let zero = vec4<f32>(0.0);
    return mat4x4<f32>(dy_at4(o0, r), select(zero, dy_at4(o0, min(r + 1u, last)), r + 1u <= last),
                       select(zero, dy_at4(o0, min(r + 2u, last)), r + 2u <= last),
                       select(zero, dy_at4(o0, min(r + 3u, last)), r + 3u <= last));
}

fn x_block4(i0: u32, bias: vec4<bool>, r: u32, end: u32) -> mat4x4<f32> {
    let last = end - 1u;
    return mat4x4<f32>(x_at4(i0, bias, r), x_at4(i0, bias, min(r + 1u, last)), x_at4(i0, bias, min(r + 2u, last)),
                       x_at4(i0, bias, min(r + 3u, last)));
}

// db for outputs o0 .. o0 + 3 (s: their sums of dY), those inside the matrix.
fn store_bias(base: u32, o0: u32, s: vec4<f32>) {
    let b = base + layer.bias_offset + o0;
    if (o0 < layer.n_out) { partials[b] = s.x; }
    if (o0 + 1u < layer.n_out) { partials[b + 1u] = s.y; }
    if (o0 + 2u < layer.n_out) { partials[b + 2u] = s.z; }
    if (o0 + 3u < layer.n_out) { partials[b + 3u] = s.w; }
}

// The sum for output `output` and column i of [X | 1] (dW inside X, db at column n_in), if inside the matrix.
fn store_one(base: u32, output: u32, i: u32, value: f32) {
    if (i < layer.n_in) {
        partials[base + layer.weight_offset + output * layer.n_in + i] = value;
    } else if (i == layer.n_in) {
        partials[base + layer.bias_offset + output] = value;
    }
}

// Output `output`'s sums at columns i0 .. i0 + 3 (v), those inside the matrix.
fn store_output(base: u32, output: u32, i0: u32, v: vec4<f32>) {
    if (output < layer.n_out) {
        store_one(base, output, i0, v.x);
        store_one(base, output, i0 + 1u, v.y);
        store_one(base, output, i0 + 2u, v.z);
        store_one(base, output, i0 + 3u, v.w);
    }
}

fn store(base: u32, o0: u32, i0: u32, a: mat4x4<f32>) {
    store_output(base, o0, i0, a[0]);
    store_output(base, o0 + 1u, i0, a[1]);
    store_output(base, o0 + 2u, i0, a[2]);
    store_output(base, o0 + 3u, i0, a[3]);
}

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let i0 = group.x * 32u + 16u * (l % 2u);
    let o0 = group.y * 32u + 16u * (l / 2u);
    if (o0 >= layer.n_out || i0 > layer.n_in) {
        return;
    }
    let base = group.z * layer.num_params;
    let end = min(layer.rows, (group.z + 1u) * layer.chunk);
    let e0 = dy_columns(o0);
    let e1 = dy_columns(o0 + 4u);
    let e2 = dy_columns(o0 + 8u);
    let e3 = dy_columns(o0 + 12u);
    if (i0 == layer.n_in) {  // a block of the bias column alone (n_in a multiple of 16): db, 16 loads per row
        var s0 = vec4<f32>(0.0);
        var s1 = vec4<f32>(0.0);
        var s2 = vec4<f32>(0.0);
        var s3 = vec4<f32>(0.0);
        for (var r = group.z * layer.chunk; r < end; r++) {
            s0 += dy_at(e0, r);
            s1 += dy_at(e1, r);
            s2 += dy_at(e2, r);
            s3 += dy_at(e3, r);
        }
        store_bias(base, o0, s0);
        store_bias(base, o0 + 4u, s1);
        store_bias(base, o0 + 8u, s2);
        store_bias(base, o0 + 12u, s3);
        return;
    }
    let b0 = is_bias(i0);
    let b1 = is_bias(i0 + 4u);
    let b2 = is_bias(i0 + 8u);
    let b3 = is_bias(i0 + 12u);
    let start = group.z * layer.chunk;  // rows [start, end) of this split, 4 at a time
    let thin_outputs = o0 + 4u >= layer.n_out;
    if (thin_outputs || i0 + 4u > layer.n_in) {  // one row (outputs o0..) or column (inputs i0..) of blocks
        var t0 = mat4x4<f32>(); var t1 = mat4x4<f32>(); var t2 = mat4x4<f32>(); var t3 = mat4x4<f32>();
        let c0 = x_columns(i0);
        if (thin_outputs) {
            let c1 = x_columns(i0 + 4u);
            let c2 = x_columns(i0 + 8u);
            let c3 = x_columns(i0 + 12u);
            for (var r = start; r < end; r += 4u) {
                let y0 = transpose(dy_block(e0, r, end));
                t0 += x_block(c0, b0, r, end) * y0;
                t1 += x_block(c1, b1, r, end) * y0;
                t2 += x_block(c2, b2, r, end) * y0;
                t3 += x_block(c3, b3, r, end) * y0;
            }
        } else {
            for (var r = start; r < end; r += 4u) {
                let x0 = x_block(c0, b0, r, end);
                t0 += x0 * transpose(dy_block(e0, r, end));
                t1 += x0 * transpose(dy_block(e1, r, end));
                t2 += x0 * transpose(dy_block(e2, r, end));
                t3 += x0 * transpose(dy_block(e3, r, end));
            }
        }
        for (var j = 0u; j < 4u; j++) {  // t_j: block (0, j) of a thin row, (j, 0) of a thin column
            var m: mat4x4<f32>;
            switch j {
                case 0u: { m = t0; } case 1u: { m = t1; } case 2u: { m = t2; } default: { m = t3; }
            }
            store(base, o0 + select(4u * j, 0u, thin_outputs), i0 + select(0u, 4u * j, thin_outputs), m);
        }
        return;
    }
    var a00 = mat4x4<f32>(); var a01 = mat4x4<f32>(); var a02 = mat4x4<f32>(); var a03 = mat4x4<f32>();
    var a10 = mat4x4<f32>(); var a11 = mat4x4<f32>(); var a12 = mat4x4<f32>(); var a13 = mat4x4<f32>();
    var a20 = mat4x4<f32>(); var a21 = mat4x4<f32>(); var a22 = mat4x4<f32>(); var a23 = mat4x4<f32>();
    var a30 = mat4x4<f32>(); var a31 = mat4x4<f32>(); var a32 = mat4x4<f32>(); var a33 = mat4x4<f32>();
    let aligned = vec4<u32>(layer.out_stride, layer.out_col, layer.n_out, layer.n_in) % vec4<u32>(4u);
    if (all(aligned == vec4<u32>(0u))) {
        for (var r = start; r < end; r += 4u) {
            let y0 = transpose(dy_block4(o0, r, end));  // blocks past the edge load the last one (never stored)
            let y1 = transpose(dy_block4(o0 + 4u, r, end));
            let y2 = transpose(dy_block4(o0 + 8u, r, end));
            let y3 = transpose(dy_block4(o0 + 12u, r, end));
            let x0 = x_block4(i0, b0, r, end);
            let x1 = x_block4(i0 + 4u, b1, r, end);
            let x2 = x_block4(i0 + 8u, b2, r, end);
            let x3 = x_block4(i0 + 12u, b3, r, end);
            a00 += x0 * y0; a01 += x1 * y0; a02 += x2 * y0; a03 += x3 * y0;
            a10 += x0 * y1; a11 += x1 * y1; a12 += x2 * y1; a13 += x3 * y1;
            a20 += x0 * y2; a21 += x1 * y2; a22 += x2 * y2; a23 += x3 * y2;
            a30 += x0 * y3; a31 += x1 * y3; a32 += x2 * y3; a33 += x3 * y3;
        }
    } else {
        let c0 = x_columns(i0);
        let c1 = x_columns(i0 + 4u);
        let c2 = x_columns(i0 + 8u);
        let c3 = x_columns(i0 + 12u);
        for (var r = start; r < end; r += 4u) {
            let y0 = transpose(dy_block(e0, r, end));
            let y1 = transpose(dy_block(e1, r, end));
            let y2 = transpose(dy_block(e2, r, end));
            let y3 = transpose(dy_block(e3, r, end));
            let x0 = x_block(c0, b0, r, end);
            let x1 = x_block(c1, b1, r, end);
            let x2 = x_block(c2, b2, r, end);
            let x3 = x_block(c3, b3, r, end);
            a00 += x0 * y0; a01 += x1 * y0; a02 += x2 * y0; a03 += x3 * y0;
            a10 += x0 * y1; a11 += x1 * y1; a12 += x2 * y1; a13 += x3 * y1;
            a20 += x0 * y2; a21 += x1 * y2; a22 += x2 * y2; a23 += x3 * y2;
            a30 += x0 * y3; a31 += x1 * y3; a32 += x2 * y3; a33 += x3 * y3;
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
        store(base, o0 + 4u * (j / 4u), i0 + 4u * (j % 4u), m);
    }
}
