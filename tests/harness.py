"""Headless Chromium with WebGPU against a served page: shared by the browser
tests (tests/conftest.py) and the page benchmarks (bench/).

Drives Debian's Chromium (never a downloaded one) with the flags that
ENVIRONMENT.md found to give WebGPU compute and canvas rendering through
SwiftShader on machines without a GPU.
"""

import os
import re
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_LINES = 80     # of Chromium's own log, in a crash warning or under a failed browser test
CHROMIUM = os.environ.get("DSHQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-angle=vulkan",
    "--use-vulkan=swiftshader", "--disable-vulkan-surface", "--ignore-gpu-blocklist",
    "--no-sandbox", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@contextmanager
def chromium(log_path: Path | None = None):
    """Yield a headless Chromium with WebGPU, closed on exit.

    With `log_path`, Chromium's own stderr (renderer crash reasons, GPU process
    errors) is written there through Playwright's browser log; `log_tail` reads it.
    """
    from playwright.sync_api import sync_playwright

    saved = {name: os.environ.get(name) for name in ("DEBUG", "DEBUG_FILE")}
    if log_path is not None:    # read by the Playwright driver when it starts
        os.environ.update(DEBUG="pw:browser", DEBUG_FILE=str(log_path))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def log_tail(log_path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a `chromium()` log, without the D-Bus noise of a machine without D-Bus."""
    if not log_path.exists():
        return ""
    kept = [line for line in log_path.read_text(errors="replace").splitlines()
            if "dbus" not in line and "XDG_RUNTIME_DIR" not in line]
    return "\n".join(kept[-lines:])


def start_server(*extra_args: str, quiet: bool = True, **popen_options) -> tuple[subprocess.Popen, str]:
    """Start serve.py on a free port (`popen_options` go to subprocess.Popen); returns (process, base URL).
    Its stderr is a pipe: without `quiet`, read it as the server writes, or it blocks when the pipe is full."""
    process = subprocess.Popen([sys.executable, str(ROOT / "serve.py"), "--port", "0", *(["--quiet"] * quiet),
                                *extra_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               **popen_options)
    line = process.stdout.readline()
    match = re.search(r"(http://\S+/)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"serve.py did not start: {line!r} {process.stderr.read()!r}")
    return process, match.group(1)


class PageSession:
    """A fresh page, in a browser context of its own, that records console errors and uncaught exceptions.

    A renderer crash while the page boots is retried once in a new page, with a
    warning that carries the tail of Chromium's log (`log_path`, from `chromium()`):
    headless Chromium on a software GPU has crashed there, rarely. A second crash,
    or one after the page is ready, fails the caller.
    """

    def __init__(self, browser, base_url: str, log_path: Path | None = None, **context_options):
        self.base_url = base_url
        self.log_path = log_path
        self.errors: list[str] = []
        self.console_warnings: list[str] = []  # console warnings (e.g. an ignored URL parameter)
        self.context = browser.new_context(**context_options)    # e.g. viewport, has_touch (Playwright's)
        self._new_page()

    def _new_page(self) -> None:
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("console",
                     lambda message: message.type == "warning" and self.console_warnings.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def open(self, path: str = "/", ready_timeout_s: float = 90):
        from playwright.sync_api import Error as PlaywrightError

        for attempt in (1, 2):
            try:
                self.page.goto(self.base_url.rstrip("/") + path)
                self.page.wait_for_function("window.dshq && (window.dshq.status().ready || "
                                            "window.dshq.status().error)", timeout=ready_timeout_s * 1000)
                return self.status()
            except PlaywrightError as error:    # "Target crashed", or "... page crashed" during goto
                if attempt == 2 or "crashed" not in str(error):
                    raise
                log = log_tail(self.log_path) if self.log_path else "(no Chromium log kept)"
                warnings.warn(f"the renderer crashed while {path} booted; retrying once in a new page. "
                              f"Chromium's log:\n{log}")
                self.page.close()
                self.errors.clear()
                self._new_page()

    def reopen(self, path: str = "/", ready_timeout_s: float = 90):
        """Close the page as a person closes the tab, and open `path` in a new page of the same
        browser context, which keeps the origin's storage (the Origin Private File System)."""
        self.page.close()
        self._new_page()
        return self.open(path, ready_timeout_s)

    def status(self) -> dict:
        return self.page.evaluate("window.dshq.status()")

    def wait_for_label(self, side: str, text: str, timeout_s: float = 10) -> None:
        """Wait until the on-pitch label of `side` ends with `text` (the page updates it in its next frame)."""
        self.page.wait_for_function("([side, text]) => document.getElementById(`${side}-label`).textContent"
                                    ".endsWith(text)", arg=[side, text], timeout=timeout_s * 1000)

    def canvas_pixels(self, width: int = 32, height: int = 20) -> list[tuple[int, int, int]]:
        """The arena canvas downscaled to width x height, as RGB tuples row by row.

        Reads what the GPU drew, not a screenshot of the page (which shows a
        WebGPU canvas blank): the canvas's own PNG (`toDataURL`, taken in an
        animation-frame callback queued after the page's draw) is decoded and
        scaled down by the browser.
        """
        data = self.page.evaluate("""async ([w, h]) => {
            const url = await new Promise((resolve) => requestAnimationFrame(
                () => resolve(document.getElementById("arena").toDataURL())));
            const image = new Image();
            image.src = url;
            await image.decode();
            const small = document.createElement("canvas");
            small.width = w; small.height = h;
            const ctx = small.getContext("2d");
            ctx.drawImage(image, 0, 0, w, h);
            return Array.from(ctx.getImageData(0, 0, w, h).data);
        }""", [width, height])
        return [tuple(data[i:i + 3]) for i in range(0, len(data), 4)]

    def canvas_pixels_at(self, css_points) -> list[tuple[int, int, int]]:
        """RGB of the canvas at CSS-pixel points (x, y) inside the element, read
        from the canvas's own PNG like `canvas_pixels`."""
        data = self.page.evaluate("""async (points) => {
            const canvas = document.getElementById("arena");
            const url = await new Promise((resolve) => requestAnimationFrame(() => resolve(canvas.toDataURL())));
            const image = new Image();
            image.src = url;
            await image.decode();
            const copy = document.createElement("canvas");
            copy.width = canvas.width; copy.height = canvas.height;
            const ctx = copy.getContext("2d");
            ctx.drawImage(image, 0, 0);
            const ratio = canvas.width / canvas.clientWidth;
            return points.map(([x, y]) => Array.from(ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data));
        }""", [list(point) for point in css_points])
        return [tuple(rgba[:3]) for rgba in data]

    def close(self):
        self.context.close()


@contextmanager
def served_page(path: str = "/"):
    """For a bench: serve.py, headless Chromium and a PageSession opened at `path`, all closed on exit;
    exits (SystemExit naming the page's error) when the page did not start."""
    server, url = start_server()
    try:
        with chromium() as browser:
            session = PageSession(browser, url)
            status = session.open(path)
            if status["error"]:
                sys.exit(f"the page did not start: {status['error']}")
            yield session
    finally:
        server.terminate()
