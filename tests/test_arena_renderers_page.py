"""The arena's two renderers in real headless Chromium (app/arena_scene.py): WebGPU
(shaders/arena.wgsl) and the 2D canvas (app/arena_canvas.py) draw the same frame, overlays and
value field included, alike but for anti-aliasing; the page says which one draws and why; a
lost GPU device is re-acquired under WebGPU; a bad ?render= is named in a notice and ignored."""

import pytest

import gpu
from harness import PageSession

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 120, 75         # the canvas (960 x 600) averaged over 8 x 8 blocks


@pytest.fixture
def session(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    yield session
    session.close()


def frame_with_overlays(session, query: str) -> list[tuple[int, int, int]]:
    """Open the page at `query`, put the untrained learner on Blue one decision after kickoff
    (seed 4), show every overlay and return the canvas once the value field has arrived."""
    status = session.open(f"/?{query}")
    assert status["ready"] and status["error"] is None
    page = session.page
    page.select_option("#blue-policy", "learner")
    session.wait_for_label("blue", "v0 (untrained)")
    page.click("#play")                                   # pause
    page.wait_for_function("!window.dshq.status().playing")
    page.fill("#seed", "4")
    page.click("#reset")
    page.click("#step")
    page.wait_for_function("window.dshq.decision('blue') !== null")
    page.locator("#arena").click()
    for key in "ivf":
        page.keyboard.press(key)
    page.wait_for_function("window.dshq.status().overlays.length === 3")
    page.wait_for_function("(window.dshq.status().value_field || {}).answers >= 1", timeout=60_000)
    page.wait_for_timeout(500)                            # the field's frame is drawn
    return session.canvas_pixels(WIDTH, HEIGHT)


def test_webgpu_and_the_2d_canvas_draw_the_same_frame(session):
    drawn = {}
    for render in ("webgpu", "canvas"):
        drawn[render] = frame_with_overlays(session, f"render={render}")
        assert session.status()["renderer"]["kind"] == render
        assert session.errors == []
    differences = sorted(max(abs(a - b) for a, b in zip(p, q)) for p, q in zip(drawn["webgpu"], drawn["canvas"]))
    assert sum(differences) / len(differences) < 1.5, differences[-20:]
    assert differences[int(0.99 * len(differences))] < 10, differences[-20:]     # edges: anti-aliasing
    assert differences[-1] < 40, differences[-20:]
    # The frame is not blank: grass, viridis field cells and the players' colours are all in it.
    assert len(set(drawn["canvas"])) > 200


def test_the_page_says_which_renderer_draws_and_names_a_bad_choice(session):
    status = session.open("/")
    assert status["ready"] and status["error"] is None
    software = gpu.is_software_adapter(session.page.evaluate("window.dshq.adapter"))
    chosen = session.status()["renderer"]
    assert chosen["kind"] == ("canvas" if software else "webgpu")
    assert ("software adapter" if software else "hardware adapter") in chosen["reason"]
    session.page.wait_for_timeout(1000)
    assert session.page.inner_text("#notice") == ""
    status = session.open("/?render=vector")
    assert status["ready"] and status["error"] is None
    session.page.wait_for_function("(window.dshq.status().notice || '').includes('render')")
    notice = session.page.inner_text("#notice")
    assert "URL parameter render" in notice and "'vector'" in notice and "webgpu, canvas" in notice
    assert session.status()["renderer"] == chosen                  # ignored: the page chose as without it
    pixels = session.canvas_pixels()
    assert sum(1 for p in pixels if p[1] > p[0] + 40) > 0.6 * len(pixels)
    assert session.errors == []


def test_a_lost_device_is_reacquired_and_webgpu_draws_again(session):
    status = session.open("/?render=webgpu")
    assert status["ready"] and status["error"] is None
    session.page.evaluate("window.dshq.simulate_device_loss()")
    session.page.wait_for_function("document.getElementById('notice').textContent.includes('re-acquired')",
                                   timeout=30_000)
    assert session.status()["renderer"]["kind"] == "webgpu"
    tick = session.status()["tick"]
    session.page.wait_for_function(f"window.dshq.status().tick > {tick}", timeout=10_000)
    pixels = session.canvas_pixels()
    assert sum(1 for p in pixels if p[1] > p[0] + 40) > 0.6 * len(pixels)
