"""An S3 endpoint that answers as S3 would for one IAM role: a loopback proxy in front of a moto
server that decides every request with the role's synthesized policies (tests/support/iam_eval)
and returns S3's 403 AccessDenied for what the role may not do, moto's answer otherwise.

Requests are path-style (``/bucket/key?...``, as boto3 sends them to an IP endpoint) and are
mapped to IAM as S3 documents it: GET/HEAD of an object is ``s3:GetObject`` on its ARN; a
listing is ``s3:ListBucket`` on the bucket with ``s3:prefix`` set when the request has one.
S3 answers 404 for a missing key only to a caller that may list it; others get 403 (modelled
as ``s3:ListBucket`` with the key as ``s3:prefix``). Only these requests are modelled: any other
is refused with 501, so a test cannot pass by a request this proxy does not understand.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.http_server import LoopbackServer
from tests.support.iam_eval import PolicyEvaluator

DENIED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
          b"<Message>Access Denied</Message></Error>")


class IamS3Proxy(LoopbackServer):
    def __init__(self, upstream: str, role: PolicyEvaluator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = urlsplit(upstream)
        self.role = role
        self.decisions: list[tuple[str, str, dict, bool]] = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: IamS3Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        if key:
            action, resource, context = "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", {}
        elif "list-type" in query or set(query) <= {"prefix", "delimiter", "max-keys",
                                                     "encoding-type", "marker"}:
            action, resource = "s3:ListBucket", f"arn:aws:s3:::{bucket}"
            context = {"s3:prefix": query["prefix"][0]} if "prefix" in query else {}
        else:
            return self._reply(501, b"not modelled by the IAM proxy")
        allowed = self.server.role.allows(action, resource, context)
        self.server.decisions.append((action, resource, context, allowed))
        if not allowed:
            return self._reply(403, DENIED)
        status, headers, body = self._forward()
        if status == 404 and key and not self.server.role.allows(
                "s3:ListBucket", f"arn:aws:s3:::{bucket}", {"s3:prefix": key}):
            return self._reply(403, DENIED)
        self.send_response(status)
        head = self.command == "HEAD"  # a HEAD answer keeps the object's Content-Length
        for name, value in headers:
            if name.lower() not in ("transfer-encoding", "connection") and \
                    (head or name.lower() != "content-length"):
                self.send_header(name, value)
        if not head:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _forward(self) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            connection.request(self.command, self.path, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
