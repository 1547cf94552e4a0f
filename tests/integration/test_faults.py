"""Every fault ends as exactly one classified row, within the time bounds, loopback only."""

from __future__ import annotations

import logging
import os
import threading
import time
from urllib.parse import quote

import pytest

from image_metadata import exceptions as exc
from image_metadata import samples
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
from image_metadata.fetch.http import _http_date
from tests.support.fault_server import FaultServer
from tests.support.http_server import ImageServer

RETRIES = 2
FETCH = FetchSettings(retries=RETRIES, backoff_factor=0.01, backoff_max=0.05, read_timeout=0.5,
                      connect_timeout=1.0, image_timeout=3.0,
                      allowed_networks=("127.0.0.1/32",))  # the fault server, nothing else
SETTINGS = ExtractSettings(fetch=FETCH)
BOUND = FETCH.image_timeout + 2.0  # seconds any single image may take, all retries included


@pytest.fixture(scope="module")
def faults():
    server = FaultServer()
    yield server
    server.stop()


def fetch(url: str, settings: ExtractSettings = SETTINGS, clients: Clients | None = None):
    started = time.monotonic()
    row = extract_one(url, "id", clients or Clients(settings.fetch), settings, "faults")
    return row, time.monotonic() - started


@pytest.mark.parametrize(("path", "error_type", "status", "attempts"), [
    ("status/404/a.jpg", "not_found", 404, 1),
    ("status/410/a.jpg", "not_found", 410, 1),
    ("status/403/a.jpg", "access_denied", 403, 1),
    ("status/500/a.jpg", "http_error", 500, RETRIES + 1),
    ("status/502/a.jpg", "http_error", 502, RETRIES + 1),
    ("status/503/a.jpg", "http_error", 503, RETRIES + 1),
    ("retry-after/503/1/a.jpg", "throttled", 503, RETRIES + 1),
    ("retry-after/429/1/a.jpg", "throttled", 429, RETRIES + 1),
    ("bad-range/a.jpg", "http_error", 206, 1),
    ("no-range/a.jpg", "http_error", 206, 1),
])
def test_http_status_faults_are_classified(faults, path, error_type, status, attempts):
    row, seconds = fetch(faults.url(path))
    assert (row["status"], row["error_type"], row["http_status"], row["attempts"]) == (
        "failed", error_type, status, attempts), row
    assert row["stage"] == "fetch"
    assert faults.count(path) == attempts
    assert seconds < BOUND


def test_a_range_answered_from_another_offset_says_where_it_starts(faults):
    row, _ = fetch(faults.url("bad-range/where.jpg"))
    assert (row["error_type"], row["http_status"], row["error_message"]) == (
        "http_error", 206, "server answered Range 0- with Content-Range starting at 1000"), row


def test_retry_after_is_honoured_between_attempts(faults):
    _row, seconds = fetch(faults.url("retry-after/503/1/b.jpg"))
    assert seconds >= RETRIES * 1.0  # one second before each retry, as the server asked


def test_retry_after_beyond_the_cap_is_cut_short(faults):
    capped = FetchSettings(**{**FETCH.__dict__, "max_retry_after": 0.5})
    row, seconds = fetch(faults.url("retry-after/503/3600/c.jpg"), ExtractSettings(fetch=capped))
    assert row["error_type"] == "throttled"
    assert seconds < BOUND  # not an hour: the server's wish is capped at max_retry_after


@pytest.mark.parametrize(("path", "error_type"), [
    ("stall/a.jpg", "timeout"),       # the server stops sending: the read timeout fires
    ("trickle/a.jpg", "timeout"),     # a byte every 0.2 s never trips it: the deadline does
    ("reset/a.jpg", "connection_error"),
])
def test_broken_bodies_end_within_the_time_bound(faults, path, error_type):
    row, seconds = fetch(faults.url(path))
    assert (row["error_type"], row["stage"]) == (error_type, "fetch"), row
    assert row["attempts"] >= 1
    assert seconds < BOUND


def test_server_ignoring_range_on_a_huge_file_is_read_only_as_far_as_needed(faults):
    row, seconds = fetch(faults.url("huge/a.jpg"))
    assert (row["status"], row["width"], row["make"]) == ("ok", 320, "Canon"), row
    assert row["file_size"] == 1 << 30
    assert row["bytes_read"] < 1 << 20
    assert seconds < BOUND


def test_a_stalled_body_is_asked_for_again(faults):
    # The first answer stops after 1 KiB: the read times out (0.5 s) and the range is asked
    # for once more, on a new connection, which the server answers in full.
    row, seconds = fetch(faults.url("stall-once/a.jpg"))
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row
    assert faults.count("stall-once/a.jpg") == 2
    assert seconds < BOUND


def test_a_redirect_body_sent_slowly_is_not_waited_for(faults):
    row, seconds = fetch(faults.url("slow-redirect/a.jpg"))
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row
    assert seconds < 2.0  # the redirect's connection is dropped, not drained


def test_redirect_loop_stops_after_the_redirect_limit(faults):
    row, seconds = fetch(faults.url("loop/a.jpg"))
    assert row["error_type"] == "connection_error" and "redirect" in row["error_message"]
    assert faults.count("loop/a.jpg") == FETCH.max_redirects + 1
    assert seconds < BOUND


@pytest.mark.parametrize("target", ["ftp://example.invalid/a.jpg", "file:///etc/passwd"])
def test_redirect_to_another_scheme_is_refused(faults, target):
    row, _ = fetch(faults.url(f"redirect-to?url={quote(target)}"))
    assert (row["error_type"], row["stage"], row["http_status"]) == (
        "unsupported_scheme", "fetch", 302), row
    assert row["error_message"].endswith(f"redirects to {target}")


def test_a_redirect_to_an_unusable_location_is_a_connection_error_saying_so(faults):
    row, _ = fetch(faults.url(f"redirect-to?url={quote('http://[::1/a.jpg')}"))
    assert (row["error_type"], row["http_status"]) == ("connection_error", 302), row
    assert row["error_message"].endswith("redirects to an unusable location")


def test_a_redirect_without_a_location_is_the_http_error_of_its_status(faults):
    row, _ = fetch(faults.url("status/302/a.jpg"))
    assert (row["error_type"], row["http_status"], row["error_message"]) == (
        "http_error", 302, "HTTP 302"), row


def test_a_redirect_keeps_the_retry_budget_for_the_next_hop(faults):
    row, _ = fetch(faults.url(f"redirect-to?url={quote('/status/503/after-redirect.jpg')}"))
    assert (row["error_type"], row["http_status"]) == ("http_error", 503), row
    assert faults.count("status/503/after-redirect.jpg") == RETRIES + 1


@pytest.fixture(scope="module")
def trusted_tls(tmp_path_factory):
    """HTTPS on 127.0.0.1 serving a JPEG, with a certificate the test trusts."""
    from tests.support.tls import wrap

    server = ImageServer()
    server.files["/a.jpg"] = samples.encode("JPEG", (12, 10))
    cert = wrap(server, tmp_path_factory.mktemp("trusted-tls"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()


def test_a_redirect_from_http_to_https_is_followed(faults, trusted_tls, monkeypatch):
    base, cert = trusted_tls
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    row, _ = fetch(faults.url(f"redirect-to?url={quote(base + '/a.jpg')}"))
    assert (row["status"], row["width"], row["height"]) == ("ok", 12, 10), row


@pytest.fixture()
def full_backlog():
    from tests.support.backlog import full_backlog as port

    with port() as number:
        yield number


def test_a_connect_that_never_completes_ends_at_the_connect_timeout_and_is_retried(
        full_backlog):
    settings = ExtractSettings(fetch=FetchSettings(**{**FETCH.__dict__, "connect_timeout": 0.3,
                                                      "image_timeout": 10.0}))
    row, seconds = fetch(f"http://127.0.0.1:{full_backlog}/a.jpg", settings)
    assert (row["error_type"], row["attempts"]) == ("timeout", RETRIES + 1), row
    assert seconds < (RETRIES + 1) * 0.3 + 2.0


def test_dns_failure_is_a_connection_error():
    row, seconds = fetch("http://no-such-host.invalid/a.jpg")
    assert row["error_type"] == "connection_error" and "DNS" in row["error_message"]
    assert row["attempts"] == RETRIES + 1
    assert seconds < BOUND


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """HTTPS on 127.0.0.1 with a self-signed certificate nobody trusts."""
    from tests.support.tls import wrap

    server = ImageServer()
    wrap(server, tmp_path_factory.mktemp("tls"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_untrusted_tls_certificate_is_a_connection_error(tls_server):
    row, seconds = fetch(f"{tls_server}/a.jpg")
    assert row["error_type"] == "connection_error" and "TLS" in row["error_message"], row
    assert seconds < BOUND


@pytest.mark.parametrize("bucket,error_type,status,attempts", [
    ("slowdown", "throttled", 503, RETRIES + 1),
    ("denied", "access_denied", 403, 1),
    ("missing", "not_found", 404, 1),
    ("request-timeout", "http_error", 400, RETRIES + 1),  # retried for its code
    ("not-implemented", "http_error", 501, RETRIES + 1),  # retried for its status
    ("odd-500", "http_error", 500, RETRIES + 1),
])
def test_s3_errors_are_classified(faults, bucket, error_type, status, attempts, monkeypatch):
    # moto answers what S3 answers for a missing key; SlowDown and AccessDenied it cannot
    # produce, so the project's own S3 client talks to the fault server, which speaks S3's
    # XML errors (AWS_ENDPOINT_URL points it there).
    _s3_endpoint(monkeypatch, faults)
    row, seconds = fetch(f"s3://{bucket}/photo.jpg")
    assert (row["error_type"], row["http_status"], row["attempts"], row["stage"]) == (
        error_type, status, attempts, "fetch")
    assert seconds < BOUND


def _s3_endpoint(monkeypatch, faults) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", faults.url("s3"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_secrets_in_urls_never_reach_messages_or_logs(faults, caplog):
    secret = "S3CR3T-signature-value"
    url = (f"http://user:pa55word@127.0.0.1:{faults.server_address[1]}/status/500/a.jpg"
           f"?X-Amz-Credential=AKIA123&X-Amz-Signature={secret}&token={secret}")
    with caplog.at_level(logging.DEBUG):
        row, _ = fetch(url)
    assert row["error_type"] == "http_error"
    for text in (row["error_message"], caplog.text):
        assert secret not in text and "pa55word" not in text and "AKIA123" not in text


def test_secrets_of_s3_requests_never_reach_the_logs(s3, monkeypatch, caplog):
    """The project's S3 client against moto, logged at DEBUG as a user chasing a problem
    would: botocore prints every request's headers (session token, signature, key id)."""
    s3.create_bucket(Bucket="log-secrets")
    s3.put_object(Bucket="log-secrets", Key="a.jpg", Body=b"not an image")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAKEYIDSECRET1")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSION-TOKEN-SECRET")
    with caplog.at_level(logging.DEBUG):
        row, _ = fetch("s3://log-secrets/a.jpg")
    assert row["error_type"] == "not_an_image"
    assert "x-amz-security-token" in caplog.text.lower()  # the lines that held them are logged
    for secret in ("AKIAKEYIDSECRET1", "SESSION-TOKEN-SECRET"):
        assert secret not in caplog.text


# The image's bound holds whatever phase the socket is in: these servers never trip a socket
# timeout (a byte always arrives in time), yet each image ends at image_timeout. The settings
# are the defaults (20 s read timeout, 3 retries) but for a 3 s bound.
DEFAULT_WAITS = FetchSettings(image_timeout=3.0, allowed_networks=("127.0.0.1/32",))


@pytest.mark.parametrize("path", ["silent/a.jpg", "header-trickle/a.jpg",
                                  "continue-loop/a.jpg", "chunk-trickle/a.jpg",
                                  "trickle/b.jpg", "stall/b.jpg", "retry-after/503/8/b.jpg"])
def test_no_byte_pattern_extends_the_image_bound(faults, path):
    row, seconds = fetch(faults.url(path), ExtractSettings(fetch=DEFAULT_WAITS))
    assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
    assert "took longer than the 3 s bound" in row["error_message"]
    assert seconds < DEFAULT_WAITS.image_timeout + 1.0


@pytest.mark.parametrize("bucket", ["trickle", "stall", "silent", "header-trickle",
                                    "continue-loop"])
def test_an_s3_read_ends_at_the_bound_whatever_the_endpoint_does(faults, bucket, monkeypatch):
    """The project's own S3 client, pointed at the fault server as its endpoint."""
    _s3_endpoint(monkeypatch, faults)
    row, seconds = fetch(f"s3://{bucket}/photo.jpg", ExtractSettings(fetch=DEFAULT_WAITS))
    assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
    assert seconds < DEFAULT_WAITS.image_timeout + 1.0


def test_a_partition_with_a_silent_server_finishes_one_bound_after_the_others(faults):
    from image_metadata.extract import extract_partition

    settings = ExtractSettings(concurrency=4, fetch=DEFAULT_WAITS)
    rows = [(faults.url("silent/p.jpg"), "silent")] + [
        (faults.url(f"ok/{i}.jpg"), str(i)) for i in range(20)]
    started = time.monotonic()
    results = list(extract_partition(rows, settings, "faults"))
    seconds = time.monotonic() - started
    assert len(results) == 21
    assert seconds < DEFAULT_WAITS.image_timeout + 1.5


def test_s3_header_values_botocore_cannot_parse_do_not_fail_the_image(faults, monkeypatch):
    _s3_endpoint(monkeypatch, faults)
    row, _seconds = fetch("s3://odd-headers/photo.jpg")
    assert (row["status"], row["format"], row["make"]) == ("ok", "JPEG", "Canon"), row
    assert row["last_modified"] is None


def test_an_s3_header_value_dropped_is_named_in_the_log(faults, monkeypatch, caplog):
    _s3_endpoint(monkeypatch, faults)
    with caplog.at_level(logging.INFO, logger="image_metadata.fetch.s3"):
        fetch("s3://odd-headers/photo.jpg")
    assert "dropped the unreadable x-amz-mp-parts-count header '²' of an S3 answer" in \
        caplog.messages


def test_an_s3_client_handed_in_is_bounded_by_the_image_deadline_too(faults):
    """A caller's own client has none of the project's bounded connection classes: the
    socket under a stalled body is still handed to the image's deadline."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3", endpoint_url=faults.url("s3"), region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=30))
    settings = ExtractSettings(fetch=DEFAULT_WAITS)
    started = time.monotonic()
    row = extract_one("s3://stall/photo.jpg", "id", Clients(settings.fetch, s3_client=client),
                      settings, "faults")
    assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
    assert time.monotonic() - started < DEFAULT_WAITS.image_timeout + 1.0


@pytest.mark.parametrize(("name", "error_type"), [
    ("garbage-status", "connection_error"), ("header-without-colon", "http_error"),
    ("two-hundred-headers", "connection_error"), ("70-kib-header", "connection_error"),
    ("no-status-line", "connection_error"), ("bad-chunk-size", "connection_error"),
    ("status-999", "http_error"), ("only-100-continue", "connection_error"),
    ("two-content-lengths", "http_error"), ("redirect-to-a-broken-url", "connection_error"),
    ("redirect-to-port-99999", "invalid_url"),
])
def test_a_broken_answer_is_classified_never_unexpected(faults, name, error_type):
    row, seconds = fetch(faults.url(f"raw/{name}"))
    assert row["error_type"] == error_type, row
    assert "unexpected" not in row["error_message"]
    assert seconds < BOUND


def test_an_image_that_timed_out_does_not_cut_the_connection_another_image_reuses(faults):
    """A's 503 hands its connection back to the pool while A waits out Retry-After; B takes
    it. When A's bound passes, B's request on that connection goes on."""
    from concurrent.futures import ThreadPoolExecutor

    settings = ExtractSettings(fetch=FetchSettings(**{**DEFAULT_WAITS.__dict__,
                                                      "image_timeout": 4.0}))
    clients = Clients(settings.fetch)

    def later(path: str, delay: float) -> dict:
        time.sleep(delay)
        return extract_one(faults.url(path), "id", clients, settings, "faults")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(later, "busy-then-silent/pooled.jpg", 0.0)
        second = pool.submit(later, "slow/3.7/pooled.jpg", 0.5)
        a, b = first.result(), second.result()
    clients.close()
    assert a["error_type"] == "timeout"
    assert (b["status"], b["format"]) == ("ok", "JPEG"), b


def test_the_watchdog_keeps_only_deadlines_still_running():
    """100,000 quick images in a partition: the released deadlines are dropped as they
    accumulate, not held until their time would have come."""
    from image_metadata.fetch.deadline import Watchdog

    watchdog = Watchdog()
    running = [watchdog.deadline(60.0) for _ in range(10)]
    for _ in range(10_000):
        watchdog.deadline(60.0).release()
    assert len(watchdog._heap) < 200
    for deadline in running:
        assert not deadline.done
        deadline.release()
    watchdog.close()


# ================================================================ source paths the common
# cases do not take: local files that are no files, streams that ignore Range, S3 bodies that
# break or come whole, S3 errors that are none of the usual ones, HTTP dates that name no day.

EDGE_FETCH = FetchSettings(retries=1, backoff_factor=0.01, backoff_max=0.05, read_timeout=0.5,
                      connect_timeout=1.0, image_timeout=3.0, allowed_networks=("127.0.0.1/32",))
EDGE_SETTINGS = ExtractSettings(fetch=EDGE_FETCH, allow_local_files=True)


def edge_fetch(url: str, settings: ExtractSettings = EDGE_SETTINGS) -> dict:
    return extract_one(url, "id", Clients(settings.fetch), settings, "edges")


@pytest.fixture()
def s3_at_faults(faults, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", faults.url("s3"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


# ---------------------------------------------------------------- local files


def test_a_missing_local_file_is_not_found(tmp_path):
    row = edge_fetch(str(tmp_path / "nothing.jpg"))
    assert (row["error_type"], row["error_message"]) == (
        "not_found", f"no such file: {tmp_path / 'nothing.jpg'}")


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_local_path_that_is_no_regular_file_is_not_found(tmp_path, kind):
    path = tmp_path / kind
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    row = edge_fetch(str(path))
    assert (row["error_type"], row["error_message"]) == ("not_found", f"not a regular file: {path}")


def test_a_local_path_the_system_cannot_open_is_a_connection_error_saying_why(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    row = edge_fetch(f"{plain}/below.jpg")  # a file used as a folder
    assert (row["error_type"], row["error_message"]) == (
        "connection_error", f"cannot open {plain}/below.jpg: Not a directory")


@pytest.mark.parametrize(("refusal", "kind", "message"), [
    (PermissionError(13, "Permission denied"), "access_denied", "permission denied: {}"),
    (IsADirectoryError(21, "Is a directory"), "not_found", "is a directory, not a file: {}"),
])
def test_a_local_file_the_system_refuses_to_open_is_a_failure_of_its_kind(
        tmp_path, monkeypatch, refusal, kind, message):
    # The refusal is raised where os.open raises it: this machine runs as root, which reads
    # every file, and Linux opens a folder read-only without IsADirectoryError.
    import types

    from image_metadata.fetch import files

    def refuse(*_args, **_kwargs):
        raise refusal

    monkeypatch.setattr(files, "os", types.SimpleNamespace(**{**vars(os), "open": refuse}))
    path = tmp_path / "a.jpg"
    path.write_bytes(samples.encode("JPEG", (8, 8)))
    row = edge_fetch(str(path))
    assert (row["error_type"], row["error_message"]) == (kind, message.format(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_local_file_without_read_permission_is_access_denied(tmp_path):
    path = tmp_path / "locked.jpg"
    path.write_bytes(samples.encode("JPEG", (8, 8)))
    path.chmod(0)
    assert edge_fetch(str(path))["error_type"] == "access_denied"


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


def test_an_answer_with_a_location_header_that_is_no_redirect_is_the_image(images):
    images.files["/located.jpg"] = samples.encode("JPEG", (14, 9))
    images.headers["/located.jpg"] = {"Location": "/elsewhere.jpg"}
    row = edge_fetch(images.url("located.jpg"))
    assert (row["status"], row["width"]) == ("ok", 14), row
    assert images.count("elsewhere.jpg") == 0


def test_a_server_ignoring_range_is_read_forward_up_to_the_metadata(images):
    row = edge_fetch(images.url("norange/deep.jpg"))
    assert (row["status"], row["width"], row["height"]) == ("ok", 16, 12), row
    # Every byte up to the frame header came over the one response, and is counted.
    assert 240_000 < row["bytes_read"] <= len(images.files["/deep.jpg"])


def test_a_server_ignoring_range_with_the_metadata_beyond_the_cap_is_too_large(images):
    capped = ExtractSettings(fetch=EDGE_FETCH, max_bytes=100_000)
    row = edge_fetch(images.url("norange/deep.jpg"), capped)
    assert row["error_type"] == "too_large"
    assert "ignores Range and the metadata lies beyond the 100000-byte cap" in \
        row["error_message"]
    assert (row["http_status"], row["attempts"]) == (200, 1)


def test_a_stream_cut_by_the_server_is_a_connection_error(faults):
    row = edge_fetch(faults.url("reset-200/a.jpg"))
    assert (row["error_type"], row["stage"], row["attempts"]) == (
        "connection_error", "fetch", 1), row
    assert row["error_message"].startswith("connection broken reading http://127.0.0.1:")


@pytest.mark.parametrize("fault", ["reset", "short"])
def test_a_body_that_breaks_is_asked_for_again_then_a_connection_error(faults, fault):
    # 'short' sends a whole response of 1,000 bytes under a Content-Range of 65,536: nothing
    # in HTTP framing is broken, only the range is short of what it promised.
    path = f"{fault}/again.jpg"
    row = edge_fetch(faults.url(path))
    assert (row["error_type"], row["attempts"]) == ("connection_error", EDGE_FETCH.retries + 1), row
    assert faults.count(path) == EDGE_FETCH.retries + 1


# ---------------------------------------------------------------- S3 bodies and errors


@pytest.mark.parametrize("bucket", ["reset", "short"])
def test_an_s3_body_that_breaks_is_asked_for_again_then_a_connection_error(
        faults, s3_at_faults, bucket):
    before = faults.count(f"s3/{bucket}/photo.jpg")
    row = edge_fetch(f"s3://{bucket}/photo.jpg")
    assert (row["error_type"], row["attempts"]) == ("connection_error", EDGE_FETCH.retries + 1), row
    assert faults.count(f"s3/{bucket}/photo.jpg") - before == EDGE_FETCH.retries + 1


def test_an_s3_body_that_breaks_says_how_in_its_message(s3_at_faults):
    row = edge_fetch("s3://short-by-one/photo.jpg")
    assert (row["error_type"], row["error_message"]) == (
        "connection_error",
        "cannot read s3://short-by-one/photo.jpg: body ended after 65535 of 65536 bytes"), row
    reset = edge_fetch("s3://reset/photo.jpg")
    assert reset["error_message"].startswith("cannot read s3://reset/photo.jpg: ")
    assert not reset["error_message"].endswith("None")


def test_an_s3_answer_with_a_malformed_content_range_is_an_http_error(s3_at_faults):
    row = edge_fetch("s3://bad-content-range/photo.jpg")
    assert (row["error_type"], row["http_status"], row["attempts"]) == ("http_error", 206, 1)
    assert row["error_message"] == ("partial response with a missing or malformed "
                                    "Content-Range: 'bytes 0-65535'")


def test_an_s3_body_stalled_after_a_retried_answer_counts_both_requests(faults):
    """A caller's client that retried before the answer came: its retry is an attempt of
    the failure row, as the status of the answer whose body never came is its status."""
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3", endpoint_url=faults.url("s3"), region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}, read_timeout=30))
    settings = ExtractSettings(fetch=FetchSettings(**{**EDGE_FETCH.__dict__,
                                                      "image_timeout": 1.0}))
    row = extract_one("s3://busy-then-headers-only/photo.jpg", "id",
                      Clients(settings.fetch, s3_client=client), settings, "faults")
    assert (row["error_type"], row["http_status"], row["attempts"]) == ("timeout", 206, 2), row


def test_an_s3_endpoint_answering_the_whole_object_is_read_with_its_length(s3_at_faults):
    row = edge_fetch("s3://full/photo.jpg")
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row
    from tests.support.fault_server import BODY

    assert row["file_size"] == len(BODY)


def test_an_s3_read_asks_for_the_range_it_needs(faults, s3_at_faults):
    edge_fetch("s3://full/range.jpg")
    assert faults.ranges["/s3/full/range.jpg"] == "bytes=0-65535"  # the 64 KiB first read


def test_the_retries_of_an_s3_client_handed_in_count_as_attempts(faults):
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3", endpoint_url=faults.url("s3"), region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "legacy", "max_attempts": 2}))
    waits = FetchSettings(**{**EDGE_FETCH.__dict__, "read_timeout": 5.0, "image_timeout": 20.0})
    before = faults.count("s3/slowdown/counted.jpg")
    row = extract_one("s3://slowdown/counted.jpg", "id", Clients(waits, s3_client=client),
                      ExtractSettings(fetch=waits), "edges")
    sent = faults.count("s3/slowdown/counted.jpg") - before
    assert (row["error_type"], row["attempts"]) == ("throttled", sent), row
    # Legacy mode's max_attempts counts retries: three sends within each of our attempts.
    assert sent == 3 * (waits.retries + 1)


def test_an_s3_error_of_no_known_kind_is_an_http_error_with_its_code(s3_at_faults):
    row = edge_fetch("s3://bad-request/photo.jpg")
    assert (row["error_type"], row["http_status"], row["attempts"]) == ("http_error", 400, 1)
    assert row["error_message"] == "S3 InvalidArgument for s3://bad-request/photo.jpg"


def test_an_s3_body_silent_after_its_headers_ends_at_the_image_bound(s3_at_faults):
    # No body byte ever comes: the cut socket ends the read with an error, not a short chunk.
    # The bound leaves room for making the S3 client (its models load within the first
    # image's bound: up to a second on a busy machine) before the headers come.
    bounded = ExtractSettings(fetch=FetchSettings(**{**EDGE_FETCH.__dict__, "read_timeout": 20.0,
                                                     "image_timeout": 3.0}))
    started = time.monotonic()
    row = edge_fetch("s3://headers-only/photo.jpg", bounded)
    assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
    assert (row["http_status"], row["attempts"]) == (206, 1)
    assert "took longer than the 3 s bound" in row["error_message"]
    assert time.monotonic() - started < 3.0 + 1.0


def test_an_s3_endpoint_that_stops_answering_is_a_timeout_after_its_retries(s3_at_faults):
    started = time.monotonic()
    row = edge_fetch("s3://silent/photo.jpg")
    assert (row["error_type"], row["error_message"]) == (
        "timeout", "timed out reading s3://silent/photo.jpg"), row
    assert time.monotonic() - started < EDGE_FETCH.image_timeout


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
    shared = Clients(EDGE_FETCH, s3_client=handed)
    assert fetch_with(shared, "s3://full/photo.jpg")["status"] == "ok"
    shared.close()
    assert pools(handed) == 1  # still the caller's, connections and all
    own = Clients(EDGE_FETCH)
    assert fetch_with(own, "s3://full/photo.jpg")["status"] == "ok"
    client = own.s3_client
    assert pools(client) == 1
    own.close()
    assert pools(client) == 0


def fetch_with(clients: Clients, url: str) -> dict:
    return extract_one(url, "id", clients, EDGE_SETTINGS, "edges")


def test_a_retry_wait_outside_any_image_bound_sleeps_as_asked():
    from urllib3.response import HTTPResponse

    retry = Clients(FetchSettings()).retry()
    started = time.monotonic()
    retry.sleep(HTTPResponse(body=b"", headers={"Retry-After": "1"}, status=503,
                             preload_content=False))
    assert 0.9 <= time.monotonic() - started < 3.0





# ---------------------------------------------------------------- the deadline itself


def _pair():
    import socket

    return socket.socketpair()


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_deadline_has_time_left_until_it_passes_and_none_after():
    from image_metadata.fetch.deadline import Deadline

    bound = Deadline(10.0)
    assert 9.0 < bound.remaining() <= 10.0
    bound.expire()  # the watchdog's doing, before the time is up
    assert bound.remaining() == 0.0
    assert Deadline(0.0).remaining() == 0.0  # never negative


def test_a_deadline_the_watchdog_expired_fails_its_check_early():
    from image_metadata.exceptions import FetchTimeout
    from image_metadata.fetch.deadline import Deadline

    bound = Deadline(10.0, "reading x")
    bound.check()
    bound.expire()
    with pytest.raises(FetchTimeout, match=r"^reading x took longer than the 10 s bound$"):
        bound.check()
    with pytest.raises(FetchTimeout):
        Deadline(0.0).check()  # its time is up the moment it starts


def test_a_deadline_is_up_at_the_very_instant_it_ends(monkeypatch):
    # As the watchdog sees it (expired at <= now): a clock that reads the deadline's own
    # instant has passed it. A frozen clock stands in for a coarse one.
    from types import SimpleNamespace

    from image_metadata.exceptions import FetchTimeout
    from image_metadata.fetch import deadline

    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(deadline, "time", SimpleNamespace(monotonic=lambda: clock.now))
    with pytest.raises(FetchTimeout):
        deadline.Deadline(0.0).check()
    bound = deadline.Deadline(5.0)
    clock.now = 1004.999
    bound.check()
    clock.now = 1005.0
    with pytest.raises(FetchTimeout):
        bound.check()


def test_a_socket_adopted_again_closes_the_duplicate_it_replaces():
    # The S3 path adopts every connection twice (on connect, and with the body): the first
    # duplicate is closed, not left for the garbage collector to find (ResourceWarning).
    import gc
    import warnings

    from image_metadata.fetch.deadline import Deadline

    near, far = _pair()
    bound = Deadline(10.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bound.adopt(near)
        bound.adopt(near)
        gc.collect()
    bound.release()
    near.close()
    far.close()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_deadline_failure_carries_the_status_and_attempts_it_is_given():
    from image_metadata.fetch.deadline import Deadline

    failure = Deadline(1.0).failure(http_status=503, attempts=2)
    assert (failure.error_type, failure.http_status, failure.attempts) == ("timeout", 503, 2)


def test_a_socket_handed_to_a_passed_deadline_is_shut_at_once():
    from image_metadata.exceptions import FetchTimeout
    from image_metadata.fetch.deadline import Deadline

    near, far = _pair()
    bound = Deadline(10.0)
    bound.expire()
    with pytest.raises(FetchTimeout):
        bound.adopt(near)
    assert near.recv(1) == b""  # shut down: reads end at once
    near.close()
    far.close()


def test_a_socket_adopted_twice_or_disowned_leaves_no_descriptor_behind():
    from image_metadata.fetch.deadline import Deadline

    near, far = _pair()
    before = _open_descriptors()
    bound = Deadline(10.0)
    bound.adopt(near)
    bound.adopt(near)  # a pooled connection taken again by the same image
    assert _open_descriptors() == before + 1
    bound.disown(near)
    assert _open_descriptors() == before
    bound.disown(near)  # not this deadline's any more: nothing to do
    bound.release()
    near.close()
    far.close()


def test_a_disowned_socket_is_not_cut_when_the_deadline_passes():
    from image_metadata.fetch.deadline import Deadline

    near, far = _pair()
    bound = Deadline(10.0)
    bound.adopt(near)
    bound.disown(near)
    bound.expire()
    far.sendall(b"x")
    assert near.recv(1) == b"x"
    near.close()
    far.close()


def test_a_wait_on_a_deadline_that_passes_ends_when_it_passes():
    from image_metadata.fetch.deadline import Deadline

    bound = Deadline(10.0)
    timer = threading.Timer(0.2, bound.expire)
    started = time.monotonic()
    timer.start()
    bound.wait(5.0)
    assert time.monotonic() - started < 2.0


def test_a_watchdogs_deadline_is_named_for_what_it_bounds():
    from image_metadata.fetch.deadline import Watchdog

    watchdog = Watchdog()
    try:
        assert str(watchdog.deadline(1.0).failure()) == "the image took longer than the 1 s bound"
        assert str(watchdog.deadline(1.0, "reading y").failure()).startswith("reading y ")
    finally:
        watchdog.close()


def test_a_closed_watchdog_has_stopped_its_thread():
    from image_metadata.fetch.deadline import Watchdog

    watchdog = Watchdog()
    watchdog.deadline(30.0)
    thread = watchdog._thread
    watchdog.close()
    assert thread is not None and not thread.is_alive() and thread.daemon


def test_a_request_cut_at_the_bound_counts_as_one_attempt_without_a_status(faults):
    """The silent server's request is cut by the image's bound, not by a read timeout: no
    retry follows, and the row says one attempt was made."""
    settings = ExtractSettings(fetch=FetchSettings(**{**DEFAULT_WAITS.__dict__,
                                                      "image_timeout": 1.0}))
    row, seconds = fetch(faults.url("silent/counted.jpg"), settings)
    assert (row["error_type"], row["attempts"], row["http_status"]) == ("timeout", 1, None), row
    assert faults.count("silent/counted.jpg") == 1
    assert seconds < 1.0 + 1.0


def test_a_deadline_passing_over_a_socket_that_never_connected_raises_nothing():
    import socket

    from image_metadata.fetch.deadline import Deadline

    idle = socket.socket()  # shutdown() on it fails with ENOTCONN: nothing to cut
    bound = Deadline(10.0)
    bound.adopt(idle)
    bound.expire()
    idle.close()


def test_a_deadline_bounds_the_image_unless_told_what_it_bounds():
    from image_metadata.fetch.deadline import Deadline

    assert str(Deadline(2.0).failure()) == "the image took longer than the 2 s bound"


def test_the_watchdog_thread_is_named_for_thread_dumps():
    from image_metadata.fetch.deadline import Watchdog

    watchdog = Watchdog()
    watchdog.deadline(30.0)
    try:
        assert watchdog._thread is not None and watchdog._thread.name == "imgmeta-deadlines"
    finally:
        watchdog.close()


def test_a_deadline_earlier_than_the_one_waited_for_expires_on_its_own_time():
    """The watchdog sleeps until its earliest deadline: a new, earlier one must wake it."""
    from image_metadata.fetch.deadline import Watchdog
    from tests.support.fault_server import wait_until

    watchdog = Watchdog()
    try:
        late = watchdog.deadline(60.0)
        time.sleep(0.05)  # the thread now waits for ``late``
        early = watchdog.deadline(0.2)
        assert wait_until(lambda: early.expired, timeout=10.0)
        assert not late.expired
    finally:
        watchdog.close()


def test_an_idle_watchdog_sleeps_instead_of_spinning():
    from image_metadata.fetch.deadline import Watchdog

    watchdog = Watchdog()
    try:
        watchdog.deadline(60.0)
        used = time.process_time()
        time.sleep(0.5)
        # A spinning thread would use about all of the half second; a sleeping one nothing.
        assert time.process_time() - used < 0.25
    finally:
        watchdog.close()


def test_released_deadlines_the_watchdog_already_dropped_are_not_counted_twice():
    """Two released deadlines reach the top of the heap and are dropped as the third expires;
    the 65th release after them then clears the heap of every other released one."""
    from image_metadata.fetch.deadline import Watchdog
    from tests.support.fault_server import wait_until

    watchdog = Watchdog()
    try:
        running = watchdog.deadline(60.0)
        first, second, third = (watchdog.deadline(0.3) for _ in range(3))
        first.release()
        second.release()
        for _ in range(10):
            watchdog.deadline(60.0).release()
        assert wait_until(lambda: third.expired, timeout=10.0)
        for _ in range(55):
            watchdog.deadline(60.0).release()
        assert [entry[2] for entry in watchdog._heap] == [running]
    finally:
        watchdog.close()


# ---------------------------------------------------------------- S3 bodies at the bound


def _s3_source(url: str, settings: FetchSettings):
    from image_metadata.fetch.s3 import S3Source
    from image_metadata.fetch.urls import parse

    return S3Source(parse(url, allow_local_files=False), Clients(settings))


def test_an_s3_body_cut_by_the_watchdog_fails_with_its_status(s3_at_faults):
    from image_metadata.fetch import deadline

    settings = FetchSettings(**{**EDGE_FETCH.__dict__, "read_timeout": 20.0})
    source = _s3_source("s3://headers-only/photo.jpg", settings)
    watchdog = deadline.Watchdog()
    try:
        with deadline.active(watchdog.deadline(1.0)), pytest.raises(exc.FetchTimeout) as raised:
            source.fetch(0, 65536)
    finally:
        watchdog.close()
    assert (raised.value.http_status, raised.value.attempts) == (206, 1)


def test_an_s3_body_short_of_a_later_range_says_how_much_of_it_came(s3_at_faults):
    one_try = FetchSettings(**{**EDGE_FETCH.__dict__, "retries": 0})
    with pytest.raises(exc.FetchConnectionError) as raised:
        _s3_source("s3://short-by-one/later.jpg", one_try).fetch(1000, 65536)
    assert str(raised.value) == ("cannot read s3://short-by-one/later.jpg: "
                                 "body ended after 65535 of 65536 bytes")
