"""The shared memory the weights board and the rollout ring are written over: one interface, two hosts.

    browser   rl/live/browser_buffer.BrowserSharedBuffer   a SharedArrayBuffer through Atomics
    CPython   rl/live/native_buffer.NativeSharedBuffer     a bytearray or multiprocessing.shared_memory

Both are checked against `SharedBuffer` in tests/test_interfaces.py.
"""

from array import array
from typing import Protocol, runtime_checkable


@runtime_checkable
class SharedBuffer(Protocol):
    def load(self, i: int) -> int:
        """The int32 at index i (Atomics.load)."""

    def store(self, i: int, value: int) -> None:
        """Set the int32 at index i (Atomics.store)."""

    def add(self, i: int, value: int) -> int:
        """Add to the int32 at index i and return the previous value, with int32 wrap-around (Atomics.add)."""

    def compare_exchange(self, i: int, expected: int, replacement: int) -> int:
        """Store `replacement` if the value at i is `expected`; return the previous value."""

    def wait(self, i: int, value: int, timeout_s: float | None = None) -> str:
        """Sleep while the value at i equals `value`: "ok", "not-equal" or "timed-out" (Atomics.wait)."""

    def notify(self, i: int) -> None:
        """Wake the waiters on index i (Atomics.notify)."""

    def write(self, byte_offset: int, data: array) -> None:
        """Copy `data`'s bytes in at byte_offset."""

    def read(self, byte_offset: int, typecode: str, count: int) -> array:
        """`count` items of `typecode` (4-byte 'f' or 'i') from byte_offset, as a new array."""
