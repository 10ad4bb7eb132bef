"""Env-steps and env-ticks per second of sim.EnvBatch and sim.wgsl.WgslEnvBatch, in this host.

Host-neutral (standard library, `sim`, `sim.wgsl`): bench/bench_sim_wgsl.py runs these
coroutines in CPython and, unchanged, in Pyodide inside Chromium. Each figure plays
uniform random actions in mid-match play (after `warmup` decisions); an env-step is one
decision of one env, an env-tick one physics tick of one env (steps x action_repeat, as
bench/bench_sim.py counts them). Time is wall-clock time (the GPU's work is not this
process's CPU time); on a shared machine each figure is the best of `repeats` windows.
"""
import sys
import time
from array import array

from sim import EnvBatch, SplitMix64
from sim.wgsl import WgslEnvBatch


def figures(steps_per_s: float, cpu_steps_per_s: float | None, action_repeat: int) -> dict:
    return {"steps_per_s": steps_per_s, "ticks_per_s": steps_per_s * action_repeat,
            "ticks_per_cpu_s": None if cpu_steps_per_s is None else cpu_steps_per_s * action_repeat}


def random_action_sets(num_envs: int, count: int = 16) -> list:
    rng = SplitMix64(1)
    return [array("i", [rng.below(30) for _ in range(2 * num_envs)]) for _ in range(count)]


async def best_window(run_one, decisions_per_run: int, seconds: float, repeats: int) -> tuple:
    """Decisions per second of `await run_one(i)` (i = runs so far): the best of `repeats` windows
    of at least `seconds` each, in wall-clock time and, in CPython, per CPU second of this process
    (whose threads include lavapipe's; None under Pyodide, whose process_time is wall time)."""
    best, best_cpu, runs = 0.0, 0.0, 0
    for _ in range(repeats):
        decisions, start, start_cpu = 0, time.perf_counter(), time.process_time()
        while decisions == 0 or time.perf_counter() - start < seconds:
            await run_one(runs)
            runs += 1
            decisions += decisions_per_run
        best = max(best, decisions / (time.perf_counter() - start))
        best_cpu = max(best_cpu, decisions / max(time.process_time() - start_cpu, 1e-9))
    return best, (None if sys.platform == "emscripten" else best_cpu)


async def envbatch_speed(num_envs: int, seconds: float, warmup: int = 150, repeats: int = 3) -> dict:
    """EnvBatch.step with random actions, observations encoded into the flat buffers."""
    batch = EnvBatch(num_envs, seed=0)
    action_sets = random_action_sets(num_envs)
    for decision in range(warmup):
        batch.step(action_sets[decision % 16])

    async def one(i):
        batch.step(action_sets[i % 16])

    rate, cpu_rate = await best_window(one, 1, seconds, repeats)
    return figures(rate * num_envs, cpu_rate and cpu_rate * num_envs, batch.config.action_repeat)


async def wgsl_step_speed(num_envs: int, seconds: float, warmup: int = 150, repeats: int = 3, device=None) -> dict:
    """`await WgslEnvBatch.step(actions)`: one decision per submission, every buffer read back."""
    batch = await WgslEnvBatch.create(num_envs, seed=0, device=device)
    action_sets = random_action_sets(num_envs)
    batch.set_controllers(["random"] * (2 * num_envs))
    await batch.play(warmup)
    batch.set_controllers(["actions"] * (2 * num_envs))

    async def one(i):
        await batch.step(action_sets[i % 16])

    rate, cpu_rate = await best_window(one, 1, seconds, repeats)
    batch.destroy()
    return figures(rate * num_envs, cpu_rate and cpu_rate * num_envs, batch.config.action_repeat)


async def wgsl_play_speed(num_envs: int, seconds: float, decisions_per_call: int = 120, warmup: int = 150,
                          repeats: int = 3, device=None) -> dict:
    """`await WgslEnvBatch.play(n)`: n decisions per submission by the in-kernel random players."""
    batch = await WgslEnvBatch.create(num_envs, seed=0, device=device)
    batch.set_controllers(["random"] * (2 * num_envs))
    await batch.play(warmup)

    async def one(i):
        await batch.play(decisions_per_call)

    rate, cpu_rate = await best_window(one, decisions_per_call, seconds, repeats)
    batch.destroy()
    return figures(rate * num_envs, cpu_rate and cpu_rate * num_envs, batch.config.action_repeat)
