"""Serve DrillSergeantHQ on localhost (standard library only).

    python serve.py [--host 127.0.0.1] [--port 8000] [--open]

What it serves, and nothing else:

    /                    index.html
    /app/ /sim/ /rl/ /gpu/ /shaders/ /workers/   the project's sources, as files
    /python.zip          those sources as one archive, built per request, that
                         the page and every worker unpack before `import sim`
    /vendor/pyodide/     node_modules/pyodide (the Python runtime)
    /vendor/pyscript/    node_modules/@pyscript/core/dist

Every response, error pages included, carries the three headers that make the
page cross-origin isolated (needed for SharedArrayBuffer): COOP same-origin,
COEP require-corp, CORP same-origin; and `X-Content-Type-Options: nosniff` and
`Cache-Control: no-cache`. Files are sent with an ETag, so a reload
revalidates and picks up an edited Python file at once.

What it refuses (README.md, "Threat model"):

    Host         a request whose Host header does not name this server gets 421,
                 so a web page cannot reach it through DNS rebinding. Bound to
                 loopback (the default), it answers localhost, 127.0.0.1 and
                 [::1]; bound to another address, also any IP address and the
                 --host name (a rebinding needs a DNS name). A port, if given,
                 must be the server's.
    idle         a connection that sends or takes nothing for READ_TIMEOUT_S is
                 closed; at most MAX_CONNECTIONS are open at once (`Server`).
    paths        anything outside the list above gets 404; a symbolic link is
                 served only if it points inside its own folder, and
                 /python.zip holds regular files only, never a link's target.
"""

import argparse
import contextlib
import errno
import hashlib
import io
import ipaddress
import mimetypes
import re
import socket
import sys
import threading
import webbrowser
import zipfile
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent
SOURCE_DIRS = ("app", "sim", "rl", "gpu", "shaders", "workers")
ARCHIVE_SUFFIXES = (".py", ".wgsl", ".json")
VENDOR_DIRS = {
    "pyodide": ROOT / "node_modules" / "pyodide",
    "pyscript": ROOT / "node_modules" / "@pyscript" / "core" / "dist",
}
REQUIRED_VENDOR_FILES = (
    VENDOR_DIRS["pyodide"] / "pyodide.mjs",
    VENDOR_DIRS["pyodide"] / "pyodide.asm.wasm",
    VENDOR_DIRS["pyodide"] / "python_stdlib.zip",
    VENDOR_DIRS["pyodide"] / "pyodide-lock.json",
    VENDOR_DIRS["pyscript"] / "core.js",
)
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".wgsl": "text/wgsl; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".zip": "application/zip",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
RESPONSE_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
HOST_HEADER = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?")    # name[:port], lowercased
READ_TIMEOUT_S = 10.0   # a browser sends its request at once; an idle connection is closed after this
MAX_CONNECTIONS = 64    # open at once (a browser opens six per server); one more closes the oldest


def missing_vendor_files() -> list[Path]:
    return [path for path in REQUIRED_VENDOR_FILES if not path.is_file()]


def is_project_file(path: Path) -> bool:
    """A regular file, not a symbolic link, whose real path is inside ROOT (not under a linked folder)."""
    return not path.is_symlink() and path.is_file() and path.resolve().is_relative_to(ROOT)


def build_python_archive() -> bytes:
    """Zip every source file under SOURCE_DIRS, paths relative to ROOT (project files only:
    a symbolic link cannot pull a file from elsewhere into the archive)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in SOURCE_DIRS:
            for path in sorted((ROOT / folder).rglob("*")):
                relative = path.relative_to(ROOT)
                if (path.suffix in ARCHIVE_SUFFIXES and is_project_file(path)
                        and not any(part.startswith((".", "__pycache__")) for part in relative.parts)):
                    archive.write(path, relative.as_posix())
    return buffer.getvalue()


def resolve(url_path: str) -> Path | None:
    """Map a URL path to a file inside the served roots, or None.

    Refuses (None) anything with a `..`, `.`-prefixed or empty segment, anything
    outside index.html, SOURCE_DIRS and the vendor folders (symbolic links
    included), and any path the file system refuses (a segment too long, say).
    """
    if url_path == "/":
        return ROOT / "index.html"
    parts = url_path.lstrip("/").split("/")
    if any(part in ("", ".", "..") or part.startswith(".") or "\\" in part or "\x00" in part
           for part in parts):
        return None
    if parts[0] == "vendor" and len(parts) >= 3 and parts[1] in VENDOR_DIRS:
        base, rest = VENDOR_DIRS[parts[1]], parts[2:]
    elif parts[0] in SOURCE_DIRS and len(parts) >= 2 and "__pycache__" not in parts:
        base, rest = ROOT / parts[0], parts[1:]
    elif parts == ["index.html"]:
        return ROOT / "index.html"
    else:
        return None
    try:
        path = base.joinpath(*rest).resolve()
        served = path.is_relative_to(base.resolve()) and path.is_file()
    except OSError:
        return None
    return path if served else None


class Handler(BaseHTTPRequestHandler):
    server_version = "dshq-serve"   # the Server header: no Python version beside it (version_string)
    # An error about a malformed request line is answered as HTTP/1.0, with a status line and
    # headers; the standard library's default, HTTP/0.9, sends the error page bare.
    default_request_version = "HTTP/1.0"
    timeout = READ_TIMEOUT_S
    quiet = False

    def handle(self):
        try:
            super().handle()
        except ConnectionError as error:   # the tab was closed, or a download cancelled
            self.log_message("the client closed the connection (%s)", type(error).__name__)

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self):
        self.respond(send_body=True)

    def do_HEAD(self):
        self.respond(send_body=False)

    def respond(self, send_body: bool):
        host = self.headers.get("Host")
        if not self.server.answers(host):
            return self.send_plain(HTTPStatus.MISDIRECTED_REQUEST,
                                   f"Host {host!r} does not name this server; open {self.server.url}\n", send_body)
        url_path = unquote(urlsplit(self.path).path)
        if url_path == "/python.zip":
            body, mime = build_python_archive(), MIME_TYPES[".zip"]
        else:
            path = resolve(url_path)
            if path is None:
                return self.send_plain(HTTPStatus.NOT_FOUND, f"not found: {url_path}\n", send_body)
            try:
                body = path.read_bytes()
            except OSError as error:   # unreadable, or gone since resolve(): say which file, not how
                self.log_message("cannot read %s (%s)", url_path, type(error).__name__)
                return self.send_plain(HTTPStatus.NOT_FOUND, f"not found: {url_path}\n", send_body)
            mime = MIME_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def end_headers(self):
        """Every response's headers end here, the standard library's error pages' too."""
        for name, value in RESPONSE_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_plain(self, status: HTTPStatus, text: str, send_body: bool):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


class Server(ThreadingHTTPServer):
    """One thread per connection, on IPv4 or IPv6, that idle connections cannot wedge.

    Each connection's reads and writes time out after READ_TIMEOUT_S
    (`Handler.timeout`). At most MAX_CONNECTIONS are open at once: one more
    shuts the oldest down, which is idle (here a request is answered in
    milliseconds), so a client holding connections open can neither use up the
    threads and file descriptors nor keep a browser out. (Without the cap,
    accept() fails at the file limit and serve_forever spins on it.)
    """
    request_queue_size = MAX_CONNECTIONS   # a burst waits for accept(); it is not dropped and retried 1 s later

    def __init__(self, host: str, port: int):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.connections = {}            # open sockets, oldest first
        self.lock = threading.Lock()
        super().__init__((host, port), Handler)
        self.loopback = ipaddress.ip_address(self.address).is_loopback
        self.names = {*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host.lower()}

    @property
    def address(self) -> str:
        return self.server_address[0]

    @property
    def url(self) -> str:
        """Where a browser on this machine finds the page."""
        if self.address in ("127.0.0.1", "0.0.0.0", "::"):
            return f"http://localhost:{self.server_port}/"
        return f"http://{f'[{self.address}]' if ':' in self.address else self.address}:{self.server_port}/"

    def answers(self, host_header: str | None) -> bool:
        """Whether a request with this Host header is for this server (see the module docstring)."""
        match = HOST_HEADER.fullmatch((host_header or "").lower())
        if match is None:
            return False
        name, port = match.groups()
        if port is not None and int(port) != self.server_port:
            return False
        return name in self.names or (not self.loopback and is_ip_address(name.strip("[]")))

    def process_request(self, request, client_address):
        with self.lock:
            if len(self.connections) >= MAX_CONNECTIONS:
                oldest = next(iter(self.connections))
                del self.connections[oldest]
                with contextlib.suppress(OSError):   # its thread's next read returns nothing; it ends
                    oldest.shutdown(socket.SHUT_RDWR)
            self.connections[request] = None
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.lock:
            self.connections.pop(request, None)
        super().shutdown_request(request)


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Serve DrillSergeantHQ on localhost.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; ::1 for IPv6; 0.0.0.0 exposes the page "
                             "to the network)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    missing = missing_vendor_files()
    if missing:
        print(f"serve.py: the browser runtime is missing ({missing[0].relative_to(ROOT)}); "
              f"run `npm ci` in {ROOT} first.", file=sys.stderr)
        return 2
    Handler.quiet = args.quiet
    try:
        server = Server(args.host, args.port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"serve.py: port {args.port} on {args.host} is already in use; "
                  f"pick another with --port (or --port 0 for any free port).", file=sys.stderr)
        else:
            print(f"serve.py: cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 1
    if not server.loopback:
        print(f"serve.py: warning: listening on {server.address}, so the page can be reached from the network, "
              f"not only from this machine (the default --host 127.0.0.1 keeps it local).", file=sys.stderr)
    print(f"DrillSergeantHQ is at {server.url} (Ctrl-C to stop)", flush=True)
    if args.open:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
