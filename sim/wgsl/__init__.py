"""The soccer sim as WGSL compute: sim.EnvBatch's twin on the GPU, float32 (docs/sim.md).

    from sim.wgsl import WgslEnvBatch
    batch = await WgslEnvBatch.create(num_envs, seed=0, config=None)

Imports `gpu` (wgpu-py in CPython, navigator.gpu in the browser); the rest of
`sim/` stays standard-library Python and is the reference this package is
tested against.
"""
from .batch import WgslEnvBatch
from .layout import CONTROLLERS, TALLIES
from .source import soccer_source

__all__ = ["CONTROLLERS", "TALLIES", "WgslEnvBatch", "soccer_source"]
