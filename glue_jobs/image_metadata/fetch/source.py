"""What every source keeps for a result row (size, ETag, Last-Modified, bytes read,
attempts) and the helpers the HTTP and S3 sources share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from image_metadata import exceptions as exc
from image_metadata.fetch import deadline
from image_metadata.fetch.urls import Location, redact

if TYPE_CHECKING:
    from image_metadata.fetch.clients import Clients


_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-f]+>:? ?")
# ASCII digits only: int() also reads '٣' (and str.isdigit() passes '²', which it does not).
_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,19})-([0-9]{1,19})/([0-9]{1,19}|\*)")


@dataclass(frozen=True)
class Condition:
    """What the object was at its last successful read: its first request then asks only for
    a changed object (If-None-Match, If-Modified-Since) and a 304 ends the read."""

    etag: str | None = None  # as stored, without quotes
    last_modified: datetime | None = None
    size: int | None = None

    def __bool__(self) -> bool:
        return bool(self.etag) or self.last_modified is not None

    def quoted_etag(self) -> str | None:
        if not self.etag:
            return None
        return self.etag if self.etag.startswith(("W/", '"')) else f'"{self.etag}"'


def same_millisecond(a: datetime, b: datetime) -> bool:
    """Two instants equal as the output stores them (Parquet milliseconds, truncated); a
    time without a zone is local time, as Python (and PySpark) mean it."""
    a, b = (t if t.tzinfo is not None else t.astimezone(UTC) for t in (a, b))
    return _milliseconds(a) == _milliseconds(b)


def _milliseconds(t: datetime) -> int:
    whole = t.replace(microsecond=0)
    return int(whole.timestamp()) * 1000 + t.microsecond // 1000


def utc_from_ns(ns: int) -> datetime:
    """A file system time (nanoseconds) as a UTC instant, truncated to microseconds: no float
    rounding, so a listing's and a read's times of one file agree to the millisecond."""
    return datetime.fromtimestamp(ns // 10**9, tz=UTC).replace(microsecond=ns // 1000 % 10**6)


class Source:
    """Common bookkeeping. ``fetch`` returns up to ``length`` bytes starting at ``start``."""

    def __init__(self, location: Location, condition: Condition | None = None) -> None:
        self.location = location
        # Asked on the first request only: once bytes are read the object is being read.
        self.condition = condition if condition else None
        self.size: int | None = None
        self.etag: str | None = None
        self.last_modified: datetime | None = None
        self.bytes_read = 0
        self.attempts = 0
        self.http_status: int | None = None

    def fetch(self, start: int, length: int) -> bytes:
        raise NotImplementedError

    def over_cap(self, cap: int, start: int) -> exc.ImageFailure:
        return exc.TooLarge(f"reading the metadata needs more than the {cap}-byte cap "
                            f"(at offset {start})", http_status=self.http_status,
                            attempts=self.attempts)

    def close(self) -> None:
        """Release connections; the default source holds none."""


def bound_of(location: Location, clients: Clients) -> deadline.Deadline:
    """The current image's deadline; a source used on its own gets one of its own."""
    return deadline.current() or deadline.Deadline(
        clients.settings.image_timeout, f"reading {redact(location.url)}")


def parse_content_range(value: str | None, source: Source) -> tuple[int, int, int | None]:
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    if not match or int(match.group(2)) < int(match.group(1)):
        raise exc.HttpError(
            f"partial response with a missing or malformed Content-Range: {value!r}",
            http_status=206,
            attempts=source.attempts,
        )
    total = match.group(3)
    return int(match.group(1)), int(match.group(2)), (None if total == "*" else int(total))


def next_attempt(retry: Retry, error: Exception, url: str, failure: exc.ImageFailure) -> Retry:
    """Count a failed body read against the same urllib3 Retry budget, then back off;
    raise ``failure`` when the budget is spent."""
    try:
        retry = retry.increment("GET", url, error=error)
    except MaxRetryError:
        raise failure from None
    retry.sleep()
    return retry


def short_reason(error: Any) -> str:
    text = " ".join(str(error).split())
    text = _OBJECT_REPR.sub("", text)  # urllib3 prefixes '<...Connection object at 0x...>: '
    return text[:200]


def read_up_to(read: Callable[[int], bytes], length: int, check: Callable[[], None]) -> bytes:
    """Up to ``length`` bytes from ``read``, a chunk at a time, ``check`` (the image's
    deadline) before each: a body that trickles ends with the deadline, not with the file."""
    chunks: list[bytes] = []
    got = 0
    while got < length:
        check()
        chunk = read(min(length - got, 256 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
