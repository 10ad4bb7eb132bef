"""Run Python source in a Chromium page, under the vendored Pyodide, with the project's sources.

    output = run_python_in_page(browser, base_url, source)

The page is a blank document served at the test server's origin, so the page can import
`/vendor/pyodide/pyodide.mjs` and fetch `/python.zip` (serve.py's archive of sim/, gpu/,
shaders/, ...) exactly as the app's workers do; `gpu` then runs on the page's
`navigator.gpu` (gpu/browser.py). `source` runs with top-level await allowed; the value of
its last expression (a str) is returned. Used by the browser tests and bench/bench_sim_wgsl.py.
"""

BLANK_PATH = "/python-runner.html"
BLANK_PAGE = "<!doctype html><meta charset='utf-8'><title>python runner</title>"
SOURCE_DIR = "/home/pyodide/dshq"

RUN_SCRIPT = """async ([source, sourceDir]) => {
    const { loadPyodide } = await import("/vendor/pyodide/pyodide.mjs");
    const pyodide = await loadPyodide({ indexURL: "/vendor/pyodide/" });
    const response = await fetch("/python.zip");
    if (!response.ok) throw new Error(`/python.zip: HTTP ${response.status}`);
    pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: sourceDir });
    pyodide.runPython(`import sys; sys.path.insert(0, "${sourceDir}")`);
    return await pyodide.runPythonAsync(source);
}"""


def run_python_in_page(browser, base_url: str, source: str, timeout_s: float = 300) -> str:
    """Run `source` in a fresh page at `base_url`'s origin; returns its last expression's value."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        url = base_url.rstrip("/") + BLANK_PATH
        page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=BLANK_PAGE))
        page.goto(url)
        return page.evaluate(RUN_SCRIPT, [source, SOURCE_DIR])
    finally:
        context.close()
