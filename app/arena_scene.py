"""What the arena shows, for either way of drawing it. Pure Python, tested in CPython.

A frame is the cached background (the pitch, and the value field when shown)
under a list of shapes: the goal posts, the overlays (app/overlays.py), the
players with heading markers and dash-cooldown rings, the ball and its motion
trail. A shape is a tuple (kind, cx, cy, hx, hy, ax, ay, param, fill, line),
the fields of `struct Shape` in shaders/arena.wgsl, in world metres; its kinds
and their meaning are listed at the top of that shader.

Two renderers draw the same frame (`Arena`): app/arena_renderer.py with
WebGPU (one instanced SDF draw call) and app/arena_canvas.py with the
canvas's 2D context (on software adapters, where presenting a WebGPU canvas
costs a third of a core; see that file). Both size the canvas's backing
store and fit the pitch into it here (`backing_size`, `pixels_per_metre`);
pointer input and `window.dshq` map points with `css_to_world` and
`world_to_css`.
"""

from math import fmod, sqrt
from typing import Protocol

from app.overlays import ARC, BOX, CIRCLE, TRAIL
from sim.constants import (
    BALL_RADIUS, DASH_COOLDOWN_TICKS, DT, GOAL_DEPTH, HALF_LENGTH, HALF_WIDTH, GOAL_HALF_WIDTH,
    PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH, POST_RADIUS,
)

VIEW_HALF_X = HALF_LENGTH + GOAL_DEPTH + 0.4    # m, what the view must show
VIEW_HALF_Y = HALF_WIDTH + 0.4
TEAM_COLOURS = {"blue": (0.27, 0.52, 0.96, 1.0), "red": (0.93, 0.32, 0.29, 1.0)}
OUTLINE = (0.06, 0.08, 0.10, 1.0)
WHITE = (0.97, 0.97, 0.95, 1.0)
TRAIL_SECONDS = 0.08           # s, trail length = speed * this
DASH_COOLDOWN_SECONDS = DASH_COOLDOWN_TICKS * DT

# The pitch (shaders/arena.wgsl's `pitch`, app/arena_canvas.py's `paint_pitch`): rgba, straight alpha.
GRASS_LIGHT = (0.20, 0.55, 0.24, 1.0)
GRASS_DARK = (0.17, 0.49, 0.21, 1.0)
SURROUND = (0.09, 0.17, 0.11, 1.0)
MARKING = (0.93, 0.96, 0.93, 0.9)
NET = (0.85, 0.88, 0.90, 0.55)
LINE_HALF = 0.04               # m, half width of a marking
STRIPES = 12                   # grass stripes along the pitch's length
CENTRE_CIRCLE_RADIUS = 1.5     # m
CENTRE_SPOT_RADIUS = 0.1       # m
GOAL_AREA_DEPTH = 1.2          # m from the goal line
GOAL_AREA_OVERHANG = 0.6       # m beyond each goal post
NET_SPACING = 0.2              # m along x + y (and x - y) between the strands of a net
NET_HALF = 0.012               # m along x + y, half the width of a strand
BOX_OUTLINE = 0.05             # m, the outline of a box (players) inside its edge
ARC_HALF = 0.035               # m, half the width of an arc's ring


class Arena(Protocol):
    """A renderer of the arena onto the page's canvas."""

    pixels_per_metre: float      # of the canvas's backing store, after the latest draw

    @property
    def lost(self) -> bool:
        """True once it can no longer draw (WebGPU: its device was lost); the page makes a new one."""

    def draw(self, view: dict, overlays=(), field=None) -> None:
        """Draw one frame of `view` (a `SoccerEnv.snapshot()`-shaped dict) with `field` (a FieldImage
        or None) and `overlays` (app/overlays.py's shape tuples) over the pitch, under the players
        and the ball."""


def backing_size(client_width: float, client_height: float, device_pixel_ratio: float) -> tuple[int, int]:
    """The canvas's backing store in device pixels: its CSS size times devicePixelRatio, at least 1 x 1."""
    ratio = device_pixel_ratio or 1
    return max(1, round(client_width * ratio)), max(1, round(client_height * ratio))


def pixels_per_metre(width: int, height: int) -> float:
    """The scale that fits the view (VIEW_HALF_X x VIEW_HALF_Y each side of the centre) into a
    backing store of width x height device pixels, its aspect ratio kept."""
    return min(width / (2 * VIEW_HALF_X), height / (2 * VIEW_HALF_Y))


def css_to_world(css_x: float, css_y: float, canvas, scale: float) -> tuple[float, float]:
    """A point in CSS pixels inside `canvas` (its width, height and clientWidth), drawn at `scale`
    device pixels per metre -> world metres (y up, origin at the centre)."""
    ratio = canvas.width / max(1, canvas.clientWidth)
    return (css_x * ratio - canvas.width / 2) / scale, -(css_y * ratio - canvas.height / 2) / scale


def world_to_css(x: float, y: float, canvas, scale: float) -> tuple[float, float]:
    """`css_to_world`'s inverse: world metres -> CSS pixels inside `canvas`."""
    ratio = canvas.width / max(1, canvas.clientWidth)
    return (x * scale + canvas.width / 2) / ratio, (-y * scale + canvas.height / 2) / ratio


def stripe_colour(index: int) -> tuple:
    """The grass of stripe `index` (0 from the left goal line): arena.wgsl's
    mix(GRASS_LIGHT, GRASS_DARK, floor(...) % 2), whose % keeps the sign (-1 left of the pitch)."""
    t = fmod(index, 2.0)
    return tuple(light + (dark - light) * t for light, dark in zip(GRASS_LIGHT, GRASS_DARK))


def player_shapes(team: str, body) -> list[tuple]:
    """A player's body, its heading marker and, while it cools down, its dash ring."""
    x, y, c, s, _vx, _vy, _omega, cooldown = body
    front = PLAYER_HALF_LENGTH - 0.09
    shapes = [(BOX, x, y, PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH, c, s, 0.07, TEAM_COLOURS[team], OUTLINE),
              (CIRCLE, x + c * front, y + s * front, 0.075, 0.075, 1.0, 0.0, 0.0, WHITE, WHITE)]
    if cooldown > 0:
        progress = 1.0 - cooldown / DASH_COOLDOWN_SECONDS
        shapes.append((ARC, x, y, 0.62, 0.62, 1.0, 0.0, progress, (1.0, 0.85, 0.3, 0.9), OUTLINE))
    return shapes


def ball_shapes(ball) -> list[tuple]:
    """The ball and, when it moves faster than 1 m/s, its trail."""
    x, y, vx, vy = ball
    speed = sqrt(vx * vx + vy * vy)
    shapes = []
    if speed > 1.0:
        length = speed * TRAIL_SECONDS
        shapes.append((TRAIL, x - vx / speed * length / 2, y - vy / speed * length / 2,
                       length / 2 + BALL_RADIUS, BALL_RADIUS * 0.8, vx / speed, vy / speed, 0.0,
                       (1.0, 1.0, 1.0, 0.35), OUTLINE))
    shapes.append((CIRCLE, x, y, BALL_RADIUS, BALL_RADIUS, 1.0, 0.0, 0.03, WHITE, OUTLINE))
    return shapes


def scene_shapes(view: dict, overlays=()) -> list[tuple]:
    """Every shape of a frame, in drawing order: posts, overlays, players, ball."""
    shapes = [(CIRCLE, sx * (HALF_LENGTH + POST_RADIUS), sy * (GOAL_HALF_WIDTH + POST_RADIUS),
               POST_RADIUS, POST_RADIUS, 1.0, 0.0, 0.03, WHITE, OUTLINE)
              for sx in (-1.0, 1.0) for sy in (-1.0, 1.0)]
    shapes.extend(overlays)
    shapes.extend(player_shapes("blue", view["blue"]))
    shapes.extend(player_shapes("red", view["red"]))
    shapes.extend(ball_shapes(view["ball"]))
    return shapes


RENDERERS = ("webgpu", "canvas")


def choose_renderer(requested: str | None, software: bool) -> tuple[str, str]:
    """Which renderer draws the arena, and why: `requested` is the URL's ?render= (None: choose),
    `software` whether the page's adapter is a software rasteriser. ValueError names a bad request."""
    if requested is not None:
        if requested not in RENDERERS:
            raise ValueError(f"the URL parameter render must be one of {', '.join(RENDERERS)}, got {requested!r}")
        return requested, f"asked for in the URL (render={requested})"
    if software:
        return "canvas", ("a software adapter: the 2D canvas leaves the trainer the core that presenting "
                          "a WebGPU canvas would take")
    return "webgpu", "a hardware adapter"
