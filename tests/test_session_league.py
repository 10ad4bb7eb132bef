"""The session's league in CPython (app/session.py, app/run_league.py): evaluations and league matches
as results, the requests it posts to the evaluator, milestones, replays, and the league through an
autosave's bytes, an export and an import. A stand-in replaces the browser's live run."""

import asyncio

import pytest

from app.run_league import LEAGUE_EPISODES, RANDOM, RunLeague, import_name
from app.run_state import POOL_CAPACITY, Agent, RunState, autosave_bytes, export_bytes, import_agent, read_autosave
from app.session import Session
from app.show_match import ShowMatch
from rl.files.container import CheckpointError
from rl.model import init_params
from rl.soccer.league import ANCHOR
from test_session import SETUP, StandInRun, agent, evaluation, events, expected_engine, make_session


def evaluated(version, wins=1, draws=0, losses=1, goals_for=1):
    return {**evaluation(version), "wins": wins, "draws": draws, "losses": losses, "goals_for": goals_for}


def training_session(**options):
    session, fired = make_session(**options)
    session.toggle_training()
    return session, fired


def answer(session, wins=1, draws=0, losses=1):
    """The stand-in evaluator's reply to the newest request."""
    request = session.run.league_requests[-1]
    session.on_league_result({"type": "league_result", "id": request["id"], "wins": wins, "draws": draws,
                              "losses": losses, "players": [player["name"] for player in request["players"]]})


def test_each_evaluation_rates_its_snapshot_against_scripted():
    session, fired = training_session()
    session.on_evaluation(evaluated(1, wins=3, draws=0, losses=1))
    table = session.league.table()
    assert set(table) == {ANCHOR, RANDOM, "v1"}
    assert table["v1"]["games"] == 4 and table["v1"]["rating"] > 1000 and table[ANCHOR]["rating"] == 1000
    assert session.league.league.results == {("scripted", "v1"): [1, 0, 3]}
    assert events(fired, "league")


def test_snapshots_that_leave_the_pool_leave_the_league():
    session, _ = training_session()
    for version in range(1, POOL_CAPACITY + 3):
        session.on_evaluation(evaluated(version))
    kept = {f"v{snapshot.version}" for snapshot in session.snapshots}
    assert set(session.league.table()) == {ANCHOR, RANDOM, *kept} and len(kept) == POOL_CAPACITY
    assert all(set(pair) <= {ANCHOR, RANDOM, *kept} for pair in session.league.league.results)


def test_while_training_one_league_match_is_in_flight_and_each_reply_asks_for_the_next():
    session, _ = training_session()
    session.on_evaluation(evaluated(1))
    requests = session.run.league_requests
    assert len(requests) == 1
    request = requests[0]
    assert request["type"] == "league" and request["episodes"] == LEAGUE_EPISODES
    names = [player["name"] for player in request["players"]]
    assert set(names) <= {ANCHOR, RANDOM, "v1"} and len(set(names)) == 2
    for player in request["players"]:          # a snapshot goes with its weights, a baseline by name
        assert ("params" in player) == (player["name"] == "v1")
    session.on_evaluation(evaluated(2))                            # one in flight: no second request
    assert len(requests) == 1
    games = session.league.games()
    answer(session, wins=2, losses=0)
    assert session.league.games() == games + 2 and len(requests) == 2 and session.league.matches_recorded == 1
    assert requests[1]["seed"] != requests[0]["seed"]


def test_no_league_matches_while_stopped_or_when_switched_off():
    session, _ = training_session()
    session.toggle_training()                                      # Stop
    session.on_evaluation(evaluated(1))
    assert session.run.league_requests == []
    session, _ = training_session(league_matches=False)
    session.on_evaluation(evaluated(1))
    assert session.run.league_requests == [] and session.league.games() == 2   # the evaluation still counts


def test_a_bad_or_late_league_reply_is_refused_with_a_message_and_changes_nothing():
    session, fired = training_session()
    session.on_evaluation(evaluated(1))
    request = session.run.league_requests[-1]
    before = session.league.to_json()
    session.on_league_result({"type": "league_result", "id": request["id"] + 5, "wins": 1, "draws": 0, "losses": 0})
    assert "answers no request in flight" in events(fired, "notice")[-1][0]
    session.on_league_result({"type": "league_result", "id": request["id"], "error": "ValueError: 'v99' has no "
                                                                                     "weights"})
    assert "could not be played: ValueError" in events(fired, "notice")[-1][0]
    assert session.league.to_json() == before


def test_milestones_first_goal_first_win_passing_scripted_and_the_best_rating():
    session, _ = training_session()
    session.on_evaluation(evaluated(1, wins=0, draws=2, losses=2, goals_for=0))
    assert [(entry["milestone"], entry["version"]) for entry in session.league.timeline()] == [("best_rating", 1)]
    session.on_evaluation(evaluated(2, wins=0, draws=1, losses=3, goals_for=2))
    session.on_evaluation(evaluated(3, wins=3, draws=1, losses=0, goals_for=6))
    timeline = {entry["milestone"]: entry for entry in session.league.timeline()}
    assert (timeline["first_goal"]["version"], timeline["first_win"]["version"]) == (2, 3)
    assert timeline["passed_scripted"]["version"] == 3 and timeline["best_rating"]["version"] == 3
    assert timeline["first_goal"]["train_steps"] == 128
    assert [entry["milestone"] for entry in session.league.timeline()] == [
        "first_goal", "first_win", "passed_scripted", "best_rating"]     # in training order
    session.on_evaluation(evaluated(4, wins=4, draws=0, losses=0))
    assert session.league.milestones["best_rating"]["version"] == 4
    assert session.league.milestones["first_win"]["version"] == 3             # a first stays the first


def test_a_learner_that_beats_scripted_rises_above_the_anchor():
    session, _ = training_session()
    for version, wins in enumerate((0, 1, 2, 3, 4), start=1):
        session.on_evaluation(evaluated(version, wins=wins, draws=0, losses=4 - wins))
    ratings = [rating for _, rating, _ in session.league.snapshot_ratings()]
    assert ratings == sorted(ratings) and ratings[0] < 1000 < ratings[-1]


def test_the_league_survives_an_autosave_and_a_malformed_one_is_reported_not_lost():
    session, _ = training_session()
    for version in (1, 2):
        session.on_evaluation(evaluated(version, wins=version))
    answer(session, wins=1, draws=1, losses=0)
    session.run.publish(2)
    session.hot_swap()
    data = autosave_bytes(asyncio.run(session.run_state("striker")), "workers")
    restored, fired = make_session()
    restored.restore(read_autosave(data), data)
    assert restored.league.table() == session.league.table()
    assert restored.league.league.results == session.league.league.results
    assert restored.league.timeline() == session.league.timeline()
    assert restored.league.name_of(restored.snapshots[-1]) == "v2"                 # playable again
    run = read_autosave(data)
    run.league = {"league": {"anchor_rating": 1000.0, "prior_sd": 350.0, "priors": {}, "results": [["v1"]]},
                  "milestones": {}}
    damaged, fired = make_session()
    damaged.restore(run, data)
    assert "league could not be read (not a league" in events(fired, "notice")[-1][0]
    assert damaged.run.version == 2 and [s.version for s in damaged.snapshots] == [1, 2]
    assert set(damaged.league.table()) == {ANCHOR, RANDOM, "v1", "v2"} and damaged.league.games() == 0


def test_an_export_carries_its_rating_and_an_import_joins_with_it_as_its_prior():
    session, _ = training_session()
    session.on_evaluation(evaluated(1, wins=4, draws=0, losses=0))
    snapshot = session.snapshots[0]
    rating = session.league_rating(snapshot)
    assert rating.keys() == {"rating", "sd", "games", "anchor", "anchor_rating"} and rating["anchor"] == ANCHOR
    imported = import_agent(export_bytes(snapshot, SETUP, "workers", rating))
    assert imported.league_prior == pytest.approx((rating["rating"], rating["sd"]))
    other, _ = make_session()
    other.add_import(imported)
    name = import_name(imported)
    assert other.league.league.priors[name] == pytest.approx((rating["rating"], rating["sd"]))
    assert other.league.table()[name]["rating"] == pytest.approx(rating["rating"], abs=0.1)    # no games yet
    assert other.league_rating(imported)["rating"] == pytest.approx(rating["rating"])
    assert session.league_rating(agent()) is None                                # not a member


def test_an_import_rated_against_another_anchor_rating_is_moved_and_a_bad_rating_refuses_it():
    striker = agent()
    moved = import_agent(export_bytes(striker, SETUP, "workers", {"rating": 1600.0, "sd": 50.0, "games": 10,
                                                       "anchor": ANCHOR, "anchor_rating": 1500.0}))
    assert moved.league_prior == (1100.0, 50.0)
    with pytest.raises(CheckpointError, match="'league_rating' is not"):
        import_agent(export_bytes(striker, SETUP, "workers", {"rating": 1600.0, "sd": 0.0, "games": 10, "anchor": ANCHOR,
                                                   "anchor_rating": 1000.0}))


def test_replays_are_the_same_match_for_the_same_snapshot_opponent_and_seed():
    session, _ = training_session()
    for version in (1, 2):
        session.on_evaluation(evaluated(version))
    session.run.publish(5, seed=9)
    session.hot_swap()

    def digest(key, opponent, ticks=90):
        session.replay(key, opponent)
        for _ in range(ticks):
            session.match.tick()
        return session.match.env.state_digest()

    first = digest("s1", "learner")
    assert session.match.labels == {"blue": "v1 (snapshot)", "red": "v5 (now)"}
    session.run.publish(6)                          # the learner moves on; "now" was held fixed
    session.hot_swap()
    assert session.match.labels["red"] == "v5 (now)"
    assert digest("s1", "s2") != first
    session.match.reset(7)
    assert digest("s1", "random") == digest("s1", "random") and session.match.seed == 7
    with pytest.raises(ValueError, match="no listed agent 's9'"):
        session.replay("s9", "scripted")
    with pytest.raises(ValueError, match="the opponent is one of"):
        session.replay("s1", "striker")


def test_a_replay_against_the_learner_needs_one():
    session = Session(ShowMatch(), StandInRun, lambda: SETUP, expected_engine)
    session.add_import(agent())
    with pytest.raises(ValueError, match="there is no learner yet"):
        session.replay("i1", "learner")


def test_a_restored_league_keeps_members_whose_weights_are_not_here_but_does_not_pair_them():
    league = RunLeague()
    striker = agent()
    league.add_import(striker)
    league.league.record(import_name(striker), ANCHOR, 2, 0, 1)
    back = RunLeague.from_json(league.to_json())
    assert import_name(striker) in back.table() and back.table() == league.table()
    request = back.next_request(seed=1)
    assert {player["name"] for player in request["players"]} == {ANCHOR, RANDOM}


def test_an_agent_with_the_same_weights_is_the_same_member():
    session, _ = make_session()
    striker = agent()
    session.add_import(striker)
    session.add_import(Agent(striker.label, striker.version, striker.train_steps, striker.params,
                             striker.model_config, striker.win_rate, striker.name))
    assert len(session.league.table()) == 3
    assert session.league.name_of(agent(seed=4)) is None


def test_a_run_state_without_a_league_restores_with_a_fresh_one():
    session, fired = make_session()
    run = RunState(init_params(SETUP.model_config(), 4), None, 6, 600, SETUP, {}, [], None, "striker")
    session.restore(run, b"bytes")
    assert set(session.league.table()) == {ANCHOR, RANDOM} and "league" not in events(fired, "notice")[-1][0]
