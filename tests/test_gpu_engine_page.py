"""The GPU engine in the page (`?engine=gpu`, rl/live/engine.py): the trainer worker collects its
rollouts on its own WebGPU device, with no rollout workers; Train -> versions rise -> Stop holds,
Stop autosaves (the trainer's checkpoint), the evaluator still scores versions on the Python sim, and
a lost device is rebuilt and the run goes on. One page boot; Chromium's WebGPU here is SwiftShader, so the batch is tiny. The workers engine
is tests/test_training_page.py's."""

import math

import pytest

from harness import PageSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?engine=gpu&workers=1&envs=4&gpuenvs=4&steps=16&hidden=32,32&slots=4&eval=1&autosave=600"


def wait_for_version(session, at_least: int, timeout_s: float = 150) -> dict:
    session.page.wait_for_function(f"(window.dshq.status().policy_version || 0) >= {at_least}"
                                   f" || window.dshq.status().error", timeout=timeout_s * 1000)
    status = session.status()
    assert status["error"] is None, status["error"]
    return status


def test_the_gpu_engine_trains_stops_and_survives_a_lost_device(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    try:
        assert session.open(SMALL)["error"] is None
        assert session.status()["engine"] is None              # nothing runs before Train
        session.page.click("#train")
        session.page.wait_for_function("window.dshq.status().engine !== null", timeout=120_000)
        engine = session.status()["engine"]
        assert (engine["name"], engine["requested"], engine["software"]) == ("gpu", "gpu", True), engine
        assert "swiftshader" in engine["adapter"].lower() and "engine=gpu" in engine["reason"]
        assert session.page.inner_text("#t-engine") == "gpu (software)"

        status = wait_for_version(session, 3)
        assert status["sps"] > 0 and status["updates"] >= 2 and status["train_steps"] >= 2 * 4 * 16
        assert all(value is None or math.isfinite(value) for value in status["losses"].values())
        assert session.page.inner_text("#t-ring") == "—"        # no rollout worker fed the ring
        session.page.wait_for_function("window.dshq.status().policies.blue.startsWith('v')")   # the hot-swap

        session.page.click("#train")  # Stop
        session.page.wait_for_function("window.dshq.status().stage === 'paused'", timeout=120_000)
        frozen = session.status()["policy_version"]
        session.page.wait_for_function(     # Stop autosaves: the trainer's checkpoint of the GPU engine's run
            f"window.dshq.status().saved_version >= {frozen}", timeout=60_000)
        session.page.wait_for_timeout(4000)
        assert session.status()["policy_version"] == frozen

        session.page.click("#train")  # Train again, then lose the trainer's device
        wait_for_version(session, frozen + 1)
        session.page.evaluate("window.dshq.simulate_trainer_device_loss()")
        session.page.wait_for_function("document.getElementById('notice').textContent.includes('re-acquired')",
                                       timeout=120_000)
        assert "gpu engine" in session.page.inner_text("#notice")
        engine = session.status()["engine"]
        assert engine["name"] == "gpu" and "device was lost" in engine["reason"], engine
        before = session.status()["policy_version"]
        status = wait_for_version(session, before + 2)
        assert status["train_steps"] > 0

        session.page.wait_for_function("window.dshq.status().evaluated_version >= 1", timeout=150_000)
        assert 0 <= (session.status()["win_rate_vs_scripted"] or 0) <= 1      # scored on the Python sim
        session.page.click("#train")
        assert session.errors == []
    finally:
        session.close()
