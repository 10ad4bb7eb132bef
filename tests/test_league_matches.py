"""The evaluator's league matches in CPython (workers/league_matches.py): a request built by the page's
league (app/run_league.py) is played with rl.evaluate's matches, the same request gives the same result,
and a malformed one gets an error reply naming the problem."""

from app.run_league import RunLeague
from rl.policy import Policy
from rl.soccer.evaluation import evaluate
from rl.soccer.league import ANCHOR
from test_session import agent
from workers.league_matches import play


def a_request(seed=3):
    league = RunLeague()
    striker = agent(hidden=(8,))
    name = league.add_import(striker)
    league.league.record(name, "random", 5, 0, 0)       # random is far below: the pairing is with scripted
    request = league.next_request(seed)
    assert [player["name"] for player in request["players"]] in ([name, ANCHOR], [ANCHOR, name])
    return request, striker


def test_a_request_is_played_like_rl_evaluate_and_counts_the_first_players_games():
    request, striker = a_request()
    result = play(request)
    first, second = (player["name"] for player in request["players"])
    act = Policy(striker.params, striker.model_config).act
    players = (act, "scripted") if first != ANCHOR else ("scripted", act)
    expected = evaluate(*players, episodes=request["episodes"], seed=request["seed"])
    assert result == {"type": "league_result", "id": request["id"], "players": [first, second],
                      "wins": expected["wins"], "draws": expected["draws"], "losses": expected["losses"]}
    assert play(request) == result


def test_a_malformed_request_gets_an_error_reply():
    request, _ = a_request()
    short = {"name": "v1", "params": b"\0" * 8, "model": {"hidden_sizes": [8], "activation": "tanh"}}
    assert "'v1' has 2 weights, its model needs" in play({**request, "players": [short, {"name": "scripted"}]})["error"]
    assert play({**request, "players": [{"name": "striker"}, {"name": "random"}]})["error"] == (
        "ValueError: 'striker' has no weights and is not one of scripted, random")
    assert play({"id": 4})["error"].startswith("KeyError")
    assert play({**request, "episodes": 0})["error"].startswith("ValueError: episodes must be")


def test_baselines_play_by_name():
    result = play({"id": 1, "episodes": 2, "seed": 0, "players": [{"name": "scripted"}, {"name": "random"}]})
    assert result["players"] == ["scripted", "random"] and result["wins"] + result["draws"] + result["losses"] == 2
