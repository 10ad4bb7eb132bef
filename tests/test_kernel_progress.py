"""workers/kernel_progress.py: the trainer's backend compiled one kernel at a time (wgpu-py on lavapipe
here, navigator.gpu in the trainer worker), reporting each, and as usable as rl.wgsl's create_backend."""

import asyncio
from array import array

import pytest

from rl.model import ModelConfig, init_params
from rl.wgsl import kernels as k
from workers.kernel_progress import compile_backend

pytestmark = pytest.mark.gpu


def test_every_kernel_is_reported_and_the_backend_works():
    model = ModelConfig(6, 3, hidden_sizes=(8,))
    posted = []

    async def compile_and_round_trip():
        backend = await compile_backend(model, posted.append)
        params = init_params(model, 1)
        await backend.load_params(params)
        return backend, params, await backend.get_params()

    backend, params, back = asyncio.run(compile_and_round_trip())
    total = len(k.KERNEL_NAMES)
    assert [message["startup"] for message in posted] == [{"step": "compile", "done": done, "total": total}
                                                          for done in range(total + 1)]
    assert posted[-1]["type"] == "stage" and posted[-1]["text"].endswith(f"({total} of {total})")
    assert set(backend.kernels) == set(k.KERNEL_NAMES)
    assert back == array("f", params)
