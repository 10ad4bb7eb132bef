"""The page's trainer worker with the GPU engine, outside Chromium: Pyodide in Node over Dawn.

    python bench/bench_dawn.py [--envs 16 256 1024] [--steps 64] [--hidden 64,64] [--updates 6]
                               [--vulkan auto|system|swiftshader]

For each env count, runs `workers.trainer.main` (engine=gpu: the WGSL sim,
acting, opponents and GAE on the trainer's device, the WGSL update, weights to
the board) as Pyodide in Node, with the npm `webgpu` package (Dawn's node
bindings) providing `navigator.gpu` through gpu/browser.py, the page's own GPU
adapter (tests/pyodide_run.mjs --webgpu, tests/node_trainer.py). Prints the
adapter, env steps/s and updates/s after the first update, the seconds to
the first update (kernel compilation and the first rollout), and an update's
split: collecting the rollout against the PPO update (with 20 or more
updates, also the first ten updates' collect against the last ten's: the
opponent pool fills as training goes on). Figures only.

--vulkan: `system` uses the machine's Vulkan driver (a real GPU); `swiftshader`
points VK_ICD_FILENAMES at the SwiftShader driver Debian's chromium ships
(Dawn refuses Mesa's lavapipe); `auto` (default) tries the system driver
and falls back to SwiftShader when that run fails (no adapter, or Dawn
crashed: once here, after minutes). Needs `npm ci` (webgpu is a dev
dependency) and Node 20.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rl.model import parse_hidden_sizes  # noqa: E402
SWIFTSHADER_ICD = Path("/usr/lib/chromium/vk_swiftshader_icd.json")


def run_trainer(setup: dict, vulkan: str, updates: int | None = None, seconds: float | None = None,
                snapshot_every_s: float = 0, timeout_s: float = 1800) -> dict:
    """One tests/node_trainer.py run, for `updates` updates or `seconds` of training: its result line (with
    "exit_signal" if Node died of a signal after printing it) and "snapshots", the weights it printed every
    `snapshot_every_s` seconds. RuntimeError with the trainer's stderr if it failed."""
    if (updates is None) == (seconds is None):
        raise ValueError("run_trainer needs updates or seconds, not both")
    config = {"setup": setup, "updates": updates, "seconds": seconds, "snapshot_every_s": snapshot_every_s}
    env = dict(os.environ, DSHQ_NODE_TRAINER=json.dumps(config))
    if vulkan == "swiftshader":
        env["VK_ICD_FILENAMES"] = str(SWIFTSHADER_ICD)
    result = subprocess.run(["node", "tests/pyodide_run.mjs", "--webgpu", "tests/node_trainer.py"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=timeout_s)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    snapshots = [line["snapshot"] for line in lines if "snapshot" in line]
    lines = [line for line in lines if "snapshot" not in line]
    if lines and result.returncode < 0:
        # Dawn on SwiftShader often dies of a signal (SIGSEGV) while Node exits, after the run printed its
        # result: the run is complete, so the result stands, with the signal noted.
        return {**lines[-1], "snapshots": snapshots, "exit_signal": -result.returncode}
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"the trainer in Node failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return {**lines[-1], "snapshots": snapshots}


def run_trainer_on(setup: dict, vulkan: str, **run) -> tuple[dict, str]:
    """run_trainer on `vulkan` ("auto": the machine's driver, and SwiftShader when that run fails): its result
    and the driver that gave it."""
    if vulkan != "auto":
        return run_trainer(setup, vulkan, **run), vulkan
    try:
        return run_trainer(setup, "system", **run), "system"
    except RuntimeError as err:
        reason = next((line for line in reversed(str(err).splitlines()) if line.strip()), "no output")
        print(f"  the system's Vulkan driver failed ({reason}): using SwiftShader")
        return run_trainer(setup, "swiftshader", **run), "swiftshader"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, nargs="+", default=[16, 256], help="env counts to measure (one run each)")
    parser.add_argument("--steps", type=int, default=64, help="decisions per env per rollout (num_steps)")
    parser.add_argument("--hidden", type=parse_hidden_sizes, default="64,64", help="hidden layer widths")
    parser.add_argument("--updates", type=int, default=6, help="updates per run (the first is not timed)")
    parser.add_argument("--vulkan", choices=("auto", "system", "swiftshader"), default="auto")
    args = parser.parse_args()
    hidden = list(args.hidden)
    vulkan = args.vulkan
    print(f"bench_dawn: the trainer worker's GPU engine in Node (Dawn), {args.steps} steps per env, "
          f"hidden {','.join(map(str, hidden))}, {args.updates} updates per run")
    for envs in args.envs:
        setup = {"gpu_envs": envs, "num_steps": args.steps, "hidden_sizes": hidden, "engine": "gpu",
                 "eval_episodes": 0}
        result, used = run_trainer_on(setup, vulkan, updates=args.updates)
        if used == "swiftshader":       # after one fallback, the other env counts go straight to SwiftShader
            vulkan = used
        exit_note = f"  (Node died of signal {result['exit_signal']} on exit)" if "exit_signal" in result else ""
        print(f"  {envs:6d} envs x {args.steps} steps  adapter: {result['adapter']}{exit_note}")
        print(f"         env steps/s {result['env_steps_per_s']:12,.0f}   updates/s {result['updates_per_s']:8.3f}   "
              f"({result['env_steps']} steps in {result['seconds']:.1f} s; first update after "
              f"{result['first_update_s']:.1f} s)")
        print(f"         per update: collect {result['collect_s']:.3f} s, update {result['update_s']:.3f} s")
        each = result["collect_s_each"]
        if len(each) >= 20:     # the pool gains a snapshot every snapshot_every updates: one forward chain more
            first, last = sum(each[:10]) / 10, sum(each[-10:]) / 10
            print(f"         collect, first 10 updates {first:.3f} s, last 10 {last:.3f} s")


if __name__ == "__main__":
    main()
