"""The intent and value overlays in real headless Chromium: the glyph is drawn at the network
player when shown and gone when hidden, and its numbers are a CPython forward of the same
observation through the same weights (the untrained learner: init_params(model, 1))."""

import pytest

from app.network_player import softmax
from app.overlays import MOVE_DIRECTIONS, PETAL_BASE, PETAL_LENGTH, marginals
from harness import PageSession
from rl.live.setup import LiveSetup
from rl.model import init_params
from rl.policy import Policy

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


def test_the_intent_glyph_appears_around_the_player_with_i_and_goes_with_i_again(session):
    points = petal_tips(session)
    assert session.status()["overlays"] == []
    assert not any(map(yellow, session.canvas_pixels_at(points)))
    session.page.locator("#arena").click()
    session.page.keyboard.press("i")
    session.page.wait_for_function("window.dshq.status().overlays.includes('intent')")
    assert all(map(yellow, session.canvas_pixels_at(points))), session.canvas_pixels_at(points)
    assert session.page.is_checked("#show-intent")
    session.page.keyboard.press("i")
    session.page.wait_for_function("window.dshq.status().overlays.length === 0")
    assert not any(map(yellow, session.canvas_pixels_at(points)))
    session.page.click("#show-menu summary")           # the Show menu does the same
    session.page.check("#show-intent")
    assert all(map(yellow, session.canvas_pixels_at(points)))
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
