// GPU self-play, the end of a decision (one thread): the clock moves on and the pool slots'
// row counts start again from zero.
//
//   clock u32 [2] = [t + 1, step + 1]      count u32 [S] = 0

struct Params { slots: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> clock: array<u32>;
@group(0) @binding(2) var<storage, read_write> count: array<u32>;

@compute @workgroup_size(1)
fn main() {
    clock[0] += 1u;
    clock[1] += 1u;
    for (var s = 0u; s < params.slots; s++) {
        count[s] = 0u;
    }
}
