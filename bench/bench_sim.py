"""Physics ticks per second of EnvBatch on one core, in CPython and in Pyodide-in-Node.

    python bench/bench_sim.py [--seconds 3] [--no-pyodide]

Each figure: EnvBatch(E).step() with uniform random actions (observation
encoding into the flat buffers included, auto-resets included), for E = 64
and 1024; ticks = decisions x action_repeat x E. The matches are first played
for `--warmup` decisions, so that the timing sees mid-match play (bodies near
walls and each other) rather than the cheap first seconds after kickoff.
Time is the process's CPU time (time.process_time in CPython; Node's
process.cpuUsage() under Pyodide, whose process_time is wall time), i.e. ticks
per second of one busy core, which stays meaningful on a shared machine. Prints figures,
never fails on time. Target (issue 3): >= 100,000 ticks/s in CPython,
Pyodide >= 50% of it.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from array import array

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sim import EnvBatch, SplitMix64  # noqa: E402

SIZES = (64, 1024)


def cpu_seconds() -> float:
    """CPU time of this process: time.process_time(), or Node's process.cpuUsage() under Pyodide."""
    if sys.platform == "emscripten":
        import js
        usage = js.process.cpuUsage()
        return (usage.user + usage.system) * 1e-6
    return time.process_time()


def measure(num_envs: int, seconds: float, warmup: int) -> float:
    """Ticks per CPU second of EnvBatch(num_envs) stepping random actions for about `seconds`."""
    batch = EnvBatch(num_envs, seed=0)
    rng = SplitMix64(1)
    action_sets = [array("i", [rng.below(batch.num_actions) for _ in range(2 * num_envs)]) for _ in range(16)]
    for decision in range(warmup):
        batch.step(action_sets[decision % 16])
    decisions = 0
    start = cpu_seconds()
    while True:
        batch.step(action_sets[decisions % 16])
        decisions += 1
        elapsed = cpu_seconds() - start
        if elapsed >= seconds:
            break
    return decisions * num_envs * batch.config.action_repeat / elapsed


def measure_all(seconds: float, warmup: int) -> dict:
    return {str(n): measure(n, seconds, warmup) for n in SIZES}


def pyodide_figures(seconds: float, warmup: int) -> dict | None:
    return run_in_pyodide("import json, sys\n"
                          "sys.path.insert(0, '/repo/bench')\n"
                          "from bench_sim import measure_all\n"
                          f"print('RESULT ' + json.dumps(measure_all({seconds!r}, {warmup!r})))\n")


def run_in_pyodide(source: str) -> dict | None:
    """The JSON after "RESULT " in what `source` prints under Pyodide in Node (tests/pyodide_run.mjs), or None
    with the reason on stderr."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    try:
        done = subprocess.run(["node", "tests/pyodide_run.mjs"], input=source, capture_output=True, text=True,
                              cwd=root, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"pyodide run failed: {error}", file=sys.stderr)
        return None
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    print(f"pyodide run failed:\n{done.stderr}", file=sys.stderr)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per figure")
    parser.add_argument("--warmup", type=int, default=150, help="decisions played before timing")
    parser.add_argument("--no-pyodide", action="store_true", help="skip the Pyodide-in-Node half")
    args = parser.parse_args()
    cpython = measure_all(args.seconds, args.warmup)
    pyodide = None if args.no_pyodide else pyodide_figures(args.seconds, args.warmup)
    print(f"EnvBatch physics ticks per CPU second, random actions, observations encoded "
          f"(CPython {platform.python_version()}):")
    for n in SIZES:
        line = f"  {n:5d} envs   CPython {cpython[str(n)]:10,.0f}"
        if pyodide is not None:
            ratio = pyodide[str(n)] / cpython[str(n)]
            line += f"   Pyodide-in-Node {pyodide[str(n)]:10,.0f}   Pyodide/CPython {ratio:.2f}"
        print(line)


if __name__ == "__main__":
    main()
