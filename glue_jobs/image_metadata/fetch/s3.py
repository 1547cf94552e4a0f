"""S3 sources: ranged GetObject calls retried within the image's deadline, with the
body's socket handed to that deadline."""

from __future__ import annotations

import logging
import re
from datetime import UTC
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import ProtocolError, ReadTimeoutError

from image_metadata import exceptions as exc
from image_metadata.fetch import deadline, netguard
from image_metadata.fetch.source import (
    Condition,
    Source,
    bound_of,
    next_attempt,
    parse_content_range,
    read_up_to,
    short_reason,
)
from image_metadata.fetch.urls import Location

if TYPE_CHECKING:
    from image_metadata.fetch.clients import Clients, FetchSettings

log = logging.getLogger(__name__)


def new_client(settings: FetchSettings) -> Any:
    """The job's S3 client: one attempt per call (S3Source retries within the image's
    deadline), headers botocore cannot parse dropped, sockets bound by the deadline."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": 1},  # S3Source retries
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=settings.pool_size,
            user_agent_extra="image-metadata/1.0",
        ),
    )
    client.meta.events.register("before-parse.s3.GetObject", _drop_unreadable_headers)
    _bound_sockets(client)
    return client


class S3Source(Source):
    def __init__(self, location: Location, clients: Clients,
                 condition: Condition | None = None) -> None:
        super().__init__(location, condition)
        self._clients = clients

    def fetch(self, start: int, length: int) -> bytes:
        # Retried here with the HTTP path's Retry budget, not by botocore: its sleeps between
        # attempts would not end with the image's deadline.
        retry = self._clients.retry()
        self.attempts = 0  # attempts of this read, as the failure row reports them
        while True:
            try:
                return self._fetch_once(start, length)
            except _S3Retryable as again:  # throttled, 5xx, broken connection or body
                retry = next_attempt(retry, again.error, self.location.url, again.failure)

    def _fetch_once(self, start: int, length: int) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        loc = self.location
        self.attempts += 1
        extra = {}
        if self.condition is not None and not self.bytes_read:
            if self.condition.etag:
                extra["IfNoneMatch"] = self.condition.quoted_etag()
            elif self.condition.last_modified is not None:
                extra["IfModifiedSince"] = self.condition.last_modified
        try:
            resp = self._clients.s3().get_object(
                Bucket=loc.bucket, Key=loc.key, Range=f"bytes={start}-{start + length - 1}",
                **extra,
            )
        except ClientError as e:
            meta = e.response.get("ResponseMetadata", {})
            self.attempts += meta.get("RetryAttempts", 0)  # a client handed in may retry
            self.http_status = meta.get("HTTPStatusCode")
            code = e.response.get("Error", {}).get("Code", "")
            if self.http_status == 304 and extra:
                raise exc.NotModified(f"{loc.url} is unchanged since its last read",
                                      attempts=self.attempts) from None
            if code == "InvalidRange":  # a zero-byte object
                self.size = 0
                return b""
            failure = _s3_failure(code, self.http_status, self.attempts, loc)
            if code in _S3_RETRYABLE or (self.http_status or 0) >= 500:
                raise _S3Retryable(e, failure) from None
            raise failure from None
        except BotoCoreError as e:
            raise _S3Retryable(e, _s3_network_failure(e, loc, self.attempts)) from None
        meta = resp.get("ResponseMetadata", {})
        self.attempts += meta.get("RetryAttempts", 0)
        self.http_status = meta.get("HTTPStatusCode")
        bound = bound_of(loc, self._clients)
        try:
            _adopt_body(resp["Body"], bound)
            data = read_up_to(resp["Body"].read, length, bound.check)
        except exc.FetchTimeout:
            resp["Body"].close()
            raise bound.failure(http_status=self.http_status, attempts=self.attempts) from None
        except (BotoCoreError, ProtocolError, ReadTimeoutError, OSError) as e:
            resp["Body"].close()
            if bound.expired:
                raise bound.failure(http_status=self.http_status, attempts=self.attempts) \
                    from None
            raise _S3Retryable(e, _s3_network_failure(e, loc, self.attempts)) from None
        content_range = resp.get("ContentRange")
        if content_range:
            first, last, self.size = parse_content_range(content_range, self)
            if len(data) < last - first + 1:
                short = ProtocolError(f"body ended after {len(data)} of {last - first + 1} bytes")
                raise _S3Retryable(short, _s3_network_failure(short, loc, self.attempts))
        else:
            self.size = resp.get("ContentLength")
        self.etag = resp.get("ETag")
        modified = resp.get("LastModified")
        self.last_modified = modified.astimezone(UTC) if modified else None
        self.bytes_read += len(data)
        return data[:length]


def _drop_unreadable_headers(operation_model: Any, response_dict: dict, **_: Any) -> None:
    """botocore parses typed header values itself and raises on a bad one (a Last-Modified
    of 'yesterday', a count of '²'). Such a value is dropped before it parses, as the HTTP
    path ignores it, and the object is read."""
    from botocore.utils import parse_timestamp

    shape = operation_model.output_shape
    headers = response_dict.get("headers")
    if shape is None or headers is None:  # GetObject has both; other operations may not
        return
    for name, member in shape.members.items():
        if member.serialization.get("location") != "header":
            continue
        header = member.serialization.get("name", name)
        value = headers.get(header)
        if value is None:
            continue
        try:
            if member.type_name in ("integer", "long") and not _SIGNED.fullmatch(value.strip()):
                raise ValueError(value)
            if member.type_name == "timestamp":
                parse_timestamp(value)
            if member.type_name in ("float", "double"):  # none in S3's answers today
                float(value)
        except (ValueError, TypeError, OverflowError):
            log.info("dropped the unreadable %s header %r of an S3 answer", header, value[:80])
            del headers[header]


_SIGNED = re.compile(r"-?[0-9]{1,19}")


def _bound_sockets(client: Any) -> None:
    """Hand every socket of the S3 client to the current image's deadline, as the HTTP pool
    does, so a request whose answer trickles is cut too (not only its body)."""
    from botocore.awsrequest import AWSHTTPConnectionPool, AWSHTTPSConnectionPool

    try:
        session = client._endpoint.http_session
        manager = session._manager
    except AttributeError:  # pragma: no cover - another botocore layout (pinned: cannot happen)
        log.warning("cannot bound S3 requests by the image deadline (botocore changed)")
        return
    classes = {}
    for scheme, pool in (("http", AWSHTTPConnectionPool), ("https", AWSHTTPSConnectionPool)):
        connection = netguard.deadline_connection_class(pool.ConnectionCls)
        classes[scheme] = type(f"Bounded{pool.__name__}", (pool,), {
            "ConnectionCls": connection, "_put_conn": netguard.disowning_put(pool)})
    session._pool_classes_by_scheme = classes
    manager.pool_classes_by_scheme = classes


def _adopt_body(body: Any, bound: deadline.Deadline) -> None:
    """Hand the socket under a botocore body to the deadline, so a stalled body is cut."""
    connection = getattr(getattr(body, "_raw_stream", None), "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        bound.adopt(sock)


# S3 error codes worth another attempt (5xx answers always are).
_S3_RETRYABLE = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
                           "RequestLimitExceeded", "TooManyRequests", "InternalError",
                           "ServiceUnavailable", "RequestTimeTooSkewed"})


class _S3Retryable(Exception):
    """A failed S3 attempt that the retry budget may repeat; ``failure`` if it may not."""

    def __init__(self, error: Exception, failure: exc.ImageFailure) -> None:
        super().__init__(str(error))
        self.error, self.failure = error, failure


def _s3_failure(code: str, status: int | None, attempts: int, loc: Location) -> exc.ImageFailure:
    where = f"s3://{loc.bucket}/{loc.key}"
    message = f"S3 {code or status} for {where}"
    if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound"):
        return exc.NotFound(message, http_status=status, attempts=attempts)
    if code in ("AccessDenied", "403", "AllAccessDisabled", "InvalidAccessKeyId",
                "SignatureDoesNotMatch", "ExpiredToken"):
        return exc.AccessDenied(message, http_status=status, attempts=attempts)
    if code in ("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                "TooManyRequests", "503"):
        return exc.Throttled(message, http_status=status, attempts=attempts)
    return exc.HttpError(message, http_status=status, attempts=attempts)


def _s3_network_failure(error: Exception, loc: Location, attempts: int) -> exc.ImageFailure:
    from botocore.exceptions import ConnectTimeoutError as BotoConnectTimeout
    from botocore.exceptions import ReadTimeoutError as BotoReadTimeout

    where = f"s3://{loc.bucket}/{loc.key}"
    if isinstance(error, (BotoConnectTimeout, BotoReadTimeout)):
        return exc.FetchTimeout(f"timed out reading {where}", attempts=attempts)
    return exc.FetchConnectionError(f"cannot read {where}: {short_reason(error)}",
                                    attempts=attempts)
