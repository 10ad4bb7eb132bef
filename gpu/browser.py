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
"""

import asyncio

import js
from pyodide.ffi import JsProxy, create_proxy, jsnull, to_js

from .errors import GPUError

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
