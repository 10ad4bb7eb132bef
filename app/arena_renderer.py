"""Draws the match with WebGPU: one instanced, SDF-shaded draw call per frame (shaders/arena.wgsl).

The page's renderer on hardware adapters (app/arena_scene.py says what a frame
holds; app/arena_canvas.py draws the same frame on software adapters). Per
frame it packs every shape of `scene_shapes` into one float32
array, writes it to the GPU with a single `write_buffer`, copies the cached
pitch image into the canvas texture and issues `draw(6, shape_count)` over it.
The pitch (the one full-canvas shape, and by far the most fragment work) is
drawn into its own texture only when the canvas size changes: on a software
rasteriser (SwiftShader) this keeps a frame cheap. The canvas backing store follows the element's CSS
size times devicePixelRatio, and the pitch is fitted into it with its aspect
ratio kept, so shapes stay crisp at any zoom. The value field
(app/value_field.py) is drawn into that same cached background, over the
pitch, only when a new field arrives (a few times a second) or is shown or
hidden: its cells' colours go to their own storage buffer and one quad looks
each pixel's cell up there. Drawn every frame instead, that full-pitch quad
cut SwiftShader's frame rate from 28 to 10 fps here.
"""

from array import array

import js

import gpu
from app.arena_scene import VIEW_HALF_X, VIEW_HALF_Y, WHITE, backing_size, pixels_per_metre, scene_shapes
from app.overlays import FIELD, PITCH
from app.value_field import FIELD_RGBA
from gpu.browser import configure_canvas
from sim.constants import GOAL_DEPTH, GOAL_HALF_WIDTH, HALF_LENGTH, HALF_WIDTH

FLOATS_PER_SHAPE = 16          # struct Shape in arena.wgsl: 64 bytes
MAX_SHAPES = 64
MAX_FIELD_CELLS = 4096         # the value field's grid, at most
STALE = "stale"                # ArenaRenderer.background when the texture holds nothing yet
FRAME_UNIFORM_BYTES = 48       # struct Frame in arena.wgsl


class ArenaRenderer:
    def __init__(self, device, canvas, context, texture_format, pipeline, frame_buffer, shape_buffer, field_buffer,
                 bind_group):
        self.device, self.canvas, self.context, self.pipeline = device, canvas, context, pipeline
        self.texture_format = texture_format
        self.frame_buffer, self.shape_buffer, self.field_buffer = frame_buffer, shape_buffer, field_buffer
        self.bind_group = bind_group
        self.field_size = (0.0, 0.0)    # (columns, rows) of the field in field_buffer
        self.pixels_per_metre = 1.0
        self.shapes = array("f")
        self.pitch_texture = None       # the pitch (and the value field) drawn at the canvas's current size
        self.background = None          # the FieldImage version in pitch_texture (None: no field), or STALE

    @classmethod
    async def create(cls, device, canvas) -> "ArenaRenderer":
        context, texture_format = configure_canvas(
            device, canvas, usage=gpu.TextureUsage.RENDER_ATTACHMENT | gpu.TextureUsage.COPY_DST)
        async with device.error_scope("building the arena renderer"):
            module = device.create_shader_module(code=gpu.shader_source("arena"), label="arena")
            blend = {"color": {"src_factor": "src-alpha", "dst_factor": "one-minus-src-alpha", "operation": "add"},
                     "alpha": {"src_factor": "one", "dst_factor": "one-minus-src-alpha", "operation": "add"}}
            pipeline = device.create_render_pipeline(
                layout="auto",
                vertex={"module": module, "entry_point": "vs_main"},
                fragment={"module": module, "entry_point": "fs_main",
                          "targets": [{"format": texture_format, "blend": blend}]},
                primitive={"topology": "triangle-list"},
                label="arena")
            frame_buffer = device.create_buffer(size=FRAME_UNIFORM_BYTES,
                                                usage=gpu.BufferUsage.UNIFORM | gpu.BufferUsage.COPY_DST)
            shape_buffer = device.create_buffer(size=4 * FLOATS_PER_SHAPE * MAX_SHAPES,
                                                usage=gpu.BufferUsage.STORAGE | gpu.BufferUsage.COPY_DST)
            field_buffer = device.create_buffer(size=4 * FIELD_RGBA * MAX_FIELD_CELLS,
                                                usage=gpu.BufferUsage.STORAGE | gpu.BufferUsage.COPY_DST)
            bind_group = device.create_bind_group(
                layout=pipeline.get_bind_group_layout(0),
                entries=[{"binding": 0, "resource": {"buffer": frame_buffer}},
                         {"binding": 1, "resource": {"buffer": shape_buffer}},
                         {"binding": 2, "resource": {"buffer": field_buffer}}])
        return cls(device, canvas, context, texture_format, pipeline, frame_buffer, shape_buffer, field_buffer,
                   bind_group)

    @property
    def lost(self) -> bool:
        """True once its device is lost: the page re-acquires a device and makes a new renderer."""
        return self.device.lost

    # --- view transform ---------------------------------------------------------------
    def fit_canvas(self) -> None:
        """Match the backing store to CSS size x devicePixelRatio; on a change,
        refit the view and make a new texture for the background."""
        width, height = backing_size(self.canvas.clientWidth, self.canvas.clientHeight, js.window.devicePixelRatio)
        if self.pitch_texture is not None and (self.canvas.width, self.canvas.height) == (width, height):
            return
        self.canvas.width, self.canvas.height = width, height
        self.pixels_per_metre = pixels_per_metre(width, height)
        scale = self.pixels_per_metre
        frame = array("f", [2 * scale / width, 2 * scale / height, 0.0, 0.0, 1.0 / scale,
                            HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_DEPTH, 0.0, *self.field_size])
        self.device.queue.write_buffer(self.frame_buffer, 0, frame)
        if self.pitch_texture is not None:
            self.pitch_texture.destroy()
        self.pitch_texture = self.device.create_texture(
            size=[width, height, 1], format=self.texture_format,
            usage=gpu.TextureUsage.RENDER_ATTACHMENT | gpu.TextureUsage.COPY_SRC, label="pitch")
        self.background = STALE

    def paint_background(self, field) -> None:
        """Draw the pitch and `field` (a FieldImage or None) into the cached texture, when either changed."""
        version = None if field is None else field.version
        if version == self.background:
            return
        self.shapes = array("f")
        self.add(PITCH, 0.0, 0.0, VIEW_HALF_X, VIEW_HALF_Y, 1.0, 0.0, 0.0, WHITE, WHITE)
        if field is not None:
            if field.columns * field.rows > MAX_FIELD_CELLS:
                raise ValueError(f"the value field has {field.columns * field.rows} cells, at most "
                                 f"{MAX_FIELD_CELLS} can be drawn")
            self.device.queue.write_buffer(self.field_buffer, 0, field.colours)
            self.field_size = (float(field.columns), float(field.rows))
            self.device.queue.write_buffer(self.frame_buffer, 40, array("f", self.field_size))
            self.add(FIELD, 0.0, 0.0, HALF_LENGTH, HALF_WIDTH, 1.0, 0.0, 0.0, WHITE, WHITE)
        self.render(self.pitch_texture.create_view(), "clear")
        self.background = version

    # --- shapes -------------------------------------------------------------------------
    def add(self, kind, cx, cy, hx, hy, ax, ay, param, fill, line) -> None:
        self.shapes.extend((cx, cy, hx, hy, ax, ay, kind, param, *fill, *line))

    def render(self, target_view, load_op: str, encoder=None) -> None:
        """Draw self.shapes into `target_view` (and submit, with `encoder` if given)."""
        self.device.queue.write_buffer(self.shape_buffer, 0, self.shapes)
        encoder = encoder or self.device.create_command_encoder()
        render_pass = encoder.begin_render_pass(color_attachments=[{
            "view": target_view, "load_op": load_op, "store_op": "store", "clear_value": [0.09, 0.17, 0.11, 1.0]}])
        render_pass.set_pipeline(self.pipeline)
        render_pass.set_bind_group(0, self.bind_group)
        render_pass.draw(6, len(self.shapes) // FLOATS_PER_SHAPE)
        render_pass.end()
        self.device.queue.submit([encoder.finish()])

    def draw(self, view: dict, overlays=(), field=None) -> None:
        """Draw one frame of `view` (a `SoccerEnv.snapshot()`-shaped dict) with `field` (a FieldImage
        or None) and `overlays` (app/overlays.py's shape tuples) over the pitch, under the players
        and the ball."""
        self.fit_canvas()
        self.paint_background(field)
        self.shapes = array("f")
        for shape in scene_shapes(view, overlays):
            self.add(*shape)
        target = self.context.get_current_texture()
        encoder = self.device.create_command_encoder()
        encoder.copy_texture_to_texture({"texture": self.pitch_texture}, {"texture": target},
                                        [self.canvas.width, self.canvas.height, 1])
        self.render(target.create_view(), "load", encoder)
