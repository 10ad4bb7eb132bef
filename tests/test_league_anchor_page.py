"""The league in real headless Chromium, from a learner that already beats the scripted player: its
first version's evaluation rates it above the scripted anchor. Apart from tests/test_league_page.py
because that module's page stays open (its show match and evaluator running) through all of its tests:
on a slow 2-core machine the two pages together starved this one's evaluator past its timeout."""

from pathlib import Path

import pytest

from harness import PageSession

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_learner_that_beats_scripted_rates_above_the_anchor(browser, browser_log, server_url):
    """The learner starts from app/agents/champion.dshq (it beats the scripted player, tests/test_champion.py):
    the evaluation of its first version puts the learner's rating above the scripted anchor's 1000. Training
    stops once that version is published, so the evaluator has the machine (it plays on while stopped)."""
    champion = Path(__file__).parents[1] / "app" / "agents" / "champion.dshq"
    session = PageSession(browser, server_url, browser_log)
    try:
        opened = session.open("/?workers=1&envs=4&gpuenvs=4&steps=16&evalshare=1&slots=4&eval=4&autosave=600")
        assert opened["error"] is None
        session.page.set_input_files("#import-file", str(champion))
        session.page.wait_for_function("window.dshq.status().agents.length === 1")
        session.page.click("#agent-rows button[data-key=i1][data-action=train]")
        session.page.click("#train")
        session.page.wait_for_function("window.dshq.status().policy_version >= 1 || window.dshq.status().error",
                                       timeout=240_000)
        session.page.click("#train")                                      # Stop: the first version stays
        session.page.wait_for_function(
            "(() => { const s = window.dshq.status(); const v = s.league[`v${s.evaluated_version}`];"
            " return s.error || (v && v.games >= 4); })()", timeout=400_000)
        status = session.status()
        learner = status["league"][f"v{status['evaluated_version']}"]
        assert status["error"] is None and learner["rating"] > 1000, status["league"]
        assert learner["rating"] > status["league"]["random"]["rating"]
        assert session.errors == []
    finally:
        session.close()
