"""The pure-Python policy forward (rl/policy.py) in CPython and in Pyodide-in-Node, per dot product.

    python bench/bench_policy.py [--seconds 3] [--no-pyodide]

The browser's Python has no numpy (ENVIRONMENT.md), so the show match's
players, the evaluator worker's matches, the value-field overlay and the
rollout workers all act through `PythonMLP`, whose every output is one dot
product. This bench times, in each host and for each dot it has
(`sum(map(mul))` everywhere, `math.sumprod` from Python 3.12, i.e. in
Pyodide):

- forward rows per CPU second of the page's model (34 -> 64 -> 64 -> 30 + 1,
  tanh) at 1 row per call (the show match) and 4 (the evaluator's batch);
- the evaluator's unit of work: one `rl.soccer.evaluation.evaluate` of 4
  one-minute matches against the scripted player (the page's `eval_episodes`),
  in CPU seconds, sim and scripted player included.

In CPython, numpy's forward (rl.numpy_backend.NumpyMLP) is printed beside as
the peer. Time is the process's CPU time (bench_sim.cpu_seconds), so the
figures hold on a shared machine. Prints figures, never fails on time.
"""
import argparse
import math
import os
import platform
import sys
from array import array

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rl.policy  # noqa: E402
from bench.bench_sim import cpu_seconds, run_in_pyodide  # noqa: E402
from rl.live.setup import LiveSetup  # noqa: E402
from rl.model import init_params  # noqa: E402
from rl.policy import Policy, sum_of_products  # noqa: E402
from rl.soccer.evaluation import evaluate  # noqa: E402
from sim import OBSERVATION_SIZE, SplitMix64  # noqa: E402

ROW_BATCHES = (1, 4)
EVAL_EPISODES = 4


def dots() -> dict:
    """The dot products this Python has, by name."""
    found = {"sum(map(mul))": sum_of_products}
    if hasattr(math, "sumprod"):
        found["math.sumprod"] = math.sumprod
    return found


def rows_per_second(policy: Policy, rows: int, seconds: float) -> float:
    """Forward rows per CPU second of `policy` called on `rows` observations at a time."""
    rng = SplitMix64(3)
    obs = array("f", [rng.below(2001) / 1000.0 - 1.0 for _ in range(rows * OBSERVATION_SIZE)])
    calls, start = 0, cpu_seconds()
    while (elapsed := cpu_seconds() - start) < seconds:
        policy.forward(obs, rows)
        calls += 1
    return calls * rows / elapsed


def measure_all(seconds: float) -> dict:
    """{dot name: {"rows_per_s": {batch: rows/s}, "eval_s": CPU seconds of one 4-match evaluation}}."""
    model = LiveSetup().model_config()
    params = init_params(model, 1)
    figures = {}
    for name, dot in dots().items():
        rl.policy.dot = dot
        policy = Policy(params, model)
        start = cpu_seconds()
        evaluate(policy.act, "scripted", episodes=EVAL_EPISODES, seed=1)
        eval_seconds = cpu_seconds() - start
        figures[name] = {"rows_per_s": {str(rows): rows_per_second(policy, rows, seconds) for rows in ROW_BATCHES},
                         "eval_s": eval_seconds}
    rl.policy.dot = dots()["math.sumprod" if hasattr(math, "sumprod") else "sum(map(mul))"]
    return figures


def numpy_rows_per_second(seconds: float) -> dict:
    from rl.numpy_backend import NumpyMLP

    model = LiveSetup().model_config()
    policy = Policy(init_params(model, 1), model, mlp=NumpyMLP)
    return {str(rows): rows_per_second(policy, rows, seconds) for rows in ROW_BATCHES}


def pyodide_figures(seconds: float) -> dict | None:
    return run_in_pyodide("import json\n"
                          "from bench.bench_policy import measure_all\n"
                          f"print('RESULT ' + json.dumps(measure_all({seconds!r})))\n")


def report(host: str, figures: dict) -> None:
    baseline = figures["sum(map(mul))"]
    for name, figure in figures.items():
        rows = "   ".join(f"{batch} row{'s' if batch != '1' else ''}/call {rate:8,.0f} rows/s"
                           for batch, rate in figure["rows_per_s"].items())
        speedup = baseline["eval_s"] / figure["eval_s"]
        print(f"  {host:16s} {name:14s} {rows}   evaluation of {EVAL_EPISODES} matches {figure['eval_s']:6.2f} s"
              f"   ({speedup:.2f}x sum(map(mul)))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per forward figure")
    parser.add_argument("--no-pyodide", action="store_true", help="skip the Pyodide-in-Node half")
    args = parser.parse_args()
    print(f"PythonMLP, the page's model, CPU time (CPython {platform.python_version()}):")
    report("CPython", measure_all(args.seconds))
    rates = numpy_rows_per_second(args.seconds)
    print(f"  {'CPython':16s} {'numpy (peer)':14s} " + "   ".join(
        f"{batch} row{'s' if batch != '1' else ''}/call {rate:8,.0f} rows/s" for batch, rate in rates.items()))
    if not args.no_pyodide and (pyodide := pyodide_figures(args.seconds)) is not None:
        report("Pyodide-in-Node", pyodide)


if __name__ == "__main__":
    main()
