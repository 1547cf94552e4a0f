"""A real HTTP server on 127.0.0.1 for tests and benchmarks: Range support, request counting,
injected latency, and a few scripted misbehaviours selected by path."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class LoopbackServer(ThreadingHTTPServer):
    """A threaded server on 127.0.0.1 that counts requests by path."""

    daemon_threads = True
    requests: Counter[str]
    connections = 0  # accepted, so that tests can tell a reused connection from a new one

    def process_request(self, request: object, client_address: object) -> None:
        self.connections += 1  # only the serving thread accepts
        super().process_request(request, client_address)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def count(self, path: str) -> int:
        return self.requests["/" + path.lstrip("/")]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up once they have their bytes are expected here


class ImageServer(LoopbackServer):

    def __init__(self, latency: float = 0.0, root: Path | None = None,
                 port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.files: dict[str, bytes] = {}
        self.root = root  # files not in ``files`` are served from here, read per request
        self.requests: Counter[str] = Counter()
        self.not_modified = 0  # conditional requests answered 304
        self.fail_first: Counter[str] = Counter()  # path -> number of 503s before success
        self.truncate_first: Counter[str] = Counter()  # path -> bodies cut short before success
        # path -> header values sent instead; None leaves the header out
        self.headers: dict[str, dict[str, str | None]] = {}
        self.latency = latency
        self.user_agents: dict[str, str | None] = {}  # path -> the last request's User-Agent
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self) -> ImageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ImageServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server._lock:
            self.server.requests[path] += 1
            self.server.user_agents[path] = self.headers.get("User-Agent")
            failing = self.server.fail_first[path] > 0
            if failing:
                self.server.fail_first[path] -= 1
            truncating = self.server.truncate_first[path] > 0
            if truncating:
                self.server.truncate_first[path] -= 1
        if self.server.latency:
            time.sleep(self.server.latency)
        if failing:
            return self._status(503)
        if path.startswith("/status/"):
            return self._status(int(path.split("/")[2]))
        if path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "/" + path[len("/redirect/"):])
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if path == "/_stats":
            counts = {p: c for p, c in self.server.requests.items() if p != "/_stats"}
            body = {"requests": sum(counts.values()), "by_path": counts}
            return self._send(json.dumps(body).encode(), None)
        honour_range = not path.startswith("/norange/")
        key = path[len("/norange"):] if not honour_range else path
        data = self.server.files.get(key)
        if data is None and self.server.root is not None:
            data = self._from_root(key)
        if data is None:
            return self._status(404)
        self._send(data, self.headers.get("Range") if honour_range else None, truncating,
                   self.server.headers.get(key, {}))

    def _from_root(self, key: str) -> _DiskFile | None:
        target = (self.server.root / unquote(key.lstrip("/"))).resolve()
        if self.server.root.resolve() not in target.parents or not target.is_file():
            return None
        return _DiskFile(target)

    def _send(self, data: bytes, range_header: str | None, truncate: bool = False,
              overrides: dict[str, str | None] | None = None) -> None:
        match = _RANGE.match(range_header or "")
        tag = data.etag if isinstance(data, _DiskFile) else f"{len(data):x}-{hash(data) & 0xFFFF:x}"
        common = {"ETag": f'"{tag}"',
                  "Last-Modified": "Tue, 14 May 2024 08:00:00 GMT",
                  "Accept-Ranges": "bytes" if range_header is not None else "none"}
        etag = (overrides or {}).get("ETag", common["ETag"])
        if etag and self.headers.get("If-None-Match") == etag:  # as RFC 9110 answers it
            with self.server._lock:
                self.server.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            return self.end_headers()
        if match and data:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                return self.end_headers()
            body = data[start : end + 1]
            self.send_response(206)
            common["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        elif match and not data:
            self.send_response(416)
            self.send_header("Content-Range", "bytes */0")
            self.send_header("Content-Length", "0")
            return self.end_headers()
        else:
            body = data[:]  # bytes, also for files served from disk
            self.send_response(200)
        common.update({"Content-Type": "application/octet-stream",
                       "Content-Length": str(len(body))})
        for name, value in {**common, **(overrides or {})}.items():
            if value is not None:
                self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # A client may hang up once it has read what it needed.
            self.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True

    def _status(self, status: int) -> None:
        body = f"status {status}\n".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _DiskFile:
    """A served file read per range from disk, so large files cost only what is requested."""

    def __init__(self, path: Path) -> None:
        self.path = path
        stat = path.stat()
        self.size = stat.st_size
        self.etag = f"{stat.st_size:x}-{int(stat.st_mtime):x}"

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, span: slice) -> bytes:
        start, stop, _ = span.indices(self.size)
        with self.path.open("rb") as handle:
            handle.seek(start)
            return handle.read(max(0, stop - start))
