"""The page's trainer worker (workers/trainer.py) in Node: Pyodide with Dawn's WebGPU.

Run by `node tests/pyodide_run.mjs --webgpu tests/node_trainer.py` with the
environment variable DSHQ_NODE_TRAINER = JSON {"setup": LiveSetup fields,
"updates": N} or {"setup": ..., "seconds": S, "snapshot_every_s": P}. It
builds the weights board and the rollout ring in SharedArrayBuffers as
app/live_run.py does, runs `workers.trainer.main` with that setup (its engine,
its device through gpu/browser.py, its messages) until the trainer reports N
updates (or S seconds have passed and it reported one), and prints one JSON line:

    adapter, engine            the trainer's EngineReport (rl/live/engine.py)
    updates, env_steps         after the first update, until the last report
    seconds                    wall time between those two reports
    env_steps_per_s, updates_per_s
    first_update_s             from start to the first update (kernel compilation, first rollout)
    collect_s, update_s        per update, the mean of the reported updates after the first
                               (rl/loop.py's perf/collect_seconds and perf/update_seconds)
    collect_s_each             every update's collect seconds (it grows as the opponent pool fills)
    weights_changed            whether the board's newest weights differ from the initial ones

With snapshot_every_s, every P seconds before that line it prints the board's newest weights, as the
show match and the evaluator worker would read them:

    {"snapshot": {"seconds": since the trainer started, "version", "env_steps", "params": base64 of f32}}

Used by tests/test_node_trainer.py and bench/bench_dawn.py.
"""

import asyncio
import base64
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


def print_snapshot(board: WeightsBoard, seconds: float) -> None:
    """One snapshot line of the board's newest weights (none before the first publish)."""
    newest = board.read_if_newer(0)
    if newest is not None:
        version, env_steps, params = newest
        print(json.dumps({"snapshot": {"seconds": seconds, "version": version, "env_steps": env_steps,
                                       "params": base64.b64encode(params.tobytes()).decode()}}), flush=True)


async def run(setup, updates: int | None, seconds: float | None = None, snapshot_every_s: float = 0) -> dict:
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

    def finished() -> bool:
        if not reports:
            return False
        if seconds is not None:
            return time.perf_counter() - started >= seconds
        return reports[-1][1]["update"] >= updates

    started = time.perf_counter()
    next_snapshot = snapshot_every_s
    task = asyncio.ensure_future(trainer.main(shared, {"run": 1, "setup": setup.to_args()}, post))
    while not finished():
        await asyncio.sleep(0.05)
        if task.done():
            task.result()      # raises what the trainer raised
            raise RuntimeError(f"the trainer returned before it was done: {messages}")
        if snapshot_every_s and time.perf_counter() - started >= next_snapshot:
            print_snapshot(board, time.perf_counter() - started)
            next_snapshot += snapshot_every_s
    task.cancel()
    (t0, r0), (t1, r1) = reports[0], reports[-1]
    engine = next(message for message in messages if message.get("type") == "engine")
    last = board.read_if_newer(0)[2]
    seconds = max(t1 - t0, 1e-9)
    timed = [report for _, report in reports[1:]] or [r1]
    return {"adapter": engine["adapter"], "engine": engine, "updates": r1["update"] - r0["update"],
            "env_steps": r1["global_step"] - r0["global_step"], "seconds": seconds,
            "env_steps_per_s": (r1["global_step"] - r0["global_step"]) / seconds,
            "updates_per_s": (r1["update"] - r0["update"]) / seconds, "first_update_s": t0 - started,
            "collect_s": sum(r["perf/collect_seconds"] for r in timed) / len(timed),
            "update_s": sum(r["perf/update_seconds"] for r in timed) / len(timed),
            "collect_s_each": [r["perf/collect_seconds"] for _, r in reports],
            "final_update": r1["update"], "weights_changed": list(init_params(model, setup.seed)) != list(last),
            "losses_finite": all(isinstance(r1.get(k), float) for k in ("losses/policy_loss", "losses/value_loss"))}


config = json.loads(js.process.env.DSHQ_NODE_TRAINER)
print(json.dumps(await run(setup_from_args(config["setup"]), config.get("updates"), config.get("seconds"),
                          config.get("snapshot_every_s", 0))))
