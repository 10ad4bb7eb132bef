"""numpy <-> GPU buffer helpers for the kernel tests (their device comes from
the `device_kernels` fixture in conftest.py)."""

import asyncio

import numpy as np

from rl.wgsl import kernels as k


def upload(device, values):
    data = np.ascontiguousarray(values, np.float32).reshape(-1)
    buffer = k.storage_buffer(device, data.size, "test input")
    device.queue.write_buffer(buffer, 0, data.tobytes())
    return buffer


def read(device, buffer, count):
    return np.array(asyncio.run(k.read_floats(device, buffer, count)), np.float32)
