"""Reading images from S3 through a real moto server (boto3 over HTTP, ranged GETs)."""

from __future__ import annotations

import pytest

from image_metadata import samples
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings

BUCKET = "source-images"
SETTINGS = ExtractSettings(fetch=FetchSettings(retries=1, backoff_factor=0.01))


@pytest.fixture(scope="module")
def bucket(s3):
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def extract(url: str) -> dict:
    return extract_one(url, None, Clients(SETTINGS.fetch), SETTINGS, "run-s3")


def test_s3_object_is_read_with_a_ranged_get(s3, bucket):
    exif = samples.exif_bytes(make="SONY", model="ILCE-7M4", place=samples.PLACES["new_york"])
    data = samples.encode("JPEG", (800, 600), exif=exif) + b"\x00" * 500_000
    s3.put_object(Bucket=bucket, Key="photos/ny.jpg", Body=data)
    row = extract(f"s3://{bucket}/photos/ny.jpg")
    assert row["status"] == "ok", row
    assert (row["format"], row["width"], row["height"]) == ("JPEG", 800, 600)
    assert row["file_size"] == len(data)
    assert row["bytes_read"] <= 64 * 1024
    assert row["make"] == "SONY"
    assert row["gps_longitude"] == pytest.approx(-74.044502, abs=1e-6)


def test_s3_row_carries_etag_and_last_modified(s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.png", Body=samples.encode("PNG", (5, 7)))
    head = s3.head_object(Bucket=bucket, Key="a.png")
    row = extract(f"s3://{bucket}/a.png")
    assert row["etag"] == head["ETag"].strip('"')
    assert row["last_modified"] == head["LastModified"]


def test_missing_key_is_not_found(bucket):
    row = extract(f"s3://{bucket}/nope.jpg")
    assert (row["error_type"], row["http_status"], row["stage"]) == ("not_found", 404, "fetch")


def test_missing_bucket_is_not_found(moto_endpoint):
    row = extract("s3://no-such-bucket-here/x.jpg")
    assert row["error_type"] == "not_found"


def test_empty_object_is_not_an_image(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty.jpg", Body=b"")
    row = extract(f"s3://{bucket}/empty.jpg")
    assert (row["error_type"], row["error_message"]) == ("not_an_image", "empty file (0 bytes)")


def test_key_with_spaces_and_unicode_is_read(s3, bucket):
    key = "albums/été 2024/photo #1.webp"
    s3.put_object(Bucket=bucket, Key=key, Body=samples.encode("WEBP", (30, 20)))
    row = extract(f"s3://{bucket}/{key}")
    assert (row["status"], row["format"]) == ("ok", "WEBP"), row


def test_metadata_past_the_first_read_is_read_with_a_later_range(s3, bucket):
    # A 200 KB comment before the frame: the size is found by a range that does not start
    # at byte 0, and its Content-Range is checked against what came.
    jpeg = samples.encode("JPEG", (40, 30))
    comment = b"\xff\xfe" + (65535).to_bytes(2, "big") + bytes(65533)
    s3.put_object(Bucket=bucket, Key="deep.jpg", Body=jpeg[:2] + comment * 3 + jpeg[2:])
    row = extract(f"s3://{bucket}/deep.jpg")
    assert (row["status"], row["width"], row["height"]) == ("ok", 40, 30), row
    assert row["bytes_read"] > 65536


def test_an_s3_source_reads_on_its_own_outside_any_image(s3, bucket):
    """A source used alone (a benchmark, a script) makes a deadline of its own."""
    data = samples.encode("JPEG", (40, 30))
    s3.put_object(Bucket=bucket, Key="alone.jpg", Body=data)
    source = _alone(bucket, "alone.jpg")
    assert source.fetch(0, 100) == data[:100]
    assert (source.size, source.attempts) == (len(data), 1)


def _alone(bucket: str, key: str):
    from image_metadata.fetch.s3 import S3Source
    from image_metadata.fetch.urls import parse

    return S3Source(parse(f"s3://{bucket}/{key}", allow_local_files=False),
                    Clients(FetchSettings()))


def test_an_empty_s3_object_reads_as_no_bytes_of_a_zero_size(s3, bucket):
    s3.put_object(Bucket=bucket, Key="zero.jpg", Body=b"")
    source = _alone(bucket, "zero.jpg")
    assert source.fetch(0, 100) == b""
    assert source.size == 0


def test_last_modified_is_utc_whatever_the_workers_local_zone(s3, bucket, monkeypatch):
    import time
    from datetime import timedelta

    s3.put_object(Bucket=bucket, Key="zoned.png", Body=samples.encode("PNG", (5, 7)))
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        source = _alone(bucket, "zoned.png")
        source.fetch(0, 100)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert source.last_modified.utcoffset() == timedelta(0)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_s3_connection_is_bounded_by_the_image_and_disowned_when_pooled(scheme):
    """HTTPS endpoints (AWS's own) as well as HTTP ones; the session keeps the same classes
    for the pools it makes later (per proxy)."""
    from botocore.awsrequest import AWSHTTPConnectionPool, AWSHTTPSConnectionPool

    from image_metadata.fetch.s3 import new_client

    plain = {"http": AWSHTTPConnectionPool, "https": AWSHTTPSConnectionPool}[scheme]
    session = new_client(FetchSettings())._endpoint.http_session
    for classes in (session._pool_classes_by_scheme, session._manager.pool_classes_by_scheme):
        pool = classes[scheme]
        assert issubclass(pool, plain) and pool.ConnectionCls is not plain.ConnectionCls
        assert issubclass(pool.ConnectionCls, plain.ConnectionCls)
        assert pool._put_conn is not plain._put_conn


def test_a_body_with_no_botocore_socket_under_it_is_read_without_one():
    """A client handed in may give any file-like body: nothing to adopt, nothing fails."""
    import io

    from image_metadata.fetch.deadline import Deadline
    from image_metadata.fetch.s3 import _adopt_body

    bound = Deadline(10.0)
    _adopt_body(io.BytesIO(b"jpeg"), bound)
    assert bound._sockets == {}
