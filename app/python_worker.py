"""A Python module worker started from the page, and the messages to and from it (browser only).

    worker = PythonWorker("workers.selftest:main", shared=sab, args={"n": 256})
    value = await worker.result        # what the entry returned
    worker.terminate()

The worker side is `workers/boot.mjs`; see it for the message protocol.
"""

import asyncio

import js
from pyodide.ffi import create_proxy, to_js

BOOT_SCRIPT = "/workers/boot.mjs"


def to_js_object(value):
    return to_js(value, dict_converter=js.Object.fromEntries)


class WorkerError(RuntimeError):
    """The worker failed to boot, or its entry point raised."""


class PythonWorker:
    """A module worker running `entry` ("package.module:function")."""

    def __init__(self, entry: str, shared=None, args: dict | None = None, on_message=None):
        self.entry = entry
        self.on_message = on_message
        self.ready = asyncio.get_event_loop().create_future()
        self.result = asyncio.get_event_loop().create_future()
        self._handler = create_proxy(self._handle)
        self._error_handler = create_proxy(self._handle_error)
        self.worker = js.Worker.new(BOOT_SCRIPT, to_js_object({"type": "module", "name": entry}))
        self.worker.addEventListener("message", self._handler)
        self.worker.addEventListener("error", self._error_handler)
        self.worker.postMessage(to_js_object({"type": "start", "entry": entry, "shared": shared,
                                              "args": args or {}}))

    def post(self, data) -> None:
        self.worker.postMessage(to_js_object(data))

    def terminate(self) -> None:
        self.worker.terminate()
        self._fail(WorkerError(f"worker {self.entry} was terminated"))
        self._handler.destroy()
        self._error_handler.destroy()

    def _handle(self, event):
        message = event.data.to_py() if hasattr(event.data, "to_py") else event.data
        kind = message.get("type")
        if kind == "ready" and not self.ready.done():
            self.ready.set_result(True)
        elif kind == "message" and self.on_message is not None:
            self.on_message(message.get("data"))
        elif kind == "result" and not self.result.done():
            self.result.set_result(message.get("value"))
        elif kind == "error":
            self._fail(WorkerError(f"worker {self.entry}: {message.get('message')}"))

    def _handle_error(self, event):
        self._fail(WorkerError(f"worker {self.entry} could not start: {getattr(event, 'message', event)}"))

    def _fail(self, error: Exception):
        for future in (self.ready, self.result):
            if not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: a terminated worker is not an error to report
