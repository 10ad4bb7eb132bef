"""The evaluator worker: plays each newly published policy against the scripted
baseline and reports the result to the page (the "win rate vs scripted" chart),
with the weights it evaluated (the page keeps some as snapshots); between
evaluations it plays the league matches the page asks for.

It only reads the weights board; while a previous evaluation runs,
intermediate versions are skipped. Its Python still takes a CPU core, which
on a machine with few cores the trainer's software GPU needs too: after each
evaluation or league match it rests so that its busy time is at most
`LiveSetup.eval_share` of its time (`LiveSetup.eval_rest_seconds`). Matches are
rl.evaluate's: full one-minute games, the policy greedy, alternating sides.
League requests (workers/league_matches.py, a few matches each) are played
in order, one after each evaluation (a request that arrived meanwhile) or
whenever no new version waits, so neither starves the other.
"""

import asyncio
import time

from rl.model import num_params, shape_hash
from rl.policy import Policy
from rl.soccer.evaluation import evaluate
from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.weights_board import WeightsBoard
from rl.live.setup import setup_from_args
from workers import league_matches

POLL_SECONDS = 1.0
league_requests = []       # what the page asked for, oldest first


def on_message(data) -> None:
    message = data.to_py() if hasattr(data, "to_py") else data
    if message.get("type") == "league":
        league_requests.append(message)


async def main(shared, args, post):
    setup = setup_from_args(args["setup"])
    model = setup.model_config()
    board = WeightsBoard(BrowserSharedBuffer(shared.board), num_params(model), shape_hash(model))
    board.check()
    version, evaluations = 0, 0
    while True:
        started = time.perf_counter()
        newer = board.read_if_newer(version)
        if newer is not None:
            version, train_step, params = newer
            result = evaluate(Policy(params, model).act, "scripted",
                              episodes=setup.eval_episodes, seed=setup.seed + evaluations)
            evaluations += 1
            post({"type": "evaluation", "policy_version": version, "train_steps": train_step, "params": params,
                  **result})
        if league_requests:
            post(league_matches.play(league_requests.pop(0)))
        elif newer is None:
            await asyncio.sleep(POLL_SECONDS)
            continue
        await asyncio.sleep(setup.eval_rest_seconds(time.perf_counter() - started))   # requests come in meanwhile
