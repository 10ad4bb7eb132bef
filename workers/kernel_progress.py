"""The trainer's GPU backend, compiled one kernel at a time so the page can show how far it got.

Same result as rl.wgsl.backend.create_backend (a fresh device, every kernel of
rl.wgsl.kernels.KERNEL_NAMES compiled once); between kernels it posts

    {"type": "stage", "text": "trainer: compiling the WGSL training kernels (3 of 13)",
     "startup": {"step": "compile", "done": 3, "total": 13}}

which app/live_run.py hands to the session and app/startup_panel.py shows.
"""

import gpu

from rl.model import ModelConfig
from rl.wgsl import kernels as k
from rl.wgsl.backend import GPUBackend


async def compile_backend(model: ModelConfig, post) -> GPUBackend:
    device = await gpu.request_device(label="dshq-learner")
    kernels, total = {}, len(k.KERNEL_NAMES)
    for done, name in enumerate((*k.KERNEL_NAMES, None)):
        post({"type": "stage", "text": f"trainer: compiling the WGSL training kernels ({done} of {total})",
              "startup": {"step": "compile", "done": done, "total": total}})
        if name is not None:
            kernels.update(await k.build_kernels(device, (name,)))
    return GPUBackend(device, kernels, model)
