import asyncio, json, time
import js
from collections import defaultdict
from rl.wgsl import kernels as k
from rl.wgsl import backend as wb
from rl.soccer import gpu_rollout_source as grs
import gpu.browser as gb
from rl import loop as rloop

T = defaultdict(float); N = defaultdict(int)
def timed(name, fn):
    def wrapper(*a, **kw):
        t = time.perf_counter(); r = fn(*a, **kw); T[name] += time.perf_counter() - t; N[name] += 1; return r
    return wrapper
def atimed(name, fn):
    async def wrapper(*a, **kw):
        t = time.perf_counter(); r = await fn(*a, **kw); T[name] += time.perf_counter() - t; N[name] += 1; return r
    return wrapper
orig_submit = k.submit
def submit(device, steps):
    N["dispatch_steps"] += len(steps)
    return orig_submit(device, steps)
k.submit = timed("submit_encode", submit)
grs.k.submit = k.submit
gb.BrowserDevice.read_buffer = atimed("read_buffer", gb.BrowserDevice.read_buffer)
grs.GpuSelfPlaySource.collect = atimed("collect", grs.GpuSelfPlaySource.collect)
grs.GpuSelfPlaySource.record_decision = timed("record_decision", grs.GpuSelfPlaySource.record_decision)
wb.GPUBackend.train_minibatches = atimed("train_minibatches", wb.GPUBackend.train_minibatches)
wb.GPUBackend.compute_advantages = atimed("compute_advantages", wb.GPUBackend.compute_advantages)
wb.GPUBackend.explained_variance = atimed("explained_variance", wb.GPUBackend.explained_variance)
rloop.LearnerLoop.step = atimed("loop_step", rloop.LearnerLoop.step)

import importlib.util, sys

import asyncio
import json
import time

import js
from pyodide.ffi import to_js

from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.layout import board_bytes, ring_bytes
from rl.live.rollout_ring import RolloutRing
from rl.live.setup import setup_from_args
from rl.live.weights_board import WeightsBoard
from rl.model import init_params, num_params, shape_hash
from workers import trainer


async def run(setup, updates: int) -> dict:
    model = setup.model_config()
    board_sab = js.SharedArrayBuffer.new(board_bytes(num_params(model)))
    ring_sab = js.SharedArrayBuffer.new(ring_bytes(setup.ring_slots, setup.segment_layout().nbytes))
    board = WeightsBoard(BrowserSharedBuffer(board_sab), num_params(model), shape_hash(model)).initialize()
    RolloutRing(BrowserSharedBuffer(ring_sab), setup.segment_layout(), setup.ring_slots).initialize().set_running(True)
    shared = to_js({"board": board_sab, "ring": ring_sab}, dict_converter=js.Object.fromEntries)
    reports, messages = [], []

    def post(message):
        messages.append(message)
        if message.get("type") == "telemetry" and message.get("update"):
            reports.append((time.perf_counter(), message))

    started = time.perf_counter()
    task = asyncio.ensure_future(trainer.main(shared, {"setup": setup.to_args()}, post))
    while not reports or reports[-1][1]["update"] < updates:
        await asyncio.sleep(0.05)
        if task.done():
            task.result()      # raises what the trainer raised
            raise RuntimeError(f"the trainer returned before {updates} updates: {messages}")
    task.cancel()
    (t0, r0), (t1, r1) = reports[0], reports[-1]
    engine = next(message for message in messages if message.get("type") == "engine")
    last = board.read_if_newer(0)[2]
    seconds = max(t1 - t0, 1e-9)
    return {"adapter": engine["adapter"], "engine": engine, "updates": r1["update"] - r0["update"],
            "env_steps": r1["global_step"] - r0["global_step"], "seconds": seconds,
            "env_steps_per_s": (r1["global_step"] - r0["global_step"]) / seconds,
            "updates_per_s": (r1["update"] - r0["update"]) / seconds, "first_update_s": t0 - started,
            "final_update": r1["update"], "weights_changed": list(init_params(model, setup.seed)) != list(last),
            "losses_finite": all(isinstance(r1.get(k), float) for k in ("losses/policy_loss", "losses/value_loss"))}


config = json.loads(js.process.env.DSHQ_NODE_TRAINER)
result = await run(setup_from_args(config["setup"]), int(config["updates"]))
print(json.dumps({"sps": result["env_steps_per_s"], "ups": result["updates_per_s"], "first": result["first_update_s"],
                  "T": {k2: round(v, 3) for k2, v in T.items()}, "N": dict(N)}))
