"""The trainer worker's GPU device and its compiled learner kernels, kept across runs and rebuilt when the
device is lost: the one way the trainer gets its GPU backend (at the start of every run, and after a lost
device).

A fresh device is requested and the kernels of rl.wgsl.kernels.KERNEL_NAMES are compiled one at a time, so
the page can show how far it got; between kernels it posts

    {"type": "stage", "text": "trainer: compiling the WGSL training kernels (3 of 13)",
     "startup": {"step": "compile", "done": 3, "total": 13}}

which app/live_run.py hands to the session and app/startup_panel.py shows. A later run on the same (not
lost) device skips the compile step and says so:

    {"type": "stage", "text": "trainer: reusing the compiled kernels", "startup": {"step": "compile", "reused": True}}

Each run gets its own GPUBackend (its buffers, for its model shape) over the same compiled kernels: they do
not depend on the model. Every backend is announced as {"type": "telemetry", "trainer_kernels":
{"compilations", "reused"}} (`status().trainer_kernels`: how often this worker compiled them).
"""

import gpu

from rl.model import ModelConfig
from rl.wgsl import kernels as k
from rl.wgsl.backend import GPUBackend

REUSING = "trainer: reusing the compiled kernels"


class TrainerKernels:
    def __init__(self):
        self.device = None          # the trainer's GPU device, None before the first run
        self.kernels = {}           # KERNEL_NAMES -> compute pipeline on `device`
        self.compilations = 0       # how often this worker compiled them (once, plus once per lost device)

    async def backend(self, model: ModelConfig, post) -> GPUBackend:
        """A GPUBackend for `model` on the kept device, compiling the kernels first if there is none yet or it
        was lost."""
        reused = self.device is not None and not self.device.lost
        if reused:
            post({"type": "stage", "text": REUSING, "startup": {"step": "compile", "reused": True}})
        else:
            await self.compile(post)
        post({"type": "telemetry", "trainer_kernels": {"compilations": self.compilations, "reused": reused}})
        return GPUBackend(self.device, self.kernels, model)

    async def compile(self, post) -> None:
        self.device = await gpu.request_device(label="dshq-learner")
        kernels, total = {}, len(k.KERNEL_NAMES)
        for done, name in enumerate((*k.KERNEL_NAMES, None)):
            post({"type": "stage", "text": f"trainer: compiling the WGSL training kernels ({done} of {total})",
                  "startup": {"step": "compile", "done": done, "total": total}})
            if name is not None:
                kernels.update(await k.build_kernels(self.device, (name,)))
        self.kernels = kernels
        self.compilations += 1
