"""S3 Inventory reports as input, written in the layout S3 publishes them (manifest.json in a
dated folder, data files under data/) to a moto server, in each of the three file formats."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, datetime
from urllib.parse import quote_plus

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from image_metadata import samples
from image_metadata.exceptions import ManifestError
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import inventory, pipeline
from image_metadata.job.listing import Filter

SOURCE, DESTINATION = "inventoried-lake", "inventory-reports"
CONFIG = f"inv/{SOURCE}/daily"
STAMP = "2026-12-01T01-00Z"
MODIFIED = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)
# (key, is_latest, is_delete_marker): what a versioned bucket's report holds.
OBJECTS = [
    ("photos/a b.jpg", True, False),  # a space: '+' in a CSV report
    ("photos/été/c.png", True, False),  # non-ASCII: %-encoded in a CSV report
    ("photos/old.jpg", False, False),  # a non-current version
    ("photos/gone.jpg", True, True),  # a delete marker
    ("photos/notes.txt", True, False),
]
CSV_SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag"


@pytest.fixture(scope="module")
def buckets(s3):
    s3.create_bucket(Bucket=SOURCE)
    s3.create_bucket(Bucket=DESTINATION)
    s3.put_object(Bucket=SOURCE, Key="photos/a b.jpg", Body=samples.encode("JPEG", (30, 20)))
    s3.put_object(Bucket=SOURCE, Key="photos/été/c.png", Body=samples.encode("PNG", (9, 7)))
    return s3


def _publish(s3, file_format: str, data_files: list[bytes], extension: str) -> str:
    keys = []
    for i, body in enumerate(data_files):
        key = f"{CONFIG}/data/{file_format.lower()}-{i}.{extension}"
        s3.put_object(Bucket=DESTINATION, Key=key, Body=body)
        keys.append({"key": key, "size": len(body), "MD5checksum": "0" * 32})
    document = {"sourceBucket": SOURCE, "destinationBucket": f"arn:aws:s3:::{DESTINATION}",
                "version": "2016-11-30", "creationTimestamp": "1764550800000",
                "fileFormat": file_format, "files": keys,
                "fileSchema": CSV_SCHEMA if file_format == "CSV" else "(columnar)"}
    manifest_key = f"{CONFIG}/{STAMP}-{file_format}/manifest.json"
    s3.put_object(Bucket=DESTINATION, Key=manifest_key, Body=json.dumps(document).encode())
    return f"s3://{DESTINATION}/{manifest_key}"


def _csv_report(s3) -> str:
    halves = [OBJECTS[:2], OBJECTS[2:]]  # two data files, as large reports are split
    bodies = []
    for rows in halves:
        text = io.StringIO()
        writer = csv.writer(text, quoting=csv.QUOTE_ALL)  # S3 quotes every field
        for key, latest, deleted in rows:
            writer.writerow([SOURCE, quote_plus(key, safe="/"), "v1", str(latest).lower(),
                             str(deleted).lower(), "123", "2026-11-30T08:15:00.000Z", "abc"])
        bodies.append(gzip.compress(text.getvalue().encode()))
    return _publish(s3, "CSV", bodies, "csv.gz")


def _table() -> pa.Table:
    return pa.table({
        "bucket": [SOURCE] * len(OBJECTS),
        "key": [k for k, _, _ in OBJECTS],
        "version_id": ["v1"] * len(OBJECTS),
        "is_latest": [latest for _, latest, _ in OBJECTS],
        "is_delete_marker": [deleted for _, _, deleted in OBJECTS],
        "size": pa.array([123] * len(OBJECTS), pa.int64()),
        "last_modified_date": pa.array([MODIFIED] * len(OBJECTS), pa.timestamp("ms", "UTC")),
        "e_tag": ["abc"] * len(OBJECTS),
    })


def _parquet_report(s3) -> str:
    buffer = io.BytesIO()
    pq.write_table(_table(), buffer)
    return _publish(s3, "Parquet", [buffer.getvalue()], "parquet")


def _orc_report(s3) -> str:
    buffer = io.BytesIO()
    orc.write_table(_table(), buffer)
    return _publish(s3, "ORC", [buffer.getvalue()], "orc")


@pytest.fixture(scope="module")
def reports(buckets):
    return {"CSV": _csv_report(buckets), "Parquet": _parquet_report(buckets),
            "ORC": _orc_report(buckets)}


@pytest.mark.parametrize("file_format", ["CSV", "Parquet", "ORC"])
def test_a_report_gives_its_current_images_with_size_etag_and_time(buckets, reports,
                                                                   file_format):
    report = inventory.read_report(reports[file_format], s3_client=buckets)
    assert (report.source_bucket, report.destination_bucket, report.file_format) == (
        SOURCE, DESTINATION, file_format)
    found = list(inventory.listed(report, Filter(), s3_client=buckets))
    assert [f.url for f in found] == [f"s3://{SOURCE}/photos/a b.jpg",
                                      f"s3://{SOURCE}/photos/été/c.png"]
    assert {(f.size, f.etag, f.last_modified) for f in found} == {(123, "abc", MODIFIED)}


def test_a_run_over_a_report_reads_its_images(spark, buckets, reports, tmp_path):
    settings = ExtractSettings(concurrency=4, fetch=FetchSettings(retries=1))
    config = pipeline.RunConfig("", str(tmp_path / "out"), run_id="inventory",
                                inventory=reports["CSV"], extract=settings)
    summary = pipeline.run(spark, config)
    assert (summary["input_rows"], summary["succeeded"], summary["accounted"]) == (2, 2, True)
    assert summary["manifest"] == reports["CSV"]


def test_globs_choose_among_a_reports_keys(buckets, reports):
    report = inventory.read_report(reports["Parquet"], s3_client=buckets)
    found = inventory.listed(report, Filter(include=("*.txt",)), s3_client=buckets)
    assert [f.id for f in found] == ["photos/notes.txt"]


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "is not JSON"),
    (b"[1, 2]", "is not an inventory manifest.json"),
    (json.dumps({"sourceBucket": "b", "files": []}).encode(), "no destinationBucket, fileFormat"),
    (json.dumps({"sourceBucket": "b", "destinationBucket": "d", "fileFormat": "XLSX",
                 "files": []}).encode(), "fileFormat 'XLSX' is none of CSV, Parquet, ORC"),
    (json.dumps({"sourceBucket": "b", "destinationBucket": "d", "fileFormat": "CSV",
                 "fileSchema": "Size, ETag", "files": []}).encode(), "names no Bucket and Key"),
])
def test_a_manifest_json_that_is_no_report_is_refused_naming_why(buckets, body, message):
    buckets.put_object(Bucket=DESTINATION, Key="bad/manifest.json", Body=body)
    with pytest.raises(ManifestError, match=message):
        inventory.read_report(f"s3://{DESTINATION}/bad/manifest.json", s3_client=buckets)


def test_a_csv_data_file_whose_rows_do_not_fit_the_schema_is_refused(buckets):
    body = gzip.compress(b'"inventoried-lake","photos/x.jpg"\n')
    location = _publish_broken(buckets, body)
    report = inventory.read_report(location, s3_client=buckets)
    with pytest.raises(ManifestError, match="line 1: 2 fields where its fileSchema names 8"):
        list(inventory.listed(report, Filter(), s3_client=buckets))


def _publish_broken(s3, body: bytes) -> str:
    s3.put_object(Bucket=DESTINATION, Key="broken/data/0.csv.gz", Body=body)
    document = {"sourceBucket": SOURCE, "destinationBucket": f"arn:aws:s3:::{DESTINATION}",
                "fileFormat": "CSV", "fileSchema": CSV_SCHEMA,
                "files": [{"key": "broken/data/0.csv.gz"}]}
    s3.put_object(Bucket=DESTINATION, Key="broken/manifest.json",
                  Body=json.dumps(document).encode())
    return f"s3://{DESTINATION}/broken/manifest.json"


def test_a_local_path_is_refused_with_what_to_give(tmp_path):
    with pytest.raises(ManifestError, match=r"give the s3:// location of its manifest\.json"):
        inventory.read_report(str(tmp_path / "manifest.json"))
