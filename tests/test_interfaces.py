"""The checked interfaces: every implementation of rl.backend.Backend and rl.live.shared_buffer.SharedBuffer
has every method, with the interface's parameters."""

import asyncio
import inspect
import sys
from types import SimpleNamespace

import pytest

from rl.backend import Backend
from rl.live.native_buffer import NativeSharedBuffer
from rl.live.shared_buffer import SharedBuffer
from rl.model import ModelConfig
from rl.numpy_backend import NumpyBackend


def interface_methods(protocol) -> dict:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if inspect.isfunction(member) and not name.startswith("_")}


def assert_implements(cls, protocol) -> None:
    """Every method of the protocol is on cls, with the same parameter names, and async exactly where it is."""
    for name, signature in interface_methods(protocol).items():
        method = getattr(cls, name, None)
        assert method is not None, f"{cls.__name__} lacks {name}"
        assert list(inspect.signature(method).parameters) == list(signature.parameters), (cls.__name__, name)
        assert inspect.iscoroutinefunction(method) == inspect.iscoroutinefunction(getattr(protocol, name)), name


def browser_buffer_class():
    """rl/live/browser_buffer.py imports `js` (Pyodide); a stand-in module lets CPython read its class."""
    sys.modules.setdefault("js", SimpleNamespace(Float32Array=None, Int32Array=None, Atomics=None))
    from rl.live.browser_buffer import BrowserSharedBuffer
    return BrowserSharedBuffer


def test_both_backends_implement_the_backend_interface():
    from rl.wgsl.backend import GPUBackend

    for cls in (NumpyBackend, GPUBackend):
        assert_implements(cls, Backend)
    assert isinstance(NumpyBackend(ModelConfig(3, 2, (4,))), Backend)


def test_both_shared_buffers_implement_the_shared_buffer_interface():
    for cls in (NativeSharedBuffer, browser_buffer_class()):
        assert_implements(cls, SharedBuffer)
    assert isinstance(NativeSharedBuffer(bytearray(16)), SharedBuffer)


def test_the_check_catches_a_missing_or_changed_method():
    class Partial:
        async def load_params(self, params):
            pass

        def get_params(self):  # not async
            pass

    with pytest.raises(AssertionError):
        assert_implements(Partial, Backend)
    assert not isinstance(Partial(), Backend)
