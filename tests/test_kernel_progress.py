"""workers/kernel_progress.py: the trainer's backend compiled one kernel at a time (wgpu-py on lavapipe
here, navigator.gpu in the trainer worker), reporting each, as usable as rl.wgsl's create_backend, reused by
the next run and compiled again on a new device after the old one was lost."""

import asyncio
from array import array

import pytest

from rl.model import ModelConfig, init_params
from rl.wgsl import kernels as k
from workers.kernel_progress import REUSING, TrainerKernels

pytestmark = pytest.mark.gpu


def test_kernels_compile_once_per_device_with_progress_and_every_backend_works():
    model, other = ModelConfig(6, 3, hidden_sizes=(8,)), ModelConfig(6, 3, hidden_sizes=(4, 4))
    kept = TrainerKernels()
    runs = []

    async def round_trip(model):
        posted = []
        backend = await kept.backend(model, posted.append)
        params = init_params(model, 1)
        await backend.load_params(params)
        runs.append((posted, backend, await backend.get_params() == array("f", params)))
        await backend.forward(array("f", [0.5] * model.obs_size * 2), 2)
        backend.destroy()                        # the run ends: its buffers go, the kernels stay

    async def three_runs():
        await round_trip(model)
        await round_trip(other)                  # the next run: another model shape, the same kernels
        kept.device.destroy()                    # lost between runs: a new device, compiled again
        await round_trip(model)

    asyncio.run(three_runs())
    total = len(k.KERNEL_NAMES)
    (first, backend, works), (second, reused, reused_works), (third, rebuilt, rebuilt_works) = runs
    assert [message["startup"] for message in first[:-1]] == [{"step": "compile", "done": done, "total": total}
                                                              for done in range(total + 1)]
    assert first[-2]["type"] == "stage" and first[-2]["text"].endswith(f"({total} of {total})")
    assert first[-1] == {"type": "telemetry", "trainer_kernels": {"compilations": 1, "reused": False}}
    assert set(backend.kernels) == set(k.KERNEL_NAMES) and works

    assert second == [{"type": "stage", "text": REUSING, "startup": {"step": "compile", "reused": True}},
                      {"type": "telemetry", "trainer_kernels": {"compilations": 1, "reused": True}}]
    assert reused.device is backend.device and reused.kernels is backend.kernels and reused_works
    assert reused.model_config == other

    assert len(third) == total + 2 and third[-1]["trainer_kernels"] == {"compilations": 2, "reused": False}
    assert rebuilt.device is not backend.device and not rebuilt.device.lost and rebuilt_works
