"""How each way a fetch can fail becomes a failure row's type, message, status and attempts:
HTTP statuses, network errors, S3 error codes (pure functions of fetch/http.py and s3.py)."""

from __future__ import annotations

import pytest
from urllib3.connection import HTTPConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)

from image_metadata.fetch.http import _network_failure, _status_failure
from image_metadata.fetch.s3 import _s3_failure, _s3_network_failure
from image_metadata.fetch.source import parse_content_range, short_reason
from image_metadata.fetch.urls import Location

S3 = Location("s3", "s3://bkt/a.jpg", bucket="bkt", key="a.jpg")
SIGNED = Location("https", "https://h.test/a.jpg?X-Amz-Signature=s3cr3t")


def described(failure) -> tuple:
    return (failure.error_type, str(failure), failure.http_status, failure.attempts)


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (404, {}, ("not_found", "HTTP 404", 404, 2)),
    (410, {}, ("not_found", "HTTP 410", 410, 2)),
    (401, {}, ("access_denied", "HTTP 401", 401, 2)),
    (403, {}, ("access_denied", "HTTP 403", 403, 2)),
    (429, {}, ("throttled", "HTTP 429 after retries", 429, 2)),
    (503, {"Retry-After": "5"}, ("throttled", "HTTP 503 after retries", 503, 2)),
    (503, {}, ("http_error", "HTTP 503", 503, 2)),
    (416, {}, ("not_an_image", "empty object (HTTP 416 for the first byte)", 416, 2)),
    (500, {}, ("http_error", "HTTP 500", 500, 2)),
    (302, {}, ("http_error", "HTTP 302", 302, 2)),
])
def test_an_http_status_is_a_failure_of_its_kind(status, headers, expected):
    assert described(_status_failure(status, headers, 2)) == expected


@pytest.mark.parametrize(("code", "kind"), [
    *[(c, "not_found") for c in ("NoSuchKey", "NoSuchBucket", "404", "NotFound")],
    *[(c, "access_denied") for c in ("AccessDenied", "403", "AllAccessDisabled",
                                     "InvalidAccessKeyId", "SignatureDoesNotMatch",
                                     "ExpiredToken")],
    *[(c, "throttled") for c in ("SlowDown", "Throttling", "ThrottlingException",
                                 "RequestLimitExceeded", "TooManyRequests", "503")],
    *[(c, "http_error") for c in ("InternalError", "InvalidArgument", "noSuchKey", "")],
])
def test_an_s3_error_code_is_a_failure_of_its_kind(code, kind):
    failure = _s3_failure(code, 418, 3, S3)
    assert described(failure) == (kind, f"S3 {code or 418} for s3://bkt/a.jpg", 418, 3)


def test_an_s3_error_without_a_code_is_named_by_its_status():
    assert str(_s3_failure("", 500, 1, S3)) == "S3 500 for s3://bkt/a.jpg"


def test_s3_timeouts_and_broken_connections_are_told_apart():
    from botocore.exceptions import ConnectTimeoutError as BotoConnect
    from botocore.exceptions import EndpointConnectionError
    from botocore.exceptions import ReadTimeoutError as BotoRead

    for error in (BotoConnect(endpoint_url="http://x"), BotoRead(endpoint_url="http://x")):
        assert described(_s3_network_failure(error, S3, 2)) == (
            "timeout", "timed out reading s3://bkt/a.jpg", None, 2)
    broken = _s3_network_failure(EndpointConnectionError(endpoint_url="http://x"), S3, 4)
    assert described(broken) == ("connection_error", 'cannot read s3://bkt/a.jpg: Could not '
                                 'connect to the endpoint URL: "http://x"', None, 4)


@pytest.mark.parametrize(("reason", "kind", "message"), [
    (NameResolutionError("h.test", None, OSError("no such host")), "connection_error",
     "DNS lookup failed for https://h.test/a.jpg?X-Amz-Signature=***"),
    (NewConnectionError(HTTPConnection("h.test"), "Failed to establish a new connection: "
                        "[Errno 111] Connection refused"), "connection_error",
     "cannot connect to https://h.test/a.jpg?X-Amz-Signature=***: Failed to establish a new "
     "connection: [Errno 111] Connection refused"),
    (ConnectTimeoutError("slow"), "timeout",
     "timed out reading https://h.test/a.jpg?X-Amz-Signature=***"),
    (ReadTimeoutError(None, "u", "slow"), "timeout",
     "timed out reading https://h.test/a.jpg?X-Amz-Signature=***"),
    (TimeoutError(), "timeout", "timed out reading https://h.test/a.jpg?X-Amz-Signature=***"),
    (SSLError("certificate verify failed"), "connection_error",
     "TLS failure for https://h.test/a.jpg?X-Amz-Signature=***: certificate verify failed"),
    (ProtocolError("reset"), "connection_error",
     "connection broken reading https://h.test/a.jpg?X-Amz-Signature=***"),
    # Reasons the project's Retry never gives (raise_on_status=False), still rows of a kind:
    (ResponseError("too many 500 error responses"), "connection_error",
     "too many 500 error responses for https://h.test/a.jpg?X-Amz-Signature=***"),
    (OSError("no route"), "connection_error",
     "cannot connect to https://h.test/a.jpg?X-Amz-Signature=***: no route"),
])
def test_a_network_error_is_a_failure_of_its_kind_naming_the_redacted_url(reason, kind, message):
    assert described(_network_failure(reason, SIGNED, 3)) == (kind, message, None, 3)


def test_a_short_message_is_one_line_of_200_characters_without_object_addresses():
    error = OSError("<urllib3.connection.HTTPConnection object at 0x7f00ab12>: Failed\n to "
                    + "x" * 300)
    text = short_reason(error)
    assert text.startswith("Failed to xxx") and len(text) == 200 and "\n" not in text


class _Attempts:
    attempts = 4


@pytest.mark.parametrize(("value", "parsed"), [
    ("bytes 0-99/1000", (0, 99, 1000)), (" bytes 5-5/6 ", (5, 5, 6)),
    ("bytes 0-99/*", (0, 99, None))])
def test_a_content_range_gives_first_last_and_total(value, parsed):
    assert parse_content_range(value, _Attempts()) == parsed


@pytest.mark.parametrize("value", [None, "", "bytes 9-1/10", "bytes 0-99", "items 0-9/10",
                                   "bytes ０-9/10", "bytes 0-9/10, bytes 20-29/10"])
def test_a_missing_or_malformed_content_range_is_an_http_error(value):
    from image_metadata.exceptions import HttpError

    with pytest.raises(HttpError) as refused:
        parse_content_range(value, _Attempts())
    assert described(refused.value) == (
        "http_error", f"partial response with a missing or malformed Content-Range: {value!r}",
        206, 4)


# ---------------------------------------------------------------- local files


def test_a_local_file_is_read_by_position_counting_requests_and_bytes(tmp_path):
    import os
    from datetime import UTC, datetime

    from image_metadata.fetch.files import FileSource

    path = tmp_path / "a.bin"
    path.write_bytes(bytes(range(200)))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    source = FileSource(Location("file", str(path)))
    assert (source.size, source.attempts, source.bytes_read) == (200, 1, 0)
    assert source.last_modified == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert source.fetch(10, 5) == bytes(range(10, 15))
    assert source.fetch(195, 50) == bytes(range(195, 200))
    assert source.bytes_read == 10
    source.close()
    with pytest.raises(OSError):
        os.fstat(source._fd)


def test_attempts_of_a_spent_retry_budget_count_the_first_try():
    from urllib3.exceptions import MaxRetryError
    from urllib3.util.retry import Retry

    retry = Retry(connect=2, read=5)
    read_timeout = MaxRetryError(None, "u", ReadTimeoutError(None, "u", "slow"))
    refused = MaxRetryError(None, "u", NewConnectionError(HTTPConnection("h"), "refused"))
    from image_metadata.fetch.http import _attempts_from

    assert (_attempts_from(read_timeout, retry), _attempts_from(refused, retry)) == (6, 3)
    assert _attempts_from(refused, Retry(connect=None, read=None)) == 1


# ---------------------------------------------------------------- S3 header values


def _operation(output: dict | None):
    """A real botocore operation model whose answer has typed headers of each kind."""
    from botocore.model import ServiceModel

    shapes = {"Int": {"type": "integer"}, "Long": {"type": "long"}, "Dbl": {"type": "double"},
              "Flt": {"type": "float"}, "Ts": {"type": "timestamp"}, "Str": {"type": "string"}}
    operation = {"name": "Get", "http": {"method": "GET", "requestUri": "/"}}
    if output is not None:
        shapes["GetOutput"] = {"type": "structure", "members": output}
        operation["output"] = {"shape": "GetOutput"}
    return ServiceModel({
        "metadata": {"protocol": "rest-xml", "apiVersion": "2006-03-01", "serviceId": "Test",
                     "endpointPrefix": "test", "signatureVersion": "v4"},
        "operations": {"Get": operation}, "shapes": shapes}).operation_model("Get")


TYPED = {"Count": {"shape": "Int", "location": "header", "locationName": "x-count"},
         "Parts": {"shape": "Long", "location": "header", "locationName": "x-parts"},
         "Ratio": {"shape": "Dbl", "location": "header", "locationName": "x-ratio"},
         "Share": {"shape": "Flt", "location": "header", "locationName": "x-share"},
         "When": {"shape": "Ts", "location": "header", "locationName": "x-when"},
         "Plain": {"shape": "Int", "location": "header"},  # no locationName: named as member
         "Name": {"shape": "Str", "location": "header", "locationName": "x-name"},
         "Code": {"shape": "Int"}}  # in the body, not a header


def test_s3_header_values_botocore_cannot_parse_are_dropped_and_the_rest_kept():
    from image_metadata.fetch.s3 import _drop_unreadable_headers

    headers = {"x-count": "²", "x-parts": "12345678901234567890", "x-ratio": "fast",
               "x-share": "half", "x-when": "yesterday", "Plain": "1²", "x-name": "²",
               "Code": "²", "x-other": "²"}
    _drop_unreadable_headers(_operation(TYPED), {"headers": headers})
    assert headers == {"x-name": "²", "Code": "²", "x-other": "²"}


def test_s3_header_values_botocore_can_parse_are_kept():
    from image_metadata.fetch.s3 import _drop_unreadable_headers

    headers = {"x-count": " -12 ", "x-parts": "1234567890123456789", "x-ratio": "0.5",
               "x-share": "1e3", "x-when": "Tue, 14 May 2024 08:00:00 GMT", "Plain": "7"}
    kept = dict(headers)
    _drop_unreadable_headers(_operation(TYPED), {"headers": headers})
    assert headers == kept


def test_an_s3_answer_without_typed_headers_is_left_alone():
    from image_metadata.fetch.s3 import _drop_unreadable_headers

    headers = {"x-count": "²"}
    _drop_unreadable_headers(_operation(None), {"headers": headers})
    _drop_unreadable_headers(_operation(TYPED), {"status_code": 200})
    assert headers == {"x-count": "²"}


# ---------------------------------------------------------------- the retry budget


def _spent(retry, errors: int):
    """``retry`` after ``errors`` failed reads (no sleeping: increment() only counts)."""
    for _ in range(errors):
        retry = retry.increment("GET", "/a.jpg", error=ReadTimeoutError(None, "/a.jpg", "slow"))
    return retry


def test_the_wait_before_a_retry_grows_from_the_backoff_factor():
    from image_metadata.fetch.clients import Clients, FetchSettings

    retry = _spent(Clients(FetchSettings(retries=5, backoff_factor=0.25)).retry(), 3)
    # urllib3: factor * 2 ** (errors - 1), plus up to ``factor`` of jitter.
    assert 1.0 <= retry.get_backoff_time() <= 1.25


def test_the_wait_before_a_retry_never_exceeds_backoff_max():
    from image_metadata.fetch.clients import Clients, FetchSettings

    retry = _spent(Clients(FetchSettings(retries=9, backoff_factor=4, backoff_max=1.5)).retry(), 6)
    assert retry.get_backoff_time() <= 1.5


def test_workers_that_failed_together_wait_for_different_times():
    """Jitter: a thousand images that met the same 503 do not all come back at once."""
    from image_metadata.fetch.clients import Clients, FetchSettings

    clients = Clients(FetchSettings(retries=3, backoff_factor=0.5))
    waits = {_spent(clients.retry(), 2).get_backoff_time() for _ in range(20)}
    assert len(waits) > 1 and all(1.0 <= w <= 1.5 for w in waits)


def test_a_retry_after_the_deadline_passed_fails_with_the_last_status_and_attempt():
    """The watchdog may not have marked the deadline yet; the clock alone ends the retries."""
    from urllib3 import HTTPResponse

    from image_metadata.exceptions import FetchTimeout
    from image_metadata.fetch import deadline
    from image_metadata.fetch.clients import Clients

    retry = _spent(Clients().retry(), 1)
    passed = deadline.Deadline(0.0, "reading a.jpg")
    assert not passed.expired
    with deadline.active(passed), pytest.raises(FetchTimeout) as raised:
        retry.increment("GET", "/a.jpg", response=HTTPResponse(status=503))
    assert (raised.value.http_status, raised.value.attempts) == (503, 2)
    assert str(raised.value) == "reading a.jpg took longer than the 0 s bound"


def test_a_retry_before_the_deadline_counts_against_the_budget():
    from urllib3 import HTTPResponse

    from image_metadata.fetch import deadline
    from image_metadata.fetch.clients import Clients

    with deadline.active(deadline.Deadline(60.0)):
        retry = Clients().retry().increment("GET", "/a.jpg", response=HTTPResponse(status=503))
    assert len(retry.history) == 1


# ---------------------------------------------------------------- reading a body


class _Body:
    """A body of ``size`` bytes that records the size of every read asked of it."""

    def __init__(self, size: int) -> None:
        self.data = bytes(i % 251 for i in range(size))
        self.at = 0
        self.asked: list[int | None] = []

    def read(self, n: int | None = None) -> bytes:
        self.asked.append(n)
        end = len(self.data) if n is None else self.at + n
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk


def test_a_body_is_read_to_the_length_asked_and_no_further():
    from image_metadata.fetch.source import read_up_to

    body = _Body(2_000_000)
    assert read_up_to(body.read, 600_000, lambda: None) == body.data[:600_000]
    assert body.at == 600_000


def test_a_body_is_read_in_chunks_of_256_kib_at_most():
    from image_metadata.fetch.source import read_up_to

    body = _Body(2_000_000)
    read_up_to(body.read, 600_000, lambda: None)
    assert body.asked == [262_144, 262_144, 600_000 - 2 * 262_144]


def test_a_body_shorter_than_asked_ends_with_its_last_byte():
    from image_metadata.fetch.source import read_up_to

    body = _Body(1000)
    assert read_up_to(body.read, 5000, lambda: None) == body.data


def test_the_deadline_is_checked_before_each_chunk_and_not_after_the_last():
    """A body read to its length is a result, even when the bound passes right after."""
    from image_metadata.fetch.source import read_up_to

    checks = []
    body = _Body(600_000)
    assert len(read_up_to(body.read, 600_000, lambda: checks.append(body.at))) == 600_000
    assert checks == [0, 262_144, 524_288]


# ---------------------------------------------------------------- a source's first state


def test_a_source_that_read_nothing_has_no_size_tag_date_status_or_attempts():
    from image_metadata.fetch.source import Source

    source = Source(Location("https", "https://h.test/a.jpg"))
    assert (source.size, source.etag, source.last_modified, source.http_status) == (None,) * 4
    assert (source.bytes_read, source.attempts) == (0, 0)


def test_a_source_used_on_its_own_is_bounded_by_the_image_timeout_naming_the_url():
    from image_metadata.fetch.clients import Clients, FetchSettings
    from image_metadata.fetch.source import bound_of

    bound = bound_of(SIGNED, Clients(FetchSettings(image_timeout=7.0)))
    assert bound.seconds == 7.0
    assert str(bound.failure()) == "reading https://h.test/a.jpg?X-Amz-Signature=*** " \
                                   "took longer than the 7 s bound"


def test_a_dropped_s3_header_is_logged_with_its_first_80_characters(caplog):
    import logging

    from image_metadata.fetch.s3 import _drop_unreadable_headers

    value = "²" + "x" * 99
    with caplog.at_level(logging.INFO, logger="image_metadata.fetch.s3"):
        _drop_unreadable_headers(_operation(TYPED), {"headers": {"x-count": value}})
    assert caplog.records[-1].getMessage() == (
        f"dropped the unreadable x-count header {value[:80]!r} of an S3 answer")
