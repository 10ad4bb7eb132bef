"""One small WebGPU API for both hosts, shaped like wgpu-py.

    import gpu
    device = await gpu.request_device()
    async with device.error_scope("building the saxpy kernel"):
        module = device.create_shader_module(code=gpu.shader_source("selftest"))
        pipeline = device.create_compute_pipeline(layout="auto",
                                                  compute={"module": module, "entry_point": "main"})
    ...
    data = await device.read_buffer(buffer)

CPython uses wgpu-py (`gpu/native.py`); Pyodide uses the browser's
`navigator.gpu` (`gpu/browser.py`), on the main thread or in a module worker.
Everything the project builds on top (kernels, renderer) is written once.
"""

import sys

from .compiled import compiled_once
from .errors import GPUError
from .flags import BufferUsage, MapMode, ShaderStage, TextureUsage
from .shader_source import shader_source
from .software import is_software_adapter

if sys.platform == "emscripten":
    from .browser import HOST, request_device
else:
    from .native import HOST, request_device

__all__ = ["HOST", "GPUError", "BufferUsage", "MapMode", "ShaderStage", "TextureUsage",
           "compiled_once", "is_software_adapter", "request_device", "shader_source"]
