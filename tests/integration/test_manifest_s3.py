"""Manifest discovery on S3 (a moto server): which objects a location names, and that it
works for a job role limited to the manifest prefix (an IAM-deciding proxy in front of moto)."""

from __future__ import annotations

import boto3
import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import discover, inspect, read_rows
from tests.support.iam_s3_proxy import IamS3Proxy
from tests.support.stack_template import job_role

BUCKET = "corp-lake"  # the data-lake variant's images bucket (tests/conftest.py LAKE)
KEYS = ["manifests/a.csv", "manifests/sub/b.csv", "manifests/_SUCCESS",
        "manifests/sub/_temporary/0.csv", "manifests/sub/.cache/x.csv",
        "manifests/.hidden.csv", "manifests/_tmp/c.csv", "manifests/sub/", "manifests-old/x.csv",
        "manifests.csv", "raw/photos/list.txt"]
VISIBLE = [f"s3://{BUCKET}/manifests/a.csv", f"s3://{BUCKET}/manifests/sub/b.csv"]


@pytest.fixture(scope="module")
def lake(s3):
    s3.create_bucket(Bucket=BUCKET)
    for key in KEYS:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"" if key.endswith("/") else
                      b"url\nhttps://example.com/a.jpg\n")
    return s3


@pytest.fixture(scope="module")
def as_job_role(lake, lake_assembly, moto_endpoint):
    """An S3 client whose requests are decided by the data-lake job role's policies."""
    proxy = IamS3Proxy(moto_endpoint, job_role(lake_assembly.template))
    client = boto3.session.Session().client("s3", endpoint_url=proxy.base_url)
    yield client, proxy
    proxy.stop()


@pytest.mark.parametrize("location", [f"s3://{BUCKET}/manifests/", f"s3://{BUCKET}/manifests"])
def test_a_folder_lists_its_visible_files_with_or_without_its_slash(lake, location):
    assert discover(location, s3_client=lake) == VISIBLE


def test_an_object_is_the_one_manifest(lake):
    location = f"s3://{BUCKET}/manifests/sub/b.csv"
    assert discover(location, s3_client=lake) == [location]


def test_an_object_named_outright_is_read_even_if_its_name_would_hide_it(lake):
    location = f"s3://{BUCKET}/manifests/_SUCCESS"
    assert discover(location, s3_client=lake) == [location]


def test_an_empty_location_is_a_clear_error(lake):
    with pytest.raises(ManifestError, match=rf"no manifest objects at s3://{BUCKET}/nothing"):
        discover(f"s3://{BUCKET}/nothing", s3_client=lake)


def test_a_missing_bucket_is_a_clear_error(lake):
    with pytest.raises(ManifestError, match=r"cannot (list|read) manifest location "
                                            r"s3://no-such-bucket-here/m/.*NoSuchBucket"):
        discover("s3://no-such-bucket-here/m/", s3_client=lake)


@pytest.mark.parametrize("location", [f"s3://{BUCKET}/manifests", f"s3://{BUCKET}/manifests/",
                                      f"s3://{BUCKET}/manifests/a.csv"])
def test_a_role_limited_to_the_manifest_prefix_finds_and_reads_the_manifests(as_job_role,
                                                                            location):
    client, proxy = as_job_role
    found = inspect(location, s3_client=client)
    expected = VISIBLE if not location.endswith(".csv") else [location]
    assert [f.path for f in found] == expected
    listings = [d for d in proxy.decisions if d[0] == "s3:ListBucket"]
    assert all(allowed for *_, allowed in listings)


def test_listing_the_folder_name_without_its_slash_is_what_the_role_refuses(as_job_role):
    """Why discovery probes the object and then lists 'manifests/': a listing of
    'manifests' itself is denied to a role limited to the manifest prefix."""
    client, _proxy = as_job_role
    with pytest.raises(client.exceptions.ClientError, match="AccessDenied"):
        client.list_objects_v2(Bucket=BUCKET, Prefix="manifests")


def test_a_location_outside_the_role_is_refused_with_a_clear_error(as_job_role):
    client, _proxy = as_job_role
    with pytest.raises(ManifestError, match=r"cannot list manifest location "
                                            r"s3://corp-lake/private/.*AccessDenied"):
        discover(f"s3://{BUCKET}/private/", s3_client=client)


@pytest.fixture(scope="module")
def odd_keys(s3):
    s3.create_bucket(Bucket="odd-keys")
    for key in ["hash#1/x.csv", "hash/y.csv", "q?x/z.csv", "q/w.csv", "batch", "batch#2/a.csv",
                "dbl//x.csv", "dots/../b.csv", "col/10:00.csv"]:
        s3.put_object(Bucket="odd-keys", Key=key, Body=b"url\nhttps://example.com/a.jpg\n")
    return s3


@pytest.mark.parametrize(("location", "found"), [
    ("s3://odd-keys/hash#1", ["s3://odd-keys/hash#1/x.csv"]),
    ("s3://odd-keys/q?x/", ["s3://odd-keys/q?x/z.csv"]),
    ("s3://odd-keys/batch#2/", ["s3://odd-keys/batch#2/a.csv"]),
    ("s3://odd-keys/batch", ["s3://odd-keys/batch"]),
])
def test_keys_with_hash_or_question_mark_are_taken_as_written(odd_keys, location, found):
    assert discover(location, s3_client=odd_keys) == found


@pytest.mark.parametrize(("location", "path"), [
    ("s3://odd-keys/dbl/", "s3://odd-keys/dbl//x.csv"),
    ("s3://odd-keys/dots/../b.csv", "s3://odd-keys/dots/../b.csv"),
    ("s3://odd-keys/col/", "s3://odd-keys/col/10:00.csv"),
])
def test_keys_hadoop_paths_would_change_are_read_as_named(odd_keys, location, path):
    """The driver reads manifests with boto3, which takes keys as they are ('//', '..', ':'
    would be folded or refused by a Hadoop path)."""
    (found,) = inspect(location, s3_client=odd_keys)
    assert found.path == path
    assert [r.url for r in read_rows(found, s3_client=odd_keys)] == ["https://example.com/a.jpg"]


# S3 answers moto cannot give (a HEAD refused while the listing is allowed, throttling, an
# endpoint that is down) come from the fault server, which speaks S3's XML errors.


@pytest.fixture()
def fault_s3(monkeypatch):
    from tests.support.fault_server import FaultServer

    server = FaultServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url("s3"))
    # One attempt (boto3's own setting, as a user may set it): the fault server's answers do
    # not change on a retry, and botocore's backoff would only add seconds.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    yield boto3.session.Session().client("s3", endpoint_url=server.url("s3"))
    server.stop()


def test_a_manifest_the_role_may_not_read_and_nothing_listed_under_it_says_both(fault_s3):
    with pytest.raises(ManifestError) as refused:
        discover("s3://head-denied/manifests", s3_client=fault_s3)
    message = str(refused.value)
    assert message.startswith("manifest s3://head-denied/manifests cannot be read (")
    assert "403" in message or "Forbidden" in message
    assert message.endswith("and s3://head-denied/manifests/ holds no manifest objects")


def test_a_location_s3_fails_to_answer_is_a_clear_error_naming_it(fault_s3):
    with pytest.raises(ManifestError) as refused:
        discover("s3://slowdown/manifests", s3_client=fault_s3)
    assert str(refused.value).startswith(
        "cannot read manifest location s3://slowdown/manifests: ")


def test_an_endpoint_that_is_down_is_a_clear_error_naming_the_location():
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3", endpoint_url="http://127.0.0.1:9", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ManifestError) as refused:
        discover("s3://any-bucket/manifests", s3_client=client)
    assert str(refused.value).startswith(
        "cannot read manifest location s3://any-bucket/manifests: Could not connect")


def test_without_a_client_the_default_one_finds_the_manifests(lake):
    # AWS_ENDPOINT_URL points the default client at moto (tests/conftest.py).
    assert discover(f"s3://{BUCKET}/manifests/") == VISIBLE


def test_an_empty_manifest_object_is_refused_without_reading_a_range(s3):
    # A ranged GET of an empty object is a 416 from S3: its size is asked first.
    s3.create_bucket(Bucket="empty-manifests")
    s3.put_object(Bucket="empty-manifests", Key="e.csv", Body=b"")
    with pytest.raises(ManifestError, match=r"s3://empty-manifests/e.csv is empty"):
        inspect("s3://empty-manifests/e.csv", s3_client=s3)


def test_the_client_handed_in_is_the_one_used_for_every_request(lake, monkeypatch):
    # The default client would now go to a closed port: only the handed-in one reaches moto.
    from image_metadata.job.manifest import chunks, read_head

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    location = f"s3://{BUCKET}/manifests/"
    (first, _second) = inspect(location, s3_client=lake)
    assert read_head(first.path, s3_client=lake).startswith(b"url\n")
    assert b"".join(chunks(first.path, s3_client=lake)).startswith(b"url\n")
    assert [r.url for r in read_rows(first, s3_client=lake)] == ["https://example.com/a.jpg"]
    from image_metadata.job.manifest_stage import stage

    staged = stage([first], f"s3://{BUCKET}/_staging/handed-in/", s3_client=lake)
    listed = lake.list_objects_v2(Bucket=BUCKET, Prefix="_staging/handed-in/")["Contents"]
    assert (staged.input_rows, [o["Key"] for o in listed]) == (
        1, ["_staging/handed-in/part-00000.parquet"])


@pytest.fixture(scope="module")
def big_manifest(s3):
    s3.create_bucket(Bucket="big-manifests")
    body = b"url\n" + b"".join(b"https://example.com/%06d.jpg\n" % i for i in range(2000))
    s3.put_object(Bucket="big-manifests", Key="m.csv", Body=body)
    return "s3://big-manifests/m.csv", body


def test_the_head_of_an_s3_manifest_is_exactly_the_bytes_asked_for(s3, big_manifest):
    from image_metadata.job.manifest import read_head

    path, body = big_manifest
    assert read_head(path, s3_client=s3, size=1000) == body[:1000]


def test_an_s3_manifest_is_streamed_in_chunks_of_the_size_asked_for(s3, big_manifest):
    from image_metadata.job.manifest import chunks

    path, body = big_manifest
    pieces = list(chunks(path, s3_client=s3, size=4096))
    assert b"".join(pieces) == body
    assert len(pieces) > 1 and max(len(p) for p in pieces) <= 4096


def test_the_head_of_an_s3_manifest_asks_only_for_the_bytes_it_needs(s3, big_manifest):
    """A manifest of gigabytes must not be downloaded to sniff its format."""
    from image_metadata.job.manifest import read_head

    asked: list[str | None] = []

    def record(request, **_):
        asked.append(request.headers.get("Range"))

    s3.meta.events.register("before-send.s3.GetObject", record)
    try:
        read_head(big_manifest[0], s3_client=s3, size=1000)
    finally:
        s3.meta.events.unregister("before-send.s3.GetObject", record)
    assert [value.decode() if isinstance(value, bytes) else value for value in asked] == [
        "bytes=0-999"]


def test_a_manifest_is_staged_under_an_s3_prefix(s3, big_manifest, tmp_path):
    import pyarrow.parquet as pq

    from image_metadata.job.manifest_stage import stage

    s3.create_bucket(Bucket="staging")
    result = stage(inspect(big_manifest[0], s3_client=s3), "s3://staging/_staging/run-1/",
                   s3_client=s3, batch_rows=1500)
    listed = s3.list_objects_v2(Bucket="staging", Prefix="_staging/run-1/")["Contents"]
    assert [o["Key"] for o in listed] == ["_staging/run-1/part-00000.parquet",
                                          "_staging/run-1/part-00001.parquet"]
    assert (result.input_rows, result.files) == (2000, 2)
    for o in listed:
        s3.download_file("staging", o["Key"], str(tmp_path / o["Key"].rsplit("/", 1)[1]))
    table = pq.read_table(tmp_path)
    assert table.num_rows == 2000
