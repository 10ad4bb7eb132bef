"""The page in real headless Chromium: boot, isolation, GPU canvas, self-test,
and the plain-words panels when the environment is not good enough."""

import asyncio
import threading

import pytest

import gpu
from gpu.selftest import run_selftest, selftest_expected

pytestmark = pytest.mark.browser

STATUS_FIELDS = {"ready", "playing", "tick", "score", "mode", "training", "policy_version",
                 "train_steps", "sps", "fps", "updates", "losses", "error"}


def test_page_boots_isolated_and_draws_the_arena_with_the_gpu(page_session):
    status = page_session.open()
    assert status["error"] is None and status["ready"] is True
    assert STATUS_FIELDS <= set(status)
    assert page_session.page.evaluate("crossOriginIsolated") is True
    assert page_session.page.is_hidden("#loading")
    for name in ("Train", "Step", "Reset"):
        assert page_session.page.get_by_role("button", name=name, exact=True).count() == 1
    # Play/Pause is one toggle: the match starts playing, so it offers Pause.
    assert page_session.page.get_by_role("button", name="Pause", exact=True).count() == 1
    for label in ("Speed", "Mode"):
        assert page_session.page.get_by_label(label).count() == 1
    page_session.page.wait_for_timeout(500)
    pixels = page_session.canvas_pixels()
    # Mostly grass (shaders/arena.wgsl: green stripes inside a darker surround).
    green = [p for p in pixels if p[1] > p[0] + 40 and p[1] > p[2] + 40]
    assert len(green) > 0.6 * len(pixels), pixels[:8]
    # fps is first reported one second after the first frame; then it says frames are drawn.
    page_session.page.wait_for_function("window.dshq.status().fps !== null", timeout=10_000)
    assert page_session.status()["fps"] > 0
    assert page_session.errors == []


def test_same_wgsl_gives_equal_results_natively_on_the_main_thread_and_in_a_worker(page_session):
    page_session.open()
    result = page_session.page.evaluate("window.dshq.selftest(300)")
    native = _native_selftest(300)
    assert native == selftest_expected(300)
    assert result["main"] == native
    assert result["worker"] == native
    assert result["counter"] == 1  # the worker's Atomics.add reached the page's SharedArrayBuffer
    assert page_session.errors == []


def _native_selftest(n):
    """wgpu-py's result; in a thread, since Playwright's loop owns this one."""
    async def run():
        return await run_selftest(await gpu.request_device(label="compare"), n)
    result = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(run())))
    thread.start()
    thread.join()
    return result[0]


def test_page_without_isolation_headers_says_what_to_do(page_session):
    def strip_isolation(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if not k.lower().startswith("cross-origin")}
        route.fulfill(response=response, headers=headers)

    page_session.page.route("**/*", strip_isolation)
    status = page_session.open()
    assert status["ready"] is False
    assert "cross-origin isolated" in status["error"] and "serve.py" in status["error"]
    assert page_session.page.is_visible("#problem")
    assert status["error"] in page_session.page.inner_text("#problem")


def test_browser_without_webgpu_says_what_to_do(page_session):
    page_session.page.add_init_script("delete Navigator.prototype.gpu")
    status = page_session.open()
    assert status["ready"] is False
    assert "WebGPU is not available" in status["error"] and "Chrome" in status["error"]
    assert page_session.page.is_visible("#problem")


def test_bad_url_parameters_are_refused_by_name_and_the_match_plays_on(page_session):
    """A bad setup parameter stops Train with a notice naming it; a bad optional one is warned about and
    its default kept; the show match plays on and nothing else fails."""
    status = page_session.open("/?hidden=64,abc&autosave=soon")
    assert status["ready"] and status["error"] is None
    page_session.page.click("#train")
    page_session.page.wait_for_function("(window.dshq.status().notice || '').includes('Training not started')")
    notice = page_session.page.inner_text("#notice")
    assert "URL parameter hidden" in notice and "'64,abc'" in notice
    tick = page_session.status()["tick"]
    page_session.page.wait_for_function(f"window.dshq.status().tick > {tick}")
    assert page_session.status()["training"] is False
    assert any("autosave='soon'" in line for line in page_session.console_warnings), page_session.console_warnings
    assert page_session.errors == []
    for query, refusal in (("steps=1000000", "num_steps must be a whole number from 1 to 1,024"),
                           ("hidden=100000,100000", "the page trains at most 2,097,152")):
        page_session.open("/?" + query)     # a ring or a network the browser could not allocate: refused first
        page_session.page.click("#train")
        page_session.page.wait_for_function("(window.dshq.status().notice || '').includes('Training not started')")
        assert refusal in page_session.page.inner_text("#notice")
        assert page_session.status()["training"] is False and page_session.errors == []
