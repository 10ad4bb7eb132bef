"""Serve DrillSergeantHQ on localhost (standard library only).

    python serve.py [--host 127.0.0.1] [--port 8000] [--open]

What it serves, and nothing else:

    /                    index.html
    /app/ /sim/ /rl/ /gpu/ /shaders/ /workers/   the project's sources, as files
    /python.zip          those sources as one archive, built per request, that
                         the page and every worker unpack before `import sim`
    /vendor/pyodide/     node_modules/pyodide (the Python runtime)
    /vendor/pyscript/    node_modules/@pyscript/core/dist

Every response carries the three headers that make the page cross-origin
isolated (needed for SharedArrayBuffer): COOP same-origin, COEP require-corp,
CORP same-origin. Sources are sent with `Cache-Control: no-cache` and an ETag,
so a reload revalidates and picks up an edited Python file at once.
"""

import argparse
import errno
import hashlib
import io
import mimetypes
import sys
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
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def missing_vendor_files() -> list[Path]:
    return [path for path in REQUIRED_VENDOR_FILES if not path.is_file()]


def build_python_archive() -> bytes:
    """Zip every source file under SOURCE_DIRS, paths relative to ROOT."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in SOURCE_DIRS:
            for path in sorted((ROOT / folder).rglob("*")):
                relative = path.relative_to(ROOT)
                if (path.is_file() and path.suffix in ARCHIVE_SUFFIXES
                        and not any(part.startswith((".", "__pycache__")) for part in relative.parts)):
                    archive.write(path, relative.as_posix())
    return buffer.getvalue()


def resolve(url_path: str) -> Path | None:
    """Map a URL path to a file inside the served roots, or None.

    Refuses (None) anything with a `..`, `.`-prefixed or empty segment, and
    anything outside index.html, SOURCE_DIRS and the vendor folders.
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
    path = base.joinpath(*rest).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file():
        return None
    return path


class Handler(BaseHTTPRequestHandler):
    server_version = "dshq-serve"
    quiet = False

    def do_GET(self):
        self.respond(send_body=True)

    def do_HEAD(self):
        self.respond(send_body=False)

    def respond(self, send_body: bool):
        url_path = unquote(urlsplit(self.path).path)
        if url_path == "/python.zip":
            body, mime = build_python_archive(), MIME_TYPES[".zip"]
        else:
            path = resolve(url_path)
            if path is None:
                return self.send_plain(HTTPStatus.NOT_FOUND, f"not found: {url_path}\n", send_body)
            body = path.read_bytes()
            mime = MIME_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_common_headers(etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_common_headers(etag)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def send_common_headers(self, etag: str | None = None):
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if etag:
            self.send_header("ETag", etag)

    def send_plain(self, status: HTTPStatus, text: str, send_body: bool):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_common_headers()
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Serve DrillSergeantHQ on localhost.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
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
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"serve.py: port {args.port} on {args.host} is already in use; "
                  f"pick another with --port (or --port 0 for any free port).", file=sys.stderr)
        else:
            print(f"serve.py: cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
    print(f"DrillSergeantHQ is at {url} (Ctrl-C to stop)", flush=True)
    if args.open:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
