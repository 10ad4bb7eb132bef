// GPU self-play, decision step 3: the workgroup grid of every pool slot's forward, from how many
// rows each slot gathered (linear_forward.wgsl's grid: output tiles x row tiles of 32):
//
//   grid[(s L + l) * 3 ..] = (groups[l], ceil(count[s] / 32), 1)        s < S, l < L
//
//   count u32 [S]   groups u32 [L] (ceil(n_out_l / 32))   grid u32 [S L 3] (an indirect-dispatch buffer)

struct Params { slots: u32, layers: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> count: array<u32>;
@group(0) @binding(2) var<storage, read> groups: array<u32>;
@group(0) @binding(3) var<storage, read_write> grid: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.slots * params.layers) {
        return;
    }
    let s = i / params.layers;
    grid[3u * i] = groups[i % params.layers];
    grid[3u * i + 1u] = (count[s] + 31u) / 32u;
    grid[3u * i + 2u] = 1u;
}
