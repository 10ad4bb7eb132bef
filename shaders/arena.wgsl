// The arena: every shape on the pitch is one instanced quad, shaded by a
// signed distance function in the fragment shader (anti-aliased over one
// device pixel, so it stays crisp at any devicePixelRatio).
//
// Buffers
//   frame  (uniform):  world -> clip transform, the size of a pixel in metres, the field's grid
//   shapes (storage):  array<Shape>, one per instance, written once per frame
//   field  (storage):  array<vec4<f32>>, the value field's rgba per cell, row by row from the
//                      bottom left (app/value_field.py), written when a new field arrives
// Draw: draw(6, shape_count) — two triangles per instance.
//
// Shape kinds (field `kind`):
//   0 pitch   grass stripes, white markings and the goal recesses with nets;
//             local frame = world frame, half_size = the area to cover
//   1 box     rounded rectangle, corner radius `param`
//   2 circle  radius half_size.x, outline width `param`
//   3 arc     ring of radius half_size.x, drawn over the fraction `param` of a turn
//   4 trail   capsule along local x fading toward -x (the ball's motion cue)
//   5 capsule segment along local x of radius half_size.y, outline width `param`
//             inside its edge (the overlays: intent petals, value bars)
//   6 field   the value field: the rectangle half_size cut into frame.field_size cells,
//             each painted with its colour from `field`

struct Frame {
    scale: vec2<f32>,        // clip = world * scale + offset
    offset: vec2<f32>,
    pixel: f32,              // metres per device pixel
    half_length: f32,        // m, goal lines at x = +-half_length
    half_width: f32,         // m, side walls at y = +-half_width
    goal_half_width: f32,    // m
    goal_depth: f32,         // m
    _pad0: f32,
    field_size: vec2<f32>,   // (columns, rows) of the value field
};

struct Shape {
    center: vec2<f32>,       // m, world
    half_size: vec2<f32>,    // m, half extents in the shape's own frame
    axis: vec2<f32>,         // (cos, sin) of the shape's rotation
    kind: f32,
    param: f32,
    fill: vec4<f32>,         // rgba, straight alpha
    line: vec4<f32>,         // outline rgba
};

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> shapes: array<Shape>;
@group(0) @binding(2) var<storage, read> field: array<vec4<f32>>;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,              // m, in the shape's frame
    @location(1) @interpolate(flat) index: u32,
};

const CORNERS = array<vec2<f32>, 6>(
    vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(-1.0, 1.0),
    vec2<f32>(-1.0, 1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0));

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32, @builtin(instance_index) index: u32) -> VertexOut {
    let shape = shapes[index];
    let margin = 2.0 * frame.pixel;                       // room for the anti-aliased edge
    let local = CORNERS[vertex] * (shape.half_size + vec2<f32>(margin));
    let rotated = vec2<f32>(local.x * shape.axis.x - local.y * shape.axis.y,
                            local.x * shape.axis.y + local.y * shape.axis.x);
    let world = shape.center + rotated;
    var out: VertexOut;
    out.position = vec4<f32>(world * frame.scale + frame.offset, 0.0, 1.0);
    out.local = local;
    out.index = index;
    return out;
}

// Coverage of the inside of a signed distance d (negative inside), over one pixel.
fn inside(d: f32) -> f32 {
    return clamp(0.5 - d / frame.pixel, 0.0, 1.0);
}

fn box_sdf(p: vec2<f32>, half_size: vec2<f32>, radius: f32) -> f32 {
    let q = abs(p) - half_size + vec2<f32>(radius);
    return length(max(q, vec2<f32>(0.0))) + min(max(q.x, q.y), 0.0) - radius;
}

// Porter-Duff "over" with straight alpha: paint `top` (coverage a) over `base`.
//   alpha = a_top + a_base (1 - a_top);  rgb = (rgb_top a_top + rgb_base a_base (1 - a_top)) / alpha
fn over(base: vec4<f32>, top: vec4<f32>, a: f32) -> vec4<f32> {
    let a_top = top.a * a;
    let alpha = a_top + base.a * (1.0 - a_top);
    if (alpha <= 0.0) {
        return vec4<f32>(0.0);
    }
    return vec4<f32>((top.rgb * a_top + base.rgb * base.a * (1.0 - a_top)) / alpha, alpha);
}

const GRASS_LIGHT = vec4<f32>(0.20, 0.55, 0.24, 1.0);
const GRASS_DARK = vec4<f32>(0.17, 0.49, 0.21, 1.0);
const SURROUND = vec4<f32>(0.09, 0.17, 0.11, 1.0);
const MARKING = vec4<f32>(0.93, 0.96, 0.93, 0.9);
const NET = vec4<f32>(0.85, 0.88, 0.90, 0.55);
const LINE_HALF = 0.04;                                  // m, half width of a marking

fn pitch(p: vec2<f32>) -> vec4<f32> {
    let L = frame.half_length;
    let W = frame.half_width;
    let G = frame.goal_half_width;
    let D = frame.goal_depth;
    let field = box_sdf(p, vec2<f32>(L, W), 0.0);
    let recess = box_sdf(vec2<f32>(abs(p.x) - (L + 0.5 * D), p.y), vec2<f32>(0.5 * D, G), 0.0);
    let stripe = floor((p.x + L) / (2.0 * L) * 12.0) % 2.0;
    var color = SURROUND;
    color = over(color, mix(GRASS_LIGHT, GRASS_DARK, stripe), inside(min(field, recess)));
    // Markings: outer boundary, halfway line, centre circle and spot, goal areas.
    var line = abs(field) - LINE_HALF;
    line = min(line, abs(p.x) - LINE_HALF);
    line = min(line, abs(length(p) - 1.5) - LINE_HALF);
    line = min(line, length(p) - 0.1);
    let area = box_sdf(vec2<f32>(abs(p.x) - (L - 0.6), p.y), vec2<f32>(0.6, G + 0.6), 0.0);
    line = min(line, abs(area) - LINE_HALF);
    color = over(color, MARKING, inside(max(line, field - LINE_HALF)));
    // Nets: a diagonal mesh inside the recesses.
    let mesh = abs(fract((p.x + p.y) * 5.0) - 0.5) * 0.2 - 0.012;
    let mesh2 = abs(fract((p.x - p.y) * 5.0) - 0.5) * 0.2 - 0.012;
    let behind_line = abs(p.x) - L;
    color = over(color, NET, inside(max(min(mesh, mesh2), max(recess, -behind_line))));
    return color;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let shape = shapes[in.index];
    let kind = u32(shape.kind);
    let p = in.local;
    var color = vec4<f32>(0.0);
    if (kind == 0u) {
        color = pitch(p);
    } else if (kind == 1u) {
        let d = box_sdf(p, shape.half_size, shape.param);
        color = over(over(color, shape.line, inside(d)), shape.fill, inside(d + 0.05));
    } else if (kind == 2u) {
        let d = length(p) - shape.half_size.x;
        color = over(over(color, shape.line, inside(d)), shape.fill, inside(d + shape.param));
    } else if (kind == 3u) {
        let ring = abs(length(p) - shape.half_size.x) - 0.035;
        let turn = fract(atan2(-p.x, p.y) / 6.2831853 + 1.0);   // 0 at the top, clockwise
        color = over(color, shape.fill, inside(ring) * step(turn, shape.param));
    } else if (kind == 6u) {
        let size = vec2<i32>(frame.field_size);
        let cell = clamp(vec2<i32>(floor((p / shape.half_size * 0.5 + 0.5) * frame.field_size)),
                         vec2<i32>(0), size - vec2<i32>(1));
        let d = box_sdf(p, shape.half_size, 0.0);
        color = over(color, field[cell.y * size.x + cell.x], inside(d));
    } else if (kind == 5u) {
        let along = clamp(p.x, -shape.half_size.x + shape.half_size.y, shape.half_size.x - shape.half_size.y);
        let d = length(p - vec2<f32>(along, 0.0)) - shape.half_size.y;
        color = over(over(color, shape.line, inside(d)), shape.fill, inside(d + shape.param));
    } else {
        let along = clamp(p.x, -shape.half_size.x + shape.half_size.y, shape.half_size.x - shape.half_size.y);
        let d = length(p - vec2<f32>(along, 0.0)) - shape.half_size.y;
        let fade = clamp(0.5 + 0.5 * p.x / shape.half_size.x, 0.0, 1.0);
        color = over(color, shape.fill, inside(d) * fade);
    }
    if (color.a <= 0.0) {
        discard;
    }
    return color;   // blended src-alpha / one-minus-src-alpha
}
