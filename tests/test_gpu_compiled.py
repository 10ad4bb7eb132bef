"""gpu.compiled_once: built once per (device, key), again for another device or key, dropped with a lost
device (CPython; the devices are stand-ins with a `lost` flag, as both hosts' devices have)."""

import asyncio

import gpu


class Device:
    lost = False


def test_work_is_compiled_once_per_device_and_key_and_forgotten_with_a_lost_device():
    builds = []

    async def build():
        builds.append(len(builds))
        return f"pipeline {len(builds)}"

    def get(device, key="sim"):
        return asyncio.run(gpu.compiled_once(device, key, build))

    first, second = Device(), Device()
    assert get(first) == get(first) == "pipeline 1"
    assert get(first, "record") == "pipeline 2" and get(second) == "pipeline 3"
    first.lost = True
    replacement = Device()
    assert get(replacement) == "pipeline 4" and len(builds) == 4
    assert get(second) == "pipeline 3"
