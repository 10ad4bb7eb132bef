"""Shared fixtures: the served page and a headless Chromium with WebGPU
(the machinery is in tests/harness.py, which bench/ uses too)."""

import asyncio
from pathlib import Path

import pytest

from harness import CHROMIUM, CHROMIUM_FLAGS, PageSession, start_server


@pytest.fixture(scope="session")
def server_url():
    process, url = start_server()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api as playwright_sync
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def device_kernels():
    """A wgpu-py device with every learner kernel built (the kernel tests)."""
    import gpu
    from rl import gpu_kernels

    device = asyncio.run(gpu.request_device(label="kernel tests"))
    return device, asyncio.run(gpu_kernels.build_kernels(device))


@pytest.fixture
def page_session(browser, server_url):
    session = PageSession(browser, server_url)
    yield session
    session.close()


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: Playwright's sync API keeps an event loop
    running on the main thread while its browser is open, and CPython tests
    that call asyncio.run() cannot run under it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
