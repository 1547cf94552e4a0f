"""A misbehaving HTTP server on 127.0.0.1: every fault the job must survive, chosen by path.

    /status/<code>                      that status, with a short body
    /retry-after/<code>/<seconds>/...   that status with a Retry-After header
    /stall/...                          headers and 1 KiB of body, then silence
    /stall-once/...                     as /stall/ the first time, then serves a JPEG
    /headers-only/...                   a 206's headers, then silence (no body byte)
    /short/...                          a whole 1,000-byte answer under a 65,536-byte range
    /trickle/...                        headers, then one byte every 0.2 s
    /reset/...                          headers and part of the body, then a TCP reset
    /reset-200/...                      a 200 ignoring Range: 100 bytes, then a TCP reset
    /bad-range/...                      206 whose Content-Range starts elsewhere
    /no-range/...                       206 without Content-Range
    /huge/...                           200 ignoring Range, announcing and streaming 1 GiB
    /loop/...                           a redirect to itself
    /slow-redirect/...                  a redirect whose body trickles (to /ok/...)
    /redirect-to?url=<target>           a redirect to any URL (another scheme, another host)
    /hold/...                           waits until ``release`` is set, then serves a JPEG
    /slow/<seconds>/...                 waits that long, then serves a JPEG
    /busy-then-silent/...               503 with Retry-After: 1 the first time, then silence
    /raw/<name>                         the bytes of RAW_RESPONSES[name], then the end
    /silent/...                         accepts the request and never answers
    /header-trickle/...                 a status line, then one header byte every 0.5 s
    /continue-loop/...                  '100 Continue' after '100 Continue', without end
    /chunk-trickle/...                  a chunked 206 whose chunk-size line trickles
    /ok/...                             serves a JPEG (Range honoured)
    /s3/<bucket>/<key>                  S3-style XML errors: bucket 'slowdown' gives 503
                                        SlowDown, 'denied' 403 AccessDenied, 'missing' 404;
                                        'head-denied' refuses HEAD (403) and lists nothing;
                                        'bad-request' 400 InvalidArgument;
                                        'request-timeout' 400 RequestTimeout, 'not-implemented'
                                        501, 'odd-500' 500 of an unknown code; 'reset' and
                                        'short' cut the body (a reset, or fewer bytes than
                                        its Content-Range says; 'short-by-one' one byte
                                        fewer, of the range asked for);
                                        'busy-then-headers-only' a 500 first, then
                                        headers and no body; 'bad-content-range' a 206
                                        whose Content-Range has no total; 'full' answers
                                        200 with the
                                        whole object and no Content-Range;
                                        HEAD answers each bucket's status without a body;
                                        buckets 'trickle', 'stall', 'headers-only',
                                        'silent', 'header-trickle', 'continue-loop'
                                        behave as those paths
Every request is counted by path, and its Range header kept. The server stops stalled
handlers when it shuts down.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from image_metadata import samples
from tests.support.http_server import LoopbackServer

JPEG = samples.encode("JPEG", (320, 240), exif=samples.exif_bytes(make="Canon"))
BODY = JPEG + bytes(200_000)
S3_ERRORS = {"slowdown": (503, "SlowDown", "Please reduce your request rate."),
             "bad-request": (400, "InvalidArgument", "Invalid Argument"),
             "denied": (403, "AccessDenied", "Access Denied"),
             "missing": (404, "NoSuchKey", "The specified key does not exist."),
             # Retried for their code though below 500, or for their status though unknown.
             "request-timeout": (400, "RequestTimeout", "Your socket connection timed out."),
             "not-implemented": (501, "NotImplemented", "A header implies functionality."),
             "odd-500": (500, "SomethingElse", "An error of no known code.")}


# Answers no HTTP library should turn into an "unexpected" error.
RAW_RESPONSES = {
    "garbage-status": b"HTTP/1.1 abc OK\r\n\r\n",
    "header-without-colon": b"HTTP/1.1 206 Partial\r\nContent-Range bytes\r\n\r\n",
    "two-hundred-headers": b"HTTP/1.1 206 P\r\n" + b"".join(
        b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
    "70-kib-header": b"HTTP/1.1 206 P\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
    "no-status-line": b"\xff\xd8 not http",
    "bad-chunk-size": b"HTTP/1.1 206 P\r\nContent-Range: bytes 0-10/11\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
    "status-999": b"HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n",
    "only-100-continue": b"HTTP/1.1 100 Continue\r\n\r\n",
    "two-content-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n" + JPEG,
    "redirect-to-a-broken-url": b"HTTP/1.1 302 F\r\nLocation: http://[::1/x\r\n"
                                b"Content-Length: 0\r\n\r\n",
    "redirect-to-port-99999": b"HTTP/1.1 302 F\r\nLocation: http://127.0.0.1:99999/x\r\n"
                              b"Content-Length: 0\r\n\r\n",
}


class FaultServer(LoopbackServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: Counter[str] = Counter()
        self.ranges: dict[str, str | None] = {}  # path -> the Range header of its last GET
        self.stopping = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        with self.server._lock:
            self.server.requests[parts.path] += 1
            self.server.ranges[parts.path] = self.headers.get("Range")
        kind = parts.path.split("/")[1]
        handler = getattr(self, f"_fault_{kind.replace('-', '_')}", None)
        if handler is None:
            return self._reply(404, b"no such fault\n")
        return handler(parts)

    def do_HEAD(self) -> None:
        parts = urlsplit(self.path)
        with self.server._lock:
            self.server.requests["HEAD " + parts.path] += 1
        bucket = parts.path.split("/")[2] if parts.path.startswith("/s3/") else ""
        status = 403 if bucket == "head-denied" else S3_ERRORS.get(bucket, (500,))[0]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _head(self, status: int, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _fault_status(self, parts) -> None:
        self._reply(int(parts.path.split("/")[2]), b"fault\n")

    def _fault_retry_after(self, parts) -> None:
        _, _, code, seconds = parts.path.split("/")[:4]
        self._reply(int(code), b"busy\n", {"Retry-After": seconds})

    def _fault_stall(self, parts) -> None:
        self._head(206, 65536, {"Content-Range": f"bytes 0-65535/{len(BODY)}"})
        self.wfile.write(BODY[:1024])
        self.wfile.flush()
        self.server.stopping.wait(30)

    def _fault_headers_only(self, parts) -> None:
        self._head(206, 65536, {"Content-Range": f"bytes 0-65535/{len(BODY)}"})
        self.wfile.flush()
        self.server.stopping.wait(30)

    def _fault_stall_once(self, parts) -> None:
        with self.server._lock:
            first = self.server.requests[parts.path] == 1
        if not first:
            return self._fault_ok(parts)
        self._head(206, 65536, {"Content-Range": f"bytes 0-65535/{len(BODY)}"})
        self.wfile.write(BODY[:1024])
        self.wfile.flush()
        self.server.stopping.wait(30)
        self.close_connection = True

    def _fault_trickle(self, parts) -> None:
        self._head(206, 65536, {"Content-Range": f"bytes 0-65535/{len(BODY)}"})
        for byte in BODY[:65536]:
            if self.server.stopping.wait(0.2):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _fault_reset(self, parts) -> None:
        self._head(206, 65536, {"Content-Range": f"bytes 0-65535/{len(BODY)}"})
        self._send_then_reset(BODY[:2048])

    def _fault_reset_200(self, parts) -> None:
        self._head(200, len(BODY))
        self._send_then_reset(BODY[:100])

    def _send_then_reset(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        # SO_LINGER with a zero timeout turns close() into a TCP reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _fault_short(self, parts) -> None:
        self._reply(206, BODY[:1000], {"Content-Range": f"bytes 0-65535/{len(BODY)}"})

    def _fault_short_by_one(self, parts) -> None:
        # The range asked for, one byte short of what its Content-Range announces.
        start = int((self.headers.get("Range") or "bytes=0-").split("=")[1].split("-")[0] or 0)
        self._reply(206, BODY[start:start + 65535],
                    {"Content-Range": f"bytes {start}-{start + 65535}/{len(BODY)}"})

    def _fault_busy_then_headers_only(self, parts) -> None:
        if self.server.requests[parts.path] == 1:
            return self._s3_error(500, "InternalError", "busy")
        return self._fault_headers_only(parts)

    def _fault_full(self, parts) -> None:
        self._reply(200, BODY)

    def _fault_bad_range(self, parts) -> None:
        self._reply(206, BODY[1000:1000 + 65536],
                    {"Content-Range": f"bytes 1000-66535/{len(BODY)}"})

    def _fault_no_range(self, parts) -> None:
        self._reply(206, BODY[:65536])

    def _fault_huge(self, parts) -> None:
        size = 1 << 30
        self._head(200, size)
        self.wfile.write(JPEG)
        sent, block = len(JPEG), bytes(1 << 16)
        try:
            while sent < size and not self.server.stopping.is_set():
                self.wfile.write(block)
                sent += len(block)
        except OSError:  # the client took what it needed and hung up
            self.close_connection = True

    def _raw(self, data: bytes) -> bool:
        """Write bytes as they are; False once the client or the server went away."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True

    def _fault_raw(self, parts) -> None:
        self._raw(RAW_RESPONSES[parts.path.split("/")[2]])
        self.close_connection = True

    def _fault_silent(self, parts) -> None:
        self.server.stopping.wait(120)
        self.close_connection = True

    def _fault_header_trickle(self, parts) -> None:
        if not self._raw(b"HTTP/1.1 206 Partial Content\r\nX-Slow: "):
            return
        while not self.server.stopping.wait(0.5) and self._raw(b"a"):
            pass
        self.close_connection = True

    def _fault_continue_loop(self, parts) -> None:
        while not self.server.stopping.wait(0.2) and self._raw(b"HTTP/1.1 100 Continue\r\n\r\n"):
            pass
        self.close_connection = True

    def _fault_chunk_trickle(self, parts) -> None:
        head = (f"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-65535/{len(BODY)}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()
        if not self._raw(head):
            return
        while not self.server.stopping.wait(0.5) and self._raw(b"0"):
            pass  # '000...': a chunk-size line that never ends
        self.close_connection = True

    def _fault_busy_then_silent(self, parts) -> None:
        if self.server.requests[parts.path] == 1:
            return self._reply(503, b"busy\n", {"Retry-After": "1"})
        return self._fault_silent(parts)

    def _fault_slow(self, parts) -> None:
        if not self.server.stopping.wait(float(parts.path.split("/")[2])):
            self._fault_ok(parts)

    def _fault_hold(self, parts) -> None:
        self.server.release.wait(30)
        self._fault_ok(parts)

    def _fault_ok(self, parts) -> None:
        self._reply(206, BODY[:65536], {"Content-Range": f"bytes 0-65535/{len(BODY)}"})

    def _fault_slow_redirect(self, parts) -> None:
        self._head(302, 100_000, {"Location": "/ok/after-redirect.jpg"})
        for _ in range(100_000):  # a redirect body sent at a byte per 0.2 s
            if self.server.stopping.wait(0.2):
                return
            self.wfile.write(b" ")
            self.wfile.flush()

    def _fault_loop(self, parts) -> None:
        self._reply(302, b"", {"Location": parts.path})

    def _fault_redirect_to(self, parts) -> None:
        self._reply(302, b"", {"Location": parse_qs(parts.query)["url"][0]})

    def _fault_s3(self, parts) -> None:
        bucket = parts.path.split("/")[2]
        if bucket in ("trickle", "stall", "headers-only", "silent", "header-trickle",
                      "continue-loop", "reset", "short", "short-by-one", "full",
                      "busy-then-headers-only"):
            return getattr(self, f"_fault_{bucket.replace('-', '_')}")(parts)
        if bucket == "bad-content-range":  # a 206 whose Content-Range names no range
            return self._reply(206, BODY[:65536], {"Content-Range": "bytes 0-65535"})
        if bucket == "odd-headers":  # a valid JPEG under header values botocore cannot parse
            self.send_response(206)
            for name, value in {"Content-Range": f"bytes 0-65535/{len(BODY)}",
                                "Last-Modified": "the day before yesterday",
                                "x-amz-mp-parts-count": "²", "Expires": "²",
                                "Content-Length": "65536", "Connection": "close"}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(BODY[:65536])
            return None
        if bucket == "head-denied" and "list-type=2" in parts.query:
            listing = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>'
                       f"{bucket}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
                       "</ListBucketResult>").encode()
            return self._reply(200, listing, {"Content-Type": "application/xml"})
        self._s3_error(*S3_ERRORS.get(bucket, (500, "InternalError", "unknown")))

    def _s3_error(self, status: int, code: str, message: str) -> None:
        body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                f"<Message>{message}</Message><RequestId>fault</RequestId></Error>").encode()
        self._reply(status, body, {"Content-Type": "application/xml"})


def wait_until(predicate, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False
