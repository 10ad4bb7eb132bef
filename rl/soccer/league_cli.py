"""`python -m rl.league`: a round robin on the Python sim, rated by rl/soccer/league.py.

    python -m rl.league a.dshq b.dshq scripted random --episodes 20 --seed 0

Every pair of players meets in `episodes` full one-minute matches
(rl.soccer.evaluation's, sides alternating, .dshq players greedy); the
scripted player is the league's anchor (added if not named). Prints one JSON
object:

    {"anchor": {"name": "scripted", "rating": 1000.0},
     "ratings": {"a.dshq": {"rating": 1187.3, "plus_minus": 96.1, "games": 40}, ...},
     "results": [{"a": "a.dshq", "b": "scripted", "wins": 15, "draws": 3, "losses": 2}, ...],
     "episodes": 20, "seed": 0}

wins/draws/losses are a's. A .dshq that carries a rating (rl.train writes one)
joins with it as its prior. A bad file gives one line naming the check and
exit code 2.
"""

import argparse
import itertools
import json
import os
import sys

from rl.soccer.evaluation import MAX_EPISODES, episode_count, evaluate, load_model
from rl.soccer.league import ANCHOR, League

BASELINES = ("scripted", "random")


def load_player(name: str):
    """(policy_act, prior or None) for a baseline name or a .dshq path."""
    if name in BASELINES:
        return name, None
    from rl.numpy_backend import NumpyMLP
    from rl.policy import Policy

    params, model_config, metadata = load_model(name)
    saved = metadata.get("league_rating")
    prior = (saved["rating"], saved["sd"]) if isinstance(saved, dict) and saved.get("anchor") == ANCHOR else None
    return Policy(params, model_config, mlp=NumpyMLP).act, prior


def play_round_robin(players: dict, episodes: int, seed: int) -> League:
    """Every pair, `episodes` matches each; players: name -> (policy_act, prior)."""
    league = League()
    for name, (_, prior) in players.items():
        league.add(name, prior)
    for k, (a, b) in enumerate(itertools.combinations(players, 2)):
        result = evaluate(players[a][0], players[b][0], episodes, seed + k)
        league.record(a, b, result["wins"], result["draws"], result["losses"])
    return league


def report(league: League, episodes: int, seed: int) -> dict:
    ratings = league.ratings()
    return {"anchor": {"name": ANCHOR, "rating": league.config.anchor_rating},
            "ratings": {name: {"rating": r.rating, "plus_minus": r.plus_minus, "games": r.games}
                        for name, r in ratings.items()},
            "results": [{"a": a, "b": b, "wins": w, "draws": d, "losses": l}
                        for (a, b), (w, d, l) in league.results.items()],
            "episodes": episodes, "seed": seed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rl.league", description=__doc__.split("\n\n")[0])
    parser.add_argument("players", nargs="+", help="scripted, random or .dshq files (at least two in all)")
    parser.add_argument("--episodes", type=episode_count, default=20,
                        help=f"matches per pair (default 20, at most {MAX_EPISODES:,})")
    parser.add_argument("--seed", type=int, default=0, help="seeds the matches")
    args = parser.parse_args(argv)
    names = list(dict.fromkeys([ANCHOR, *args.players]))
    if len(names) < 2:
        parser.error("name at least one player besides the scripted anchor")
    for name in names:
        if name not in BASELINES and not os.path.isfile(name):
            parser.error(f"{name!r} is neither scripted, random nor an existing .dshq file")
    players = {}
    for name in names:
        try:
            players[name] = load_player(name)
        except (ValueError, OSError) as error:
            print(f"error: {name}: {error}", file=sys.stderr)
            return 2
    print(json.dumps(report(play_round_robin(players, args.episodes, args.seed), args.episodes, args.seed)))
    return 0
