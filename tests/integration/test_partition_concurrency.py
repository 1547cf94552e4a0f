"""One partition's URLs go through a bounded pool: ``concurrency`` requests in flight, never
more, and a slow URL holds only its own slot. Measured by a real server on 127.0.0.1 that
counts the requests it is serving at once."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from image_metadata.extract import ExtractSettings, extract_partition
from image_metadata.fetch.clients import FetchSettings
from image_metadata.schema import result_columns
from tests.support.fault_server import JPEG

HOLD = 0.3  # seconds each answer takes: long enough for the pool to fill up


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{path}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most = max(self.server.most, self.server.in_flight)
        try:
            time.sleep(3.0 if self.path.startswith("/slow") else HOLD)
            self.send_response(200)
            self.send_header("Content-Length", str(len(JPEG)))
            self.end_headers()
            self.wfile.write(JPEG)
        finally:
            with self.server.lock:
                self.server.in_flight -= 1


@pytest.fixture()
def server():
    s = CountingServer()
    yield s
    s.shutdown()
    s.server_close()


def settings(concurrency: int) -> ExtractSettings:
    return ExtractSettings(concurrency=concurrency, fetch=FetchSettings(
        allowed_networks=("127.0.0.1/32",), retries=0, image_timeout=20.0))


def run(urls: list[str], concurrency: int) -> list[dict]:
    names = [c.name for c in result_columns()]
    rows = extract_partition([(u, None) for u in urls], settings(concurrency), "pool")
    return [dict(zip(names, row, strict=True)) for row in rows]


@pytest.mark.parametrize("concurrency", [2, 4])
def test_a_partition_keeps_exactly_its_concurrency_in_flight(server, concurrency):
    rows = run([server.url(f"{i}.jpg") for i in range(12)], concurrency)
    assert [r["status"] for r in rows] == ["ok"] * 12
    assert server.most == concurrency


def test_a_concurrency_of_one_reads_one_url_at_a_time(server):
    run([server.url(f"{i}.jpg") for i in range(4)], 1)
    assert server.most == 1


def test_a_slow_url_does_not_hold_back_the_others(server):
    urls = [server.url("slow/0.jpg"), *(server.url(f"{i}.jpg") for i in range(1, 7))]
    rows = run(urls, 2)
    # The fast six finish through the other slot while the slow one is still being served.
    assert [r["url"] for r in rows][-1] == server.url("slow/0.jpg")
    assert {r["status"] for r in rows} == {"ok"}
