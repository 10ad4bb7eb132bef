"""What one storage buffer may hold, checked when it is made, in both hosts.

Every storage buffer the project makes is bound whole, and a binding may span
at most the device's maxStorageBufferBindingSize: 128 MiB by WebGPU's default
(what the page's devices get) and on Mesa's lavapipe, far more on most
discrete GPUs through wgpu-py (which asks for the adapter's limits). Past it
the failure used to surface at the first bind group holding the buffer, deep
in a kernel's setup, naming neither the buffer nor what made it large.
`create_buffer` refuses such a buffer at once, naming it, so a batch too large
for the adapter says so (`rl.train --engine gpu --num-envs 16384 --num-steps
64` on lavapipe: the rollout's observations, 142,606,336 bytes).
"""

from .errors import GPUError
from .flags import BufferUsage


def check_storage_buffer(size: int, usage: int, label: str, limit: int) -> None:
    """Raise GPUError when a buffer with STORAGE usage is larger than `limit` bytes (the device's
    maxStorageBufferBindingSize)."""
    if usage & BufferUsage.STORAGE and size > limit:
        raise GPUError(f"create_buffer: {label or 'a storage buffer'} needs {size:,} bytes in one binding; this "
                       f"device binds at most {limit:,} (maxStorageBufferBindingSize)")
