"""Byte sources: ranged reads from S3, HTTP(S) and local files, with retries and limits.

A source answers ``fetch(start, length)`` and keeps what a result row needs: object size,
ETag, Last-Modified, bytes transferred, requests and attempts. Clients are created once per
partition (``Clients``) and shared by that partition's threads.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    LocationValueError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.util.retry import Retry

from . import deadline, netguard
from . import exceptions as exc
from .urls import Location, install_log_filters, redact

log = logging.getLogger(__name__)

_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-f]+>:? ?")
_REDIRECTS = (301, 302, 303, 307, 308)
_BODY_ERRORS = (ProtocolError, ReadTimeoutError, SSLError)
# ASCII digits only: int() also reads '٣' (and str.isdigit() passes '²', which it does not).
_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,19})-([0-9]{1,19})/([0-9]{1,19}|\*)")
_DIGITS = re.compile(r"[0-9]{1,19}")
USER_AGENT = "image-metadata/1.0 (+metadata reader; ranged GET)"


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    retries: int = 3  # retries after the first attempt
    backoff_factor: float = 0.25
    backoff_max: float = 10.0
    max_redirects: int = 5
    max_retry_after: float = 10.0
    pool_size: int = 16
    # Everything one image may take over HTTP, retries included: a server that trickles
    # bytes never trips the per-read timeout, so the whole read is bounded too.
    image_timeout: float = 60.0
    # Off by default: untrusted URLs must not reach loopback, private or link-local hosts,
    # apart from the networks (CIDR) named here.
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()


class _CappedRetry(Retry):
    """urllib3 Retry whose Retry-After sleep is bounded: a server must not stall a worker."""

    def __init__(self, *args: Any, max_retry_after: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kwargs: Any) -> _CappedRetry:
        # Retry.increment() builds each next Retry through new(); keep the cap on it.
        retry = super().new(**kwargs)
        retry.max_retry_after = self.max_retry_after
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_retry_after)

    # Waits between attempts end with the image's deadline; no attempt starts after it.
    def sleep_for_retry(self, response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after:
            _wait(retry_after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        _wait(self.get_backoff_time())

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        bound = deadline.current()
        if bound is not None and (bound.expired or bound.remaining() <= 0):
            response = kwargs.get("response")
            raise bound.failure(attempts=len(self.history) + 1,
                                http_status=getattr(response, "status", None))
        return super().increment(*args, **kwargs)


def _wait(seconds: float) -> None:
    if seconds <= 0:
        return
    bound = deadline.current()
    if bound is None:
        time.sleep(seconds)
    else:
        bound.wait(seconds)
        bound.check()


@dataclass
class Clients:
    """One HTTP pool and one S3 client per partition, created on first use."""

    settings: FetchSettings = field(default_factory=FetchSettings)
    s3_client: Any = None
    _http: urllib3.PoolManager | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _owns_s3: bool = False  # a client handed in is the caller's to close
    watchdog: deadline.Watchdog = field(default_factory=deadline.Watchdog)

    def __post_init__(self) -> None:
        install_log_filters()

    def http(self) -> urllib3.PoolManager:
        with self._lock:
            return self._http_locked()

    def _http_locked(self) -> urllib3.PoolManager:
        if self._http is None:
            self._http = urllib3.PoolManager(
                num_pools=64,
                maxsize=self.settings.pool_size,
                headers={"User-Agent": USER_AGENT},
            )
            # Every connection, redirect targets included, goes through the address guard.
            self._http.pool_classes_by_scheme = netguard.pool_classes(netguard.AddressPolicy(
                self.settings.allow_private_networks, self.settings.allowed_networks
            ))
        return self._http

    def s3(self) -> Any:
        with self._lock:  # creating boto3 clients is not thread-safe; using them is
            return self._s3_locked()

    def _s3_locked(self) -> Any:
        if self.s3_client is None:
            import boto3
            from botocore.config import Config

            s = self.settings
            self._owns_s3 = True
            self.s3_client = boto3.session.Session().client(
                "s3",
                config=Config(
                    retries={"mode": "standard", "total_max_attempts": 1},  # S3Source retries
                    connect_timeout=s.connect_timeout,
                    read_timeout=s.read_timeout,
                    max_pool_connections=s.pool_size,
                    user_agent_extra="image-metadata/1.0",
                ),
            )
            self.s3_client.meta.events.register("before-parse.s3.GetObject",
                                                _drop_unreadable_headers)
            _bound_sockets(self.s3_client)
        return self.s3_client

    def retry(self) -> Retry:
        s = self.settings
        retry = _CappedRetry(
            total=s.retries + s.max_redirects,
            connect=s.retries,
            read=s.retries,
            status=s.retries,
            other=s.retries,
            redirect=s.max_redirects,
            backoff_factor=s.backoff_factor,
            backoff_max=s.backoff_max,
            backoff_jitter=s.backoff_factor,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            respect_retry_after_header=True,
            raise_on_status=False,
            max_retry_after=s.max_retry_after,
        )
        return retry

    def close(self) -> None:
        self.watchdog.close()
        if self._http is not None:
            self._http.clear()
        if self._owns_s3 and self.s3_client is not None:
            self.s3_client.close()


class Source:
    """Common bookkeeping. ``fetch`` returns up to ``length`` bytes starting at ``start``."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.size: int | None = None
        self.etag: str | None = None
        self.last_modified: datetime | None = None
        self.bytes_read = 0
        self.requests = 0
        self.attempts = 0
        self.http_status: int | None = None

    def fetch(self, start: int, length: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; the default source holds none."""


class FileSource(Source):
    def __init__(self, location: Location) -> None:
        super().__init__(location)
        path = location.url
        try:
            # O_NONBLOCK: opening a named pipe must not wait for a writer.
            self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            st = os.fstat(self._fd)
        except FileNotFoundError:
            raise exc.NotFound(f"no such file: {path}") from None
        except PermissionError:  # pragma: no cover - tested where it can be: root reads all
            raise exc.AccessDenied(f"permission denied: {path}") from None
        except IsADirectoryError:  # pragma: no cover - Linux opens folders read-only; not all do
            raise exc.NotFound(f"is a directory, not a file: {path}") from None
        except OSError as e:
            raise exc.FetchConnectionError(f"cannot open {path}: {e.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            os.close(self._fd)
            raise exc.NotFound(f"not a regular file: {path}")
        self.size = st.st_size
        self.attempts = 1
        self.last_modified = datetime.fromtimestamp(st.st_mtime, tz=UTC)

    def fetch(self, start: int, length: int) -> bytes:
        self.requests += 1
        data = os.pread(self._fd, length, start)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        os.close(self._fd)


class _Again(Exception):
    """A body read failed and the retry budget allows another request."""

    def __init__(self, retry: Retry) -> None:
        super().__init__("again")
        self.retry = retry


class HttpSource(Source):
    """Ranged GETs; falls back to reading one streamed response when Range is ignored."""

    def __init__(self, location: Location, clients: Clients, max_bytes: int = 1 << 62) -> None:
        super().__init__(location)
        self._clients = clients
        self._max_bytes = max_bytes  # a server ignoring Range must not fill memory
        self._stream: Any = None  # an open 200 response when the server ignores Range
        self._streamed = bytearray()
        self._bound = _bound_of(location, clients)

    def fetch(self, start: int, length: int) -> bytes:
        if self._stream is not None or (self.requests and self._streamed):
            return self._from_stream(start, length)
        retry = self._clients.retry()
        while True:
            resp = self._get(start, length, retry)
            try:
                data = self._take(resp, start, length)
            except _Again as again:
                retry = again.retry
                continue
            except BaseException:
                resp.close()  # a failed image must not keep its socket until the next GC
                raise
            if data is not None:
                return data
            return self._from_stream(start, length)

    def _take(self, resp: Any, start: int, length: int) -> bytes | None:
        """The requested bytes of a 206; None when a 200 became the stream to read from."""
        status = resp.status
        if status == 200:  # Range ignored: read forward from this one response
            declared = (resp.headers.get("Content-Length") or "").strip()
            self.size = int(declared) if _DIGITS.fullmatch(declared) else None
            self._stream = resp
            return None
        if status != 206:  # the caller closes the response on every error
            raise _status_failure(status, resp.headers, self.attempts)
        first, last, total = _parse_content_range(resp.headers.get("Content-Range"), self)
        if first != start:
            raise exc.HttpError(
                f"server answered Range {start}- with Content-Range starting at {first}",
                http_status=206,
                attempts=self.attempts,
            )
        # An unknown total ('/*'): a range shorter than asked for ends at the end of the file.
        self.size = total if total is not None or last - first + 1 >= length else last + 1
        try:
            data = self._read_body(resp, length)
            if len(data) < min(length, last - first + 1):
                raise ProtocolError(f"body ended after {len(data)} of {last - first + 1} bytes")
        except _BODY_ERRORS as error:  # reset or truncated mid-body: ask again
            resp.close()
            failure = _network_failure(error, self.location, self.attempts)
            retry = _next_attempt(resp.retries or self._clients.retry(), error,
                                  self.location.url, failure)
            raise _Again(retry) from None
        resp.release_conn()
        self.bytes_read += len(data)
        return data

    def _read_body(self, resp: Any, length: int) -> bytes:
        """Up to ``length`` bytes, one socket read at a time, within the image's deadline."""
        chunks: list[bytes] = []
        got = 0
        while got < length:
            self._check_deadline()
            chunk = resp.read1(min(length - got, 256 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _check_deadline(self) -> None:
        try:
            self._bound.check()
        # The shutdown of the image's sockets ends a read at the deadline; this catches the
        # instant between the deadline passing and the watchdog acting.
        except exc.FetchTimeout:  # pragma: no cover - a race no test can time
            self.close()
            raise self._bound.failure(http_status=self.http_status,
                                      attempts=self.attempts) from None

    def _get(self, start: int, length: int, retry: Retry) -> Any:
        """The response to a ranged GET, following redirects here rather than in urllib3:
        each hop is checked against the deadline, and a redirect's body is dropped with its
        connection instead of being drained at the pace the server chooses."""
        url = self.location.url
        for _hop in range(self._clients.settings.max_redirects + 1):
            resp = self._request(url, start, length, retry)
            location = resp.headers.get("Location")
            if resp.status not in _REDIRECTS or not location:
                return resp
            resp.close()
            try:
                url = urljoin(url, location)
                scheme = urlsplit(url).scheme.lower()
            except ValueError:  # e.g. an unclosed IPv6 bracket
                raise exc.FetchConnectionError(
                    f"{redact(self.location.url)} redirects to an unusable location",
                    http_status=resp.status, attempts=self.attempts) from None
            if scheme not in ("http", "https"):
                raise exc.UnsupportedScheme(
                    f"{redact(self.location.url)} redirects to {redact(url)}",
                    http_status=resp.status, attempts=self.attempts, stage="fetch")
            retry = resp.retries or retry
        raise exc.FetchConnectionError(
            f"too many redirects for {redact(self.location.url)}",
            http_status=resp.status, attempts=self.attempts)

    def _request(self, url: str, start: int, length: int, retry: Retry) -> Any:
        self._check_deadline()
        self.requests += 1
        settings = self._clients.settings
        left = max(self._bound.remaining(), 0.05)  # no single wait beyond the deadline
        timeout = urllib3.Timeout(connect=min(settings.connect_timeout, left),
                                  read=min(settings.read_timeout, left))
        try:
            resp = self._clients.http().request(
                "GET", url, headers={"Range": f"bytes={start}-{start + length - 1}"},
                retries=retry, redirect=False, timeout=timeout, preload_content=False,
                decode_content=False,
            )
        except netguard.BlockedAddressError as e:
            raise exc.BlockedAddress(f"refused: {e}", attempts=self.attempts + 1) from None
        except LocationValueError as e:
            raise exc.InvalidUrl(f"cannot request {redact(url)}: {e}",
                                 attempts=self.attempts + 1, stage="fetch") from None
        except MaxRetryError as e:
            self.attempts = _attempts_from(e, retry)
            raise _network_failure(e.reason, self.location, self.attempts) from None
        # With our Retry urllib3 wraps these in MaxRetryError; a Retry that re-raises them
        # (read=False, a method it does not retry) would end here.
        except (*_BODY_ERRORS, ConnectTimeoutError) as e:  # pragma: no cover
            raise _network_failure(e, self.location, self.attempts + 1) from None
        except InvalidHeader as e:  # e.g. two different Content-Length values
            raise exc.HttpError(f"invalid response header from {redact(url)}: {_short(e)}",
                                attempts=self.attempts + 1) from None
        self.attempts = len(resp.retries.history) + 1 if resp.retries else 1
        self.http_status = resp.status
        self.etag = resp.headers.get("ETag")
        self.last_modified = _http_date(resp.headers.get("Last-Modified"))
        return resp

    def _from_stream(self, start: int, length: int) -> bytes:
        end = start + length
        if end > self._max_bytes and (self.size is None or self.size > self._max_bytes):
            self.close()
            raise exc.TooLarge(
                f"{redact(self.location.url)} ignores Range and the metadata lies beyond the "
                f"{self._max_bytes}-byte cap (at offset {start})", http_status=200,
                attempts=self.attempts)
        while len(self._streamed) < end and self._stream is not None:
            self._check_deadline()
            try:
                chunk = self._stream.read1(max(end - len(self._streamed), 65536))
            except (ProtocolError, ReadTimeoutError, SSLError) as e:
                self.close()
                raise _network_failure(e, self.location, self.attempts) from None
            if not chunk:
                self.close()
                break
            self._streamed += chunk
            self.bytes_read += len(chunk)
        if self._stream is None and self.size is None:
            self.size = len(self._streamed)
        return bytes(self._streamed[start:end])

    def close(self) -> None:
        if self._stream is not None:
            # Unread body: drop the connection instead of draining a possibly huge file.
            self._stream.close()
            self._stream = None


class S3Source(Source):
    def __init__(self, location: Location, clients: Clients) -> None:
        super().__init__(location)
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
                retry = _next_attempt(retry, again.error, self.location.url, again.failure)

    def _fetch_once(self, start: int, length: int) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        loc = self.location
        self.requests += 1
        self.attempts += 1
        try:
            resp = self._clients.s3().get_object(
                Bucket=loc.bucket, Key=loc.key, Range=f"bytes={start}-{start + length - 1}"
            )
        except ClientError as e:
            meta = e.response.get("ResponseMetadata", {})
            self.attempts += meta.get("RetryAttempts", 0)  # a client handed in may retry
            self.http_status = meta.get("HTTPStatusCode")
            code = e.response.get("Error", {}).get("Code", "")
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
        bound = _bound_of(loc, self._clients)
        try:
            _adopt_body(resp["Body"], bound)
            data = _read_within(resp["Body"], length, bound)
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
            first, last, self.size = _parse_content_range(content_range, self)
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
    if shape is None or headers is None:  # pragma: no cover - GetObject has both; a guard
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
            if member.type_name in ("float", "double"):  # pragma: no cover - none in S3 today
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


def _bound_of(location: Location, clients: Clients) -> deadline.Deadline:
    """The current image's deadline; a source used on its own gets one of its own."""
    return deadline.current() or deadline.Deadline(
        clients.settings.image_timeout, f"reading {redact(location.url)}")


def _adopt_body(body: Any, bound: deadline.Deadline) -> None:
    """Hand the socket under a botocore body to the deadline, so a stalled body is cut."""
    connection = getattr(getattr(body, "_raw_stream", None), "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        bound.adopt(sock)


def _read_within(body: Any, length: int, bound: deadline.Deadline) -> bytes:
    chunks: list[bytes] = []
    got = 0
    while got < length:
        bound.check()
        chunk = body.read(min(length - got, 256 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# S3 error codes worth another attempt (5xx answers always are).
_S3_RETRYABLE = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
                           "RequestLimitExceeded", "TooManyRequests", "InternalError",
                           "ServiceUnavailable", "RequestTimeTooSkewed"})


class _S3Retryable(Exception):
    """A failed S3 attempt that the retry budget may repeat; ``failure`` if it may not."""

    def __init__(self, error: Exception, failure: exc.ImageFailure) -> None:
        super().__init__(str(error))
        self.error, self.failure = error, failure


def open_source(location: Location, clients: Clients, max_bytes: int = 1 << 62) -> Source:
    if location.scheme == "file":
        return FileSource(location)
    if location.scheme == "s3":
        return S3Source(location, clients)
    return HttpSource(location, clients, max_bytes)


def _parse_content_range(value: str | None, source: Source) -> tuple[int, int, int | None]:
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    if not match or int(match.group(2)) < int(match.group(1)):
        raise exc.HttpError(
            f"partial response with a missing or malformed Content-Range: {value!r}",
            http_status=206,
            attempts=source.attempts,
        )
    total = match.group(3)
    return int(match.group(1)), int(match.group(2)), (None if total == "*" else int(total))


# RFC 9110's preferred form, read here: email.utils would turn the year 0001 into 2001.
_IMF_DATE = re.compile(r"(?:[A-Za-z]{3}, )?([0-9]{1,2}) ([A-Za-z]{3}) ([0-9]{4}) "
                       r"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT", re.ASCII)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    match = _IMF_DATE.fullmatch(value.strip())
    if match:
        day, month, year, hour, minute, second = match.groups()
        try:
            return datetime(int(year), _MONTHS[month.lower()], int(day), int(hour),
                            int(minute), min(int(second), 59), tzinfo=UTC)
        except (KeyError, ValueError):
            return None
    try:  # the obsolete forms (RFC 850, asctime) and numeric zones
        parsed = parsedate_to_datetime(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):  # year 9999 at -0100 overflows, too
        return None


def _next_attempt(retry: Retry, error: Exception, url: str, failure: exc.ImageFailure) -> Retry:
    """Count a failed body read against the same urllib3 Retry budget, then back off;
    raise ``failure`` when the budget is spent."""
    try:
        retry = retry.increment("GET", url, error=error)
    except MaxRetryError:
        raise failure from None
    retry.sleep()
    return retry


def _attempts_from(error: MaxRetryError, retry: Retry) -> int:
    # MaxRetryError does not carry the final Retry; every allowed attempt was used.
    budget = retry.read if isinstance(error.reason, ReadTimeoutError) else retry.connect
    return (budget or 0) + 1


def _status_failure(status: int, headers: Any, attempts: int) -> exc.ImageFailure:
    if status in (404, 410):
        return exc.NotFound(f"HTTP {status}", http_status=status, attempts=attempts)
    if status in (401, 403):
        return exc.AccessDenied(f"HTTP {status}", http_status=status, attempts=attempts)
    if status == 429 or (status == 503 and headers.get("Retry-After")):
        return exc.Throttled(f"HTTP {status} after retries", http_status=status, attempts=attempts)
    if status == 416:
        return exc.NotAnImage("empty object (HTTP 416 for the first byte)", http_status=416,
                              attempts=attempts)
    return exc.HttpError(f"HTTP {status}", http_status=status, attempts=attempts)


def _network_failure(reason: Any, location: Location, attempts: int) -> exc.ImageFailure:
    where = redact(location.url)
    # Order matters: urllib3's NewConnectionError subclasses ConnectTimeoutError.
    if isinstance(reason, NameResolutionError):
        return exc.FetchConnectionError(f"DNS lookup failed for {where}", attempts=attempts)
    if isinstance(reason, NewConnectionError):
        return exc.FetchConnectionError(f"cannot connect to {where}: {_short(reason)}",
                                        attempts=attempts)
    if isinstance(reason, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return exc.FetchTimeout(f"timed out reading {where}", attempts=attempts)
    if isinstance(reason, SSLError):
        return exc.FetchConnectionError(f"TLS failure for {where}: {_short(reason)}",
                                        attempts=attempts)
    # raise_on_status=False: urllib3 returns the last answer instead of a ResponseError.
    if isinstance(reason, ResponseError):  # pragma: no cover - kept for another Retry
        return exc.FetchConnectionError(f"{_short(reason)} for {where}", attempts=attempts)
    if isinstance(reason, ProtocolError):
        return exc.FetchConnectionError(f"connection broken reading {where}", attempts=attempts)
    # Any other reason urllib3 may give: still a row, never an "unexpected" error.
    return exc.FetchConnectionError(  # pragma: no cover
        f"cannot connect to {where}: {_short(reason)}", attempts=attempts)


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
    return exc.FetchConnectionError(f"cannot read {where}: {_short(error)}", attempts=attempts)


def _short(error: Any) -> str:
    text = " ".join(str(error).split())
    text = _OBJECT_REPR.sub("", text)  # urllib3 prefixes '<...Connection object at 0x...>: '
    return text[:200]
