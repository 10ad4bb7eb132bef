"""The page's trainer worker with the GPU engine as Pyodide in Node over Dawn (bench/bench_dawn.py's
runner): gpu/browser.py on Dawn's navigator.gpu, SwiftShader here. A few updates run, the weights
on the board change and the losses are finite."""

import warnings

import pytest

from bench.bench_dawn import run_trainer

pytestmark = [pytest.mark.node]


def test_the_trainer_worker_runs_the_gpu_engine_in_node():
    setup = {"gpu_envs": 8, "num_steps": 16, "hidden_sizes": [16, 16], "engine": "gpu", "eval_episodes": 0}
    result = run_trainer(setup, updates=3, vulkan="swiftshader", timeout_s=120)
    if "exit_signal" in result:     # after the run: Dawn's teardown on SwiftShader (bench/bench_dawn.py)
        warnings.warn(f"Node died of signal {result['exit_signal']} on exit, after the trainer's result")
    assert result["engine"]["name"] == "gpu" and "swiftshader" in result["adapter"].lower(), result
    assert result["final_update"] >= 3 and result["env_steps"] >= 8 * 16
    assert result["weights_changed"] and result["losses_finite"]
    assert result["collect_s"] > 0 and result["update_s"] > 0          # the loop's timing of an update's parts
