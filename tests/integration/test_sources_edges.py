"""Source paths the common cases do not take: local files that are no files, streams that
ignore Range, S3 bodies that break or come whole, S3 errors that are none of the usual ones,
HTTP dates that name no day. Real servers on 127.0.0.1 (tests/support); S3 through the
project's own client pointed at the fault server."""

from __future__ import annotations

import os
import time

import pytest

from image_metadata import samples
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.sources import Clients, FetchSettings, _http_date
from tests.support.fault_server import FaultServer
from tests.support.http_server import ImageServer

FETCH = FetchSettings(retries=1, backoff_factor=0.01, backoff_max=0.05, read_timeout=0.5,
                      connect_timeout=1.0, image_timeout=3.0, allowed_networks=("127.0.0.1/32",))
SETTINGS = ExtractSettings(fetch=FETCH, allow_local_files=True)


def fetch(url: str, settings: ExtractSettings = SETTINGS) -> dict:
    return extract_one(url, "id", Clients(settings.fetch), settings, "edges")


@pytest.fixture(scope="module")
def faults():
    server = FaultServer()
    yield server
    server.stop()


@pytest.fixture()
def s3_at_faults(faults, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", faults.url("s3"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


# ---------------------------------------------------------------- local files


def test_a_missing_local_file_is_not_found(tmp_path):
    row = fetch(str(tmp_path / "nothing.jpg"))
    assert (row["error_type"], row["error_message"]) == (
        "not_found", f"no such file: {tmp_path / 'nothing.jpg'}")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_local_path_that_is_no_regular_file_is_not_found(tmp_path, kind):
    path = tmp_path / kind
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    row = fetch(str(path))
    assert (row["error_type"], row["error_message"]) == ("not_found", f"not a regular file: {path}")


def test_a_local_path_the_system_cannot_open_is_a_connection_error_saying_why(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    row = fetch(f"{plain}/below.jpg")  # a file used as a folder
    assert (row["error_type"], row["error_message"]) == (
        "connection_error", f"cannot open {plain}/below.jpg: Not a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_local_file_without_read_permission_is_access_denied(tmp_path):
    path = tmp_path / "locked.jpg"
    path.write_bytes(samples.encode("JPEG", (8, 8)))
    path.chmod(0)
    assert fetch(str(path))["error_type"] == "access_denied"


# ---------------------------------------------------------------- HTTP streams


def _jpeg_with_metadata_after(padding: int) -> bytes:
    """A JPEG whose frame header comes after ``padding`` bytes of APP15 segments."""
    jpeg = samples.encode("JPEG", (16, 12))
    segments = b"".join(b"\xff\xef" + (60000).to_bytes(2, "big") + bytes(59998)
                        for _ in range(padding // 60000 + 1))
    return jpeg[:2] + segments + jpeg[2:]


@pytest.fixture(scope="module")
def images():
    server = ImageServer().start()
    server.files["/deep.jpg"] = _jpeg_with_metadata_after(240_000)
    yield server
    server.stop()


def test_a_server_ignoring_range_is_read_forward_up_to_the_metadata(images):
    row = fetch(images.url("norange/deep.jpg"))
    assert (row["status"], row["width"], row["height"]) == ("ok", 16, 12), row


def test_a_server_ignoring_range_with_the_metadata_beyond_the_cap_is_too_large(images):
    capped = ExtractSettings(fetch=FETCH, max_bytes=100_000)
    row = fetch(images.url("norange/deep.jpg"), capped)
    assert row["error_type"] == "too_large"
    assert "ignores Range and the metadata lies beyond the 100000-byte cap" in \
        row["error_message"]


def test_a_stream_cut_by_the_server_is_a_connection_error(faults):
    row = fetch(faults.url("reset-200/a.jpg"))
    assert (row["error_type"], row["stage"]) == ("connection_error", "fetch"), row
    assert row["error_message"].startswith("connection broken reading http://127.0.0.1:")


# ---------------------------------------------------------------- S3 bodies and errors


@pytest.mark.parametrize("bucket", ["reset", "short"])
def test_an_s3_body_that_breaks_is_asked_for_again_then_a_connection_error(
        faults, s3_at_faults, bucket):
    before = faults.count(f"s3/{bucket}/photo.jpg")
    row = fetch(f"s3://{bucket}/photo.jpg")
    assert (row["error_type"], row["attempts"]) == ("connection_error", FETCH.retries + 1), row
    assert faults.count(f"s3/{bucket}/photo.jpg") - before == FETCH.retries + 1


def test_an_s3_endpoint_answering_the_whole_object_is_read_with_its_length(s3_at_faults):
    row = fetch("s3://full/photo.jpg")
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row
    from tests.support.fault_server import BODY

    assert row["file_size"] == len(BODY)


def test_an_s3_error_of_no_known_kind_is_an_http_error_with_its_code(s3_at_faults):
    row = fetch("s3://bad-request/photo.jpg")
    assert (row["error_type"], row["http_status"], row["attempts"]) == ("http_error", 400, 1)
    assert row["error_message"] == "S3 InvalidArgument for s3://bad-request/photo.jpg"


def test_an_s3_endpoint_that_stops_answering_is_a_timeout_after_its_retries(s3_at_faults):
    started = time.monotonic()
    row = fetch("s3://silent/photo.jpg")
    assert (row["error_type"], row["error_message"]) == (
        "timeout", "timed out reading s3://silent/photo.jpg"), row
    assert time.monotonic() - started < FETCH.image_timeout


# ---------------------------------------------------------------- HTTP dates


@pytest.mark.parametrize("value", ["Sat, 31 Feb 2026 10:00:00 GMT", "Mon, 01 Foo 2026 10:00:00 GMT",
                                   "Mon, 01 Jan 2026 25:00:00 GMT", "yesterday", ""])
def test_an_http_date_that_names_no_instant_is_none(value):
    assert _http_date(value) is None


def test_a_leap_second_is_read_as_the_second_before():
    assert _http_date("Wed, 31 Dec 2025 23:59:60 GMT").isoformat() == "2025-12-31T23:59:59+00:00"


def test_the_obsolete_date_forms_are_read():
    assert _http_date("Sunday, 06-Nov-94 08:49:37 GMT").isoformat() == "1994-11-06T08:49:37+00:00"
    assert _http_date("Sun Nov  6 08:49:37 1994").isoformat() == "1994-11-06T08:49:37+00:00"


def test_a_clients_own_s3_client_is_closed_with_it_and_a_handed_in_one_is_not(s3_at_faults):
    import boto3

    def pools(client) -> int:
        return len(client._endpoint.http_session._manager.pools)

    handed = boto3.session.Session().client("s3")
    shared = Clients(FETCH, s3_client=handed)
    assert fetch_with(shared, "s3://full/photo.jpg")["status"] == "ok"
    shared.close()
    assert pools(handed) == 1  # still the caller's, connections and all
    own = Clients(FETCH)
    assert fetch_with(own, "s3://full/photo.jpg")["status"] == "ok"
    client = own.s3_client
    assert pools(client) == 1
    own.close()
    assert pools(client) == 0


def fetch_with(clients: Clients, url: str) -> dict:
    return extract_one(url, "id", clients, SETTINGS, "edges")


def test_a_retry_wait_outside_any_image_bound_sleeps_as_asked():
    from urllib3.response import HTTPResponse

    retry = Clients(FetchSettings()).retry()
    started = time.monotonic()
    retry.sleep(HTTPResponse(body=b"", headers={"Retry-After": "1"}, status=503,
                             preload_content=False))
    assert 0.9 <= time.monotonic() - started < 3.0



