// Every epoch's order of the rollout's rows, drawn on the GPU: a keyed pseudo-random permutation of
// [0, rows) per epoch, so the host never shuffles N rows (twin: rl/reference.py shuffled_rows; why and
// how PPO uses it: rl/shuffle.py).
//
//   index[e * rows + i] = pi_{keys[e]}(i)                         for i < rows, e < epochs
//
// pi_k is a Feistel network on 2h bits (2^(2h) >= rows, h = half_bits), eight rounds over halves (L, R):
//
//   (L, R) -> (R, L xor F(R, r)),   F(R, r) = pcg4d(R, k, r, SHUFFLE_STREAM).x & (2^h - 1),   r = 0 .. 7
//
// a bijection on [0, 2^(2h)) (pseudo-random as a permutation: rl/shuffle.py says why eight rounds),
// restricted to [0, rows) by cycle walking: apply it again while the result is >= rows. The walk ends
// (the cycle through i returns to i < rows), after 2^(2h) / rows <= 4 steps on average, and what it
// leaves is a bijection on [0, rows).
//
//   keys  [epochs] u32      one key per epoch
//   index [epochs * rows] i32
//
// One thread per row and epoch: x + y * (the grid's x threads) is the row, z the epoch.

struct Shuffle { rows: u32, half_bits: u32 }

@group(0) @binding(0) var<uniform> u: Shuffle;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> index: array<i32>;

const ROUNDS: u32 = 8u;
const SHUFFLE_STREAM: u32 = 0x5348u;  // the hash's fourth word, apart from the sampling streams' draws

fn feistel(x: u32, key: u32) -> u32 {
    let mask = (1u << u.half_bits) - 1u;
    var left = x >> u.half_bits;
    var right = x & mask;
    for (var round = 0u; round < ROUNDS; round++) {
        let mixed = left ^ (pcg4d(vec4<u32>(right, key, round, SHUFFLE_STREAM)).x & mask);
        left = right;
        right = mixed;
    }
    return (left << u.half_bits) | right;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>) {
    let i = id.x + id.y * grid.x * 64u;
    if (i >= u.rows) {
        return;
    }
    let key = keys[id.z];
    var row = feistel(i, key);
    while (row >= u.rows) {
        row = feistel(row, key);
    }
    index[id.z * u.rows + i] = i32(row);
}
