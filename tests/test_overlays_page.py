"""The overlays in real headless Chromium: the intent glyph is drawn at the network player when
shown and gone when hidden, and its numbers are a CPython forward of the same observation through
the same weights (the untrained learner: init_params(model, 1)); the value field's cells are a
CPython forward too, drawn in their viridis colours, and dragging in Sandbox moves the glyph's
and the field's numbers and colours before the drag ends."""

import math
import time

import pytest

from app.colormap import viridis
from app.network_player import softmax
from app.overlays import MOVE_DIRECTIONS, PETAL_BASE, PETAL_LENGTH, marginals
from app.value_field import ValueFieldConfig, cell_centres, field_values
from harness import PageSession
from rl.live.setup import LiveSetup
from rl.model import init_params
from rl.policy import Policy
from sim.constants import HALF_LENGTH

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def session(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    status = session.open()
    assert status["ready"] and status["error"] is None
    session.page.select_option("#blue-policy", "learner")
    session.wait_for_label("blue", "v0 (untrained)")
    session.page.click("#play")                       # pause
    session.page.wait_for_function("!window.dshq.status().playing")
    session.page.fill("#seed", "4")
    session.page.click("#reset")
    session.page.click("#step")                       # one decision of the network player
    session.page.wait_for_function("window.dshq.decision('blue') !== null")
    yield session
    session.close()


def petal_tips(session) -> list[tuple[float, float]]:
    """CSS points 80% along each of Blue's four move petals."""
    decision = session.page.evaluate("window.dshq.decision('blue')")
    x, y, c, s = session.page.evaluate("window.dshq.snapshot()")["blue"][:4]
    move, _, _ = marginals(decision["probabilities"])
    points = []
    for (ux, uy), p in zip(MOVE_DIRECTIONS, move[1:]):
        reach = PETAL_BASE + 0.8 * PETAL_LENGTH * p
        points.append(session.page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)",
                                            [x + (c * ux - s * uy) * reach, y + (s * ux + c * uy) * reach]))
    return points


def yellow(rgb) -> bool:
    return rgb[0] > 150 and rgb[1] > 150 and rgb[2] < 120


def drawn(session, points, glyph: bool, timeout_s: float = 5.0) -> list:
    """Wait until every point shows the glyph's yellow (glyph) or none does (the status can change a
    frame before the canvas); the pixels, whatever they are when the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        pixels = session.canvas_pixels_at(points)
        if (all(map(yellow, pixels)) if glyph else not any(map(yellow, pixels))) or time.monotonic() > deadline:
            return pixels
        session.page.wait_for_timeout(100)


def test_the_intent_glyph_appears_around_the_player_with_i_and_goes_with_i_again(session):
    points = petal_tips(session)
    assert session.status()["overlays"] == []
    assert not any(map(yellow, session.canvas_pixels_at(points)))
    session.page.locator("#arena").click()
    session.page.keyboard.press("i")
    session.page.wait_for_function("window.dshq.status().overlays.includes('intent')")
    pixels = drawn(session, points, glyph=True)
    assert all(map(yellow, pixels)), pixels
    assert session.page.is_checked("#show-intent")
    session.page.keyboard.press("i")
    session.page.wait_for_function("window.dshq.status().overlays.length === 0")
    pixels = drawn(session, points, glyph=False)
    assert not any(map(yellow, pixels)), pixels
    session.page.click("#show-menu summary")           # the Show menu does the same
    session.page.check("#show-intent")
    pixels = drawn(session, points, glyph=True)
    assert all(map(yellow, pixels)), pixels
    session.page.uncheck("#show-intent")


def test_status_probabilities_and_value_are_a_cpython_forward_of_the_same_observation(session):
    decision = session.page.evaluate("window.dshq.decision('blue')")
    model = LiveSetup().model_config()
    logits, values = Policy(init_params(model, 1), model).forward(decision["observation"], 1)
    expected = softmax(logits.tolist())
    status = session.status()
    assert status["intent"]["blue"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert status["intent"]["red"] is None             # the scripted player has no intent
    assert status["value"]["blue"]["value"] == pytest.approx(values[0], rel=1e-12)
    assert decision["action"] == expected.index(max(expected))


def test_the_advantage_arrives_with_the_next_decision_and_v_toggles_the_value_overlay(session):
    session.page.click("#step")
    session.page.wait_for_function("window.dshq.status().value.blue && "
                                   "window.dshq.status().value.blue.advantage !== null")
    session.page.keyboard.press("v")
    session.page.wait_for_function("window.dshq.status().overlays.includes('value')")
    assert session.page.is_checked("#show-value")
    session.page.keyboard.press("v")
    session.page.wait_for_function("!window.dshq.status().overlays.includes('value')")


GRASS = ((0.20, 0.55, 0.24), (0.17, 0.49, 0.21))    # shaders/arena.wgsl's two stripes


def cpython_field(field) -> list[float]:
    """The field of the state the page asked for, by the pure-Python forward of the same weights."""
    model = LiveSetup().model_config()
    policy = Policy(init_params(model, 1), model)
    coroutine = field_values(policy.forward, field["state"], 0, field["time_left"], ValueFieldConfig())
    try:
        coroutine.send(None)        # a plain forward never suspends (Playwright's loop forbids asyncio.run here)
    except StopIteration as done:
        return done.value
    raise AssertionError("field_values suspended on a synchronous forward")


def clear_cells(field) -> list[int]:
    """Cells whose centre is clear of the pitch markings, the players with their glyphs, and the ball."""
    state = field["state"]
    bodies = [(state[4], state[5], 2.4), (state[12], state[13], 1.0), (state[0], state[1], 0.5)]
    cells = []
    for index, (x, y) in enumerate(cell_centres(ValueFieldConfig())):
        r = math.hypot(x, y)
        if abs(x) > 0.15 and abs(r - 1.5) > 0.2 and abs(x) < HALF_LENGTH - 1.4 and \
                all(math.hypot(x - bx, y - by) > reach for bx, by, reach in bodies):
            cells.append(index)
    return cells


def drawn_like(rgb, t: float) -> bool:
    """`rgb` is viridis(t) at the field's opacity over one of the grass stripes."""
    alpha = ValueFieldConfig().opacity
    return any(all(abs(pixel - 255 * (alpha * v + (1 - alpha) * g)) < 20 for pixel, v, g in zip(rgb, viridis(t), grass))
               for grass in GRASS)


def css(session, x: float, y: float):
    return session.page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", [x, y])


def wait_for_field(session, condition: str = "true") -> dict:
    session.page.wait_for_function(f"(() => {{ const field = window.dshq.status().value_field; "
                                   f"return field !== null && ({condition}); }})()", timeout=60_000)
    return session.status()["value_field"]


def test_the_value_field_is_the_policys_and_follows_a_sandbox_drag_before_it_ends(session):
    page = session.page
    page.select_option("#mode", "sandbox")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("f")
    field = wait_for_field(session)
    assert session.status()["overlays"] == ["field"] and page.is_checked("#show-field")
    assert page.is_visible("#field-legend") and "Blue's value" in page.text_content("#field-legend")
    tolerance = 2e-5 if field["engine"] == "gpu" else 0.0
    assert field["values"] == pytest.approx(cpython_field(field), abs=tolerance)
    low, high = field["low"], field["high"]
    assert page.text_content("#field-legend-low") == f"{low:+.3f}" and high > low
    t = [(v - low) / (high - low) for v in field["values"]]
    centres = cell_centres(ValueFieldConfig())
    clear = clear_cells(field)
    probes = [min(clear, key=t.__getitem__), max(clear, key=t.__getitem__)]
    pixels = session.canvas_pixels_at([css(session, *centres[i]) for i in probes])
    assert [drawn_like(rgb, t[i]) for rgb, i in zip(pixels, probes)] == [True, True], (pixels, [t[i] for i in probes])

    # Drag Blue across the pitch and hold it there: the intent and the field follow before the drop.
    x, y = field["state"][4], field["state"][5]
    target = (-x * 0.5 + (3.0 if x < 0 else -3.0), -y * 0.5)
    box = page.locator("#arena").bounding_box()
    start, end = css(session, x, y), css(session, *target)
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=6)
    moved = wait_for_field(session, f"Math.abs(field.state[4] - {target[0]}) < 0.3 && "
                                    "field.state[4] === window.dshq.snapshot().blue[0]")
    decision = page.evaluate("window.dshq.decision('blue')")
    assert decision["acted"] is False and decision["observation"][0] == pytest.approx(moved["state"][4] / HALF_LENGTH)
    assert moved["values"] == pytest.approx(cpython_field(moved), abs=tolerance)
    low, high = moved["low"], moved["high"]
    t_moved = [(v - low) / (high - low) for v in moved["values"]]
    changed = [i for i in set(clear) & set(clear_cells(moved)) if abs(t_moved[i] - t[i]) > 0.35]
    assert changed, "dragging Blue changed no cell's colour much"
    probes = sorted(changed, key=lambda i: -abs(t_moved[i] - t[i]))[:3]
    pixels = session.canvas_pixels_at([css(session, *centres[i]) for i in probes])
    assert all(drawn_like(rgb, t_moved[i]) and not drawn_like(rgb, t[i]) for rgb, i in zip(pixels, probes)), pixels
    page.mouse.up()

    # Drag the ball: Blue's intent is for the ball where it is held, and the field is asked again.
    ball = page.evaluate("window.dshq.snapshot()")["ball"]
    start, end = css(session, ball[0], ball[1]), css(session, 2.0, 3.0)
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0], box["y"] + end[1], steps=6)
    held = wait_for_field(session, "Math.abs(field.state[0] - 2.0) < 0.3 && "
                                   "field.state[0] === window.dshq.snapshot().ball[0]")
    decision = page.evaluate("window.dshq.decision('blue')")
    assert decision["acted"] is False and decision["observation"][13] == pytest.approx(held["state"][0] / HALF_LENGTH)
    assert held["values"] == pytest.approx(cpython_field(held), abs=tolerance)
    page.mouse.up()
    page.keyboard.press("f")
    page.wait_for_function("window.dshq.status().value_field === null")
    assert not page.is_visible("#field-legend")
