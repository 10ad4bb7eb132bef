"""The GPU layer in the browser: `navigator.gpu` through Pyodide's FFI.

Works on the page's main thread and in module workers. JS WebGPU objects are
wrapped in `JsObject`, which gives them the wgpu-py shape the rest of the
project writes against:

    device.create_buffer(size=64, usage=BufferUsage.STORAGE)
        -> device.createBuffer({size: 64, usage: 128})

snake_case attribute names become camelCase, keyword arguments become one
descriptor object (nested dicts and lists converted, wrapped objects unwrapped,
Python buffers copied into typed arrays), and returned JS objects are wrapped
again. Every crossing of the FFI costs a few microseconds, so hot paths cross
it once per batch, never per element.

Compute passes are such a hot path: an update of the GPU engine records about
2,000 dispatches, and three wrapped calls each (set_pipeline, set_bind_group,
dispatch_workgroups) cost ~60 us, 0.12 s per update in which the GPU waits.
So a command encoder's compute pass is a `RecordedComputePass`: its commands
go into a Python list, and `end()` replays them into the real pass with one
call into JS.
"""

import asyncio

import js
from pyodide.code import run_js
from pyodide.ffi import JsProxy, create_proxy, jsnull, to_js

from .errors import GPUError
from .limits import check_storage_buffer

HOST = "browser"


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def _to_js(value):
    """Python descriptor value -> JS value (dicts get camelCase keys)."""
    if isinstance(value, JsObject):
        return value.js
    if isinstance(value, dict):
        obj = js.Object.new()
        for key, item in value.items():
            setattr(obj, _camel(key), _to_js(item))
        return obj
    if isinstance(value, (list, tuple)):
        return to_js([_to_js(item) for item in value])
    if isinstance(value, (bytes, bytearray, memoryview)) or hasattr(value, "buffer_info"):
        return to_js(memoryview(value).cast("B"))
    return value


def _from_js(value):
    """JS value -> Python: objects are wrapped, promises and primitives pass."""
    if isinstance(value, JsProxy) and value.typeof == "object" and not hasattr(value, "then"):
        return JsObject(value)
    return value


class JsObject:
    """A JS WebGPU object seen through wgpu-py-style snake_case names."""

    __slots__ = ("js",)

    def __init__(self, js_object):
        object.__setattr__(self, "js", js_object)

    def __getattr__(self, name):
        value = getattr(self.js, _camel(name))
        if isinstance(value, JsProxy) and value.typeof == "function":
            def call(*args, **kwargs):
                js_args = [_to_js(arg) for arg in args]
                if kwargs:
                    js_args.append(_to_js(kwargs))
                return _from_js(value(*js_args))
            return call
        return _from_js(value)

    def __setattr__(self, name, value):
        setattr(self.js, _camel(name), _to_js(value))


SET_PIPELINE, SET_BIND_GROUP, DISPATCH, DISPATCH_INDIRECT = range(4)  # RecordedComputePass's opcodes

_replay_compute_pass = run_js("""(pass, ops) => {
    for (let i = 0; i < ops.length;) {
        switch (ops[i]) {
            case 0: pass.setPipeline(ops[i + 1]); i += 2; break;
            case 1: pass.setBindGroup(ops[i + 1], ops[i + 2]); i += 3; break;
            case 2: pass.dispatchWorkgroups(ops[i + 1], ops[i + 2], ops[i + 3]); i += 4; break;
            case 3: pass.dispatchWorkgroupsIndirect(ops[i + 1], ops[i + 2]); i += 3; break;
            default: throw new Error(`unknown compute pass opcode ${ops[i]} at ${i}`);
        }
    }
}""")


class RecordedComputePass:
    """A GPUComputePassEncoder whose commands cross the FFI once: each call appends an opcode and its
    operands (JS objects unwrapped) to `ops`, and `end()` replays them into the real pass in JS
    (`_replay_compute_pass`) before ending it. WebGPU validates them as it would have one by one."""

    __slots__ = ("js", "ops")

    def __init__(self, js_pass):
        self.js, self.ops = js_pass, []

    def set_pipeline(self, pipeline) -> None:
        self.ops += (SET_PIPELINE, pipeline.js)

    def set_bind_group(self, index: int, bind_group) -> None:
        self.ops += (SET_BIND_GROUP, index, bind_group.js)

    def dispatch_workgroups(self, x: int, y: int = 1, z: int = 1) -> None:
        self.ops += (DISPATCH, x, y, z)

    def dispatch_workgroups_indirect(self, buffer, offset: int) -> None:
        self.ops += (DISPATCH_INDIRECT, buffer.js, offset)

    def end(self) -> None:
        _replay_compute_pass(self.js, to_js(self.ops))
        self.ops = []
        self.js.end()


class CommandEncoder(JsObject):
    """A GPUCommandEncoder whose compute passes are RecordedComputePass."""

    __slots__ = ()

    def begin_compute_pass(self, **descriptor) -> RecordedComputePass:
        return RecordedComputePass(self.js.beginComputePass(_to_js(descriptor)))


class BrowserDevice(JsObject):
    """A `GPUDevice` plus the project's host-independent additions."""

    __slots__ = ("adapter_info", "lost", "lost_reason", "_lost_callbacks", "_keep")

    def __init__(self, adapter_info: dict, raw):
        super().__init__(raw)
        for name, value in (("adapter_info", adapter_info), ("lost", False),
                            ("lost_reason", None), ("_lost_callbacks", [])):
            object.__setattr__(self, name, value)
        on_lost = create_proxy(self._on_js_lost)
        on_error = create_proxy(self._on_uncaptured_error)
        object.__setattr__(self, "_keep", (on_lost, on_error))
        raw.lost.then(on_lost)
        raw.addEventListener("uncapturederror", on_error)

    def error_scope(self, label: str):
        """`async with device.error_scope(label):` raises `GPUError` for any
        validation or out-of-memory error that the block caused."""
        return _ErrorScope(self, label)

    def create_command_encoder(self, **descriptor) -> CommandEncoder:
        return CommandEncoder(self.js.createCommandEncoder(_to_js(descriptor)))

    @property
    def max_storage_binding_bytes(self) -> int:
        """The most bytes one storage buffer binding may span on this device."""
        return int(self.js.limits.maxStorageBufferBindingSize)

    def create_buffer(self, **descriptor) -> JsObject:
        """createBuffer, refusing a storage buffer past the binding limit (gpu/limits.py)."""
        check_storage_buffer(descriptor["size"], descriptor["usage"], descriptor.get("label", ""),
                             self.max_storage_binding_bytes)
        return JsObject(self.js.createBuffer(_to_js(descriptor)))

    async def read_buffer(self, buffer, offset: int = 0, size: int | None = None) -> bytes:
        """Copy `size` bytes of a COPY_SRC buffer back to the CPU (one staging
        buffer, one copy, one `mapAsync`)."""
        size = buffer.size - offset if size is None else size
        staging = self.js.createBuffer(_to_js({"size": size, "usage": js.GPUBufferUsage.MAP_READ
                                                | js.GPUBufferUsage.COPY_DST}))
        encoder = self.js.createCommandEncoder()
        encoder.copyBufferToBuffer(buffer.js, offset, staging, 0, size)
        self.js.queue.submit(to_js([encoder.finish()]))
        try:
            await staging.mapAsync(js.GPUMapMode.READ)
        except Exception as err:
            raise GPUError(f"read_buffer: {err}") from err
        data = js.Uint8Array.new(staging.getMappedRange()).to_bytes()
        staging.unmap()
        staging.destroy()
        return data

    def on_lost(self, callback) -> None:
        """Call `callback(reason: str)` once when the device is lost."""
        self._lost_callbacks.append(callback)
        if self.lost:
            callback(self.lost_reason)

    def destroy(self) -> None:
        """Destroy the device; it counts as lost ("destroyed") at once."""
        self.js.destroy()
        self._mark_lost("destroyed")

    def _on_js_lost(self, info):
        self._mark_lost(f"{info.reason}: {info.message}" if info.message else str(info.reason))

    def _mark_lost(self, reason: str) -> None:
        if self.lost:
            return
        object.__setattr__(self, "lost", True)
        object.__setattr__(self, "lost_reason", reason)
        for callback in self._lost_callbacks:
            callback(reason)

    def _on_uncaptured_error(self, event):
        js.console.warn(f"WebGPU error outside an error scope: {event.error.message}")


class _ErrorScope:
    def __init__(self, device: BrowserDevice, label: str):
        self.device, self.label = device, label

    async def __aenter__(self):
        self.device.js.pushErrorScope("out-of-memory")
        self.device.js.pushErrorScope("validation")

    async def __aexit__(self, exc_type, exc, tb):
        errors = [await self.device.js.popErrorScope(), await self.device.js.popErrorScope()]
        messages = [error.message for error in errors if error not in (None, jsnull)]
        if messages and exc_type is None:
            raise GPUError(f"{self.label}: " + "\n".join(messages))
        return False


async def request_device(label: str = "dshq", power_preference: str = "high-performance",
                         required_limits: dict | None = None, attempts: int = 5) -> BrowserDevice:
    """Open an adapter and a device.

    A freshly launched browser sometimes answers the first `requestAdapter()`
    with null, so it is asked up to `attempts` times, 200 ms apart.
    """
    gpu = getattr(js.navigator, "gpu", None)
    if gpu is None:
        raise GPUError("this browser does not expose WebGPU (navigator.gpu is missing): use a current "
                       "Chrome, Edge or Chromium (or Firefox/Safari with WebGPU enabled) over http://localhost")
    adapter = None
    for attempt in range(attempts):
        adapter = await gpu.requestAdapter(_to_js({"power_preference": power_preference}))
        if adapter not in (None, jsnull):
            break
        await asyncio.sleep(0.2)
    if adapter in (None, jsnull):
        raise GPUError("WebGPU is present but no GPU adapter is available: enable hardware acceleration "
                       "in the browser settings, or start Chromium with --enable-unsafe-webgpu")
    info = adapter.info
    adapter_info = {"vendor": info.vendor, "architecture": info.architecture,
                    "device": info.device, "description": info.description}
    try:
        raw = await adapter.requestDevice(_to_js({"label": label, "required_limits": required_limits or {}}))
    except Exception as err:
        raise GPUError(f"request_device: {err}") from err
    return BrowserDevice(adapter_info, raw)


def configure_canvas(device: BrowserDevice, canvas, usage: int = 0x10) -> tuple[JsObject, str]:
    """Attach a `<canvas>` to the device; returns (context, texture format).

    `usage`: TextureUsage flags of the canvas's textures (default RENDER_ATTACHMENT;
    add COPY_DST to copy into them)."""
    context = canvas.getContext("webgpu")
    if context in (None, jsnull):
        raise GPUError("the canvas has no WebGPU context (another context type already owns it)")
    texture_format = js.navigator.gpu.getPreferredCanvasFormat()
    context.configure(_to_js({"device": device, "format": texture_format, "alpha_mode": "opaque", "usage": usage}))
    return JsObject(context), texture_format
