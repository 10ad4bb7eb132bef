"""gpu/ in CPython: wgpu-py on whatever adapter exists (lavapipe on CI)."""

import asyncio

import pytest

import gpu
from gpu.selftest import run_selftest, selftest_expected

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def device():
    return asyncio.run(gpu.request_device(label="tests"))


def test_host_is_native():
    assert gpu.HOST == "native"


def test_selftest_kernel_matches_python(device):
    assert asyncio.run(run_selftest(device, 300)) == selftest_expected(300)


def test_bad_wgsl_raises_gpu_error_with_the_compiler_message(device):
    async def build():
        async with device.error_scope("building a broken kernel"):
            device.create_shader_module(code="@compute @workgroup_size(1) fn main() { let x: f32 = ; }")

    with pytest.raises(gpu.GPUError) as caught:
        asyncio.run(build())
    message = str(caught.value)
    assert message.startswith("building a broken kernel:")
    assert "wgsl:1:" in message  # the compiler's line:column


def test_invalid_pipeline_raises_gpu_error(device):
    async def build():
        async with device.error_scope("pipeline with a missing entry point"):
            module = device.create_shader_module(code=gpu.shader_source("selftest"))
            device.create_compute_pipeline(layout="auto", compute={"module": module, "entry_point": "nope"})

    with pytest.raises(gpu.GPUError, match="pipeline with a missing entry point"):
        asyncio.run(build())


def test_unknown_shader_name_lists_the_known_ones():
    with pytest.raises(FileNotFoundError, match="selftest"):
        gpu.shader_source("does-not-exist")


def test_device_loss_is_observable():
    lost_reasons = []
    fresh = asyncio.run(gpu.request_device(label="to-be-lost"))
    fresh.on_lost(lost_reasons.append)
    assert not fresh.lost
    fresh.destroy()
    assert fresh.lost and lost_reasons == ["destroyed"]
    late = []
    fresh.on_lost(late.append)  # registering after the loss still reports it
    assert late == ["destroyed"]


def test_a_storage_buffer_past_the_binding_limit_is_refused_naming_it(device):
    """gpu/limits.py: the device's own limit, checked at create_buffer; non-storage buffers are not limited."""
    limit = device.max_storage_binding_bytes
    assert limit >= 128 * 2**20  # WebGPU's default, the least any adapter gives
    with pytest.raises(gpu.GPUError, match=f"too big needs {limit + 16:,} bytes.*binds at most {limit:,}"):
        device.create_buffer(size=limit + 16, usage=gpu.BufferUsage.STORAGE, label="too big")
    device.create_buffer(size=16, usage=gpu.BufferUsage.STORAGE, label="small").destroy()
