"""League matches in the evaluator worker: the request the page posts, the
matches, and the result posted back (standard library only, tested in CPython).

The page (app/run_league.py) asks for the pairing its league chose:

    {"type": "league", "id": 7, "episodes": 2, "seed": 7,
     "players": [{"name": "v12", "params": <float32 bytes>, "model": {"hidden_sizes": [..], "activation": ..}},
                 {"name": "scripted"}]}

A player without weights is a baseline ("scripted" or "random"). The matches
are rl.evaluate's (full one-minute games, greedy, the first player on blue
in even episodes and on red in odd ones, seeded), so a result is a pure
function of the request. The reply counts the first player's games:

    {"type": "league_result", "id": 7, "players": ["v12", "scripted"], "wins": 1, "draws": 0, "losses": 1}

or, for a request it cannot play, {"type": "league_result", "id": 7, "error": "..."}.
"""

from array import array

from rl.model import ModelConfig, num_params
from rl.policy import Policy
from rl.soccer.evaluation import evaluate
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE

BASELINES = ("scripted", "random")


def player(spec: dict):
    """A request's player -> what rl.soccer.evaluation.evaluate plays: a baseline's name or a greedy act."""
    if "params" not in spec:
        if spec["name"] not in BASELINES:
            raise ValueError(f"{spec['name']!r} has no weights and is not one of {', '.join(BASELINES)}")
        return spec["name"]
    model = ModelConfig(OBS_SIZE, NUM_ACTIONS, tuple(spec["model"]["hidden_sizes"]), spec["model"]["activation"])
    params = array("f")
    params.frombytes(bytes(spec["params"]))
    if len(params) != num_params(model):
        raise ValueError(f"{spec['name']!r} has {len(params)} weights, its model needs {num_params(model)}")
    return Policy(params, model).act


def play(request: dict) -> dict:
    """Play one league request (module docstring); a malformed one gets an error reply, never an exception."""
    try:
        first, second = request["players"]
        result = evaluate(player(first), player(second), episodes=request["episodes"], seed=request["seed"])
    except (KeyError, TypeError, ValueError) as error:
        return {"type": "league_result", "id": request.get("id"), "error": f"{type(error).__name__}: {error}"}
    return {"type": "league_result", "id": request["id"], "players": [first["name"], second["name"]],
            "wins": result["wins"], "draws": result["draws"], "losses": result["losses"]}
