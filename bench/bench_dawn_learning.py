"""The page's trainer through Dawn against the clock: win rate against the scripted player by minutes of training.

    python bench/bench_dawn_learning.py [--minutes 10] [--every 30] [--envs 64] [--seed 1]
                                        [--eval-episodes 32] [--vulkan auto|system|swiftshader] [--jobs N]

Runs the page's trainer worker with the GPU engine (tests/node_trainer.py: Pyodide in Node, Dawn's
WebGPU, the page's defaults but for --envs and --seed, no evaluator worker) for --minutes, printing the
weights board's newest weights every --every seconds, as the show match and the evaluator would read
them. Then each snapshot plays --eval-episodes one-minute matches against the scripted player on the
Python sim (rl.soccer.evaluation.evaluate, greedy, the same seed each time: `rl.train`'s evaluation, in
--jobs processes), and the table gives minutes since the trainer started (after Pyodide's boot; the
kernels' compilation is inside), env steps, the version, wins, draws and losses, and the share of decided
matches won. At the end: the first snapshot that won a match and the first that won at least 60% of its
decided ones (app/progress_estimate.TARGET_WIN_RATE), in minutes; the header line gives the adapter and the
env steps/s after the first update.

On a machine with a GPU (`--vulkan system`) this is the page's code path on that GPU without a browser;
on SwiftShader it is the 2-core machine's page without the show match beside it. Figures only.
"""

import argparse
import base64
import os
import sys
from array import array
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.progress_estimate import TARGET_WIN_RATE  # noqa: E402
from bench.bench_dawn import run_trainer_on  # noqa: E402
from rl.live.setup import LiveSetup  # noqa: E402
from rl.numpy_backend import NumpyMLP  # noqa: E402
from rl.policy import Policy  # noqa: E402
from rl.soccer.evaluation import evaluate  # noqa: E402


def evaluate_snapshot(params_b64: str, hidden: tuple, episodes: int, seed: int) -> dict:
    """One snapshot's matches against the scripted player (runs in a worker process)."""
    params = array("f", base64.b64decode(params_b64))
    model = LiveSetup(hidden_sizes=hidden).model_config()
    return evaluate(Policy(params, model, mlp=NumpyMLP).act, "scripted", episodes, seed)


def minutes_or_never(snapshot: dict | None) -> str:
    return f"{snapshot['seconds'] / 60:.1f} min ({snapshot['env_steps']:,} env steps)" if snapshot else "not within the run"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of training (default 10)")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between snapshots (default 30)")
    parser.add_argument("--envs", type=int, default=LiveSetup.gpu_envs, help="the GPU engine's envs (gpuenvs)")
    parser.add_argument("--seed", type=int, default=1, help="the page's seed")
    parser.add_argument("--eval-episodes", type=int, default=32, help="matches per snapshot (default 32)")
    parser.add_argument("--vulkan", choices=("auto", "system", "swiftshader"), default="auto",
                        help="bench_dawn.py's: auto tries the machine's driver, then SwiftShader")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="evaluation processes (default: cores)")
    args = parser.parse_args()
    for name in ("minutes", "every"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name} must be above 0, got {getattr(args, name)}")
    for name in ("envs", "eval_episodes", "jobs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")

    hidden = LiveSetup.hidden_sizes
    setup = {"gpu_envs": args.envs, "seed": args.seed, "engine": "gpu", "eval_episodes": 0, "hidden_sizes": hidden}
    print(f"bench_dawn_learning: the page's trainer (GPU engine, {args.envs} envs, seed {args.seed}) in Node "
          f"for {args.minutes:g} min, a snapshot every {args.every:g} s, {args.eval_episodes} matches each")
    run = {"seconds": 60 * args.minutes, "snapshot_every_s": args.every, "timeout_s": 60 * args.minutes + 600}
    result, _ = run_trainer_on(setup, args.vulkan, **run)
    snapshots = result["snapshots"]
    print(f"  adapter: {result['adapter']}; {result['env_steps_per_s']:,.0f} env steps/s after the first update "
          f"(first update after {result['first_update_s']:.1f} s); {len(snapshots)} snapshots; "
          f"evaluating in {args.jobs} processes")

    with ProcessPoolExecutor(args.jobs) as pool:
        tallies = list(pool.map(evaluate_snapshot, [s["params"] for s in snapshots], [hidden] * len(snapshots),
                                [args.eval_episodes] * len(snapshots), [args.seed] * len(snapshots)))
    print(f"{'minutes':>8} {'env steps':>11} {'version':>8} {'W':>3} {'D':>3} {'L':>3} {'won of decided':>15}")
    first_win = target = None
    for snapshot, tally in zip(snapshots, tallies):
        share = tally["win_rate"]
        print(f"{snapshot['seconds'] / 60:8.2f} {snapshot['env_steps']:11,} {snapshot['version']:8} "
              f"{tally['wins']:3} {tally['draws']:3} {tally['losses']:3} "
              f"{'-' if share is None else f'{share:.2f}':>15}")
        first_win = first_win or (snapshot if tally["wins"] else None)
        target = target or (snapshot if share is not None and share >= TARGET_WIN_RATE else None)
    print(f"first win: {minutes_or_never(first_win)}; {TARGET_WIN_RATE:.0%} of decided: {minutes_or_never(target)}")


if __name__ == "__main__":
    main()
