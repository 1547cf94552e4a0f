"""The manifest's rows, parsed once on the driver, staged as Parquet for Spark to read.

Every file is streamed through ``manifest.read_rows`` in batches, so the driver holds one
batch at a time whatever the manifest's size, and Spark reads exactly the rows that were
counted. Staging goes where the run's output goes: a local folder, or S3 (put with boto3,
the way the driver reads S3 manifests too).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from image_metadata.fetch import urls
from image_metadata.job import listing, manifest
from image_metadata.job.manifest import ManifestFile

BATCH_ROWS = 50_000
SCHEMA = pa.schema([
    ("url", pa.string()),  # as given, trimmed
    ("id", pa.string()),
    ("key", pa.string()),  # what counts as the same URL (urls.identity); '' for blank rows
    ("problem", pa.string()),  # why the record is not a usable row, if it is not
    ("position", pa.int64()),  # the row's place in the manifest: files in order, then lines
    # What a listing or inventory says of the object (incremental runs compare them with the
    # last successful read); null for manifest rows.
    ("size", pa.int64()),
    ("etag", pa.string()),
    ("last_modified", pa.timestamp("ms", tz="UTC")),
])


@dataclass(frozen=True)
class StagedManifest:
    path: str  # a folder of Parquet files, as Spark reads it
    input_rows: int
    blank: int
    files: int
    # Folders of rows that Spark tasks staged themselves (a prefix listed in the executors).
    more_paths: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.more_paths)


def stage(files: list[ManifestFile], folder: str, *, s3_client: Any = None,
          batch_rows: int = BATCH_ROWS) -> StagedManifest:
    """Parse every row of ``files`` and write them under ``folder`` (local or s3://)."""
    return stage_rows(_manifest_rows(files, s3_client), folder, s3_client=s3_client,
                      batch_rows=batch_rows, listed=False)


class RowLike(Protocol):
    url: str
    id: str | None
    problem: str | None


class ListedRow(NamedTuple):
    url: str
    id: str | None
    problem: str | None
    size: int | None
    etag: str | None
    last_modified: datetime | None


def listed_rows(images: Iterable[listing.Listed]) -> Iterator[RowLike]:
    """A folder's, prefix's or inventory's images as rows (id: the key), with what the
    listing says of each object."""
    for image in images:
        yield ListedRow(image.url, image.id, image.problem, image.size, image.etag,
                        image.last_modified)


def stage_rows(rows: Iterable[RowLike], folder: str, *, s3_client: Any = None,
               batch_rows: int = BATCH_ROWS, listed: bool = True) -> StagedManifest:
    """Write ``rows`` (in input order) under ``folder``, one batch at a time. ``listed``:
    the rows carry a listing's size, ETag and time (manifest rows do not: null columns)."""
    writer = _writer(folder, s3_client)
    counted = blank = 0
    part = 0
    for batch in _batches(rows, batch_rows, listed):
        counted += batch.num_rows
        blank += batch.column("key").to_pylist().count("")
        writer(f"part-{part:05d}.parquet", batch)
        part += 1
    if part == 0:  # no rows: an empty file keeps the schema for Spark
        writer("part-00000.parquet", SCHEMA.empty_table())
        part = 1
    return StagedManifest(folder, counted, blank, part)


def _manifest_rows(files: list[ManifestFile], s3_client: Any) -> Iterator[RowLike]:
    for file in files:
        yield from manifest.read_rows(file, s3_client=s3_client)


_LISTED = ("size", "etag", "last_modified")


def _batches(rows: Iterable[RowLike], size: int, listed: bool) -> Iterator[pa.Table]:
    columns: dict[str, list] = {name: [] for name in SCHEMA.names}
    for position, row in enumerate(rows):
        columns["url"].append(row.url)
        columns["id"].append(row.id)
        if row.problem is not None:
            key = f"\x00record {position}"  # each broken record is a row of its own
        else:
            key = urls.identity(row.url) if row.url else ""
        columns["key"].append(key)
        columns["problem"].append(row.problem)
        columns["position"].append(position)
        if listed:
            columns["size"].append(row.size)
            columns["etag"].append(row.etag)
            columns["last_modified"].append(row.last_modified)
        if len(columns["url"]) >= size:
            yield _table(columns, listed)
            columns = {name: [] for name in SCHEMA.names}
    if columns["url"]:
        yield _table(columns, listed)


def _table(columns: dict[str, list], listed: bool) -> pa.Table:
    if listed:
        return pa.table(columns, schema=SCHEMA)
    count = len(columns["url"])
    arrays = [pa.nulls(count, SCHEMA.field(name).type) if name in _LISTED else
              pa.array(values, SCHEMA.field(name).type) for name, values in columns.items()]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _writer(folder: str, s3_client: Any) -> Any:
    folder = folder.rstrip("/")
    if folder.startswith("s3://"):
        bucket, prefix = manifest.s3_location(folder)
        client = s3_client or manifest._default_s3()

        def to_s3(name: str, table: pa.Table) -> None:
            buffer = io.BytesIO()
            pq.write_table(table, buffer)
            buffer.seek(0)
            client.upload_fileobj(buffer, bucket, f"{prefix}/{name}")

        return to_s3
    local = folder[len("file://"):] if folder.startswith("file://") else folder
    os.makedirs(local, exist_ok=True)

    def to_disk(name: str, table: pa.Table) -> None:
        pq.write_table(table, os.path.join(local, name))

    return to_disk
