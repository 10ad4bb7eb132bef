"""Work compiled once per GPU device: shader pipelines take seconds on a software adapter, and one device
serves many users (every WgslEnvBatch, every run of the page's kept trainer worker).

    pipelines = await gpu.compiled_once(device, ("soccer sim", config), build)   # build: async () -> value

The first call for (device, key) awaits `build()`; later ones return its value. Entries are keyed by the
device object itself (not only its id, which a new device may reuse), and those of lost devices are dropped.
"""

_compiled = {}   # (id(device), key) -> (device, value)


async def compiled_once(device, key, build):
    """`await build()` the first time for (`device`, `key`), the same value after."""
    for entry in [entry for entry, (owner, _) in _compiled.items() if owner.lost]:
        del _compiled[entry]
    cached = _compiled.get((id(device), key))
    if cached is None or cached[0] is not device:
        cached = _compiled[(id(device), key)] = (device, await build())
    return cached[1]
