"""An S3 Inventory report as the run's input: its ``manifest.json``, then each data file it
lists (CSV.gz, Parquet or ORC, as the manifest's ``fileFormat`` says), streamed.

Keys in CSV reports are URL-encoded (as S3 writes them there, '+' for a space); Parquet and
ORC reports hold them as they are. Delete markers and non-current versions are no images to
read; the rest go through the same extension and glob filter as a listing, and each row
carries the report's size, ETag and last-modified time.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from image_metadata.exceptions import ManifestError
from image_metadata.job import manifest
from image_metadata.job.listing import Filter, Listed

FORMATS = ("CSV", "Parquet", "ORC")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a manifest.json lists files; this is thousands
_BATCH = 65_536
# The field names of a CSV report's fileSchema, as Parquet and ORC name their columns.
_FIELD_NAMES = {"Bucket": "bucket", "Key": "key", "VersionId": "version_id",
                "IsLatest": "is_latest", "IsDeleteMarker": "is_delete_marker", "Size": "size",
                "LastModifiedDate": "last_modified_date", "ETag": "e_tag"}


@dataclass(frozen=True)
class Report:
    location: str  # of manifest.json
    source_bucket: str
    destination_bucket: str
    file_format: str
    fields: tuple[str, ...]  # a CSV report's columns, in Parquet's names
    files: tuple[str, ...]  # keys in the destination bucket


def read_report(location: str, *, s3_client: Any = None) -> Report:
    """The report that ``location`` (an ``s3://.../manifest.json``) describes."""
    if not location.startswith("s3://"):
        raise ManifestError(f"--inventory {location}: an S3 Inventory report is read from S3; "
                            "give the s3:// location of its manifest.json")
    raw = b"".join(manifest.chunks(location, s3_client=s3_client, limit=MAX_MANIFEST_BYTES + 1))
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"--inventory {location} is larger than "
                            f"{MAX_MANIFEST_BYTES >> 20} MiB: not an inventory manifest.json")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(f"--inventory {location} is not JSON ({e}); give the report's "
                            "manifest.json") from None
    if not isinstance(document, dict):
        raise ManifestError(f"--inventory {location} is not an inventory manifest.json")
    missing = [k for k in ("sourceBucket", "destinationBucket", "fileFormat", "files")
               if k not in document]
    if missing:
        raise ManifestError(f"--inventory {location} is not an inventory manifest.json "
                            f"(no {', '.join(missing)})")
    file_format = next((f for f in FORMATS if f.lower() == str(document["fileFormat"]).lower()),
                       None)
    if file_format is None:
        raise ManifestError(f"--inventory {location}: fileFormat {document['fileFormat']!r} is "
                            f"none of {', '.join(FORMATS)}")
    files = document["files"]
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(
            f.get("key"), str) for f in files):
        raise ManifestError(f"--inventory {location}: 'files' is not a list of {{\"key\": ...}}")
    fields: tuple[str, ...] = ()
    if file_format == "CSV":
        fields = tuple(_FIELD_NAMES.get(name.strip(), name.strip()) for name in
                       str(document.get("fileSchema", "")).split(","))
        if "bucket" not in fields or "key" not in fields:
            raise ManifestError(f"--inventory {location}: fileSchema "
                                f"{document.get('fileSchema')!r} names no Bucket and Key")
    destination = str(document["destinationBucket"])
    return Report(location, str(document["sourceBucket"]),
                  destination.rsplit(":", 1)[-1],  # arn:aws:s3:::bucket
                  file_format, fields, tuple(f["key"] for f in files))


def listed(report: Report, where: Filter, *, s3_client: Any = None) -> Iterator[Listed]:
    """Every current object of the report that ``where`` wants, file after file."""
    client = s3_client or manifest._default_s3()
    for key in report.files:
        data = f"s3://{report.destination_bucket}/{key}"
        if report.file_format == "CSV":
            records = _csv_records(report, data, client)
        else:
            records = _columnar_records(report, data, client)
        for record in records:
            latest = record.get("is_latest")
            if _is_true(record.get("is_delete_marker")) or (
                    latest not in (None, "") and not _is_true(latest)):
                continue  # a deleted object, or a version that is no longer the object
            key_name = record.get("key") or ""
            bucket = record.get("bucket") or report.source_bucket
            if not key_name or key_name.endswith("/") or not where.wants(key_name):
                continue
            yield Listed(f"s3://{bucket}/{key_name}", key_name, _int(record.get("size")),
                         (record.get("e_tag") or None), _when(record.get("last_modified_date")))


def _csv_records(report: Report, data: str, client: Any) -> Iterator[dict[str, Any]]:
    text = io.TextIOWrapper(_Chunked(manifest.chunks(data, s3_client=client)),
                            encoding="utf-8", newline="")
    width = len(report.fields)
    for number, values in enumerate(csv.reader(text), 1):
        if not values:
            continue
        if len(values) != width:
            raise ManifestError(f"inventory file {data} line {number}: {len(values)} fields "
                                f"where its fileSchema names {width}")
        record = dict(zip(report.fields, values, strict=True))
        record["key"] = unquote_plus(record["key"])
        yield record


def _columnar_records(report: Report, data: str, client: Any) -> Iterator[dict[str, Any]]:
    """A Parquet or ORC data file, downloaded to a temporary file (both need to seek) and
    read a batch of rows at a time."""
    bucket, key = manifest.s3_location(data)
    with tempfile.NamedTemporaryFile(suffix=f".{report.file_format.lower()}") as copy:
        try:
            client.download_fileobj(bucket, key, copy)
        except Exception as e:  # botocore's errors: one line
            raise ManifestError(f"cannot read inventory file {data}: {e}") from None
        copy.flush()
        try:
            yield from _batches(report.file_format, copy.name, data)
        except ManifestError:
            raise
        except Exception as e:  # pyarrow's errors on a damaged file
            raise ManifestError(f"inventory file {data} cannot be read as "
                                f"{report.file_format}: {e}") from None


def _batches(file_format: str, path: str, shown: str) -> Iterator[dict[str, Any]]:
    if file_format == "Parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        wanted = [c for c in _FIELD_NAMES.values() if c in parquet.schema_arrow.names]
        batches = parquet.iter_batches(batch_size=_BATCH, columns=wanted)
    else:
        import pyarrow.orc as orc

        orc_file = orc.ORCFile(path)
        wanted = [c for c in _FIELD_NAMES.values() if c in orc_file.schema.names]
        batches = (orc_file.read_stripe(i, columns=wanted) for i in range(orc_file.nstripes))
    if "key" not in wanted:
        raise ManifestError(f"inventory file {shown} has no key column")
    for batch in batches:
        yield from batch.to_pylist()


class _Chunked(io.RawIOBase):
    """A readable file over an iterator of byte chunks (for a streamed, inflated CSV)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._chunk = memoryview(b"")
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._chunk):
            chunk = next(self._chunks, b"")
            if not chunk:
                return 0
            self._chunk, self._at = memoryview(chunk), 0
        size = min(len(buffer), len(self._chunk) - self._at)
        buffer[:size] = self._chunk[self._at:self._at + size]
        self._at += size
        return size


def _is_true(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _when(value: Any) -> datetime | None:
    """LastModifiedDate: an ISO 8601 text in CSV, a timestamp in Parquet and ORC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
