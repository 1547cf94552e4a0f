"""One URL to one result row; one partition's URLs through a bounded thread pool.

No Spark here: ``extract_partition`` takes and yields plain Python values, so the pipeline,
the tests and the benchmarks all call the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from image_metadata.decode import decode
from image_metadata.exceptions import (
    CorruptImage,
    FetchTimeout,
    ImageFailure,
    InvalidUrl,
    NotModified,
)
from image_metadata.fetch import deadline, urls
from image_metadata.fetch.clients import Clients, FetchSettings
from image_metadata.fetch.rangedfile import RangedFile
from image_metadata.fetch.source import Condition, Source
from image_metadata.fetch.sources import open_source
from image_metadata.schema import result_columns

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")
MAX_MESSAGE = 500
RESULT_NAMES = [c.name for c in result_columns()]


@dataclass(frozen=True)
class ExtractSettings:
    concurrency: int = 32
    first_read: int = 64 * 1024
    max_bytes: int = 32 * 1024 * 1024
    allow_local_files: bool = False
    fetch: FetchSettings = field(default_factory=FetchSettings)


def extract_one(
    url: str, image_id: str | None, clients: Clients, settings: ExtractSettings, run_id: str,
    problem: str | None = None, condition: Condition | None = None,
) -> dict[str, Any]:
    """The result row for one URL: ``status`` 'ok' with metadata, or 'failed' with a cause,
    or 'unchanged' when ``condition`` (the object at its last successful read) still holds.
    Everything it does (requests, retries, waits, parsing) ends at the image's deadline.
    ``problem``: the manifest record could not be read as a row; that is its failure."""
    if problem is not None:
        return _failure_row({"url": url, "id": image_id, "run_id": run_id},
                            InvalidUrl(problem), None)
    bound = clients.watchdog.deadline(clients.settings.image_timeout,
                                      f"reading {urls.redact(url)}")
    with deadline.active(bound):
        return _extract(url, image_id, clients, settings, run_id, bound, condition)


def _extract(url: str, image_id: str | None, clients: Clients, settings: ExtractSettings,
             run_id: str, bound: deadline.Deadline,
             condition: Condition | None = None) -> dict[str, Any]:
    source: Source | None = None
    base = {"url": url, "id": image_id, "run_id": run_id}
    try:
        location = urls.parse(url, allow_local_files=settings.allow_local_files)
        source = open_source(location, clients, max_bytes=settings.max_bytes,
                             condition=condition)
        handle = RangedFile(source, first_read=settings.first_read, max_bytes=settings.max_bytes,
                            deadline=bound)
        try:
            decoded = decode(handle)
        except ImageFailure:
            if handle.failure is not None:
                raise handle.failure from None
            raise
        if handle.failure is not None:  # a parser swallowed a failed read: the row is not whole
            raise handle.failure
        typed = decoded.typed
        return _fit_columns({
            **base,
            "status": "ok",
            "format": decoded.format,
            "mode": decoded.mode,
            "width": decoded.width,
            "height": decoded.height,
            "file_size": source.size,
            "bytes_read": source.bytes_read,
            "etag": _etag(source.etag),
            "last_modified": source.last_modified,
            # The records' fields are columns by name; vars() copies them in C.
            **vars(typed),
            **vars(decoded.properties),
            **vars(decoded.descriptions),
            "c2pa": decoded.provenance.present,
            "c2pa_claim_generator": decoded.provenance.claim_generator,
            "c2pa_digital_source_types": decoded.provenance.digital_source_types,
            "exif": decoded.exif,
            "exif_labels": decoded.exif_labels,
            "warnings": decoded.warnings,
            "extracted_at": _now(),
        })
    except NotModified as unchanged:
        return {**base, "status": "unchanged",
                "http_status": source.http_status if source is not None else None,
                "attempts": unchanged.attempts, "bytes_read": 0, "extracted_at": _now()}
    except ImageFailure as failure:
        if bound.expired and not isinstance(failure, FetchTimeout):
            failure = _timed_out(bound, failure, source)  # the cut sockets' errors, not causes
        return _failure_row(base, failure, source)
    except Exception as error:  # a bug or a library fault must cost one row, not the partition
        if bound.expired:
            return _failure_row(base, _timed_out(bound, None, source), source)
        # No traceback: exception texts may quote the URL; the scrubbed message is enough.
        log.warning("unexpected %s for %s: %s", type(error).__name__, urls.redact(url),
                    urls.scrub(str(error))[:300])
        failure = CorruptImage(f"unexpected {type(error).__name__}: {error}")
        return _failure_row(base, failure, source)
    finally:
        if source is not None:
            try:
                source.close()
            except Exception:  # closing must not turn a result into an error
                log.debug("close failed for %s", urls.redact(url), exc_info=True)


def _timed_out(bound: deadline.Deadline, cause: ImageFailure | None,
               source: Source | None) -> FetchTimeout:
    status = cause.http_status if cause is not None else None
    attempts = cause.attempts if cause is not None else 0
    if source is not None:
        status = status if status is not None else source.http_status
        attempts = attempts or source.attempts
    return bound.failure(http_status=status, attempts=attempts)


_INT_RANGES = {"int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
_INT_COLUMNS = {c.name: _INT_RANGES[c.type] for c in result_columns() if c.type in _INT_RANGES}


def _fit_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Values a column cannot hold (a declared width of 2**31, a server's absurd size) become
    null with a warning: Spark would otherwise fail the whole task on the row."""
    for name, (low, high) in _INT_COLUMNS.items():
        value = row.get(name)
        if isinstance(value, int) and not low <= value <= high:
            row[name] = None
            row["warnings"] = [*(row.get("warnings") or []),
                               f"{name}: {value} does not fit the column; left empty"]
    return row


def _failure_row(base: dict[str, Any], failure: ImageFailure, source: Source | None) -> dict:
    message = urls.scrub(" ".join(str(failure).split()))
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    status = failure.http_status
    attempts = failure.attempts
    if source is not None:
        status = status if status is not None else source.http_status
        attempts = attempts or source.attempts
    return {
        **base,
        "status": "failed",
        "error_type": failure.error_type,
        "error_message": message or failure.error_type,
        "http_status": status,
        "attempts": attempts,
        "stage": failure.stage,
        # Not a column of failures: it feeds the run's bytes_read, failed reads included.
        "bytes_read": source.bytes_read if source is not None else None,
        "warnings": None,
        "extracted_at": _now(),
    }


def _etag(value: str | None) -> str | None:
    """A strong ETag without its quotes (as S3 lists them); a weak one (``W/"v1"``) as sent,
    since only that form can be asked for again."""
    if not value:
        return None
    return value if value.startswith("W/") else value.strip('"')


def _now() -> datetime:
    return datetime.now(UTC)


def bounded_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map`` over a thread pool with ``workers`` calls in flight, yielding results as they
    complete (not in input order: one slow URL must not hold back the others' slots)."""
    if workers <= 1:
        yield from map(fn, items)
        return
    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imgmeta") as pool:
        pending = {pool.submit(fn, item) for item in islice(source, workers)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
            for item in islice(source, len(done)):
                pending.add(pool.submit(fn, item))


def extract_partition(
    rows: Iterable[tuple[str, str | None] | tuple[str, str | None, str | None]],
    settings: ExtractSettings,
    run_id: str,
    *,
    s3_client: Any = None,
) -> Iterator[tuple]:
    """Result tuples (in ``schema.result_columns()`` order) for one partition's URLs."""
    clients = Clients(
        FetchSettings(**{**settings.fetch.__dict__, "pool_size": max(settings.concurrency, 1)}),
        s3_client=s3_client,
    )
    try:
        for row in bounded_map(
            lambda item: extract_one(*item[:2], clients, settings, run_id, *item[2:]),
            rows,
            settings.concurrency,
        ):
            yield tuple(row.get(name) for name in RESULT_NAMES)
    finally:
        clients.close()
