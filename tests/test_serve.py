"""serve.py: isolation headers, MIME types, refusals, caching, failure modes, and what it
stands up to (foreign Host names, idle connections, symbolic links, clients that hang up)."""

import contextlib
import http.client
import io
import resource
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from urllib.parse import urlsplit

import pytest

import serve
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


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def raw_request(url: str, data: bytes) -> tuple[int, dict]:
    """Send `data` exactly as given; the status and headers of the answer."""
    with socket.create_connection(address(url), timeout=10) as connection:
        connection.sendall(data)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, dict(response.headers)


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
    pytest.param("/app/" + "a" * 300 + ".py", id="/app/<a 300-byte file name>"),
    pytest.param("/vendor/pyodide/" + "a" * 300, id="/vendor/pyodide/<a 300-byte file name>"),
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
    assert process.communicate(timeout=10)[1] == ""                      # no warning about the network


# Sent so that the server reads every byte before it answers and closes (bytes left unread
# would make the kernel reset the connection, and the answer could be lost).
@pytest.mark.parametrize("data, status", [
    pytest.param(b"NONSENSE\r\n", 400, id="no HTTP version"),
    pytest.param(b"GET / extra HTTP/1.1\r\n", 400, id="four words"),
    pytest.param(b"GET /" + b"a" * (65537 - 5), 414, id="request line over 64 KiB"),
    pytest.param(b"GET / HTTP/1.1\r\n" + b"X-Filler: 1\r\n" * 101, 431, id="101 header lines"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", 501, id="POST"),
])
def test_error_pages_carry_the_headers(server_url, data, status):
    got, headers = raw_request(server_url, data)
    assert got == status
    for name, value in ISOLATION.items():
        assert headers[name] == value
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("host, status", [
    ("localhost", 200), ("localhost:{port}", 200), ("LOCALHOST:{port}", 200), ("127.0.0.1", 200),
    ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
    ("attacker.example:{port}", 421), ("attacker.example", 421), ("localhost.attacker.example:{port}", 421),
    ("localhost:{port}.attacker.example", 421), ("localhost:1", 421), ("192.168.1.20:{port}", 421),
    ("localhost@attacker.example", 421), ("", 421), (None, 421),
])
def test_on_loopback_only_loopback_host_names_are_answered(server_url, host, status):
    """DNS rebinding: a page on attacker.example, whose name now points to 127.0.0.1, is refused."""
    port = address(server_url)[1]
    host_line = "" if host is None else f"Host: {host.format(port=port)}\r\n"
    got, headers = raw_request(server_url, f"GET / HTTP/1.1\r\n{host_line}\r\n".encode())
    assert got == status
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


@pytest.mark.parametrize("host", ["0.0.0.0", ""])
def test_binding_all_interfaces_warns_and_answers_ip_addresses(host):
    process, url = start_server("--host", host)
    try:
        port = address(url)[1]
        for host_header, status in ((f"localhost:{port}", 200), (f"192.0.2.7:{port}", 200),
                                    (f"[2001:db8::7]:{port}", 200), (f"attacker.example:{port}", 421)):
            got, _ = raw_request(url, f"GET / HTTP/1.1\r\nHost: {host_header}\r\n\r\n".encode())
            assert got == status, host_header
    finally:
        process.terminate()
    warning = process.communicate(timeout=10)[1]
    assert len(warning.splitlines()) == 1 and "warning" in warning and "reached from the network" in warning


def test_binds_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    process, url = start_server("--host", "::1")
    try:
        assert url.startswith("http://[::1]:")
        status, headers, _ = fetch(url)
        assert status == 200 and headers["Cross-Origin-Opener-Policy"] == "same-origin"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_python_archive_leaves_out_symbolic_links(server_url, tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("SECRET = 1\n")
    link = ROOT / "shaders" / "zz_probe_link.py"
    try:
        link.symlink_to(outside)
        names = zipfile.ZipFile(io.BytesIO(fetch(server_url + "python.zip")[2])).namelist()
        assert "shaders/zz_probe_link.py" not in names and "gpu/flags.py" in names
    finally:
        link.unlink(missing_ok=True)


def test_idle_connections_past_the_file_limit_leave_the_server_responsive():
    """More idle connections than the server has file descriptors for: it closes the oldest and
    still answers (without the cap it could accept nothing more, and spun)."""
    limit = serve.MAX_CONNECTIONS + 32
    process, url = start_server(preexec_fn=lambda: resource.setrlimit(
        resource.RLIMIT_NOFILE, (limit, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
    try:
        with contextlib.ExitStack() as stack:
            idle = [stack.enter_context(socket.create_connection(address(url), timeout=5))
                    for _ in range(limit + 32)]
            status, _, _ = fetch(url)
            assert status == 200
            assert idle[0].recv(1) == b""                                  # the oldest was closed
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_idle_connection_is_closed_after_the_read_timeout(monkeypatch):
    monkeypatch.setattr(serve.Handler, "timeout", 0.2)
    monkeypatch.setattr(serve.Handler, "quiet", True)
    server = serve.Server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as idle:
            started = time.monotonic()
            assert idle.recv(1) == b""
            assert time.monotonic() - started < 2
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_that_hangs_up_mid_download_is_one_log_line():
    process, url = start_server(quiet=False)
    try:
        with socket.create_connection(address(url), timeout=10) as client:
            client.sendall(f"GET /vendor/pyodide/pyodide.asm.wasm HTTP/1.1\r\nHost: localhost:{address(url)[1]}"
                           f"\r\n\r\n".encode())
            client.recv(1)                                                 # the 9 MB answer has begun
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))    # close: reset
        for line in process.stderr:
            if "Traceback" in line or "closed the connection" in line:
                break
        assert "the client closed the connection" in line, line
    finally:
        process.terminate()
        process.wait(timeout=10)


def in_process_server(monkeypatch):
    monkeypatch.setattr(serve.Handler, "quiet", True)
    server = serve.Server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_unreadable_file_is_a_404_and_the_server_names_no_python_version(monkeypatch):
    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    server = in_process_server(monkeypatch)
    try:
        url = f"http://localhost:{server.server_port}"
        with urllib.request.urlopen(f"{url}/index.html", timeout=10) as response:
            assert response.headers["Server"] == "dshq-serve"
        monkeypatch.setattr(serve.Path, "read_bytes", unreadable)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/index.html", timeout=10)
        assert refused.value.code == 404 and refused.value.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Python" not in refused.value.headers["Server"]
    finally:
        server.shutdown()
        server.server_close()
