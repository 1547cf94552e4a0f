"""HTTP(S) sources: ranged GETs through the guarded pool, redirects followed hop by hop,
bodies read within the image's deadline, and a fallback to one streamed response when a
server ignores Range."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
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

from image_metadata import exceptions as exc
from image_metadata.fetch import netguard
from image_metadata.fetch.source import (
    Condition,
    Source,
    bound_of,
    next_attempt,
    parse_content_range,
    read_up_to,
    short_reason,
)
from image_metadata.fetch.urls import Location, redact

if TYPE_CHECKING:
    from image_metadata.fetch.clients import Clients


_REDIRECTS = (301, 302, 303, 307, 308)
_BODY_ERRORS = (ProtocolError, ReadTimeoutError, SSLError)
_DIGITS = re.compile(r"[0-9]{1,19}")


class _Again(Exception):
    """A body read failed and the retry budget allows another request."""

    def __init__(self, retry: Retry) -> None:
        super().__init__("again")
        self.retry = retry


class HttpSource(Source):
    """Ranged GETs; falls back to reading one streamed response when Range is ignored."""

    def __init__(self, location: Location, clients: Clients, max_bytes: int = 1 << 62,
                 condition: Condition | None = None) -> None:
        super().__init__(location, condition)
        self._clients = clients
        self._max_bytes = max_bytes  # a server ignoring Range must not fill memory
        self._stream: Any = None  # an open 200 response when the server ignores Range
        self._streamed = bytearray()
        self._bound = bound_of(location, clients)

    def fetch(self, start: int, length: int) -> bytes:
        if self._stream is not None or self._streamed:  # Range ignored: the stream serves all
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
        if status == 304 and self.condition is not None and not self.bytes_read:
            resp.close()
            raise exc.NotModified(f"{redact(self.location.url)} is unchanged since its last "
                                  "read", attempts=self.attempts)
        if status == 200:  # Range ignored: read forward from this one response
            declared = (resp.headers.get("Content-Length") or "").strip()
            self.size = int(declared) if _DIGITS.fullmatch(declared) else None
            self._stream = resp
            return None
        if status != 206:  # the caller closes the response on every error
            raise _status_failure(status, resp.headers, self.attempts)
        first, last, total = parse_content_range(resp.headers.get("Content-Range"), self)
        if first != start:
            raise exc.HttpError(
                f"server answered Range {start}- with Content-Range starting at {first}",
                http_status=206,
                attempts=self.attempts,
            )
        # An unknown total ('/*'): a range shorter than asked for ends at the end of the file.
        self.size = total if total is not None or last - first + 1 >= length else last + 1
        try:
            data = read_up_to(resp.read1, length, self._check_deadline)
            if len(data) < min(length, last - first + 1):
                raise ProtocolError(f"body ended after {len(data)} of {last - first + 1} bytes")
        except _BODY_ERRORS as error:  # reset or truncated mid-body: ask again
            resp.close()
            failure = _network_failure(error, self.location, self.attempts)
            retry = next_attempt(resp.retries or self._clients.retry(), error,
                                  self.location.url, failure)
            raise _Again(retry) from None
        resp.release_conn()
        self.bytes_read += len(data)
        return data

    def _check_deadline(self) -> None:
        try:
            self._bound.check()
        # In the pipeline the watchdog's shutdown of the sockets ends a read at the deadline;
        # this catches a source used on its own (no watchdog) and the instant before it acts.
        except exc.FetchTimeout:
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
        settings = self._clients.settings
        left = max(self._bound.remaining(), 0.05)  # no single wait beyond the deadline
        timeout = urllib3.Timeout(connect=min(settings.connect_timeout, left),
                                  read=min(settings.read_timeout, left))
        pool = self._clients.http()
        # Headers given to a request replace the pool's own (its User-Agent among them).
        headers = {**pool.headers, "Range": f"bytes={start}-{start + length - 1}"}
        if self.condition is not None and not self.bytes_read:
            if self.condition.etag:
                headers["If-None-Match"] = self.condition.quoted_etag()
            if self.condition.last_modified is not None:
                headers["If-Modified-Since"] = format_datetime(
                    self.condition.last_modified.astimezone(UTC), usegmt=True)
        try:
            resp = pool.request(
                "GET", url, headers=headers,
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
        except InvalidHeader as e:  # e.g. two different Content-Length values
            raise exc.HttpError(f"invalid response header from {redact(url)}: {short_reason(e)}",
                                attempts=self.attempts + 1) from None
        # urllib3 hands every response the Retry it was requested with (ours, never None).
        self.attempts = len(resp.retries.history) + 1
        self.http_status = resp.status
        self.etag = resp.headers.get("ETag")
        self.last_modified = _http_date(resp.headers.get("Last-Modified"))
        return resp

    def over_cap(self, cap: int, start: int) -> exc.ImageFailure:
        if self._stream is None and not self._streamed:
            return super().over_cap(cap, start)
        # The stream holds everything before the metadata too, so the cap reads as a cause.
        self.close()
        return exc.TooLarge(
            f"{redact(self.location.url)} ignores Range and the metadata lies beyond the "
            f"{cap}-byte cap (at offset {start})", http_status=200, attempts=self.attempts)

    def _from_stream(self, start: int, length: int) -> bytes:
        end = start + length
        if end > self._max_bytes and (self.size is None or self.size > self._max_bytes):
            raise self.over_cap(self._max_bytes, start)
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
        return exc.FetchConnectionError(f"cannot connect to {where}: {short_reason(reason)}",
                                        attempts=attempts)
    if isinstance(reason, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return exc.FetchTimeout(f"timed out reading {where}", attempts=attempts)
    if isinstance(reason, SSLError):
        return exc.FetchConnectionError(f"TLS failure for {where}: {short_reason(reason)}",
                                        attempts=attempts)
    # raise_on_status=False: urllib3 returns the last answer instead of a ResponseError.
    if isinstance(reason, ResponseError):  # kept for a Retry that raises on status
        return exc.FetchConnectionError(f"{short_reason(reason)} for {where}", attempts=attempts)
    if isinstance(reason, ProtocolError):
        return exc.FetchConnectionError(f"connection broken reading {where}", attempts=attempts)
    # Any other reason urllib3 may give: still a row, never an "unexpected" error.
    return exc.FetchConnectionError(
        f"cannot connect to {where}: {short_reason(reason)}", attempts=attempts)
