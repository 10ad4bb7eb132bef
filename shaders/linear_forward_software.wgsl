// linear_forward.wgsl for software adapters (lavapipe, SwiftShader): same math, bindings and grid,
// a 16 x 16 block of Y per invocation instead of 4 x 4.
//
//   Y = act(X W^T + b)          Y[r, c] = act(sum_k X[r, k] W[c, k] + b[c])
//
//   X [rows, n_in], W [n_out, n_in] = params[weight_offset ..], b [n_out] = params[bias_offset ..],
//   Y = columns [out_col, out_col + n_out) of a row-major [rows, out_stride] buffer (linear_forward.wgsl)
//   workgroup z: slot z, rows from z * row_stride, W and b from params[z * param_stride ..], its rows
//   min(rows, slot_rows[z]) with counted = 1, else rows (linear_forward.wgsl)
//
// A software adapter runs invocations as SIMD lanes on a CPU core and turns
// every storage load into a per-lane gather; the multiply-adds are cheap. A
// 16 x 16 block loads 16 + 16 values per k for 256 multiply-adds (a 4 x 4
// block: 4 + 4 for 16), so a quarter of the loads per product. Its 256
// accumulators are sixteen mat4x4 (a_ij: rows 4i.., columns 4j.. of the
// block; a_ij[c][r] = Y[row0 + 4i + r, col0 + 4j + c]), written out as plain
// variables: a software adapter spills dynamically indexed private arrays,
// and its compiler does not unroll loops this large. A workgroup of 4 covers
// the same 32 x 32 tile of Y as linear_forward.wgsl (row block l % 2, column
// block l / 2), so the grid, and selfplay_grid.wgsl's indirect dispatches,
// are unchanged. Rows and columns past the edge are clamped (loaded, never
// stored).
//
// Each loop iteration takes 4 values of k: SwiftShader copies every
// accumulator under the lane mask once per iteration (the loop's phi), which
// costs as much as a multiply-add, so 4 multiply-adds per copy rather than 1
// (docs/kernels.md). Each 4-row group of X and of W is a mat4x4 over those 4
// steps and the block is transpose(X_i) * W_j. Where rows of X and W start on
// 4-float boundaries (n_in and the slot's weight offset multiples of 4) the mat4x4s are
// 4 vec4 loads; otherwise 16 scalar loads, the last step's values past n_in
// zero (loads clamped). The stores read the blocks' columns by constant index
// (SwiftShader indexes a matrix by a loop counter through memory), in one
// loop over the 16 blocks: 16 inlined copies of the store code took
// SwiftShader 3.3 s to compile instead of 0.8 s.
//
// Thin tiles: where a tile holds at most THIN_ROWS of its slot's rows (the opponent pool's slots, a
// few rows each; a ragged last tile), the two lanes of the 16-row blocks would compute 16 rows for
// those few while the other two idle. Instead each of the 4 lanes takes 8 of the tile's 32 columns
// for 4 rows at a time (two 4 x 4 blocks; 12 vec4 loads per 4 steps of the sum for 32 outputs),
// so the tile's work follows its rows. Through SwiftShader (bench/bench_pool_forward.py) the
// pool's forward took about a third of the time of 16-row blocks with 0-4 rows per slot and half
// with 2-9, and 8 rows was about the break-even: 9-16 rows cost the same either way (docs/kernels.md).

struct Layer {
    rows: u32, n_in: u32, n_out: u32,
    weight_offset: u32, bias_offset: u32, activation: u32,
    out_stride: u32, out_col: u32,
    row_stride: u32, param_stride: u32, counted: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read> slot_rows: array<u32>;

const THIN_ROWS = 8u;  // rows of a tile computed 4 at a time by all 4 lanes (a thin tile, above)

fn activate(z: vec4<f32>) -> vec4<f32> {
    if (layer.activation == 1u) {
        return tanh(clamp(z, vec4<f32>(-20.0), vec4<f32>(20.0)));  // as linear_forward.wgsl
    }
    if (layer.activation == 2u) {
        return max(z, vec4<f32>(0.0));
    }
    return z;
}

// Rows of slot z (linear_forward.wgsl).
fn rows_of(z: u32) -> u32 {
    if (layer.counted == 1u) {
        return min(layer.rows, slot_rows[z]);
    }
    return layer.rows;
}

// Start offsets of 4 consecutive rows of X from the slot's row r0 (its `rows` rows start at `base`), or
// of W from column c0 (the slot's W at params[weights ..]), clamped to the last one.
fn x_rows(base: u32, rows: u32, r0: u32) -> vec4<u32> {
    return (base + min(vec4<u32>(r0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(rows - 1u))) * layer.n_in;
}

fn w_rows(weights: u32, c0: u32) -> vec4<u32> {
    return weights + min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(layer.n_out - 1u)) * layer.n_in;
}

fn x_at(o: vec4<u32>, k: u32) -> vec4<f32> {
    return vec4<f32>(x[o.x + k], x[o.y + k], x[o.z + k], x[o.w + k]);
}

fn w_at(o: vec4<u32>, k: u32) -> vec4<f32> {
    return vec4<f32>(params[o.x + k], params[o.y + k], params[o.z + k], params[o.w + k]);
}

// Four rows' values at k4 * 4 .. k4 * 4 + 3 as the columns of a mat4x4 (offsets o multiples of 4).
fn x_at4(o: vec4<u32>, k4: u32) -> mat4x4<f32> {
    let o4 = o / 4u + k4;
    return mat4x4<f32>(x4[o4.x], x4[o4.y], x4[o4.z], x4[o4.w]);
}

fn w_at4(o: vec4<u32>, k4: u32) -> mat4x4<f32> {
    let o4 = o / 4u + k4;
    return mat4x4<f32>(params4[o4.x], params4[o4.y], params4[o4.z], params4[o4.w]);
}

// Steps k .. k + 3 of 4 rows as the columns of a mat4x4 (column q: the 4 rows' values at k + q), from
// scalar loads; columns past n_in are zero (their loads clamped to the last step).
fn x_block(o: vec4<u32>, k: u32) -> mat4x4<f32> {
    let last = layer.n_in - 1u;
    let zero = vec4<f32>(0.0);
    return mat4x4<f32>(x_at(o, k), select(zero, x_at(o, min(k + 1u, last)), k + 1u <= last),
                       select(zero, x_at(o, min(k + 2u, last)), k + 2u <= last),
                       select(zero, x_at(o, min(k + 3u, last)), k + 3u <= last));
}

fn w_block(o: vec4<u32>, k: u32) -> mat4x4<f32> {
    let last = layer.n_in - 1u;
    return mat4x4<f32>(w_at(o, k), w_at(o, min(k + 1u, last)), w_at(o, min(k + 2u, last)), w_at(o, min(k + 3u, last)));
}

// Column col of Y at the slot's rows row0 .. row0 + 3 (v: its 4 sums), those inside the matrix; the
// slot's `rows` rows start at `base`, its biases at params[bias ..].
fn store_column(base: u32, rows: u32, bias: u32, row0: u32, col: u32, v: vec4<f32>) {
    if (col < layer.n_out) {
        let z = v + params[bias + col];
        let value = activate(z);
        let o = (base + row0) * layer.out_stride + layer.out_col + col;
        if (row0 < rows) { y[o] = value.x; }
        if (row0 + 1u < rows) { y[o + layer.out_stride] = value.y; }
        if (row0 + 2u < rows) { y[o + 2u * layer.out_stride] = value.z; }
        if (row0 + 3u < rows) { y[o + 3u * layer.out_stride] = value.w; }
    }
}

fn store(base: u32, rows: u32, bias: u32, row0: u32, col0: u32, a: mat4x4<f32>) {
    store_column(base, rows, bias, row0, col0, a[0]);
    store_column(base, rows, bias, row0, col0 + 1u, a[1]);
    store_column(base, rows, bias, row0, col0 + 2u, a[2]);
    store_column(base, rows, bias, row0, col0 + 3u, a[3]);
}

// A thin tile: the slot's rows from tile_row0 on, at most THIN_ROWS, 4 at a time; this lane's 8 columns
// from col0 (two 4 x 4 blocks per 4 rows).
fn thin_tile(z: u32, rows: u32, tile_row0: u32, col0: u32) {
    if (col0 >= layer.n_out) {
        return;
    }
    let base = z * layer.row_stride;
    let weights = z * layer.param_stride + layer.weight_offset;
    let bias = z * layer.param_stride + layer.bias_offset;
    let wo0 = w_rows(weights, col0);
    let wo1 = w_rows(weights, col0 + 4u);
    for (var r = tile_row0; r < rows; r += 4u) {
        let xo = x_rows(base, rows, r);
        var a0 = mat4x4<f32>();
        var a1 = mat4x4<f32>();
        if (layer.n_in % 4u == 0u && weights % 4u == 0u) {
            for (var k4 = 0u; k4 < layer.n_in / 4u; k4++) {
                let xm = transpose(x_at4(xo, k4));
                a0 += xm * w_at4(wo0, k4);
                a1 += xm * w_at4(wo1, k4);
            }
        } else {
            for (var k = 0u; k < layer.n_in; k += 4u) {
                let xm = x_block(xo, k);
                a0 += xm * transpose(w_block(wo0, k));
                a1 += xm * transpose(w_block(wo1, k));
            }
        }
        store(base, rows, bias, r, col0, a0);
        store(base, rows, bias, r, col0 + 4u, a1);
    }
}

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let rows = rows_of(group.z);
    if (rows <= group.y * 32u + THIN_ROWS) {  // the same for the whole workgroup
        thin_tile(group.z, rows, group.y * 32u, group.x * 32u + 8u * l);
        return;
    }
    let row0 = group.y * 32u + 16u * (l % 2u);
    let col0 = group.x * 32u + 16u * (l / 2u);
    if (row0 >= rows || col0 >= layer.n_out) {
        return;
    }
    let base = group.z * layer.row_stride;                            // the slot's first row
    let weights = group.z * layer.param_stride + layer.weight_offset;  // and its W, b
    let bias = group.z * layer.param_stride + layer.bias_offset;
    let xo0 = x_rows(base, rows, row0);
    let xo1 = x_rows(base, rows, row0 + 4u);
    let xo2 = x_rows(base, rows, row0 + 8u);
    let xo3 = x_rows(base, rows, row0 + 12u);
    let wo0 = w_rows(weights, col0);
    let wo1 = w_rows(weights, col0 + 4u);
    let wo2 = w_rows(weights, col0 + 8u);
    let wo3 = w_rows(weights, col0 + 12u);
    var a00 = mat4x4<f32>(); var a01 = mat4x4<f32>(); var a02 = mat4x4<f32>(); var a03 = mat4x4<f32>();
    var a10 = mat4x4<f32>(); var a11 = mat4x4<f32>(); var a12 = mat4x4<f32>(); var a13 = mat4x4<f32>();
    var a20 = mat4x4<f32>(); var a21 = mat4x4<f32>(); var a22 = mat4x4<f32>(); var a23 = mat4x4<f32>();
    var a30 = mat4x4<f32>(); var a31 = mat4x4<f32>(); var a32 = mat4x4<f32>(); var a33 = mat4x4<f32>();
    if (layer.n_in % 4u == 0u && weights % 4u == 0u) {
        for (var k4 = 0u; k4 < layer.n_in / 4u; k4++) {
            let x0 = transpose(x_at4(xo0, k4));
            let x1 = transpose(x_at4(xo1, k4));
            let x2 = transpose(x_at4(xo2, k4));
            let x3 = transpose(x_at4(xo3, k4));
            let w0 = w_at4(wo0, k4);
            let w1 = w_at4(wo1, k4);
            let w2 = w_at4(wo2, k4);
            let w3 = w_at4(wo3, k4);
            a00 += x0 * w0; a01 += x0 * w1; a02 += x0 * w2; a03 += x0 * w3;
            a10 += x1 * w0; a11 += x1 * w1; a12 += x1 * w2; a13 += x1 * w3;
            a20 += x2 * w0; a21 += x2 * w1; a22 += x2 * w2; a23 += x2 * w3;
            a30 += x3 * w0; a31 += x3 * w1; a32 += x3 * w2; a33 += x3 * w3;
        }
    } else {
        // Rows not 4-aligned: the same blocks from scalar loads, the last step's values past n_in zero.
        for (var k = 0u; k < layer.n_in; k += 4u) {
            let x0 = x_block(xo0, k);
            let x1 = x_block(xo1, k);
            let x2 = x_block(xo2, k);
            let x3 = x_block(xo3, k);
            let w0 = transpose(w_block(wo0, k));
            let w1 = transpose(w_block(wo1, k));
            let w2 = transpose(w_block(wo2, k));
            let w3 = transpose(w_block(wo3, k));
            a00 += x0 * w0; a01 += x0 * w1; a02 += x0 * w2; a03 += x0 * w3;
            a10 += x1 * w0; a11 += x1 * w1; a12 += x1 * w2; a13 += x1 * w3;
            a20 += x2 * w0; a21 += x2 * w1; a22 += x2 * w2; a23 += x2 * w3;
            a30 += x3 * w0; a31 += x3 * w1; a32 += x3 * w2; a33 += x3 * w3;
        }
    }
    // One copy of the store code for the 16 blocks (a switch, not 16 inlined copies: SwiftShader
    // compiles each copy).
    for (var j = 0u; j < 16u; j++) {
        var m: mat4x4<f32>;
        switch j {
            case 0u: { m = a00; } case 1u: { m = a01; } case 2u: { m = a02; } case 3u: { m = a03; }
            case 4u: { m = a10; } case 5u: { m = a11; } case 6u: { m = a12; } case 7u: { m = a13; }
            case 8u: { m = a20; } case 9u: { m = a21; } case 10u: { m = a22; } case 11u: { m = a23; }
            case 12u: { m = a30; } case 13u: { m = a31; } case 14u: { m = a32; } default: { m = a33; }
        }
        store(base, rows, bias, row0 + 4u * (j / 4u), col0 + 4u * (j % 4u), m);
    }
}
