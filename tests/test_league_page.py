"""The league and the learning timeline in real headless Chromium: after training a few versions
the league rates the snapshots (evaluations and league matches in the evaluator worker), milestones
appear, a snapshot replayed from the timeline gives the same digest twice, and after a reload the
restored autosave brings back the same ratings, results and milestones; an export carries its
rating and its import joins the league with it as prior. One page, tiny model and
batches (URL parameters); the autosave timer is long, so the saves are Stop's and the ones that follow
a league result landing after Stop."""

import math

import pytest

from harness import PageSession
from rl.files.agent_file import read_agent

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?workers=1&envs=4&gpuenvs=4&steps=16&evalshare=1&hidden=32,32&slots=4&eval=1&autosave=600"
QUIET = ("(() => { const s = window.dshq.status(); return s.error || (s.evaluated_version >= s.policy_version"
         " && s.league_pending === false && s.saved_league_games === s.league_games); })()")
REPLAY_DECISIONS = 20


@pytest.fixture(scope="module")
def trained(browser, browser_log, server_url):
    """A page that trained until the league rated three snapshots and played a league match, then stopped,
    with every result autosaved."""
    session = PageSession(browser, server_url, browser_log)
    assert session.open(SMALL)["error"] is None
    session.page.click("#train")
    session.page.wait_for_function(
        "(() => { const s = window.dshq.status(); return s.error || (s.league.random && s.league.random.games > 0"
        " && Object.keys(s.league).filter((name) => /^v\\d+$/.test(name)).length >= 3); })()", timeout=400_000)
    session.page.click("#train")                                # Stop: autosaves
    session.page.wait_for_function(QUIET, timeout=180_000)
    status = session.status()
    assert status["error"] is None and status["training"] is False
    yield session
    session.close()


def snapshot_members(status) -> list[str]:
    return sorted((name for name in status["league"] if name[1:].isdigit()), key=lambda name: int(name[1:]))


def test_the_league_rates_every_snapshot_against_the_scripted_anchor(trained):
    status = trained.status()
    league = status["league"]
    assert league["scripted"] == {"rating": 1000, "plus_minus": 0, "games": league["scripted"]["games"]}
    assert league["random"]["games"] >= 2                        # only league matches play random
    snapshots = [label.split()[0] for label in status["agents"]]
    assert sorted(snapshots) == sorted(snapshot_members(status))
    for name in snapshots:
        assert math.isfinite(league[name]["rating"]) and league[name]["plus_minus"] > 0 and league[name]["games"] >= 1
    ratings = trained.page.locator("#agent-rows tr td:nth-child(4)").all_inner_texts()
    assert len(ratings) == len(snapshots) and all(" ± " in text for text in ratings)
    assert trained.page.locator("canvas[aria-label='Elo rating chart']").count() == 1


def test_milestones_appear_on_the_timeline(trained):
    status = trained.status()
    timeline = status["timeline"]
    kinds = [entry["milestone"] for entry in timeline]
    assert "best_rating" in kinds and len(set(kinds)) == len(kinds)
    best = next(entry for entry in timeline if entry["milestone"] == "best_rating")
    assert f"v{best['version']}" in snapshot_members(status)
    items = trained.page.locator("#milestones li").all_inner_texts()
    assert len(items) == len(timeline) and any(f"best rating so far: v{best['version']}" in item for item in items)


def replay_digest(trained, button: str) -> str:
    trained.page.click(button)
    for _ in range(REPLAY_DECISIONS):
        trained.page.click("#step")
    return trained.page.evaluate("window.dshq.digest()")


def test_a_replayed_snapshot_plays_the_same_match_twice(trained):
    if trained.status()["playing"]:
        trained.page.click("#play")                              # pause: Step moves the match one decision
    first = snapshot_members(trained.status())[0]
    agent = next(label for label in trained.status()["agents"] if label.split()[0] == first)
    steps = trained.page.evaluate(f"Number(document.getElementById('timeline-scrubber').max)")
    trained.page.fill("#timeline-scrubber", "0")                 # the oldest end of the run
    assert trained.status()["timeline_choice"] == f"s{first[1:]}" and steps > 0
    trained.page.select_option("#timeline-opponent", "scripted")
    against_scripted = replay_digest(trained, "#timeline-replay")
    assert trained.status()["replay"] == {"blue": agent, "red": "scripted", "seed": trained.status()["seed"]}
    assert replay_digest(trained, "#timeline-replay") == against_scripted
    then_vs_now = replay_digest(trained, "#then-vs-now")
    assert trained.status()["replay"]["red"] == f"v{trained.status()['policy_version']} (now)"
    assert replay_digest(trained, "#then-vs-now") == then_vs_now
    assert trained.status()["tick"] > 0


def test_an_export_carries_its_rating_and_its_import_joins_with_it_as_prior(trained, tmp_path):
    status = trained.status()
    newest = snapshot_members(status)[-1]
    with trained.page.expect_download() as download:
        trained.page.click(f"#agent-rows button[data-key=s{newest[1:]}][data-action=export]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    rating = read_agent(path.read_bytes()).metadata["league_rating"]
    assert rating["anchor"] == "scripted" and rating["anchor_rating"] == 1000
    assert rating["rating"] == pytest.approx(status["league"][newest]["rating"], abs=0.06)
    assert rating["games"] == status["league"][newest]["games"]
    saved = status["saved_name"]
    trained.page.set_input_files("#import-file", str(path))
    trained.page.wait_for_function("Object.keys(window.dshq.status().league).some((n) => n.includes(' #'))")
    imported = next(name for name in trained.status()["league"] if " #" in name)
    assert trained.status()["league"][imported]["games"] == 0
    assert trained.status()["league"][imported]["rating"] == pytest.approx(rating["rating"], abs=0.1)
    trained.page.wait_for_function(f"window.dshq.status().saved_name !== {saved!r}", timeout=60_000)   # kept


def test_a_reload_restores_the_same_ratings_results_and_milestones(trained):
    before = trained.status()
    trained.page.reload()
    trained.page.wait_for_function("window.dshq.status().ready && window.dshq.status().restore_offer !== undefined",
                                   timeout=90_000)
    assert trained.status()["restore_offer"] == before["saved_version"]
    trained.page.click("#restore-run")
    after = trained.status()
    assert after["league"] == before["league"]
    assert after["league_games"] == before["league_games"]
    assert after["timeline"] == before["timeline"]


def test_no_console_errors(trained):
    assert trained.errors == []

