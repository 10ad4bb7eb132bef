"""The checked interfaces: every implementation of rl.backend.Backend, rl.live.shared_buffer.SharedBuffer
and app.arena_scene.Arena has every method and property, with the interface's parameters."""

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


def interface_properties(protocol) -> list[str]:
    return [name for name, member in vars(protocol).items() if isinstance(member, property)]


def interface_methods(protocol) -> dict:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if inspect.isfunction(member) and not name.startswith("_")}


def assert_implements(cls, protocol) -> None:
    """Every method of the protocol is on cls, with the same parameter names, and async exactly where it is;
    every property of the protocol is a property of cls."""
    for name in interface_properties(protocol):
        assert isinstance(getattr(cls, name, None), property), f"{cls.__name__} lacks the property {name}"
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


def arena_classes(monkeypatch) -> tuple:
    """The page's two renderers import `js` and `pyodide` (the browser's); stand-in modules let CPython
    read their classes."""
    pyodide = SimpleNamespace(__path__=[])
    ffi = SimpleNamespace(JsProxy=object, create_proxy=None, jsnull=None, to_js=None)
    for name, module in (("js", SimpleNamespace()), ("pyodide", pyodide), ("pyodide.ffi", ffi),
                         ("pyodide.code", SimpleNamespace(run_js=lambda source: None))):
        monkeypatch.setitem(sys.modules, name, module)
    for name in ("gpu.browser", "app.arena_canvas", "app.arena_renderer"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    from app.arena_canvas import CanvasArena
    from app.arena_renderer import ArenaRenderer
    return CanvasArena, ArenaRenderer


def test_both_backends_implement_the_backend_interface():
    from rl.wgsl.backend import GPUBackend

    for cls in (NumpyBackend, GPUBackend):
        assert_implements(cls, Backend)
    assert isinstance(NumpyBackend(ModelConfig(3, 2, (4,))), Backend)


def test_both_shared_buffers_implement_the_shared_buffer_interface():
    for cls in (NativeSharedBuffer, browser_buffer_class()):
        assert_implements(cls, SharedBuffer)
    assert isinstance(NativeSharedBuffer(bytearray(16)), SharedBuffer)


def test_both_renderers_implement_the_arena_interface(monkeypatch):
    from app.arena_scene import Arena

    for cls in arena_classes(monkeypatch):
        assert_implements(cls, Arena)


def test_the_check_catches_a_missing_or_changed_method():
    class Partial:
        async def load_params(self, params):
            pass

        def get_params(self):  # not async
            pass

    with pytest.raises(AssertionError):
        assert_implements(Partial, Backend)
    assert not isinstance(Partial(), Backend)

    from app.arena_scene import Arena

    class NoLost:
        pixels_per_metre = 1.0
        lost = False                    # an attribute, not the interface's property

        def draw(self, view, overlays=(), field=None):
            pass

    with pytest.raises(AssertionError, match="lacks the property lost"):
        assert_implements(NoLost, Arena)
