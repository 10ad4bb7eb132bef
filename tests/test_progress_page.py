"""Progress a person can read, in headless Chromium (one page boot): empty charts say when they fill,
each chart's ⓘ explains it, the shipped champion plays (on a side, and against a snapshot in the timeline),
and a short run shows the start-up steps and the progress strip with its estimate. Then New agent while
training and Train again: the trainer worker is kept, so its kernels are not compiled again, and the new run
counts from v1 with nothing of the old run leaking in; and after a reload, Restore brings the progress
strip's evaluations back. SwiftShader on 2 cores is slow, so the run is tiny (URL parameters)."""

import re

import pytest

from harness import PageSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?workers=1&envs=4&gpuenvs=4&steps=16&evalshare=1&hidden=32,32&slots=4&eval=4&league=0&autosave=600"


def test_charts_champion_startup_and_progress(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    try:
        assert session.open(SMALL)["error"] is None
        page = session.page

        # Before Train: every chart is there, empty, and says when it fills; the strip waits for Train.
        figures = page.locator("#charts figure.chart")
        assert figures.count() == 10             # 9 metrics and the Elo rating
        assert page.locator("#charts .chart-empty:visible").all_inner_texts() == ["appears when training starts"] * 10
        assert page.locator("#progress-eta").inner_text().startswith("press Train")

        # The ⓘ: a keyboard-reachable disclosure with the meaning and what good looks like.
        page.locator("summary[aria-label='What is approx KL?']").focus()
        page.keyboard.press("Enter")
        text = page.locator("#charts details[open] p").inner_text()
        assert "how far one update moved the policy" in text.lower() and "Good:" in text and "0.02" in text
        for title in ("clip fraction", "entropy", "explained variance", "win rate vs scripted", "Elo rating"):
            assert page.locator(f"summary[aria-label='What is {title}?']").count() == 1, title
        assert "env steps per second" in page.locator("#counters").inner_text()

        # The champion ships with the page and plays either side.
        page.wait_for_function("window.dshq.status().champion", timeout=30_000)
        assert session.status()["champion"] == "v366 (champion)"
        page.select_option("#red-policy", "champion")
        session.wait_for_label("red", "v366 (champion)")
        tick = session.status()["tick"]
        page.wait_for_function(f"window.dshq.status().tick > {tick + 120} && window.dshq.status().intent.red",
                               timeout=30_000)
        assert session.status()["intent"]["red"]          # a network player decided for Red

        # Train: the start-up steps show over the pitch, then the strip measures and estimates.
        page.click("#train")
        page.wait_for_selector("#startup li", timeout=10_000)
        page.wait_for_function("window.dshq.status().startup && window.dshq.status().startup.finished"
                               " || window.dshq.status().error", timeout=240_000)
        status = session.status()
        assert status["error"] is None, status["error"]
        times = status["startup"]["times"]
        assert all(times[step] is not None for step in ("workers", "compile", "rollout", "update")), times
        assert times["workers"] <= times["update"] and times["compile"] <= times["update"]
        assert any(re.fullmatch(r"Compiling the WGSL training kernels: done at [\d.]+ s", line)
                   for line in status["startup"]["lines"]), status["startup"]["lines"]
        page.wait_for_function("window.dshq.status().progress.evaluations >= 1", timeout=180_000)
        page.wait_for_function("/^about .* at the current [\\d,]+ env steps\\/s/.test("
                               "document.getElementById('progress-eta').textContent)", timeout=30_000)
        assert re.fullmatch(r"v\d+: \d+ won, \d+ drawn, \d+ lost", page.locator("#progress-tally").inner_text())
        assert page.locator("#charts .chart-empty:visible").count() < 10     # the charts filled in

        # Then vs the champion: a snapshot of this run replays against it from the timeline.
        page.select_option("#timeline-opponent", "champion")
        page.click("#timeline-replay")
        replay = session.status()["replay"]
        assert replay["red"] == "v366 (champion)" and replay["blue"].endswith("(snapshot)"), replay

        # New agent while training, then Train: the kept trainer takes the new run without compiling again.
        assert session.status()["trainer_kernels"] == {"compilations": 1, "reused": False}
        page.evaluate("document.getElementById('hyper-panel').open = true")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#new-agent")
        assert session.status()["policy_version"] is None and session.status()["progress"]["evaluations"] == 0
        page.evaluate("""() => { window.seenVersions = [];      // every version the page shows from now on
            setInterval(() => window.seenVersions.push(window.dshq.status().policy_version), 20); }""")
        page.click("#train")
        page.wait_for_function("(window.dshq.status().policy_version || 0) >= 3 || window.dshq.status().error",
                               timeout=300_000)
        status = session.status()
        assert status["error"] is None, status["error"]
        assert status["trainer_kernels"] == {"compilations": 1, "reused": True}
        assert "Compiling the WGSL training kernels: skipped, reusing the compiled kernels" in \
            status["startup"]["lines"], status["startup"]["lines"]
        versions = [version for version in page.evaluate("window.seenVersions") if version is not None]
        assert versions[0] == 1 and versions == sorted(versions), versions    # never the old run's numbers

        # Stop autosaves (and so does each evaluation landing after it); a reload and Restore bring the
        # progress strip's evaluations back.
        page.wait_for_function("window.dshq.status().progress.evaluations >= 1", timeout=240_000)
        page.click("#train")
        page.wait_for_function("window.dshq.status().evaluated_version >= window.dshq.status().policy_version"
                               " && window.dshq.status().saved_version >= window.dshq.status().policy_version",
                               timeout=240_000)
        page.wait_for_timeout(3000)                  # the save of the last evaluation lands
        evaluations = session.status()["progress"]["evaluations"]
        tally = page.inner_text("#progress-tally")
        page.reload()
        page.wait_for_function("window.dshq.status().ready && window.dshq.status().restore_offer", timeout=120_000)
        assert session.status()["progress"]["evaluations"] == 0
        page.click("#restore-run")
        page.wait_for_function(f"window.dshq.status().progress.evaluations === {evaluations}", timeout=30_000)
        assert page.inner_text("#progress-tally") == tally
        assert session.errors == []
    finally:
        session.close()
