"""The page's trainer worker with the GPU engine as Pyodide in Node over Dawn (bench/bench_dawn.py's
runner): gpu/browser.py on Dawn's navigator.gpu, SwiftShader here. A few updates run, the weights
on the board change and the losses are finite; a timed run prints the board's weights as it trains
(bench/bench_dawn_learning.py's snapshots)."""

import base64
import warnings
from array import array

import pytest

from bench.bench_dawn import run_trainer
from rl.live.setup import LiveSetup
from rl.model import init_params, num_params

pytestmark = [pytest.mark.node]


def test_the_trainer_worker_runs_the_gpu_engine_in_node():
    setup = {"gpu_envs": 8, "num_steps": 16, "hidden_sizes": [16, 16], "engine": "gpu", "eval_episodes": 0}
    result = run_trainer(setup, "swiftshader", updates=3, timeout_s=120)
    if "exit_signal" in result:     # after the run: Dawn's teardown on SwiftShader (bench/bench_dawn.py)
        warnings.warn(f"Node died of signal {result['exit_signal']} on exit, after the trainer's result")
    assert result["engine"]["name"] == "gpu" and "swiftshader" in result["adapter"].lower(), result
    assert result["final_update"] >= 3 and result["env_steps"] >= 8 * 16
    assert result["weights_changed"] and result["losses_finite"]
    assert result["collect_s"] > 0 and result["update_s"] > 0          # the loop's timing of an update's parts


def test_a_timed_run_prints_the_boards_newest_weights_as_it_trains():
    setup = {"gpu_envs": 8, "num_steps": 16, "hidden_sizes": [16, 16], "engine": "gpu", "eval_episodes": 0}
    result = run_trainer(setup, "swiftshader", seconds=25, snapshot_every_s=2, timeout_s=150)
    snapshots = result["snapshots"]          # from the first publish on (~10 s here: boot and kernels)
    assert len(snapshots) >= 2, result
    assert [s["seconds"] for s in snapshots] == sorted(s["seconds"] for s in snapshots)
    model = LiveSetup(hidden_sizes=(16, 16)).model_config()
    newest = array("f", base64.b64decode(snapshots[-1]["params"]))
    assert len(newest) == num_params(model) and newest != init_params(model, 1)
    assert snapshots[-1]["version"] > snapshots[0]["version"] >= 1 and snapshots[-1]["env_steps"] >= 8 * 16


BUFFER_PAST_THE_LIMIT = """
import gpu
device = await gpu.request_device(label="limits")
limit = device.max_storage_binding_bytes
try:
    device.create_buffer(size=limit + 16, usage=gpu.BufferUsage.STORAGE, label="too big")
except gpu.GPUError as error:
    print("REFUSED", limit, error)
device.create_buffer(size=16, usage=gpu.BufferUsage.STORAGE, label="small").destroy()
print("SMALL OK")
"""


def test_the_browser_device_refuses_a_storage_buffer_past_its_binding_limit():
    """gpu/browser.py over Dawn (SwiftShader): the device's maxStorageBufferBindingSize, checked at
    create_buffer with the buffer's name, as in CPython (gpu/limits.py)."""
    import os
    import subprocess

    from bench.bench_dawn import ROOT, SWIFTSHADER_ICD

    env = {**os.environ, "VK_ICD_FILENAMES": str(SWIFTSHADER_ICD)}
    done = subprocess.run(["node", "tests/pyodide_run.mjs", "--webgpu", "/dev/stdin"], input=BUFFER_PAST_THE_LIMIT,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    refused = [line for line in done.stdout.splitlines() if line.startswith("REFUSED")]
    assert refused and "SMALL OK" in done.stdout, done.stdout + done.stderr
    limit = int(refused[0].split()[1])
    assert limit == 128 * 2**20  # WebGPU's default: the page's devices ask for no more
    assert f"too big needs {limit + 16:,} bytes in one binding; this device binds at most {limit:,}" in refused[0]
