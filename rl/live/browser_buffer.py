"""Shared memory in the browser: a SharedArrayBuffer with JS `Atomics`.

It implements rl/live/shared_buffer.SharedBuffer, as rl/live/native_buffer.py
does. Each method is one or two FFI calls
(a few microseconds each), so callers use it per segment or per weights
publish, never per element: bulk copies go through `TypedArray.assign` /
`assign_to`, a single memcpy between the Python buffer and the SAB.
`wait` blocks the calling thread, so only workers may call it (the page's main
thread must poll).
"""

from array import array

import js

TYPED_ARRAYS = {"f": js.Float32Array, "i": js.Int32Array}


class BrowserSharedBuffer:
    def __init__(self, shared_array_buffer):
        self.sab = shared_array_buffer
        self.ints = js.Int32Array.new(shared_array_buffer)

    def load(self, i: int) -> int:
        return js.Atomics.load(self.ints, i)

    def store(self, i: int, value: int) -> None:
        js.Atomics.store(self.ints, i, value)

    def add(self, i: int, value: int) -> int:
        return js.Atomics.add(self.ints, i, value)

    def compare_exchange(self, i: int, expected: int, replacement: int) -> int:
        return js.Atomics.compareExchange(self.ints, i, expected, replacement)

    def wait(self, i: int, value: int, timeout_s: float | None = None) -> str:
        timeout_ms = js.Infinity if timeout_s is None else timeout_s * 1000.0
        return js.Atomics.wait(self.ints, i, value, timeout_ms)

    def notify(self, i: int) -> None:
        js.Atomics.notify(self.ints, i)

    def write(self, byte_offset: int, data: array) -> None:
        TYPED_ARRAYS[data.typecode].new(self.sab, byte_offset, len(data)).assign(memoryview(data))

    def read(self, byte_offset: int, typecode: str, count: int) -> array:
        values = array(typecode, bytes(4 * count))
        TYPED_ARRAYS[typecode].new(self.sab, byte_offset, count).assign_to(memoryview(values))
        return values
