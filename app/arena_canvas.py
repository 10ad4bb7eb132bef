"""Draws the match with the canvas's 2D context: the page's renderer on software adapters.

Without a GPU, Chromium composites the page in software: every frame of a
WebGPU canvas is read back from the software rasteriser (SwiftShader) into
the compositor's memory, and on a 2-core machine that readback took a third of
a core at 30 fps, beside the copy of the cached pitch and the draw itself:
0.86-1.00 of a core for the page with nothing training, 0.40 with this
renderer's 2D canvas, whose pixels the compositor reads where they are (`docs/gpu_engine.md`, "The show match's
canvas on a software adapter"). That core is the trainer's, whose WGSL runs
on the same SwiftShader: the page trained 1.5x faster with this renderer.

So on software adapters the page draws the frame that app/arena_scene.py
describes with the 2D context instead of shaders/arena.wgsl (`?render=webgpu`
keeps WebGPU). The same shapes, colours and sizes, as paths in world metres:

- the canvas transform maps a shape's own frame to device pixels,
      px = W/2 + k (cx + x ax - y ay),   py = H/2 - k (cy + x ay + y ax)
  (k pixels per metre, (ax, ay) the shape's rotation, y up in the world);
- a shape with an outline is two fills, the outline's colour over the whole
  shape, then the fill's over the shape shrunk by its outline width, as the
  shader's two `over`s do;
- the pitch is painted into a canvas of its own when the canvas size
  changes, the value field over a copy of it when a new field arrives, and
  each frame starts with one `drawImage` of the one shown.
"""

from math import pi

import js
from pyodide.ffi import jsnull, to_js

from app.arena_scene import (
    ARC_HALF, BOX_OUTLINE, CENTRE_CIRCLE_RADIUS, CENTRE_SPOT_RADIUS, GOAL_AREA_DEPTH, GOAL_AREA_OVERHANG,
    GRASS_LIGHT, LINE_HALF, MARKING, NET, NET_HALF, NET_SPACING, STRIPES, SURROUND, backing_size,
    pixels_per_metre, scene_shapes, stripe_colour,
)
from app.overlays import ARC, BOX, CAPSULE, CIRCLE, TRAIL
from sim.constants import GOAL_DEPTH, GOAL_HALF_WIDTH, HALF_LENGTH, HALF_WIDTH

STALE = "stale"                # CanvasArena.background when the backdrop holds no field yet


def css_colour(rgba) -> str:
    """(r, g, b, a) in 0..1, straight alpha -> a CSS colour."""
    r, g, b, a = rgba
    return f"rgba({round(255 * r)},{round(255 * g)},{round(255 * b)},{a:.4g})"


class CanvasArena:
    def __init__(self, canvas):
        context = canvas.getContext("2d", to_js({"alpha": False}, dict_converter=js.Object.fromEntries))
        if context in (None, jsnull):
            raise RuntimeError("the arena canvas has no 2D context (another context type already owns it)")
        self.canvas, self.context = canvas, context
        self.pitch = js.document.createElement("canvas")        # the pitch, at the canvas's size
        self.backdrop = js.document.createElement("canvas")     # the pitch and the value field over it
        self.cells = js.document.createElement("canvas")        # the value field, one pixel per cell
        self.pixels_per_metre = 1.0
        self.painted_size = None        # (width, height) the pitch was painted at
        self.background = STALE         # the FieldImage version in the backdrop, or STALE
        self.styles = {}                # rgba -> CSS colour
        self.fill_style = None          # the context's fillStyle, as last set here

    @property
    def lost(self) -> bool:
        """Never: a 2D context outlives the page's GPU device."""
        return False

    def style(self, rgba) -> str:
        style = self.styles.get(rgba)
        if style is None:
            style = self.styles[rgba] = css_colour(rgba)
        return style

    # --- view transform ---------------------------------------------------------------
    def fit_canvas(self) -> None:
        """Match the backing store to CSS size x devicePixelRatio; on a change, refit the view."""
        width, height = backing_size(self.canvas.clientWidth, self.canvas.clientHeight, js.window.devicePixelRatio)
        if self.painted_size == (width, height):
            return
        self.fill_style = None                                # a resized canvas resets its context
        self.canvas.width = self.pitch.width = self.backdrop.width = width
        self.canvas.height = self.pitch.height = self.backdrop.height = height
        self.pixels_per_metre = pixels_per_metre(width, height)
        self.paint_pitch(self.pitch.getContext("2d"))
        self.painted_size = (width, height)
        self.background = STALE

    def set_frame(self, context, cx: float, cy: float, ax: float, ay: float) -> None:
        """Draw in the frame of a shape centred at (cx, cy) and turned by (ax, ay) = (cos, sin), in metres."""
        k = self.pixels_per_metre
        context.setTransform(k * ax, -k * ay, -k * ay, -k * ax,
                             self.canvas.width / 2 + k * cx, self.canvas.height / 2 - k * cy)

    # --- background -------------------------------------------------------------------
    def background_for(self, field):
        """The pitch, or with `field` (a FieldImage) the backdrop: the pitch with the field drawn over it
        when a new field arrived."""
        if field is None:
            return self.pitch
        if field.version != self.background:
            context = self.backdrop.getContext("2d")
            context.setTransform(1, 0, 0, 1, 0, 0)
            context.drawImage(self.pitch, 0, 0)
            self.paint_field(context, field)
            self.background = field.version
        return self.backdrop

    def paint_pitch(self, context) -> None:
        """arena.wgsl's `pitch`: the surround, striped grass over the pitch and the goal recesses,
        the markings (one path, so that crossing lines are not painted twice), the nets."""
        L, W, G, D = HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH, GOAL_DEPTH
        context.setTransform(1, 0, 0, 1, 0, 0)
        context.fillStyle = self.style(SURROUND)
        context.fillRect(0, 0, self.canvas.width, self.canvas.height)
        self.set_frame(context, 0.0, 0.0, 1.0, 0.0)
        context.save()
        context.beginPath()
        context.rect(-L, -W, 2 * L, 2 * W)
        context.rect(L, -G, D, 2 * G)
        context.rect(-L - D, -G, D, 2 * G)
        context.clip()
        context.fillStyle = self.style(GRASS_LIGHT)           # under the stripes: no seams between them
        context.fillRect(-L - D, -W, 2 * (L + D), 2 * W)
        stripe = 2 * L / STRIPES
        first = -int(D // stripe) - 1
        for index in range(first, STRIPES - first):
            colour = stripe_colour(index)
            if colour != GRASS_LIGHT:
                context.fillStyle = self.style(colour)
                context.fillRect(-L + index * stripe, -W, stripe, 2 * W)
        context.restore()
        context.beginPath()
        context.rect(-L, -W, 2 * L, 2 * W)                    # boundary and goal lines
        context.moveTo(0, -W)
        context.lineTo(0, W)                                  # halfway line
        context.moveTo(CENTRE_CIRCLE_RADIUS, 0)
        context.arc(0, 0, CENTRE_CIRCLE_RADIUS, 0, 2 * pi)
        spot = CENTRE_SPOT_RADIUS - LINE_HALF                 # stroked 2 LINE_HALF wide: the spot's disc
        context.moveTo(spot, 0)
        context.arc(0, 0, spot, 0, 2 * pi)
        for side in (-1, 1):                                  # goal areas
            context.rect(side * L - (GOAL_AREA_DEPTH if side > 0 else 0), -G - GOAL_AREA_OVERHANG,
                         GOAL_AREA_DEPTH, 2 * (G + GOAL_AREA_OVERHANG))
        context.lineWidth = 2 * LINE_HALF
        context.strokeStyle = self.style(MARKING)
        context.stroke()
        context.save()                                        # nets: strands along x + y and x - y
        context.beginPath()
        context.rect(L, -G, D, 2 * G)
        context.rect(-L - D, -G, D, 2 * G)
        context.clip()
        context.beginPath()
        reach = L + D + G                                     # every strand crosses the recesses' square
        strands = int(reach / NET_SPACING) + 1
        for k in range(-strands, strands):
            # x + y = c and x - y = c, c = (k + 1/2) NET_SPACING: arena.wgsl's fract((x +- y) * 5) = 1/2
            c = (k + 0.5) * NET_SPACING
            context.moveTo(c - reach, reach)
            context.lineTo(c + reach, -reach)
            context.moveTo(c - reach, -reach)
            context.lineTo(c + reach, reach)
        context.lineWidth = 2 * NET_HALF / 2 ** 0.5           # NET_HALF is along x + y; the width is across
        context.strokeStyle = self.style(NET)
        context.stroke()
        context.restore()

    def paint_field(self, context, field) -> None:
        """The value field: one pixel per cell in `self.cells`, stretched over the pitch unsmoothed.
        Its rows run from the bottom left, which the y-up world frame puts at the bottom."""
        columns, rows = field.columns, field.rows
        self.cells.width, self.cells.height = columns, rows
        cells_context = self.cells.getContext("2d")
        image = cells_context.createImageData(columns, rows)
        image.data.assign(bytes(min(255, max(0, round(255 * v))) for v in field.colours))
        cells_context.putImageData(image, 0, 0)
        self.set_frame(context, 0.0, 0.0, 1.0, 0.0)
        context.imageSmoothingEnabled = False
        context.drawImage(self.cells, -HALF_LENGTH, -HALF_WIDTH, 2 * HALF_LENGTH, 2 * HALF_WIDTH)

    # --- shapes -------------------------------------------------------------------------
    def fill_round_rect(self, half_x: float, half_y: float, radius: float, rgba) -> None:
        if half_x <= 0 or half_y <= 0:
            return
        context, style = self.context, self.style(rgba)
        if style != self.fill_style:                  # each property set is a call into JavaScript
            context.fillStyle = self.fill_style = style
        context.beginPath()
        context.roundRect(-half_x, -half_y, 2 * half_x, 2 * half_y, max(0.0, min(radius, half_x, half_y)))
        context.fill()

    def paint(self, shape) -> None:
        """One shape of app/arena_scene.py in its own frame: arena.wgsl's `fs_main` as paths."""
        kind, cx, cy, hx, hy, ax, ay, param, fill, line = shape
        context = self.context
        self.set_frame(context, cx, cy, ax, ay)
        filled = line != fill or fill[3] < 1.0                # else the fill adds nothing to its outline
        if kind == BOX:
            self.fill_round_rect(hx, hy, param, line)
            if filled:
                self.fill_round_rect(hx - BOX_OUTLINE, hy - BOX_OUTLINE, param - BOX_OUTLINE, fill)
        elif kind == CIRCLE:
            self.fill_round_rect(hx, hx, hx, line)
            if filled:
                self.fill_round_rect(hx - param, hx - param, hx - param, fill)
        elif kind == CAPSULE:
            self.fill_round_rect(hx, hy, hy, line)
            if filled:
                self.fill_round_rect(hx - param, hy - param, hy - param, fill)
        elif kind == ARC:
            if param > 0:                                     # from the top toward -x, the fraction `param`
                context.beginPath()
                context.arc(0, 0, hx, pi / 2, pi / 2 + 2 * pi * min(param, 1.0))
                context.lineWidth = 2 * ARC_HALF
                context.strokeStyle = self.style(fill)
                context.stroke()
        elif kind == TRAIL:                                   # fading toward -x
            gradient = context.createLinearGradient(-hx, 0, hx, 0)
            gradient.addColorStop(0, self.style((*fill[:3], 0.0)))
            gradient.addColorStop(1, self.style(fill))
            context.fillStyle = gradient
            self.fill_style = None
            context.beginPath()
            context.roundRect(-hx, -hy, 2 * hx, 2 * hy, min(hx, hy))
            context.fill()
        else:
            raise ValueError(f"shape kind {kind} is not drawn in a frame (the pitch and the field are "
                             "the background's)")

    def draw(self, view: dict, overlays=(), field=None) -> None:
        """Draw one frame of `view` (a `SoccerEnv.snapshot()`-shaped dict) with `field` (a FieldImage
        or None) and `overlays` (app/overlays.py's shape tuples) over the pitch, under the players
        and the ball."""
        self.fit_canvas()
        context = self.context
        context.setTransform(1, 0, 0, 1, 0, 0)
        context.drawImage(self.background_for(field), 0, 0)
        for shape in scene_shapes(view, overlays):
            self.paint(shape)
