"""Env-steps and env-ticks per second of sim.EnvBatch and sim.wgsl.WgslEnvBatch, in this host.

Host-neutral (standard library, `sim`, `sim.wgsl`): bench/bench_sim_wgsl.py runs these
coroutines in CPython and, unchanged, in Pyodide inside Chromium. Each figure plays
uniform random actions in mid-match play (after `warmup` decisions); an env-step is one
decision of one env, an env-tick one physics tick of one env (steps x action_repeat, as
bench/bench_sim.py counts them). Time is wall-clock time: the GPU's work is not this
process's CPU time.
"""
import time
from array import array

from sim import EnvBatch, SplitMix64
from sim.wgsl import WgslEnvBatch


def figures(steps: int, seconds: float, action_repeat: int) -> dict:
    return {"steps_per_s": steps / seconds, "ticks_per_s": steps * action_repeat / seconds}


def random_action_sets(num_envs: int, count: int = 16) -> list:
    rng = SplitMix64(1)
    return [array("i", [rng.below(30) for _ in range(2 * num_envs)]) for _ in range(count)]


async def envbatch_speed(num_envs: int, seconds: float, warmup: int = 150) -> dict:
    """EnvBatch.step with random actions, observations encoded into the flat buffers."""
    batch = EnvBatch(num_envs, seed=0)
    action_sets = random_action_sets(num_envs)
    for decision in range(warmup):
        batch.step(action_sets[decision % 16])
    decisions, start = 0, time.perf_counter()
    while decisions == 0 or time.perf_counter() - start < seconds:
        batch.step(action_sets[decisions % 16])
        decisions += 1
    return figures(decisions * num_envs, time.perf_counter() - start, batch.config.action_repeat)


async def wgsl_step_speed(num_envs: int, seconds: float, warmup: int = 150, device=None) -> dict:
    """`await WgslEnvBatch.step(actions)`: one decision per submission, every buffer read back."""
    batch = await WgslEnvBatch.create(num_envs, seed=0, device=device)
    action_sets = random_action_sets(num_envs)
    batch.set_controllers(["random"] * (2 * num_envs))
    await batch.play(warmup)
    batch.set_controllers(["actions"] * (2 * num_envs))
    decisions, start = 0, time.perf_counter()
    while decisions == 0 or time.perf_counter() - start < seconds:
        await batch.step(action_sets[decisions % 16])
        decisions += 1
    elapsed = time.perf_counter() - start
    batch.destroy()
    return figures(decisions * num_envs, elapsed, batch.config.action_repeat)


async def wgsl_play_speed(num_envs: int, seconds: float, decisions_per_call: int = 120, warmup: int = 150,
                          device=None) -> dict:
    """`await WgslEnvBatch.play(n)`: n decisions per submission by the in-kernel random players."""
    batch = await WgslEnvBatch.create(num_envs, seed=0, device=device)
    batch.set_controllers(["random"] * (2 * num_envs))
    await batch.play(warmup)
    decisions, start = 0, time.perf_counter()
    while decisions == 0 or time.perf_counter() - start < seconds:
        await batch.play(decisions_per_call)
        decisions += decisions_per_call
    elapsed = time.perf_counter() - start
    batch.destroy()
    return figures(decisions * num_envs, elapsed, batch.config.action_repeat)
