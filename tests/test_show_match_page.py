"""The show match in real headless Chromium: drawing, controls, modes, input,
recovery. One page serves the whole module (booting Pyodide is the slow part);
each test first puts the match into the state it needs."""

import time

import pytest

from harness import PageSession

pytestmark = pytest.mark.browser

DECISION_TICKS = 4


@pytest.fixture(scope="module")
def session(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    status = session.open()
    assert status["ready"] and status["error"] is None
    yield session
    session.close()


def pause(session):
    if session.status()["playing"]:
        session.page.click("#play")
    session.page.wait_for_function("!window.dshq.status().playing")


def play(session):
    if not session.status()["playing"]:
        session.page.click("#play")


def reset_to(session, seed: int):
    session.page.fill("#seed", str(seed))
    session.page.click("#reset")


def select_mode(session, mode):
    session.page.select_option("#mode", mode)
    session.page.wait_for_function(f"window.dshq.status().mode === '{mode}'")


def snapshot(session):
    return session.page.evaluate("window.dshq.snapshot()")


def test_canvas_shows_the_pitch_and_both_players_at_kickoff(session):
    select_mode(session, "ai-vs-ai")
    pause(session)
    reset_to(session, 1)
    state = snapshot(session)
    assert state["tick"] == 0
    points = [session.page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", [x, y])
              for x, y in (state["blue"][:2], state["red"][:2], state["ball"][:2], (2.0, 3.5))]
    blue, red, ball, grass = session.canvas_pixels_at(points)
    assert blue[2] > blue[0] + 80, blue      # team blue
    assert red[0] > red[2] + 80, red         # team red
    assert min(ball) > 200, ball             # white ball
    assert grass[1] > grass[0] + 40 and grass[1] > grass[2] + 40, grass


def test_pause_stops_the_clock(session):
    play(session)
    session.page.wait_for_timeout(300)
    pause(session)
    tick = session.status()["tick"]
    session.page.wait_for_timeout(1000)
    assert session.status()["tick"] == tick


def test_step_advances_exactly_one_decision_and_redraws(session):
    pause(session)
    before = session.status()["tick"]
    ball_before = snapshot(session)["ball"]
    session.page.click("#step")
    session.page.wait_for_function(f"window.dshq.status().tick === {before + DECISION_TICKS}")
    session.page.keyboard.press("ArrowRight")
    session.page.wait_for_function(f"window.dshq.status().tick === {before + 2 * DECISION_TICKS}")
    session.page.wait_for_timeout(300)
    assert session.status()["tick"] == before + 2 * DECISION_TICKS
    assert snapshot(session)["ball"] != ball_before or snapshot(session)["blue"] != ball_before


def test_speed_2x_roughly_doubles_ticks_per_second(session):
    rates = {}
    for speed in ("1", "2"):
        session.page.select_option("#speed", speed)
        play(session)
        session.page.wait_for_timeout(300)
        tick0, t0 = session.status()["tick"], time.perf_counter()
        session.page.wait_for_timeout(2000)
        tick1, t1 = session.status()["tick"], time.perf_counter()
        rates[speed] = (tick1 - tick0) / (t1 - t0)
    session.page.select_option("#speed", "1")
    assert rates["1"] > 30, rates
    assert 1.5 < rates["2"] / rates["1"] < 2.5, rates


def test_reset_with_the_same_seed_reproduces_the_same_state(session):
    digests = []
    for _ in range(2):
        pause(session)
        reset_to(session, 12345)
        for _ in range(10):
            session.page.click("#step")
        session.page.wait_for_function(f"window.dshq.status().tick === {10 * DECISION_TICKS}")
        digests.append(session.page.evaluate("window.dshq.digest()"))
    assert digests[0] == digests[1]
    reset_to(session, 54321)
    assert session.page.evaluate("window.dshq.digest()") != digests[0]


def test_a_bad_seed_is_refused_with_a_message_and_changes_nothing(session):
    pause(session)
    digest = session.page.evaluate("window.dshq.digest()")
    reset_to(session, "12abc")
    assert session.page.is_visible("#notice")
    assert "seed" in session.page.inner_text("#notice")
    assert session.page.evaluate("window.dshq.digest()") == digest


def test_sandbox_drag_moves_the_ball_to_the_drop_point(session):
    pause(session)
    reset_to(session, 3)
    select_mode(session, "sandbox")
    ball = snapshot(session)["ball"]
    box = session.page.locator("#arena").bounding_box()
    start = session.page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", ball[:2])
    target = session.page.evaluate("([x, y]) => window.dshq.world_to_css(x, y)", [3.0, 2.0])
    session.page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    session.page.mouse.down()
    session.page.mouse.move(box["x"] + target[0], box["y"] + target[1], steps=8)
    session.page.wait_for_timeout(300)   # let the pointer rest so the drop has no throw
    session.page.mouse.move(box["x"] + target[0], box["y"] + target[1])
    session.page.mouse.up()
    x, y = snapshot(session)["ball"][:2]
    assert abs(x - 3.0) < 0.1 and abs(y - 2.0) < 0.1
    select_mode(session, "ai-vs-ai")


def test_holding_a_key_moves_the_human_player(session):
    pause(session)
    reset_to(session, 5)
    select_mode(session, "human-vs-ai")
    session.page.select_option("#movement", "heading")     # W is forward, along Blue's heading
    state = snapshot(session)
    x0, y0, c, s = state["blue"][:4]
    session.page.locator("#arena").click()   # focus the page, not a control
    play(session)
    session.page.keyboard.down("w")
    session.page.wait_for_timeout(1200)
    session.page.keyboard.up("w")
    x1, y1 = snapshot(session)["blue"][:2]
    assert (x1 - x0) * c + (y1 - y0) * s > 0.8    # moved forward along its heading
    session.page.select_option("#movement", "screen")
    select_mode(session, "ai-vs-ai")


def test_lost_device_is_reacquired_and_drawing_resumes(session):
    play(session)
    session.page.evaluate("window.dshq.simulate_device_loss()")
    try:
        session.page.wait_for_function("document.getElementById('notice').textContent.includes('re-acquired')",
                                       timeout=30000)
    except Exception:
        pytest.fail(f"no recovery: status={session.status()} console={session.errors}")
    tick = session.status()["tick"]
    session.page.wait_for_function(f"window.dshq.status().tick > {tick}", timeout=10_000)   # the match goes on
    pixels = session.canvas_pixels()
    assert sum(1 for p in pixels if p[1] > p[0] + 40) > 0.6 * len(pixels)


def test_twenty_seconds_of_play_without_console_errors(session):
    play(session)
    session.page.select_option("#speed", "4")
    session.page.wait_for_timeout(20000)
    status = session.status()
    assert status["fps"] > 0 and status["error"] is None
    session.page.select_option("#speed", "1")
    warnings_allowed = [e for e in session.errors if "device lost" not in e.lower()]
    assert warnings_allowed == []
