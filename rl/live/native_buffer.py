"""Shared memory for CPython: a bytearray (threads) or
multiprocessing.shared_memory (processes), with Atomics-style int32 operations.

CPython has no atomic instructions on shared memory, so every int32 operation
runs under one Condition (`threading.Condition` for threads, a
`multiprocessing.Condition` for processes), and `wait`/`notify` are the
Condition's. It implements rl/live/shared_buffer.SharedBuffer, as
rl/live/browser_buffer.py does, so the weights board and the rollout ring are
written once for both hosts.
"""

import threading
from array import array


class NativeSharedBuffer:
    def __init__(self, buffer, condition=None):
        self.bytes = memoryview(buffer).cast("B")
        if len(self.bytes) % 4:
            raise ValueError(f"a shared buffer must hold whole int32s, got {len(self.bytes)} bytes")
        self.ints = self.bytes.cast("i")
        self.condition = condition if condition is not None else threading.Condition()

    # --- Atomics on int32 index i --------------------------------------------------------
    def load(self, i: int) -> int:
        with self.condition:
            return self.ints[i]

    def store(self, i: int, value: int) -> None:
        with self.condition:
            self.ints[i] = value

    def add(self, i: int, value: int) -> int:
        """Add and return the previous value (int32 wrap-around)."""
        with self.condition:
            old = self.ints[i]
            self.ints[i] = (old + value + 2**31) % 2**32 - 2**31
            return old

    def compare_exchange(self, i: int, expected: int, replacement: int) -> int:
        """Store `replacement` if the value is `expected`; return the previous value."""
        with self.condition:
            old = self.ints[i]
            if old == expected:
                self.ints[i] = replacement
            return old

    def wait(self, i: int, value: int, timeout_s: float | None = None) -> str:
        """Sleep while the value at i equals `value`: "ok", "not-equal" or "timed-out"."""
        with self.condition:
            if self.ints[i] != value:
                return "not-equal"
            changed = self.condition.wait_for(lambda: self.ints[i] != value, timeout_s)
            return "ok" if changed else "timed-out"

    def notify(self, i: int) -> None:
        with self.condition:
            self.condition.notify_all()

    # --- bulk copies ------------------------------------------------------------------------
    def write(self, byte_offset: int, data: array) -> None:
        raw = memoryview(data).cast("B")
        self.bytes[byte_offset:byte_offset + len(raw)] = raw

    def read(self, byte_offset: int, typecode: str, count: int) -> array:
        values = array(typecode)
        values.frombytes(self.bytes[byte_offset:byte_offset + 4 * count])
        return values
