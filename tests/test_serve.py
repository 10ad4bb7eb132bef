"""serve.py: isolation headers, MIME types, refusals, caching, failure modes."""

import io
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile

import pytest

from harness import ROOT, start_server

ISOLATION = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def fetch(url: str, headers: dict | None = None, method: str = "GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.parametrize("path, mime", [
    ("/", "text/html"),
    ("/vendor/pyodide/pyodide.mjs", "text/javascript"),
    ("/vendor/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/vendor/pyodide/pyodide-lock.json", "application/json"),
    ("/vendor/pyodide/python_stdlib.zip", "application/zip"),
    ("/vendor/pyscript/core.js", "text/javascript"),
    ("/shaders/selftest.wgsl", "text/wgsl"),
    ("/gpu/flags.py", "text/x-python"),
    ("/workers/boot.mjs", "text/javascript"),
    ("/app/pyscript.json", "application/json"),
    ("/python.zip", "application/zip"),
])
def test_served_files_have_mime_and_isolation_headers(server_url, path, mime):
    status, headers, body = fetch(server_url.rstrip("/") + path)
    assert status == 200, path
    assert headers["Content-Type"].startswith(mime)
    for name, value in ISOLATION.items():
        assert headers[name] == value
    assert headers["Cache-Control"] == "no-cache"
    assert int(headers["Content-Length"]) == len(body) > 0


@pytest.mark.parametrize("path", [
    "/../pyproject.toml", "/%2e%2e/pyproject.toml", "/sim/../serve.py", "/sim/%2e%2e/serve.py",
    "/.git/config", "/.gitignore", "/pyproject.toml", "/serve.py", "/tests/conftest.py",
    "/node_modules/pyodide/pyodide.mjs", "/vendor/pyodide/../../package.json",
    "/vendor/other/x.js", "/sim/__pycache__/x.pyc", "/gpu/", "/app/.hidden", "/nope.html",
])
def test_refuses_paths_outside_the_served_roots(server_url, path):
    status, headers, _ = fetch(server_url.rstrip("/") + path)
    assert status == 404, path
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_head_has_headers_and_no_body(server_url):
    status, headers, body = fetch(server_url, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) > 0


def test_etag_revalidation_returns_304(server_url):
    _, headers, _ = fetch(server_url + "gpu/flags.py")
    status, headers_304, body = fetch(server_url + "gpu/flags.py", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    assert headers_304["Cross-Origin-Opener-Policy"] == "same-origin"


def test_python_archive_holds_sources_and_shaders_only(server_url):
    _, _, body = fetch(server_url + "python.zip")
    names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    assert {"gpu/__init__.py", "app/page.py", "workers/selftest.py", "shaders/selftest.wgsl"} <= names
    assert not any(name.startswith(("tests/", "node_modules/", ".git")) or "__pycache__" in name for name in names)


def test_archive_reflects_an_edited_file_at_once(server_url, tmp_path):
    probe = ROOT / "shaders" / "zz_probe_edit.wgsl"
    try:
        probe.write_text("// first\n")
        _, headers, body = fetch(server_url + "shaders/zz_probe_edit.wgsl")
        probe.write_text("// second\n")
        status, _, body2 = fetch(server_url + "shaders/zz_probe_edit.wgsl", {"If-None-Match": headers["ETag"]})
        assert status == 200 and body2 == b"// second\n"
        with zipfile.ZipFile(io.BytesIO(fetch(server_url + "python.zip")[2])) as archive:
            assert archive.read("shaders/zz_probe_edit.wgsl") == b"// second\n"
    finally:
        probe.unlink(missing_ok=True)


def test_missing_vendor_runtime_prints_the_fix_and_exits_nonzero(tmp_path):
    shutil.copy(ROOT / "serve.py", tmp_path / "serve.py")
    result = subprocess.run([sys.executable, str(tmp_path / "serve.py"), "--port", "0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "npm ci" in lines[0] and "node_modules" in lines[0]


def test_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(ROOT / "serve.py"), "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


@pytest.mark.parametrize("flag", ["--port=70000", "--port=-1", "--port=abc"])
def test_bad_port_flag_is_refused(flag):
    result = subprocess.run([sys.executable, str(ROOT / "serve.py"), flag], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--port" in result.stderr


def test_binds_loopback_by_default():
    process, url = start_server()
    try:
        assert url.startswith("http://localhost:")
    finally:
        process.terminate()
        process.wait(timeout=10)
