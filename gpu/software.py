"""Is this adapter a software rasteriser (the GPU emulated on the CPU)?

SwiftShader (Chromium without a GPU) and llvmpipe/lavapipe (Mesa) run WGSL on
CPU cores. The project adapts to them: the page draws at 30 fps and rollout
workers act in pure Python, because on them a WebGPU round trip costs more
than the work it carries.
"""

SOFTWARE_ADAPTER_WORDS = ("swiftshader", "llvmpipe", "lavapipe", "software")


def is_software_adapter(adapter_info: dict) -> bool:
    described = " ".join(str(value) for value in adapter_info.values()).lower()
    return any(word in described for word in SOFTWARE_ADAPTER_WORDS)
