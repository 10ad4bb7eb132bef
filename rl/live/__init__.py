"""Live training over shared memory: the browser's trainer and rollout workers.

`layout.py` defines the byte layouts (docs/shared_memory.md); `weights_board.py`
and `rollout_ring.py` are the protocols over a `shared_buffer.SharedBuffer`
(`browser_buffer.py`: a SharedArrayBuffer, `native_buffer.py`: a bytearray or
multiprocessing.shared_memory). `setup.py` is the page-to-worker contract.
"""
