"""What the arena shows, for either renderer (app/arena_scene.py), in CPython: the choice of
renderer, the view's fit and its inverse, a frame's shapes, and the pitch's numbers, which the 2D
canvas (app/arena_canvas.py) takes from here and shaders/arena.wgsl spells out: the two must agree."""

import re
from types import SimpleNamespace

import pytest

from app import arena_scene as scene
from app.overlays import ARC, BOX, CIRCLE, TRAIL
from gpu import shader_source
from sim.constants import BALL_RADIUS, DASH_COOLDOWN_TICKS, DT


def test_software_adapters_get_the_2d_canvas_hardware_ones_webgpu_and_the_url_overrides_both():
    assert scene.choose_renderer(None, software=True)[0] == "canvas"
    assert "software adapter" in scene.choose_renderer(None, software=True)[1]
    assert scene.choose_renderer(None, software=False) == ("webgpu", "a hardware adapter")
    for render in scene.RENDERERS:
        for software in (True, False):
            kind, reason = scene.choose_renderer(render, software)
            assert kind == render and f"render={render}" in reason
    with pytest.raises(ValueError, match=r"render must be one of webgpu, canvas, got 'vector'"):
        scene.choose_renderer("vector", software=True)


def test_the_view_fits_the_pitch_and_css_points_map_back_to_the_world():
    k = scene.pixels_per_metre(960, 600)
    assert k == pytest.approx(min(960 / (2 * scene.VIEW_HALF_X), 600 / (2 * scene.VIEW_HALF_Y)))
    assert 2 * scene.VIEW_HALF_X * k <= 960 + 1e-9 and 2 * scene.VIEW_HALF_Y * k <= 600 + 1e-9
    # A 480 x 300 CSS-pixel element at devicePixelRatio 2: a 960 x 600 backing store.
    assert scene.backing_size(480, 300, 2) == (960, 600)
    assert scene.backing_size(480.4, 0, None) == (480, 1)        # no ratio reads as 1; never 0 pixels
    canvas = SimpleNamespace(width=960, height=600, clientWidth=480)
    for x, y in ((0.0, 0.0), (3.0, -2.0), (-scene.VIEW_HALF_X, scene.VIEW_HALF_Y)):
        css = ((x * k + 480) / 2, (-y * k + 300) / 2)
        assert scene.css_to_world(*css, canvas, k) == pytest.approx((x, y))
        assert scene.world_to_css(x, y, canvas, k) == pytest.approx(css)


def test_a_frame_holds_posts_overlays_players_and_ball_in_drawing_order():
    view = {"blue": (-2.0, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            "red": (2.0, -0.5, -1.0, 0.0, 0.0, 0.0, 0.0, DASH_COOLDOWN_TICKS * DT / 4),
            "ball": (0.0, 0.0, 3.0, 4.0)}
    overlay = (CIRCLE, 1.0, 1.0, 0.1, 0.1, 1.0, 0.0, 0.0, scene.WHITE, scene.OUTLINE)
    shapes = scene.scene_shapes(view, [overlay])
    kinds = [shape[0] for shape in shapes]
    assert kinds == [CIRCLE] * 4 + [CIRCLE] + [BOX, CIRCLE] + [BOX, CIRCLE, ARC] + [TRAIL, CIRCLE]
    assert shapes[4] == overlay
    assert all(len(shape) == 10 for shape in shapes)
    assert shapes[5][9] == scene.OUTLINE and shapes[5][8] == scene.TEAM_COLOURS["blue"]
    assert shapes[9][7] == pytest.approx(0.75)           # the red player's dash ring: 3/4 cooled down
    trail = shapes[10]
    assert (trail[5], trail[6]) == pytest.approx((0.6, 0.8))     # along the ball's velocity
    assert (trail[3], trail[4]) == pytest.approx((5.0 * scene.TRAIL_SECONDS / 2 + BALL_RADIUS, 0.8 * BALL_RADIUS))
    still = dict(view, ball=(0.0, 0.0, 0.5, 0.0))
    assert TRAIL not in [shape[0] for shape in scene.scene_shapes(still)]


def test_stripes_alternate_and_left_of_the_pitch_follow_the_shaders_signed_remainder():
    assert scene.stripe_colour(0) == scene.GRASS_LIGHT
    assert scene.stripe_colour(1) == pytest.approx(scene.GRASS_DARK)
    assert scene.stripe_colour(12) == scene.GRASS_LIGHT
    assert scene.stripe_colour(-1) == pytest.approx(tuple(2 * light - dark for light, dark in
                                                          zip(scene.GRASS_LIGHT, scene.GRASS_DARK)))


def wgsl_vec4(source: str, name: str) -> tuple:
    numbers = re.search(rf"const {name} = vec4<f32>\(([^)]*)\);", source).group(1)
    return tuple(float(n) for n in numbers.split(","))


def test_the_pitch_and_shape_numbers_match_the_shader():
    source = shader_source("arena")
    for name in ("GRASS_LIGHT", "GRASS_DARK", "SURROUND", "MARKING", "NET"):
        assert wgsl_vec4(source, name) == getattr(scene, name), name
    assert float(re.search(r"const LINE_HALF = ([0-9.]+);", source).group(1)) == scene.LINE_HALF
    spelled = {
        rf"\* {scene.STRIPES:.1f}\) % 2\.0": "STRIPES",
        rf"abs\(length\(p\) - {scene.CENTRE_CIRCLE_RADIUS}\) - LINE_HALF": "CENTRE_CIRCLE_RADIUS",
        rf"length\(p\) - {scene.CENTRE_SPOT_RADIUS}\)": "CENTRE_SPOT_RADIUS",
        rf"abs\(p\.x\) - \(L - {scene.GOAL_AREA_DEPTH / 2}\), p\.y\), "
        rf"vec2<f32>\({scene.GOAL_AREA_DEPTH / 2}, G \+ {scene.GOAL_AREA_OVERHANG}\)": "GOAL_AREA_*",
        rf"fract\(\(p\.x \+ p\.y\) \* {1 / scene.NET_SPACING:.1f}\) - 0\.5\) \* {scene.NET_SPACING} - "
        rf"{scene.NET_HALF}": "NET_SPACING, NET_HALF",
        rf"inside\(d \+ {scene.BOX_OUTLINE}\)": "BOX_OUTLINE",
        rf"abs\(length\(p\) - shape\.half_size\.x\) - {scene.ARC_HALF}": "ARC_HALF",
    }
    for pattern, name in spelled.items():
        assert re.search(pattern, source), f"{name}: arena.wgsl no longer says {pattern}"
