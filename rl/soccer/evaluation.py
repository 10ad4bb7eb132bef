"""Evaluate a policy in full 1-minute matches: wins, draws and losses.

    python -m rl.evaluate model.dshq --vs scripted|random|other.dshq --episodes 200 --seed 0

prints one JSON object on stdout:

    {"wins": 131, "draws": 20, "losses": 49, "episodes": 200, "win_rate": 0.7277,
     "goals_for": 402, "goals_against": 190, "vs": "scripted", "seed": 0}

win_rate = wins / (wins + losses), the share of decided matches (null if none).

The match. An evaluation episode is a whole match as a person watches it:
SoccerConfig(end_on_goal=False), i.e. 60 simulated seconds, a goal restarts
play from a kickoff, and the final score decides win / draw / loss. (Training
episodes end at the first goal instead; counting first goals would reward a
lucky kickoff and hide a policy that cannot defend a lead.) Everything else
(physics, 30 decisions/s, kickoff jitter) is the training default.

Fairness. The model plays blue in even episodes and red in odd ones, so both
sides are played equally; actions are greedy (argmax of the logits) for the
model and for a .dshq opponent. Episodes run in parallel as one EnvBatch
(episode k = env k, seeded from `seed` as EnvBatch does), so the result is a
pure function of (policy, opponent, episodes, seed).

A bad model file gives a one-line error naming the check that failed
(rl.files.container's CheckpointError message) and exit code 2.

`evaluate(policy_act, opponent, episodes, seed)` is the importable core
(standard library only; rl.train and the browser's evaluator worker call it
with an rl.policy.Policy's greedy `act`). numpy is imported only by
`load_greedy_policy`, for the CPython command.
"""

import argparse
import json
import os
import sys
from array import array

from rl.files.agent_file import MAX_AGENT_BYTES, read_agent
from rl.files.container import CheckpointError
from rl.model import ModelConfig
from rl.policy import Policy
from sim import NUM_ACTIONS, OBSERVATION_SIZE, EnvBatch, SoccerConfig, SplitMix64, scripted_action

EVAL_MATCH = SoccerConfig(end_on_goal=False)
MAX_EPISODES = 10_000  # played as one EnvBatch: about 5 minutes and 100 MB here; more is refused, not swapped
RANDOM_STREAM = 0x4556414C52414E44  # "EVALRAND": the random opponent's stream, apart from EnvBatch's


def evaluate(policy_act, opponent, episodes: int, seed: int, match: SoccerConfig = EVAL_MATCH) -> dict:
    """Play `episodes` matches of the policy against `opponent`; return the tally.

    policy_act(obs array('f') [n*34], n) -> n actions (ints): the policy, batched (Policy.act)
    (or "scripted" / "random", to measure the baselines themselves).
    opponent: "scripted", "random", or a callable like policy_act.
    Returns {"wins", "draws", "losses", "episodes", "win_rate", "goals_for", "goals_against"}.
    """
    if not (isinstance(episodes, int) and not isinstance(episodes, bool) and 1 <= episodes <= MAX_EPISODES):
        raise ValueError(f"episodes must be an int from 1 to {MAX_EPISODES:,}, got {episodes!r}")
    for name, player in (("policy_act", policy_act), ("opponent", opponent)):
        if not (player in ("scripted", "random") or callable(player)):
            raise ValueError(f"{name} must be 'scripted', 'random' or a callable, got {player!r}")
    batch = EnvBatch(episodes, seed, match)
    rng = SplitMix64(SplitMix64(seed).next_u64() ^ RANDOM_STREAM)
    size = OBSERVATION_SIZE
    policy_rows = [2 * k + k % 2 for k in range(episodes)]  # blue (row 2k) in even episodes, red in odd ones
    opponent_rows = [row ^ 1 for row in policy_rows]
    goals = [None] * episodes  # (for, against) of episode k once its match has ended
    joint = array("i", bytes(4 * 2 * episodes))
    x = array("f", bytes(4 * episodes * size))
    while None in goals:
        for rows, act in ((policy_rows, policy_act), (opponent_rows, opponent)):
            if act == "scripted":
                for row in rows:
                    joint[row] = scripted_action(batch.obs[row * size : (row + 1) * size])
            elif act == "random":
                for row in rows:
                    joint[row] = rng.below(NUM_ACTIONS)
            else:
                for k, row in enumerate(rows):
                    memoryview(x)[k * size : (k + 1) * size] = memoryview(batch.obs)[row * size : (row + 1) * size]
                for row, action in zip(rows, act(x, episodes)):
                    joint[row] = action
        batch.step(joint)
        for k in range(episodes):  # a goal can end a decision early, so matches end on different steps
            if goals[k] is None and (batch.truncations[k] or batch.terminations[k]):
                row = policy_rows[k]
                goals[k] = (batch.episode_goals[row], batch.episode_goals[row ^ 1])
    wins = sum(gf > ga for gf, ga in goals)
    losses = sum(gf < ga for gf, ga in goals)
    return {"wins": wins, "draws": episodes - wins - losses, "losses": losses, "episodes": episodes,
            "win_rate": wins / (wins + losses) if wins + losses else None,
            "goals_for": sum(gf for gf, _ in goals), "goals_against": sum(ga for _, ga in goals)}


def load_model(path: str) -> tuple[array, ModelConfig, dict]:
    """(flat params, ModelConfig, metadata) of an agent .dshq file (rl.files.agent_file.read_agent);
    CheckpointError names what is wrong. Reads at most MAX_AGENT_BYTES + 1 bytes."""
    with open(path, "rb") as file:
        agent = read_agent(file.read(MAX_AGENT_BYTES + 1))
    return agent.params, agent.model_config, agent.metadata


def load_greedy_policy(path: str):
    """The policy_act of a .dshq file: its Policy's greedy act, on numpy (CPython)."""
    from rl.numpy_backend import NumpyMLP

    params, model_config, _ = load_model(path)
    return Policy(params, model_config, mlp=NumpyMLP).act


def load_or_exit(path: str):
    """load_greedy_policy for the CLI: a bad file prints one line naming the problem and exits 2."""
    try:
        return load_greedy_policy(path)
    except (CheckpointError, OSError) as error:
        print(f"error: {path}: {error}", file=sys.stderr)
        sys.exit(2)


def episode_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_EPISODES:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_EPISODES:,}, got {text!r}")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rl.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="the .dshq model to evaluate")
    parser.add_argument("--vs", default="scripted", help="opponent: scripted, random or another .dshq file")
    parser.add_argument("--episodes", type=episode_count, default=200,
                        help=f"matches to play (default 200, at most {MAX_EPISODES:,})")
    parser.add_argument("--seed", type=int, default=0, help="seeds the matches and the random opponent")
    args = parser.parse_args(argv)
    if args.vs not in ("scripted", "random") and not os.path.exists(args.vs):
        parser.error(f"--vs: {args.vs!r} is neither scripted, random nor an existing .dshq file")
    policy = load_or_exit(args.model)
    opponent = args.vs if args.vs in ("scripted", "random") else load_or_exit(args.vs)
    result = evaluate(policy, opponent, args.episodes, args.seed)
    print(json.dumps({**result, "vs": args.vs, "seed": args.seed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
