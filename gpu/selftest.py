"""A compute round trip that proves the GPU layer works in a host.

`run_selftest(device)` uploads x = [-4, -3.75, ..., ] (n values, step 1/4),
dispatches `shaders/selftest.wgsl` (y = x^2 + x/2 + i), reads y back and
returns it as a list of floats. The same call runs in CPython (wgpu-py), on
the page's main thread and in a worker; tests compare the three results.
"""

from array import array

from . import BufferUsage, shader_source

WORKGROUP_SIZE = 64


def selftest_input(n: int) -> array:
    return array("f", (-4.0 + 0.25 * i for i in range(n)))


def selftest_expected(n: int) -> list[float]:
    return [x * x + 0.5 * x + i for i, x in enumerate(selftest_input(n))]


async def run_selftest(device, n: int = 256) -> list[float]:
    x = selftest_input(n)
    async with device.error_scope("gpu self-test"):
        module = device.create_shader_module(code=shader_source("selftest"), label="selftest")
        pipeline = device.create_compute_pipeline(
            layout="auto", compute={"module": module, "entry_point": "main"}, label="selftest")
        x_buffer = device.create_buffer(size=4 * n, usage=BufferUsage.STORAGE | BufferUsage.COPY_DST)
        y_buffer = device.create_buffer(size=4 * n, usage=BufferUsage.STORAGE | BufferUsage.COPY_SRC)
        device.queue.write_buffer(x_buffer, 0, x)
        bind_group = device.create_bind_group(
            layout=pipeline.get_bind_group_layout(0),
            entries=[{"binding": 0, "resource": {"buffer": x_buffer}},
                     {"binding": 1, "resource": {"buffer": y_buffer}}])
        encoder = device.create_command_encoder()
        compute_pass = encoder.begin_compute_pass()
        compute_pass.set_pipeline(pipeline)
        compute_pass.set_bind_group(0, bind_group)
        compute_pass.dispatch_workgroups((n + WORKGROUP_SIZE - 1) // WORKGROUP_SIZE)
        compute_pass.end()
        device.queue.submit([encoder.finish()])
    y = array("f")
    y.frombytes(await device.read_buffer(y_buffer))
    x_buffer.destroy()
    y_buffer.destroy()
    return y.tolist()
