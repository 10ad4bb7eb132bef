"""The opponent pool's forward alone: one indirect linear_forward chain over every filled slot, its cost
against the rows the slots really have.

    python bench/bench_pool_forward.py [--slots 9] [--envs 64] [--snapshot-envs 13] [--hidden 64,64]
                                       [--repeats 200] [--variant auto|software|gpu] [--dawn]

What rl/soccer/gpu_rollout_source.py records per decision for the snapshot
opponents, without the gather and the sample: the model's L linear_forward
dispatches (indirect, grid z = slot, ceil(max rows / 32) row tiles) over a pool
of `slots` networks of `envs` rows each, `snapshot-envs` rows spread over the
slots as the rollout's matchup draws spread them (uniformly at random, fixed
seed; the counts are printed). Two ways, timed in the same run:

    tiles of the fullest   every slot computes all the grid's row tiles (slot_rows not given)
    own rows               every slot computes its own count of rows (slot_rows: the pool's way)

Each is `repeats` forwards in one submission and one readback, ms per forward.
Here through wgpu-py (lavapipe, or SwiftShader's driver with
VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json); with --dawn through
the page's own GPU layer in Pyodide in Node over Dawn on SwiftShader, as
bench_dawn.py runs the trainer. Wall-clock time on whatever machine runs it;
figures only.
"""

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gpu  # noqa: E402
from rl.model import ModelConfig, num_params, parse_hidden_sizes  # noqa: E402
from rl.soccer.gpu_rollout_source import INDIRECT, Indirect  # noqa: E402
from rl.wgsl import kernels as k  # noqa: E402
from rl.wgsl.network import GPUNetwork  # noqa: E402
from sim import NUM_ACTIONS, OBSERVATION_SIZE  # noqa: E402
from bench.bench_dawn import SWIFTSHADER_ICD  # noqa: E402


async def time_forward(device, steps: list, repeats: int, sync) -> float:
    """ms per forward: `repeats` copies of `steps` in one submission, then one readback."""
    k.submit(device, steps)  # warm-up (pipelines, uniforms)
    await device.read_buffer(sync, 0, 4)
    start = time.perf_counter()
    k.submit(device, steps * repeats)
    await device.read_buffer(sync, 0, 4)
    return 1e3 * (time.perf_counter() - start) / repeats


async def measure(slots: int, envs: int, snapshot_envs: int, hidden: list, repeats: int, variant: str) -> None:
    """Print the adapter, the rows per slot and ms per forward both ways (the module docstring)."""
    device = await gpu.request_device(label="pool forward bench")
    software = gpu.is_software_adapter(device.adapter_info) if variant == "auto" else variant == "software"
    kernels = await k.build_variants(device, ("linear_forward",), software)
    config = ModelConfig(obs_size=OBSERVATION_SIZE, num_actions=NUM_ACTIONS, hidden_sizes=tuple(hidden))
    S, E = slots, envs
    rng = random.Random(1)
    counts = [0] * S
    for _ in range(snapshot_envs):
        counts[rng.randrange(S)] += 1
    stride = k.param_stride(num_params(config))
    params = k.storage_buffer(device, S * stride, "pool params")
    device.queue.write_buffer(params, 0, array("f", (rng.gauss(0, 0.1) for _ in range(S * stride))))
    slot_rows = device.create_buffer(size=4 * S, usage=k.STORAGE, label="slot rows")
    device.queue.write_buffer(slot_rows, 0, array("I", counts))
    info = device.adapter_info
    print(f"bench_pool_forward: {info.get('device') or info.get('description')} "
          f"({'software' if software else 'GPU'} variant), {S} slots x {E} rows, model "
          f"{OBSERVATION_SIZE}-{'-'.join(map(str, hidden))}-{NUM_ACTIONS + 1}, rows per slot {counts}")
    for name, rows_buffer in (("tiles of the fullest", None), ("own rows", slot_rows)):
        network = GPUNetwork(device, kernels, config, params, None, S * E, with_backward=False, slots=S,
                             slot_rows=rows_buffer)
        layers = [layer for chain in network.chains for layer in chain]
        tiles = k.groups(max(counts), k.TILE)
        grid = device.create_buffer(size=12 * len(layers), usage=INDIRECT, label="grid")
        device.queue.write_buffer(grid, 0, array("I", [v for layer in layers
                                                       for v in (k.groups(layer.n_out, k.TILE), tiles, S)]))
        steps = [(Indirect(layer, grid, 12 * l), (E,)) for l, layer in enumerate(network.forward)]
        ms = await time_forward(device, steps, repeats, network.out)
        print(f"  {name:22s} {ms:8.3f} ms per forward")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=9, help="filled pool slots (pool_size + 1 when full)")
    parser.add_argument("--envs", type=int, default=64, help="envs: the rows each slot has room for")
    parser.add_argument("--snapshot-envs", type=int, default=13, help="rows in all slots together this decision")
    parser.add_argument("--hidden", type=parse_hidden_sizes, default="64,64", help="hidden layer widths")
    parser.add_argument("--repeats", type=int, default=200, help="forwards timed per figure")
    parser.add_argument("--variant", choices=("auto", "software", "gpu"), default="auto",
                        help="matrix kernels: the adapter's (auto), or the software or GPU variant")
    parser.add_argument("--dawn", action="store_true",
                        help="run in Pyodide in Node over Dawn (tests/pyodide_run.mjs --webgpu; the page's GPU "
                             "layer), on the SwiftShader driver bench_dawn.py uses, instead of wgpu-py here")
    args = parser.parse_args()
    measured = (args.slots, args.envs, args.snapshot_envs, list(args.hidden), args.repeats, args.variant)
    if not args.dawn:
        asyncio.run(measure(*measured))
        return
    call = f"measure{measured!r}"
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(f"import sys\nsys.path.insert(0, '/repo/bench')\nfrom bench_pool_forward import measure\n"
                     f"await {call}\n")
        script.flush()
        env = dict(os.environ, VK_ICD_FILENAMES=str(SWIFTSHADER_ICD))
        subprocess.run(["node", "tests/pyodide_run.mjs", "--webgpu", script.name], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
