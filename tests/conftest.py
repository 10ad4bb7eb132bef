"""Shared fixtures: the served page and a headless Chromium with WebGPU
(the machinery is in tests/harness.py, which bench/ uses too)."""

import asyncio
from pathlib import Path

import pytest

from harness import CHROMIUM, LOG_TAIL_LINES, PageSession, chromium, log_tail, start_server

BROWSER_LOG = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def server_url():
    process, url = start_server()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser_log(request, tmp_path_factory):
    """Chromium's own stderr for this session (see `pytest_runtest_makereport`)."""
    request.config.stash[BROWSER_LOG] = tmp_path_factory.mktemp("chromium") / "chromium.log"
    return request.config.stash[BROWSER_LOG]


@pytest.fixture(scope="session")
def browser(browser_log):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with chromium(browser_log) as browser:
        yield browser


@pytest.fixture(scope="module")
def device_kernels():
    """A wgpu-py device with every learner kernel built (the kernel tests)."""
    import gpu
    from rl.wgsl import kernels as gpu_kernels

    device = asyncio.run(gpu.request_device(label="kernel tests"))
    return device, asyncio.run(gpu_kernels.build_kernels(device))


@pytest.fixture(scope="module", params=[False, True], ids=["gpu-tiles", "software-tiles"])
def matmul_kernels(device_kernels, request):
    """device_kernels with the matrix products built as one of their two variants (4 x 4 blocks for
    real GPUs, 16 x 16 for software adapters: rl.wgsl.kernels.SOFTWARE_VARIANTS), so that both are
    checked against their twins on any adapter."""
    from rl.wgsl import kernels as gpu_kernels

    device, kernels = device_kernels
    variants = asyncio.run(gpu_kernels.build_variants(device, gpu_kernels.SOFTWARE_VARIANTS, request.param))
    return device, {**kernels, **variants}


@pytest.fixture
def page_session(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    yield session
    session.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under a failed or erring browser test, the tail of Chromium's own log:
    a renderer crash shows up in Playwright only as "Target crashed", and its
    reason is printed by Chromium."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and item.get_closest_marker("browser") and BROWSER_LOG in item.config.stash:
        tail = log_tail(item.config.stash[BROWSER_LOG])
        if tail:
            report.sections.append((f"Chromium log (last {LOG_TAIL_LINES} lines)", tail))


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: Playwright's sync API keeps an event loop
    running on the main thread while its browser is open, and CPython tests
    that call asyncio.run() cannot run under it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
