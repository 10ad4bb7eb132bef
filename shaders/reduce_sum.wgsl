// Column sums in chunks, without workgroup memory or barriers (one thread per column and chunk):
//
//   sums[offset + c * groups + g] = sum_{r in chunk g} values[c * rows + r]
//        chunk g = rows [g * chunk, min(rows, (g + 1) * chunk)),  groups = ceil(rows / chunk),  c < columns
//
//   values [columns, rows]  (e.g. ppo_loss.wgsl's per-row terms)
//   sums   [.., columns, groups] from offset
//
// Run twice for a column total over many workgroups: chunks of 64 rows into a
// [columns, groups] scratch, then one chunk of all groups into the minibatch
// stats (groups = 1 there, so sums[offset + c]).

struct Reduce { rows: u32, columns: u32, chunk: u32, offset: u32 }

@group(0) @binding(0) var<uniform> u: Reduce;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let groups = (u.rows + u.chunk - 1u) / u.chunk;
    let g = id.x % groups;
    let c = id.x / groups;
    if (c >= u.columns) {
        return;
    }
    var acc = 0.0;
    let end = min(u.rows, (g + 1u) * u.chunk);
    for (var r = g * u.chunk; r < end; r++) {
        acc += values[c * u.rows + r];
    }
    sums[u.offset + c * groups + g] = acc;
}
