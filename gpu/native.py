"""The GPU layer in CPython: wgpu-py (wgpu-native; Mesa's lavapipe without a GPU).

wgpu-py already has the API shape the project writes against (snake_case
methods, descriptors as keyword arguments), so `NativeDevice` forwards every
`create_*` call to the real `wgpu.GPUDevice` and only adds what the browser
host needs too: an awaitable `read_buffer`, `error_scope` that raises
`GPUError`, and an observable lost state.
"""

import contextlib

import wgpu

from .errors import GPUError
from .limits import check_storage_buffer

HOST = "native"


class NativeDevice:
    """A `wgpu.GPUDevice` plus the project's host-independent additions.

    Attributes not defined here (`create_buffer`, `create_compute_pipeline`,
    `queue`, `limits`, ...) are the wgpu-py device's own; any wgpu error they
    raise is re-raised as `GPUError`.
    """

    def __init__(self, adapter: "wgpu.GPUAdapter", raw: "wgpu.GPUDevice"):
        self.raw = raw
        self.adapter_info = dict(adapter.info)
        self.lost = False
        self.lost_reason = None
        self._lost_callbacks = []

    def __getattr__(self, name):
        attribute = getattr(self.raw, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            try:
                return attribute(*args, **kwargs)
            except wgpu.GPUError as err:
                raise GPUError(f"{name}: {err}") from err

        return call

    @property
    def max_storage_binding_bytes(self) -> int:
        """The most bytes one storage buffer binding may span on this device."""
        return int(self.raw.limits["max-storage-buffer-binding-size"])

    def create_buffer(self, *, size: int, usage: int, label: str = "", **descriptor):
        """wgpu-py's create_buffer, refusing a storage buffer past the binding limit (gpu/limits.py)."""
        check_storage_buffer(size, usage, label, self.max_storage_binding_bytes)
        try:
            return self.raw.create_buffer(size=size, usage=usage, label=label, **descriptor)
        except wgpu.GPUError as err:
            raise GPUError(f"create_buffer: {err}") from err

    @contextlib.asynccontextmanager
    async def error_scope(self, label: str):
        """Raise `GPUError("<label>: <message>")` for any GPU error in the block.

        wgpu-py reports validation errors at the failing call, so the error
        arrives inside the block; the browser reports them when the scope
        closes. Either way the caller sees one `GPUError` naming `label`.
        """
        try:
            yield
        except GPUError as err:
            raise GPUError(f"{label}: {err}") from err.__cause__
        except wgpu.GPUError as err:
            raise GPUError(f"{label}: {err}") from err

    async def read_buffer(self, buffer, offset: int = 0, size: int | None = None) -> bytes:
        """Copy `size` bytes of a COPY_SRC buffer back to the CPU."""
        try:
            return bytes(self.raw.queue.read_buffer(buffer, buffer_offset=offset, size=size))
        except wgpu.GPUError as err:
            raise GPUError(f"read_buffer: {err}") from err

    def on_lost(self, callback) -> None:
        """Call `callback(reason: str)` once when the device is lost."""
        self._lost_callbacks.append(callback)
        if self.lost:
            callback(self.lost_reason)

    def destroy(self) -> None:
        """Destroy the device; it counts as lost ("destroyed") from then on."""
        self.raw.destroy()
        self._mark_lost("destroyed")

    def _mark_lost(self, reason: str) -> None:
        if self.lost:
            return
        self.lost, self.lost_reason = True, reason
        for callback in self._lost_callbacks:
            callback(reason)


async def request_device(label: str = "dshq", power_preference: str = "high-performance",
                         required_limits: dict | None = None) -> NativeDevice:
    """Open the best available adapter and a device on it."""
    adapter = wgpu.gpu.request_adapter_sync(power_preference=power_preference)
    if adapter is None:
        raise GPUError("no WebGPU adapter: install a Vulkan driver "
                       "(on Debian: apt-get install mesa-vulkan-drivers) or use a machine with a GPU")
    try:
        raw = adapter.request_device_sync(label=label, required_limits=required_limits or {})
    except wgpu.GPUError as err:
        raise GPUError(f"request_device: {err}") from err
    return NativeDevice(adapter, raw)
