"""End-to-end training throughput: `python -m rl.train` env steps per second with 1 and 2 rollout processes.

    python bench/bench_train.py [--steps 65536] [--workers 1 2] [--backend numpy]

Each figure is a real `rl.train` run with the soccer defaults (64 envs x 128
steps per update, self-play opponents, PPO update on the numpy backend) and no
evaluation; SPS = env steps / wall seconds of the training loop, as the run's
last `charts/SPS` reports it (process start-up excluded). Wall time, so the
figures depend on what else the machine is doing: the load average before
each run is printed with it. Prints figures, never fails on time.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def measure(workers: int, steps: int, backend: str) -> dict:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [sys.executable, "-m", "rl.train", "--steps", str(steps), "--seed", "1", "--backend", backend,
             "--out", os.path.join(folder, "bench.dshq"), "--workers", str(workers), "--eval-episodes", "0"],
            cwd=ROOT, capture_output=True, text=True, check=True)
    last = json.loads(result.stdout.splitlines()[-1])
    return {"workers": workers, "steps": last["global_step"], "sps": last["charts/SPS"], "load_before": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=65536, help="env steps per run (default 8 updates)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="rollout process counts to measure")
    parser.add_argument("--backend", default="numpy", choices=("numpy", "gpu"))
    args = parser.parse_args()
    print(f"rl.train end-to-end SPS, backend {args.backend}, {os.cpu_count()} CPUs")
    print(f"{'workers':>8} {'steps':>8} {'SPS':>8} {'load avg before':>16}")
    for workers in args.workers:
        row = measure(workers, args.steps, args.backend)
        print(f"{row['workers']:>8} {row['steps']:>8} {row['sps']:>8,} {row['load_before']:>16.2f}", flush=True)


if __name__ == "__main__":
    main()
