"""The one exception type the GPU layer raises, in both hosts."""


class GPUError(RuntimeError):
    """A WebGPU operation failed: WGSL that does not compile, an invalid
    pipeline or bind group, an out-of-memory, or a lost device.

    The message names what the project was doing (the error scope's label)
    followed by the implementation's own text, which for WGSL includes the
    compiler's line:column diagnostics.
    """
