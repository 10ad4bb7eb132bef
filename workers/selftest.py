"""The worker half of the page's self-test (`window.dshq.selftest()`).

Proves, inside a module worker, the three things every later worker relies
on: Python runs, it can signal the page through a SharedArrayBuffer with
Atomics, and it can run WGSL through `gpu/`.
"""

import js

import gpu
from gpu.selftest import run_selftest

COUNTER_INDEX = 0  # Int32 slot the worker increments once it has computed


async def main(shared, args, post):
    device = await gpu.request_device(label="selftest-worker")
    values = await run_selftest(device, n=int(args.get("n", 256)))
    counters = js.Int32Array.new(shared)
    js.Atomics.add(counters, COUNTER_INDEX, 1)
    js.Atomics.notify(counters, COUNTER_INDEX)
    device.destroy()
    return {"values": values, "adapter": device.adapter_info["description"] or device.adapter_info["vendor"]}
