"""The run summary and its accounting check: plain values in, one dict out (no Spark).

The pipeline hands in what the manifest parser counted, what Spark read back, and one
``ResultGroup`` per (status, error_type) of the extraction results; everything the summary
claims about the run, ``accounted`` above all, is decided here where a test can reach it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from image_metadata.schema import RUNS_COLUMNS, names


@dataclass(frozen=True)
class ResultGroup:
    """The extraction results of one status and error type."""

    status: str  # 'ok', 'failed', or 'unchanged' (a conditional read answered 304)
    error_type: str | None
    rows: int
    bytes_read: int | None = 0
    file_bytes: int | None = 0


@dataclass(frozen=True)
class ManifestCounts:
    """What the manifest parser counted, and what Spark read back from its staged rows."""

    input_rows: int
    blank: int
    distinct: int
    read_back_rows: int
    read_back_blank: int


def is_accounted(counts: ManifestCounts, succeeded: int, failed: int, unchanged: int = 0,
                 skipped: int = 0) -> bool:
    """True when every distinct URL has exactly one outcome (a result row, or unchanged since
    its last read, or skipped), every input row is such a URL, a duplicate or a blank, and
    Spark read exactly the rows the parser counted."""
    duplicates = counts.input_rows - counts.blank - counts.distinct
    outcomes = succeeded + failed + unchanged + skipped
    return (
        duplicates >= 0
        and min(succeeded, failed, unchanged, skipped) >= 0
        and outcomes == counts.distinct
        and outcomes + duplicates + counts.blank == counts.input_rows
        and (counts.read_back_rows, counts.read_back_blank) == (counts.input_rows, counts.blank)
    )


def run_summary(groups: Iterable[ResultGroup], counts: ManifestCounts, *,
                run: dict[str, Any], planned_unchanged: int = 0,
                skipped: int = 0) -> dict[str, Any]:
    """The summary keyed exactly by ``schema.RUNS_COLUMNS``. ``run`` holds the values that
    describe the run rather than count it (run_id, dt, manifest, output, concurrency,
    partitions, max_bytes, incremental, seconds, finished_at); the ones not given are None.
    An incremental run also hands in the URLs it left unread as unchanged (their listing
    matched their last read) and as skipped (``--retry_failures only``)."""
    groups = list(groups)
    for g in groups:
        if g.status not in ("ok", "failed", "unchanged"):
            raise ValueError(f"result status {g.status!r} is not 'ok', 'failed' or "
                             "'unchanged'")
    by_type: dict[str, int] = {}
    for g in groups:
        if g.status == "failed":
            key = g.error_type or "(none)"
            by_type[key] = by_type.get(key, 0) + g.rows
    succeeded = sum(g.rows for g in groups if g.status == "ok")
    failed = sum(by_type.values())
    unchanged = planned_unchanged + sum(g.rows for g in groups if g.status == "unchanged")
    values = {
        **{name: None for name in names(RUNS_COLUMNS)},
        **run,
        "input_rows": counts.input_rows,
        "blank": counts.blank,
        "duplicates": counts.input_rows - counts.blank - counts.distinct,
        "distinct_urls": counts.distinct,
        "succeeded": succeeded,
        "failed": failed,
        "unchanged": unchanged,
        "skipped": skipped,
        "failed_by_error_type": dict(sorted(by_type.items())),
        "bytes_read": sum(g.bytes_read or 0 for g in groups),
        "file_bytes_of_successes": sum(g.file_bytes or 0 for g in groups if g.status == "ok"),
        "accounted": is_accounted(counts, succeeded, failed, unchanged, skipped),
    }
    unknown = set(run) - set(names(RUNS_COLUMNS))
    if unknown:
        raise ValueError(f"not columns of the runs table: {sorted(unknown)}")
    return {name: values[name] for name in names(RUNS_COLUMNS)}
