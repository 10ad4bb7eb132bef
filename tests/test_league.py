"""The league (rl/soccer/league.py): Elo ratings against hand-computed cases, convergence on synthetic
players of known strength, pairings, persistence, and `python -m rl.league`."""

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from rl.files.agent_file import read_agent, write_agent
from rl.model import ModelConfig, init_params
from rl.soccer.league import ANCHOR, K, League, LeagueConfig, expected_score
from rl.soccer.league_cli import load_player
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE

ROOT = Path(__file__).resolve().parents[1]
FLAT = LeagueConfig(prior_sd=1e9)   # a prior too wide to matter: the plain maximum-likelihood fit


def test_expected_score_is_elos():
    assert expected_score(1000, 1000) == 0.5
    assert expected_score(1400, 1000) == pytest.approx(10 / 11)           # 400 points: odds 10 to 1
    assert expected_score(1000, 1400) + expected_score(1400, 1000) == pytest.approx(1.0)


def test_three_wins_in_four_against_the_anchor():
    """By hand: p = 3/4 solves the likelihood, so R = 1000 + 400 log10(3) = 1190.85;
    sd = 1 / sqrt(n k^2 p (1 - p)) = 1 / (k sqrt(4 * 3/16)) = 200.59."""
    league = League(FLAT)
    league.add("a")
    league.record("a", ANCHOR, wins=3, draws=0, losses=1)
    rating = league.ratings()["a"]
    assert rating.rating == pytest.approx(1000 + 400 * math.log10(3), abs=1e-6)
    assert rating.sd == pytest.approx(1 / (K * math.sqrt(4 * 3 / 16)), rel=1e-6)
    assert rating.games == 4 and rating.plus_minus == pytest.approx(1.96 * rating.sd)


def test_draws_count_half_and_the_order_of_a_result_does_not_matter():
    league = League(FLAT)
    league.add("a")
    league.record("a", ANCHOR, wins=1, draws=2, losses=1)            # a score of 1/2: the anchor's rating
    assert league.ratings()["a"].rating == pytest.approx(1000.0, abs=1e-6)
    one, other = League(), League()
    for league in (one, other):
        league.add("a")
        league.add("b")
    one.record("a", "b", wins=5, draws=1, losses=2)
    other.record("b", "a", wins=2, draws=1, losses=5)
    assert one.ratings() == other.ratings()


def test_the_prior_pulls_a_lone_win_towards_the_anchor():
    """One win with the default prior N(1000, 350^2): the optimum solves k (1 - p) = (R - 1000) / 350^2."""
    league = League()
    league.add("a")
    league.record("a", ANCHOR, wins=1, draws=0, losses=0)
    r = league.ratings()["a"].rating
    assert 1000 < r < 1400
    assert K * (1 - expected_score(r, 1000)) == pytest.approx((r - 1000) / 350 ** 2, rel=1e-9)


def test_a_chain_of_results_places_members_relative_to_each_other():
    """b beats a as often as a beats the anchor: b sits as far above a as a above the anchor."""
    league = League(FLAT)
    for name in ("a", "b"):
        league.add(name)
    league.record("a", ANCHOR, wins=30, draws=0, losses=10)
    league.record("b", "a", wins=30, draws=0, losses=10)
    ratings = league.ratings()
    step = 400 * math.log10(3)
    assert ratings["a"].rating == pytest.approx(1000 + step, abs=1e-3)
    assert ratings["b"].rating == pytest.approx(1000 + 2 * step, abs=1e-3)
    assert ratings["b"].sd > ratings["a"].sd > 0                           # b is measured only through a


def test_ratings_converge_on_synthetic_players_of_known_strength():
    """Games drawn from Elo's model with true ratings (draws too, keeping the expected score p), pairings
    chosen by the league itself: the fitted order is the true order and every true rating lies within
    the stated +-."""
    truth = {ANCHOR: 1000, "weak": 700, "peer": 1100, "good": 1300, "strong": 1550}
    rng = random.Random(7)
    league = League()
    for name in truth:
        league.add(name)
    for _ in range(400):
        a, b = league.next_pairing()
        for _ in range(5):
            p = expected_score(truth[a], truth[b])
            p_draw = 0.4 * min(p, 1 - p)
            p_win = p - p_draw / 2                                             # so that wins + draws / 2 = p
            u = rng.random()
            league.record(a, b, int(u < p_win), int(p_win <= u < p_win + p_draw), int(u >= p_win + p_draw))
    ratings = league.ratings()
    assert sorted(truth, key=lambda n: ratings[n].rating) == sorted(truth, key=truth.get)
    for name, true_rating in truth.items():
        assert abs(ratings[name].rating - true_rating) <= ratings[name].plus_minus + 1e-9, name


def test_the_next_pairing_prefers_close_ratings_and_few_games():
    league = League()
    for name in ("new", "settled"):
        league.add(name)
    league.record("settled", ANCHOR, wins=50, draws=0, losses=50)
    assert league.next_pairing() in (("scripted", "new"), ("new", "settled"))    # the unsure member plays
    assert "new" in league.next_pairing()


def test_the_league_round_trips_through_json_and_refuses_a_malformed_one():
    league = League()
    league.add("v10", (1100.0, 80.0))
    league.add("v20")
    league.record("v10", "v20", 3, 1, 2)
    league.record("v20", ANCHOR, 4, 0, 1)
    again = League.from_json(json.loads(json.dumps(league.to_json())))
    assert again.ratings() == league.ratings() and again.to_json() == league.to_json()
    for broken in ({}, {**league.to_json(), "results": [["v10", "nobody", 1, 0, 0]]},
                   {**league.to_json(), "priors": {"x": [1000.0, -1.0]}}):
        with pytest.raises(ValueError, match="not a league"):
            League.from_json(broken)


def test_bad_results_name_the_problem():
    league = League()
    league.add("a")
    with pytest.raises(ValueError, match="not a member"):
        league.record("a", "b", 1, 0, 0)
    with pytest.raises(ValueError, match="itself"):
        league.record("a", "a", 1, 0, 0)
    with pytest.raises(ValueError, match="ints >= 0"):
        league.record("a", ANCHOR, -1, 0, 0)


def test_a_saved_rating_travels_in_the_dshq_metadata_and_becomes_the_prior(tmp_path):
    model = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(8,))
    saved = {"rating": 1234.5, "sd": 61.0, "games": 32, "anchor": ANCHOR, "anchor_rating": 1000.0}
    path = tmp_path / "rated.dshq"
    path.write_bytes(write_agent(init_params(model, 1), model, {"league_rating": saved}))
    assert read_agent(path.read_bytes()).metadata["league_rating"] == saved
    _, prior = load_player(str(path))
    assert prior == (1234.5, 61.0)


def test_league_command_prints_ratings_and_results(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rl.league", "random", "--episodes", "2", "--seed", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["anchor"] == {"name": ANCHOR, "rating": 1000.0}
    assert set(out["ratings"]) == {ANCHOR, "random"} and out["ratings"]["random"]["games"] == 2
    assert out["results"] == [{"a": "random", "b": ANCHOR, "wins": 0, "draws": 0, "losses": 2}]
    assert out["ratings"]["random"]["rating"] < 1000
    bad = tmp_path / "bad.dshq"
    bad.write_bytes(b"not an agent")
    result = subprocess.run([sys.executable, "-m", "rl.league", str(bad), "--episodes", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith(f"error: {bad}:") and "Traceback" not in result.stderr


def test_a_member_leaves_with_its_results_and_pairings_can_be_limited():
    league = League()
    for name in ("a", "b", "c"):
        league.add(name)
    league.record("a", "b", 3, 0, 1)
    league.record("c", ANCHOR, 1, 0, 1)
    league.remove("b")
    assert league.members == [ANCHOR, "a", "c"] and league.results == {("c", ANCHOR): [1, 0, 1]}
    with pytest.raises(ValueError, match="not a member the league can remove"):
        league.remove(ANCHOR)
    assert league.next_pairing(among={"a", ANCHOR}) == (ANCHOR, "a")
    assert league.next_pairing(among={"a"}) is None


def test_file_rating_has_the_keys_rl_train_writes():
    league = League()
    league.add("a")
    league.record("a", ANCHOR, 3, 0, 1)
    rating = league.ratings()["a"]
    assert league.file_rating("a") == {"rating": rating.rating, "sd": rating.sd, "games": 4, "anchor": ANCHOR,
                                       "anchor_rating": 1000.0}
