"""Boots the page: environment checks, GPU device, the frame loop, and the
self-test hook. Later features (match, training) plug into `Page`.
"""

import asyncio
import time

import js
from pyodide.ffi import create_proxy, to_js

import gpu
from app.pitch_renderer import PitchRenderer
from app.status import hide_loading, set_status, show_problem
from gpu.selftest import run_selftest
from workers.client import PythonWorker

NOT_ISOLATED = ("This page is not cross-origin isolated, so SharedArrayBuffer (which training needs) is "
                "unavailable. Start it with `python serve.py` and open the address it prints; that server "
                "sends the required Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers.")
NO_WEBGPU = ("WebGPU is not available: {reason}. DrillSergeantHQ needs a browser with WebGPU, such as a "
             "current Chrome, Edge or Chromium (Linux: start it with --enable-unsafe-webgpu), with hardware "
             "acceleration enabled.")


class Page:
    def __init__(self, canvas):
        self.canvas = canvas
        self.device = None
        self.renderer = None
        self.frames = 0
        self.fps_window_start = time.perf_counter()
        self._on_frame = create_proxy(self.frame)

    async def acquire_gpu(self) -> None:
        self.device = await gpu.request_device(label="page")
        self.device.on_lost(self.on_device_lost)
        self.renderer = await PitchRenderer.create(self.device, self.canvas)

    def on_device_lost(self, reason: str) -> None:
        if reason.startswith("destroyed"):
            return
        js.console.warn(f"GPU device lost ({reason}); acquiring a new one")
        asyncio.ensure_future(self.acquire_gpu())

    def frame(self, timestamp) -> None:
        if self.renderer is not None and not self.device.lost:
            self.renderer.draw()
        self.frames += 1
        now = time.perf_counter()
        if now - self.fps_window_start >= 1.0:
            set_status(fps=round(self.frames / (now - self.fps_window_start), 1))
            self.frames, self.fps_window_start = 0, now
        js.requestAnimationFrame(self._on_frame)

    async def selftest(self, n: int = 256):
        """Run the WGSL self-test here and in a fresh module worker."""
        main_values = await run_selftest(self.device, n)
        shared = js.SharedArrayBuffer.new(4)
        worker = PythonWorker("workers.selftest:main", shared=shared, args={"n": n})
        try:
            worker_result = await worker.result
        finally:
            worker.terminate()
        counter = js.Atomics.load(js.Int32Array.new(shared), 0)
        return to_js({"main": main_values, "worker": worker_result["values"],
                      "worker_adapter": worker_result["adapter"], "counter": counter},
                     dict_converter=js.Object.fromEntries)


async def start() -> None:
    try:
        await boot()
    except Exception as err:  # the page must say what broke, not fail silently
        show_problem(f"DrillSergeantHQ hit an internal error while starting: {type(err).__name__}: {err}")
        raise


async def boot() -> None:
    if not js.crossOriginIsolated:
        show_problem(NOT_ISOLATED)
        return
    page = Page(js.document.getElementById("arena"))
    try:
        await page.acquire_gpu()
    except gpu.GPUError as err:
        show_problem(NO_WEBGPU.format(reason=err))
        return
    js.window.dshq.selftest = create_proxy(lambda n=256: asyncio.ensure_future(page.selftest(int(n))))
    js.window.dshq.adapter = to_js(page.device.adapter_info, dict_converter=js.Object.fromEntries)
    js.requestAnimationFrame(page._on_frame)
    hide_loading()
    set_status(ready=True, playing=False, mode="ai-vs-ai")
