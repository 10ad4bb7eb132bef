"""Live training in headless Chromium, per engine, against headless `rl.train`, in one run.

    python bench/bench_live.py [--seconds 60] [--query "workers=1&envs=16&steps=32&hidden=64,64"]
                               [--engines gpu workers] [--renders webgpu canvas [--rounds N]] [--league]

For each engine (`?engine=gpu`: rollouts on the trainer's WebGPU device;
`?engine=workers`: Pyodide rollout workers over the ring; rl/live/engine.py),
drives the page for `--seconds` of training and prints env steps per second
(SPS), updates per second, the show match's frame rate while training and the
engine's adapter; then runs `python -m rl.train` (numpy backend, one process)
for a similar number of steps on the same machine and prints its SPS and each
engine's browser/native ratio. With `--renders`, each engine once per show-match
renderer (`?render=`), the renderers alternating for `--rounds` rounds. With `--league`, instead: browser runs with
league matches off (`league=0`) and on, alternating for `--rounds` rounds (so
a change in the machine's load falls on both settings alike), the league
matches the evaluator played in each, and the on/off ratio of the medians.
Figures only, nothing is asserted. Here WebGPU is SwiftShader (CPU), so the browser figures say little
about a real GPU.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import served_page  # noqa: E402


def browser_run(seconds: float, query: str) -> dict:
    with served_page(f"/?{query}") as session:
        session.page.click("#train")
        session.page.wait_for_function("(window.dshq.status().updates || 0) >= 1", timeout=300_000)
        first = session.status()
        start = time.perf_counter()
        fps = []
        while time.perf_counter() - start < seconds:
            session.page.wait_for_timeout(2000)
            status = session.status()
            fps.append(status["fps"] or 0.0)
        elapsed = time.perf_counter() - start
        last = session.status()
    return {"engine": last["engine"], "renderer": last["renderer"]["kind"], "sps": (last["train_steps"] - first["train_steps"]) / elapsed,
            "updates_per_s": (last["updates"] - first["updates"]) / elapsed,
            "fps": sum(fps) / len(fps), "steps": last["train_steps"] - first["train_steps"],
            "league_matches": last["league_matches"] - first["league_matches"],
            "evaluated": (first.get("evaluated_version"), last.get("evaluated_version")),
            "evaluations": last["progress"]["evaluations"] - first["progress"]["evaluations"]}


def native_run(steps: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([sys.executable, "-m", "rl.train", "--steps", str(steps), "--seed", "1",
                                 "--out", f"{folder}/bench.dshq", "--eval-every", "0", "--eval-episodes", "2"],
                                cwd=ROOT, capture_output=True, text=True, check=True)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return lines[-1]["charts/SPS"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of browser training measured")
    parser.add_argument("--query", default="workers=1&envs=16&steps=32&hidden=64,64",
                        help="page URL parameters (LiveSetup)")
    parser.add_argument("--engines", nargs="+", choices=("auto", "gpu", "workers"), default=["gpu", "workers"],
                        help="the page's engines to measure, one browser run each")
    parser.add_argument("--renders", nargs="+", choices=("webgpu", "canvas"), default=[],
                        help="the show match's renderers to measure (?render=), alternating for --rounds rounds, "
                             "each with every engine (default: the page's own choice)")
    parser.add_argument("--league", action="store_true",
                        help="compare training with league matches off and on (alternating browser runs)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --league or --renders: how many rounds to run, alternating")
    args = parser.parse_args()
    if args.league:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, got {args.rounds}")
        sps = {"0": [], "1": []}
        for round_index in range(args.rounds):
            for league in ("0", "1"):
                live = browser_run(args.seconds, f"{args.query}&league={league}")
                sps[league].append(live["sps"])
                print(f"round {round_index + 1}, browser ({args.query}&league={league}), "
                      f"{args.seconds:.0f} s of training:")
                print(f"  env steps/s {live['sps']:10.1f}   updates/s {live['updates_per_s']:.3f}   "
                      f"show-match fps {live['fps']:.1f}   league requests played {live['league_matches']}   "
                      f"versions evaluated {live['evaluated'][0]} -> {live['evaluated'][1]}", flush=True)
        off, on = statistics.median(sps["0"]), statistics.median(sps["1"])
        print(f"median env steps/s: league off {off:.1f}, on {on:.1f}, on/off {on / off:.3f}")
        return
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    renders = [f"&render={render}" for render in args.renders] or [""]
    runs = [(engine, browser_run(args.seconds, f"{args.query}&engine={engine}{render}"))
            for _ in range(args.rounds if args.renders else 1) for render in renders for engine in args.engines]
    native_sps = native_run(max(20_000, max(live["steps"] for _, live in runs)))
    print(f"browser ({args.query}), {args.seconds:.0f} s of training per run:")
    for engine, live in runs:
        print(f"  engine={engine:8s} ran {live['engine']['name']:8s} env steps/s {live['sps']:10.1f}   "
              f"updates/s {live['updates_per_s']:.3f}   show-match fps {live['fps']:.1f}   "
              f"browser / native {live['sps'] / native_sps:.3f}   evaluations {live['evaluations']}   "
              f"renderer {live['renderer']}   adapter: {live['engine']['adapter']}")
    print(f"rl.train (numpy, 1 process): env steps/s {native_sps:10.1f}")


if __name__ == "__main__":
    main()
