"""The host's share of a PPO update on a rollout already on the GPU: what limits large batches on a real GPU.

    python bench/bench_update_host.py [--rows 4096 65536 262144] [--hidden 8,8] [--updates 3]
                                      [--hosts cpython pyodide] [--vulkan swiftshader|system]

On a real GPU the GPU engine's rollout and update take little GPU time, so at
large batches the host's own work per update sets the pace: Python that runs
once per row or per dispatch. This bench runs rl.ppo.PPOLearner.update on the
WGSL backend over a rollout of N rows left on the GPU (a DeviceRollout, as the
GPU engine hands it over), minibatches as the page cuts them (256 rows each up to
32 of them, then 32 larger ones: rl.live.setup.soccer_minibatches; 4 epochs), and splits each update's
wall time into the host's part and the time spent awaiting the GPU
(`kernels.read_floats`). Two ways to draw the minibatches, alternating, in one run:

    host keys    the learner shuffles N row numbers per epoch in Python and uploads every epoch's index
                 (how a host rollout is drawn, and a GPU engine's below rl.shuffle.BACKEND_DRAW_MIN_ROWS)
    GPU keys     the learner sends one key per epoch and the backend draws the orders on the GPU
                 (a GPU engine's rollout from that many rows; here at every size)

Hosts: `cpython` (wgpu-py, this process: lavapipe or the machine's GPU) and
`pyodide` (the page's code path: Pyodide in Node with Dawn's WebGPU,
tests/pyodide_run.mjs --webgpu; SwiftShader unless --vulkan system). The
network is narrow by default (8,8) so that a software adapter finishes the
GPU's share in seconds: the host's share does not depend on the width. The
first update of each kind is not timed. Figures only.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent if "__file__" in globals() else Path("/repo")
sys.path.insert(0, str(ROOT))

from rl.config import SOCCER_PPO, PPOConfig  # noqa: E402
from rl.live.setup import soccer_minibatches  # noqa: E402
from rl.model import ModelConfig, init_params, parse_hidden_sizes  # noqa: E402
from rl.ppo import PPOLearner  # noqa: E402
from rl.rollout import Rollout  # noqa: E402
from rl.wgsl import kernels as k  # noqa: E402
from rl.wgsl.backend import DeviceRollout, create_backend  # noqa: E402
from sim import NUM_ACTIONS, OBSERVATION_SIZE  # noqa: E402

SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json"
NUM_STEPS = 64  # the page's num_steps: N = envs x 64


def random_rollout(rows: int, seed: int) -> Rollout:
    """A rollout of `rows` rows (64 steps) with plausible values, every row valid."""
    import random
    rng = random.Random(seed)
    envs = rows // NUM_STEPS
    floats = lambda count, scale=1.0: array("f", (rng.gauss(0.0, scale) for _ in range(count)))
    return Rollout(NUM_STEPS, envs, floats(rows * OBSERVATION_SIZE), array("i", (rng.randrange(NUM_ACTIONS)
                                                                                 for _ in range(rows))),
                   array("f", [-3.4] * rows), floats(rows), floats(rows, 0.1), floats(rows),
                   array("f", (float(rng.random() < 0.002) for _ in range(rows))), array("f", [1.0] * rows))


async def measure(rows_list: list, hidden: list, updates: int) -> dict:
    """{rows: {"host keys": [host s, gpu wait s] per update, "GPU keys": ...}, "adapter": ...}"""
    model = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=tuple(hidden))
    backend = await create_backend(model)
    device = backend.device
    waited = [0.0]
    read_floats = k.read_floats

    async def timed_read(*args):  # every readback of an update goes through kernels.read_floats
        started = time.perf_counter()
        try:
            return await read_floats(*args)
        finally:
            waited[0] += time.perf_counter() - started

    k.read_floats = timed_read
    results = {"adapter": str(device.adapter_info.get("description") or device.adapter_info)}
    for rows in rows_list:
        config = PPOConfig(num_envs=rows // NUM_STEPS, num_steps=NUM_STEPS,
                           num_minibatches=soccer_minibatches(rows), update_epochs=4,
                           learning_rate=SOCCER_PPO.learning_rate, anneal_lr=False)
        await backend.load_params(init_params(model, 1))
        await backend.set_rollout(random_rollout(rows, 1))
        rollout = DeviceRollout(NUM_STEPS, rows // NUM_STEPS, backend.rollout)
        learners = {"host keys": PPOLearner(backend, config, backend_draw_min_rows=rows + 1),  # above it: the host
                    "GPU keys": PPOLearner(backend, config, backend_draw_min_rows=1)}       # draws at any size
        timings = {kind: [] for kind in learners}
        for update in range(updates + 1):
            for kind, learner in learners.items():
                waited[0] = 0.0
                started = time.perf_counter()
                await learner.update(rollout, config.learning_rate)
                wall = time.perf_counter() - started
                if update:
                    timings[kind].append((wall - waited[0], waited[0]))
        results[rows] = {"minibatches": config.num_minibatches, **timings}
    return results


def run_pyodide(rows_list: list, hidden: list, updates: int, vulkan: str) -> dict:
    """measure() as Pyodide in Node over Dawn (the page's GPU layer), its JSON."""
    import subprocess
    env = dict(os.environ)
    if vulkan == "swiftshader":
        env["VK_ICD_FILENAMES"] = SWIFTSHADER_ICD
    source = ("import json, sys\nsys.path.insert(0, '/repo/bench')\nfrom bench_update_host import measure\n"
              f"print(json.dumps(await measure({rows_list!r}, {hidden!r}, {updates})))\n")
    result = subprocess.run(["node", "tests/pyodide_run.mjs", "--webgpu"], cwd=ROOT, env=env, input=source,
                            capture_output=True, text=True, timeout=3600)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:   # Dawn on SwiftShader may die of a signal while Node exits, after the result (bench_dawn.py)
        raise RuntimeError(f"the Pyodide run failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return {(int(key) if key.isdigit() else key): value for key, value in json.loads(lines[-1]).items()}


def report(host: str, results: dict) -> None:
    print(f"  {host}: {results['adapter']}")
    print(f"  {'rows':>9} {'minibatches':>11}  {'draw':>9}  {'host s':>7}  {'GPU wait s':>10}  "
          f"{'host ceiling (rows/s)':>21}")
    for rows, entry in results.items():
        if rows == "adapter":
            continue
        for kind in ("host keys", "GPU keys"):
            host_s = sorted(h for h, _ in entry[kind])[len(entry[kind]) // 2]
            wait_s = sorted(w for _, w in entry[kind])[len(entry[kind]) // 2]
            print(f"  {rows:9,d} {entry['minibatches']:11,d}  {kind:>9}  {host_s:7.3f}  {wait_s:10.3f}  "
                  f"{rows / host_s:21,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[4096, 65536, 262144],
                        help="rollout rows (multiples of 64: envs x 64 steps)")
    parser.add_argument("--hidden", type=parse_hidden_sizes, default="8,8", help="hidden layer widths")
    parser.add_argument("--updates", type=int, default=3, help="timed updates of each kind (medians shown)")
    parser.add_argument("--hosts", nargs="+", choices=("cpython", "pyodide"), default=["cpython", "pyodide"])
    parser.add_argument("--vulkan", choices=("swiftshader", "system"), default="swiftshader",
                        help="the Pyodide host's Vulkan driver (Dawn refuses lavapipe)")
    args = parser.parse_args()
    bad = [rows for rows in args.rows if rows < NUM_STEPS or rows % NUM_STEPS]
    if bad:
        parser.error(f"--rows must be multiples of {NUM_STEPS} (envs x {NUM_STEPS} steps), got {bad}")
    hidden = list(args.hidden)
    print(f"bench_update_host: PPOLearner.update on a rollout left on the GPU, hidden {','.join(map(str, hidden))}, "
          f"4 epochs of the page's minibatches, median of {args.updates} updates")
    for host in args.hosts:
        if host == "cpython":
            results = asyncio.run(measure(args.rows, hidden, args.updates))
        else:
            results = run_pyodide(args.rows, hidden, args.updates, args.vulkan)
        report(host, results)


if __name__ == "__main__":
    main()
