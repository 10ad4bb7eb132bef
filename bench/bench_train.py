"""End-to-end training throughput: `python -m rl.train` env steps per second, per rollout engine.

    python bench/bench_train.py [--steps 65536] [--engines numpy gpu] [--workers 1 2] [--backend numpy]
        [--num-envs 64] [--num-steps 128] [--num-minibatches 32]

Each figure is a real `rl.train` run with the soccer defaults (64 envs x 128
steps per update, self-play opponents) and no evaluation; SPS = env steps /
wall seconds of the training loop, as the run's last `charts/SPS` reports it
(process start-up and kernel compilation excluded). Beside it, the host's
share: the median over updates (the first left out when there are more) of
the training thread's CPU seconds per update (`perf/host_cpu_seconds`: Python
and driver calls, not the GPU's work nor worker processes'), and the env steps
per second the host alone would allow at that share, num_envs x num_steps /
host s. For the gpu engine that ceiling is what no GPU, however fast, can pass
at this shape with this host code. The numpy engine is
measured with each --workers count on --backend; the gpu engine
(rl/soccer/gpu_rollout_source.py) always runs on the GPU backend in one
process. Wall time, so the figures depend on what else the machine is doing:
the load average before each run is printed with it. Prints figures, never
fails on time.

On a machine with a GPU, one command measures both engines at the default and
at a GPU-sized batch:

    python bench/bench_train.py --engines numpy gpu --workers 1 && \\
    python bench/bench_train.py --engines gpu --num-envs 4096 --num-steps 128 --num-minibatches 32 --steps 2097152
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def measure(engine: str, workers: int, steps: int, backend: str, shape: list) -> dict:
    load = os.getloadavg()[0]
    engine_flags = ["--engine", "gpu"] if engine == "gpu" else ["--backend", backend, "--workers", str(workers)]
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [sys.executable, "-m", "rl.train", "--steps", str(steps), "--seed", "1", *engine_flags, *shape,
             "--out", os.path.join(folder, "bench.dshq"), "--eval-episodes", "0"],
            cwd=ROOT, capture_output=True, text=True, check=True)
    entries = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    last = entries[-1]
    host = statistics.median(entry["perf/host_cpu_seconds"] for entry in entries[1:] or entries)
    return {"engine": engine, "backend": "gpu" if engine == "gpu" else backend,
            "workers": 1 if engine == "gpu" else workers, "steps": last["global_step"], "sps": last["charts/SPS"],
            "host_s": host, "load_before": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=65536, help="env steps per run (default 8 updates)")
    parser.add_argument("--engines", nargs="+", default=["numpy"], choices=("numpy", "gpu"),
                        help="rollout engines to measure (rl.train --engine)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="rollout process counts to measure for the numpy engine")
    parser.add_argument("--backend", default="numpy", choices=("numpy", "gpu"), help="the numpy engine's backend")
    for name, default in (("num-envs", 64), ("num-steps", 128), ("num-minibatches", 32)):
        parser.add_argument(f"--{name}", type=int, default=default, help=f"rl.train --{name}")
    args = parser.parse_args()
    shape = ["--num-envs", str(args.num_envs), "--num-steps", str(args.num_steps),
             "--num-minibatches", str(args.num_minibatches)]
    print(f"rl.train end-to-end SPS, {args.num_envs} envs x {args.num_steps} steps per update,"
          f" {args.num_minibatches} minibatches, {os.cpu_count()} CPUs")
    rows_per_update = args.num_envs * args.num_steps
    print(f"{'engine':>7} {'backend':>8} {'workers':>8} {'steps':>9} {'SPS':>9} {'host s/update':>14}"
          f" {'host ceiling SPS':>17} {'load avg before':>16}")
    runs = [(engine, workers) for engine in args.engines for workers in (args.workers if engine == "numpy" else [1])]
    for engine, workers in runs:
        row = measure(engine, workers, args.steps, args.backend, shape)
        print(f"{row['engine']:>7} {row['backend']:>8} {row['workers']:>8} {row['steps']:>9} {row['sps']:>9,}"
              f" {row['host_s']:>14.3f} {rows_per_update / row['host_s']:>17,.0f} {row['load_before']:>16.2f}",
              flush=True)


if __name__ == "__main__":
    main()
