// Linear layer forward with activation, as a register-tiled matrix multiply:
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
// Workgroup z (the grid's third dimension) is slot z of a batch of networks with the same shape
// (the self-play opponent pool): its X and Y rows start at row z * row_stride and its W and b at
// params[z * param_stride ..]. A slot has `rows` rows, or with counted = 1 the first
// min(rows, slot_rows[z]) of them (the pool's rows this decision, counted on the GPU): the grid
// covers the fullest slot, and every block past a slot's own rows returns at once, so a slot with no
// rows costs its workgroups' launch only. Every other use has one slot (z = 0), where the two strides
// and slot_rows are unused (counted = 0; any read-only buffer is bound there).
//
// Each invocation computes a 4 x 4 block of Y in four vec4 accumulators (plain
// variables, no workgroup memory, no barriers): per k it loads 4 values of X and
// 4 of W and does 16 multiply-adds. A workgroup of 64 covers a 32 x 32 tile of
// Y: local index l is row block l % 8 (adjacent invocations take adjacent row
// blocks), column block l / 8. Blocks wholly past the edge return at once (on a
// software adapter, whole SIMD groups of them are skipped); in a block that
// straddles it, rows and columns are clamped to the last one (the loop stays
// branch-free) and never stored.
//
// When rows of X and W start on 4-float boundaries (n_in and the slot's weight
// offset multiples of 4: every hidden layer of the usual widths) the same buffers are
// also read as vec4 arrays (x4, params4: the same buffers bound twice), so a
// step of 4 along k takes 8 vec4 loads for 64 multiply-adds instead of 32
// scalar loads; a software adapter turns each load into a gather across its
// SIMD lanes, so this is where it spends its time.

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

fn dots(a: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
    return vec4<f32>(dot(a, b0), dot(a, b1), dot(a, b2), dot(a, b3));
}

fn activate(z: f32) -> f32 {
    if (layer.activation == 1u) {
        return tanh(clamp(z, -20.0, 20.0));  // tanh is exactly +-1 in f32 past |z| = 9; the clamp avoids exp overflow
    }
    if (layer.activation == 2u) {
        return max(z, 0.0);
    }
    return z;
}

// Rows of slot z.
fn rows_of(z: u32) -> u32 {
    if (layer.counted == 1u) {
        return min(layer.rows, slot_rows[z]);
    }
    return layer.rows;
}

// Row `row` of the slot whose `rows` rows start at `base` and biases at params[bias ..].
fn store_row(base: u32, rows: u32, bias: u32, row: u32, col0: u32, acc: vec4<f32>) {
    if (row >= rows) {
        return;
    }
    for (var j = 0u; j < 4u; j++) {
        let col = col0 + j;
        if (col < layer.n_out) {
            y[(base + row) * layer.out_stride + layer.out_col + col] = activate(acc[j] + params[bias + col]);
        }
    }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    let row0 = group.y * 32u + 4u * (l % 8u);
    let col0 = group.x * 32u + 4u * (l / 8u);
    let rows = rows_of(group.z);
    if (row0 >= rows || col0 >= layer.n_out) {
        return;
    }
    let n = layer.n_in;
    let base = group.z * layer.row_stride;                            // the slot's first row
    let weights = group.z * layer.param_stride + layer.weight_offset;  // and its W, b
    let bias = group.z * layer.param_stride + layer.bias_offset;
    let last_row = base + rows - 1u;
    let last_col = layer.n_out - 1u;
    let x0 = min(base + row0, last_row) * n;
    let x1 = min(base + row0 + 1u, last_row) * n;
    let x2 = min(base + row0 + 2u, last_row) * n;
    let x3 = min(base + row0 + 3u, last_row) * n;
    let w0 = weights + min(col0, last_col) * n;
    let w1 = weights + min(col0 + 1u, last_col) * n;
    let w2 = weights + min(col0 + 2u, last_col) * n;
    let w3 = weights + min(col0 + 3u, last_col) * n;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    if (n % 4u == 0u && weights % 4u == 0u) {
        for (var k = 0u; k < n / 4u; k++) {
            let wa = params4[w0 / 4u + k];
            let wb = params4[w1 / 4u + k];
            let wc = params4[w2 / 4u + k];
            let wd = params4[w3 / 4u + k];
            acc0 += dots(x4[x0 / 4u + k], wa, wb, wc, wd);
            acc1 += dots(x4[x1 / 4u + k], wa, wb, wc, wd);
            acc2 += dots(x4[x2 / 4u + k], wa, wb, wc, wd);
            acc3 += dots(x4[x3 / 4u + k], wa, wb, wc, wd);
        }
    } else {
        for (var k = 0u; k < n; k++) {
            let w = vec4<f32>(params[w0 + k], params[w1 + k], params[w2 + k], params[w3 + k]);
            acc0 += x[x0 + k] * w;
            acc1 += x[x1 + k] * w;
            acc2 += x[x2 + k] * w;
            acc3 += x[x3 + k] * w;
        }
    }
    store_row(base, rows, bias, row0, col0, acc0);
    store_row(base, rows, bias, row0 + 1u, col0, acc1);
    store_row(base, rows, bias, row0 + 2u, col0, acc2);
    store_row(base, rows, bias, row0 + 3u, col0, acc3);
}
