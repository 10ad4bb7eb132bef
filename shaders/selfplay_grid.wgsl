// GPU self-play, decision step 3: the workgroup grid of each layer of the pool's forward, one forward
// for all filled slots (linear_forward.wgsl's grid: output tiles x row tiles of 32 x slots):
//
//   grid[3 l ..] = (groups[l], ceil(max_{s < S} count[s] / 32), S)        l < L, S = filled slots
//
// Every slot gets as many row tiles as the fullest; linear_forward reads count[s] too, and slot s's
// workgroups past its own rows return at once (a slot with no rows this decision costs only their
// launch), so its rows [count[s], E) keep stale values, which nothing reads (selfplay_route reads
// row s E + pos[e] < s E + count[s] only).
//
//   count u32 [S]   groups u32 [L] (ceil(n_out_l / 32))   grid u32 [L 3] (an indirect-dispatch buffer)

struct Params { slots: u32, layers: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> count: array<u32>;
@group(0) @binding(2) var<storage, read> groups: array<u32>;
@group(0) @binding(3) var<storage, read_write> grid: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let l = id.x;
    if (l >= params.layers) {
        return;
    }
    var rows = 0u;
    for (var s = 0u; s < params.slots; s++) {
        rows = max(rows, count[s]);
    }
    grid[3u * l] = groups[l];
    grid[3u * l + 1u] = (rows + 31u) / 32u;
    grid[3u * l + 2u] = params.slots;
}
