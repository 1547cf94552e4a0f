"""Reading images over real HTTP from a local server with Range support."""

from __future__ import annotations

import pytest

from image_metadata import exceptions as exc
from image_metadata import samples
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import USER_AGENT, Clients, FetchSettings
from image_metadata.fetch.http import HttpSource
from image_metadata.fetch.urls import parse

FAST = FetchSettings(retries=2, backoff_factor=0.01, backoff_max=0.05, read_timeout=5,
                     allow_private_networks=True)  # the test server is on 127.0.0.1
SETTINGS = ExtractSettings(concurrency=4, fetch=FAST)


def big_jpeg() -> bytes:
    """A camera-like JPEG: EXIF up front, then about 1.5 MB of image data."""
    exif = samples.exif_bytes(make="Canon", model="EOS R5", place=samples.PLACES["paris"])
    return samples.encode("JPEG", (1200, 900), exif=exif) + b"\x00" * 1_500_000


def extract(url: str, settings: ExtractSettings = SETTINGS) -> dict:
    return extract_one(url, "id-1", Clients(settings.fetch), settings, "run-1")


def test_ranged_read_fetches_only_the_first_block_of_a_large_jpeg(http_server):
    data = big_jpeg()
    http_server.files["/big.jpg"] = data
    row = extract(http_server.url("big.jpg"))
    assert row["status"] == "ok", row
    assert (row["width"], row["height"]) == (1200, 900)
    assert row["file_size"] == len(data)
    assert row["bytes_read"] <= 64 * 1024
    assert http_server.count("big.jpg") == 1


def test_success_row_carries_etag_last_modified_and_position(http_server):
    http_server.files["/paris.jpg"] = big_jpeg()
    row = extract(http_server.url("paris.jpg"))
    assert row["etag"] and '"' not in row["etag"]
    assert row["last_modified"].isoformat() == "2024-05-14T08:00:00+00:00"
    assert row["gps_latitude"] == pytest.approx(48.858222, abs=1e-6)
    assert row["gps_longitude"] == pytest.approx(2.2945, abs=1e-6)
    assert row["id"] == "id-1" and row["run_id"] == "run-1"


def test_server_ignoring_range_is_read_only_as_far_as_needed(http_server):
    data = big_jpeg()
    http_server.files["/whole.jpg"] = data
    row = extract(http_server.url("norange/whole.jpg"))
    assert row["status"] == "ok", row
    assert row["file_size"] == len(data)
    assert row["bytes_read"] < 256 * 1024


def test_redirect_is_followed(http_server):
    http_server.files["/moved.jpg"] = samples.encode("JPEG", (10, 20))
    row = extract(http_server.url("redirect/moved.jpg"))
    assert row["status"] == "ok", row
    assert (row["width"], row["height"]) == (10, 20)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(404, "not_found"), (410, "not_found"), (403, "access_denied"), (401, "access_denied"),
     (400, "http_error")],
)
def test_client_errors_fail_at_once_with_their_type(http_server, status, error_type):
    row = extract(http_server.url(f"status/{status}/x.jpg"))
    assert row["status"] == "failed"
    assert (row["error_type"], row["http_status"], row["attempts"]) == (error_type, status, 1)
    assert row["stage"] == "fetch"
    assert http_server.count(f"status/{status}/x.jpg") == 1


def test_server_errors_are_retried_then_reported(http_server):
    row = extract(http_server.url("status/500/x.jpg"))
    assert (row["error_type"], row["http_status"]) == ("http_error", 500)
    assert row["attempts"] == FAST.retries + 1
    assert http_server.count("status/500/x.jpg") == FAST.retries + 1


def test_throttling_is_classified_after_retries(http_server):
    row = extract(http_server.url("status/429/x.jpg"))
    assert (row["error_type"], row["http_status"], row["attempts"]) == ("throttled", 429, 3)


def test_transient_503_then_success_counts_attempts(http_server):
    http_server.files["/flaky.jpg"] = samples.encode("JPEG", (8, 8))
    http_server.fail_first["/flaky.jpg"] = 1
    row = extract(http_server.url("flaky.jpg"))
    assert row["status"] == "ok", row
    assert http_server.count("flaky.jpg") == 2


def test_empty_object_is_not_an_image(http_server):
    http_server.files["/empty.jpg"] = b""
    row = extract(http_server.url("empty.jpg"))
    assert row["error_type"] == "not_an_image"


def test_refused_connection_is_a_connection_error():
    row = extract("http://127.0.0.1:9/photo.jpg")
    assert row["error_type"] == "connection_error"
    assert row["attempts"] == FAST.retries + 1


def test_byte_cap_turns_an_oversized_read_into_too_large(http_server):
    # EXIF pushed 200 KiB into the file by a large comment segment before it.
    data = samples.encode("JPEG", (16, 16))
    padded = data[:2] + b"\xff\xfe" + (65533).to_bytes(2, "big") + b"\x00" * 65531
    http_server.files["/padded.jpg"] = padded * 1 + data[2:]
    capped = ExtractSettings(max_bytes=64 * 1024, fetch=FAST)
    row = extract(http_server.url("padded.jpg"), capped)
    assert row["error_type"] == "too_large", row


def test_body_cut_short_is_requested_again(http_server):
    http_server.files["/cut.jpg"] = big_jpeg()
    http_server.truncate_first["/cut.jpg"] = 1
    row = extract(http_server.url("cut.jpg"))
    assert row["status"] == "ok", row
    assert http_server.count("cut.jpg") == 2


def test_body_always_cut_short_fails_as_connection_error_after_retries(http_server):
    http_server.files["/always-cut.jpg"] = big_jpeg()
    http_server.truncate_first["/always-cut.jpg"] = 100
    row = extract(http_server.url("always-cut.jpg"))
    assert (row["error_type"], row["stage"]) == ("connection_error", "fetch"), row
    assert http_server.count("always-cut.jpg") == FAST.retries + 1
    assert row["attempts"] == FAST.retries + 1


def test_server_ignoring_range_cannot_push_a_read_past_the_byte_cap(http_server):
    # A comment segment of 300 KB before the frame header: the metadata lies beyond the cap.
    data = samples.encode("JPEG", (16, 16))
    comment = b"\xff\xfe" + (65535).to_bytes(2, "big") + bytes(65533)
    http_server.files["/far.jpg"] = data[:2] + comment * 5 + data[2:]
    capped = ExtractSettings(max_bytes=100_000, fetch=FAST)
    row = extract(http_server.url("norange/far.jpg"), capped)
    assert row["error_type"] == "too_large", row


# Header values are parsed strictly and classified: none may become an "unexpected" error.
ODD_HEADERS = [
    ("norange/odd/a.jpg", {"Content-Length": "²", "Connection": "close"}),
    ("norange/odd/b.jpg", {"Content-Length": "1²", "Connection": "close"}),
    ("norange/odd/c.jpg", {"Content-Length": "-1", "Connection": "close"}),
    ("odd/d.jpg", {"Last-Modified": "Sat, 01 Jan 1500 00:00:00 GMT"}),
    ("odd/e.jpg", {"Last-Modified": "not a date at all"}),
    ("odd/f.jpg", {"ETag": "\"\u00e9\u0000\""}),
]


@pytest.mark.parametrize(("path", "headers"), ODD_HEADERS)
def test_an_odd_header_value_never_fails_a_valid_image(http_server, path, headers):
    key = "/" + path.removeprefix("norange/")
    http_server.files[key] = samples.encode("JPEG", (40, 30))
    http_server.headers[key] = headers
    row = extract(http_server.url(path))
    assert (row["status"], row["format"], row["width"]) == ("ok", "JPEG", 40), row


def test_a_range_of_unknown_total_that_ends_short_gives_the_size(http_server):
    data = samples.encode("JPEG", (40, 30))
    http_server.files["/odd/star.jpg"] = data
    http_server.headers["/odd/star.jpg"] = {"Content-Range": f"bytes 0-{len(data) - 1}/*"}
    row = extract(http_server.url("odd/star.jpg"))
    assert (row["status"], row["file_size"]) == ("ok", len(data)), row


# (header values travel as Latin-1: '²' and '¹' are the non-ASCII digits a server can send)
@pytest.mark.parametrize("value", ["bytes 0-10/²", "bytes ¹-10/100", "bytes 9-1/100",
                                   "octets 0-1/2"])
def test_a_malformed_content_range_is_an_http_error(http_server, value):
    http_server.files["/odd/range.jpg"] = samples.encode("JPEG", (40, 30))
    http_server.headers["/odd/range.jpg"] = {"Content-Range": value}
    row = extract(http_server.url("odd/range.jpg"))
    assert (row["error_type"], row["http_status"]) == ("http_error", 206), row
    assert "malformed Content-Range" in row["error_message"]


@pytest.mark.parametrize(("value", "year"), [
    ("Mon, 01 Jan 0001 00:00:00 GMT", 1), ("Fri, 01 Jan 0050 00:00:00 GMT", 50),
    ("Sat, 01 Jan 1500 00:00:00 GMT", 1500), ("Sunday, 06-Nov-94 08:49:37 GMT", 1994)])
def test_last_modified_keeps_its_four_digit_year(http_server, value, year):
    """email.utils reads 'Jan 0001' as 2001; a four-digit year is taken as it is."""
    http_server.files["/odd/year.jpg"] = samples.encode("JPEG", (40, 30))
    http_server.headers["/odd/year.jpg"] = {"Last-Modified": value}
    row = extract(http_server.url("odd/year.jpg"))
    assert row["last_modified"].year == year


# ---------------------------------------------------------------- servers that ignore Range


def _unsized(http_server, key: str, data: bytes) -> str:
    """Serve ``data`` whole, without Content-Length: the body ends when the server hangs up."""
    http_server.files[key] = data
    http_server.headers[key] = {"Content-Length": None, "Connection": "close"}
    return http_server.url("norange" + key)


def test_a_whole_body_of_unknown_length_read_to_its_end_gives_the_size(http_server):
    data = samples.encode("JPEG", (40, 30))
    row = extract(_unsized(http_server, "/unsized/small.jpg", data))
    assert (row["status"], row["file_size"]) == ("ok", len(data)), row


def test_a_whole_body_of_unknown_length_left_unread_has_no_size(http_server):
    row = extract(_unsized(http_server, "/unsized/big.jpg", big_jpeg()))
    assert (row["status"], row["file_size"]) == ("ok", None), row
    assert row["bytes_read"] < 256 * 1024


def _streamed(http_server, key: str, size: int, max_bytes: int, sized: bool) -> HttpSource:
    http_server.files[key] = bytes(range(256)) * (size // 256)
    if not sized:
        http_server.headers[key] = {"Content-Length": None, "Connection": "close"}
    location = parse(http_server.url("norange" + key), allow_local_files=False)
    return HttpSource(location, Clients(FAST), max_bytes=max_bytes)


@pytest.mark.parametrize("sized", [True, False])
def test_a_whole_body_may_be_read_up_to_the_byte_cap(http_server, sized):
    source = _streamed(http_server, f"/cap/upto-{sized}.bin", 8192, 4096, sized)
    try:
        assert source.fetch(0, 4096) == (bytes(range(256)) * 16)
    finally:
        source.close()


@pytest.mark.parametrize("sized", [True, False])
def test_a_whole_body_read_past_the_byte_cap_is_too_large_on_the_first_attempt(http_server,
                                                                                sized):
    source = _streamed(http_server, f"/cap/past-{sized}.bin", 8192, 4096, sized)
    source.fetch(0, 100)  # the 200 answer becomes the stream
    with pytest.raises(exc.TooLarge) as refused:
        source.fetch(4000, 97)
    assert (refused.value.http_status, refused.value.attempts) == (200, 1)
    assert "ignores Range" in str(refused.value) and "4096-byte cap" in str(refused.value)


def test_a_whole_body_no_larger_than_the_cap_is_read_to_its_end(http_server):
    source = _streamed(http_server, "/cap/fits.bin", 4096, 4096, sized=True)
    try:
        source.fetch(0, 100)
        # Past the cap but not past the file: the read ends at the end of the file.
        assert source.fetch(4000, 200) == (bytes(range(256)) * 16)[4000:]
    finally:
        source.close()


def test_a_whole_body_cut_short_is_a_connection_error_after_one_attempt(http_server):
    data = big_jpeg()
    http_server.files["/cut/whole.jpg"] = data
    http_server.truncate_first["/norange/cut/whole.jpg"] = 1
    location = parse(http_server.url("norange/cut/whole.jpg"), allow_local_files=False)
    source = HttpSource(location, Clients(FAST))
    source.fetch(0, 100)
    with pytest.raises(exc.FetchConnectionError) as broken:
        source.fetch(len(data) - 100, 100)
    assert broken.value.attempts == 1
    assert "connection broken reading" in str(broken.value)


def test_a_whole_body_is_read_only_a_chunk_past_what_was_asked(http_server):
    """The memory a server ignoring Range can make a read hold stays within the read."""
    source = _streamed(http_server, "/cap/far.bin", 4 << 20, 8 << 20, sized=True)
    try:
        source.fetch(0, 65_536)
        source.fetch(300_000, 16_384)
        assert source.bytes_read < 300_000 + 16_384 + 65_536
    finally:
        source.close()


def test_a_whole_body_once_read_serves_every_later_read_without_asking_again(http_server):
    data = samples.encode("JPEG", (40, 30))
    location = parse(_unsized(http_server, "/unsized/once.jpg", data), allow_local_files=False)
    source = HttpSource(location, Clients(FAST))
    assert source.fetch(0, 100) == data[:100]
    assert source.fetch(len(data) - 50, 100) == data[-50:]  # to the end: the stream is done
    assert source.fetch(0, 10) == data[:10]
    assert http_server.count("norange/unsized/once.jpg") == 1


def test_every_request_names_the_reader_in_its_user_agent(http_server):
    """Server logs and CDN rules see which requests the reader made (and python-urllib3's
    default agent is one some servers refuse)."""
    http_server.files["/agent.jpg"] = samples.encode("JPEG", (8, 8))
    extract(http_server.url("agent.jpg"))
    assert http_server.user_agents["/agent.jpg"] == USER_AGENT


# ---------------------------------------------------------------- what a source reports


@pytest.fixture(scope="module")
def faults():
    from tests.support.fault_server import FaultServer

    server = FaultServer()
    yield server
    server.stop()


def _source(url: str, settings: FetchSettings = FAST) -> HttpSource:
    return HttpSource(parse(url, allow_local_files=False), Clients(settings))


def test_a_ranged_read_asks_for_exactly_the_bytes_it_needs(faults):
    source = _source(faults.url("ok/asked.jpg"))
    source.fetch(0, 100)
    assert faults.ranges["/ok/asked.jpg"] == "bytes=0-99"


def test_a_source_keeps_the_status_of_its_last_answer(http_server):
    http_server.files["/status-kept.jpg"] = samples.encode("JPEG", (8, 8))
    source = _source(http_server.url("status-kept.jpg"))
    source.fetch(0, 10)
    assert (source.http_status, source.attempts) == (206, 1)


def test_a_content_encoding_does_not_make_the_ranged_bytes_decoded(http_server):
    """Range counts the bytes as stored: a gzip label (common on misconfigured buckets) must
    not make the reader inflate, or fail to inflate, a slice of them."""
    data = samples.encode("JPEG", (8, 8))
    http_server.files["/labelled.jpg"] = data
    http_server.headers["/labelled.jpg"] = {"Content-Encoding": "gzip"}
    assert _source(http_server.url("labelled.jpg")).fetch(0, 100) == data[:100]


def test_a_refused_connection_fails_with_every_attempt_counted():
    with pytest.raises(exc.FetchConnectionError) as raised:
        _source("http://127.0.0.1:9/photo.jpg").fetch(0, 10)
    assert raised.value.attempts == FAST.retries + 1


def test_a_url_the_address_guard_refuses_fails_before_any_request(faults):
    closed = FetchSettings(**{**FAST.__dict__, "allow_private_networks": False})
    with pytest.raises(exc.BlockedAddress) as raised:
        _source(faults.url("ok/guarded.jpg"), closed).fetch(0, 10)
    assert str(raised.value).startswith("refused: 127.0.0.1 resolves to 127.0.0.1, a loopback")
    assert raised.value.attempts == 1
    assert faults.requests["/ok/guarded.jpg"] == 0


def test_a_redirect_to_a_refused_address_counts_the_hop_as_an_attempt(faults):
    one_host = FetchSettings(**{**FAST.__dict__, "allow_private_networks": False,
                                "allowed_networks": ("127.0.0.1/32",)})
    target = f"http://127.0.0.2:{faults.server_address[1]}/ok/x.jpg"
    with pytest.raises(exc.BlockedAddress) as raised:
        _source(faults.url(f"redirect-to?url={target}"), one_host).fetch(0, 10)
    assert "127.0.0.2" in str(raised.value) and raised.value.attempts == 2


def test_a_redirect_to_a_url_urllib3_cannot_request_is_an_invalid_url(faults):
    with pytest.raises(exc.InvalidUrl) as raised:
        _source(faults.url("raw/redirect-to-port-99999")).fetch(0, 10)
    assert str(raised.value).startswith("cannot request http://127.0.0.1:99999/x: ")
    assert (raised.value.attempts, raised.value.stage) == (2, "fetch")


def test_an_answer_with_contradicting_lengths_is_an_http_error_naming_the_header(faults):
    url = faults.url("raw/two-content-lengths")
    with pytest.raises(exc.HttpError) as raised:
        _source(url).fetch(0, 10)
    assert str(raised.value).startswith(f"invalid response header from {url}: ")
    assert "Content-Length" in str(raised.value)
    assert raised.value.attempts == 1


def test_retries_before_a_redirect_count_against_the_budget_after_it(http_server):
    """One budget per image: a server cannot buy more retries by redirecting."""
    http_server.files["/budget-target.jpg"] = samples.encode("JPEG", (8, 8))
    http_server.fail_first["/redirect/budget-target.jpg"] = 1  # a 503, then the redirect
    http_server.fail_first["/budget-target.jpg"] = 100  # then only 503s
    with pytest.raises(exc.HttpError) as raised:
        _source(http_server.url("redirect/budget-target.jpg")).fetch(0, 10)
    assert raised.value.http_status == 503
    # FAST allows 2 retries: one went on the first URL, one is left for the target.
    assert http_server.count("budget-target.jpg") == 2


def test_a_body_still_arriving_at_the_deadline_fails_with_its_status(faults):
    """A source used on its own has no watchdog: its reads check the bound between chunks."""
    bounded = FetchSettings(**{**FAST.__dict__, "image_timeout": 1.0})
    source = _source(faults.url("trickle/own-bound.jpg"), bounded)
    with pytest.raises(exc.FetchTimeout) as raised:
        source.fetch(0, 65536)
    assert (raised.value.http_status, raised.value.attempts) == (206, 1)


def test_connections_to_a_dozen_hosts_stay_open_for_the_next_image_of_each():
    """Manifests interleave hosts: a pool per host is kept for 64 of them (urllib3 keeps 10)."""
    from tests.support.http_server import ImageServer

    servers = [ImageServer().start() for _ in range(12)]
    try:
        clients = Clients(FAST)
        for server in [*servers, servers[0]]:
            server.files["/a.jpg"] = samples.encode("JPEG", (8, 8))
            HttpSource(parse(server.url("a.jpg"), allow_local_files=False), clients).fetch(0, 10)
        assert servers[0].count("a.jpg") == 2 and servers[0].connections == 1
    finally:
        for server in servers:
            server.stop()


def test_failures_of_different_kinds_share_one_retry_budget(http_server):
    """A 503 and then a body cut short are two retries of the image, not one of each kind."""
    one_retry = FetchSettings(**{**FAST.__dict__, "retries": 1})
    http_server.files["/shared-budget.jpg"] = big_jpeg()
    http_server.fail_first["/redirect/shared-budget.jpg"] = 1  # a 503, then the redirect
    http_server.truncate_first["/shared-budget.jpg"] = 1  # then a body cut short
    with pytest.raises(exc.FetchConnectionError):
        _source(http_server.url("redirect/shared-budget.jpg"), one_retry).fetch(0, 65536)
    assert http_server.count("shared-budget.jpg") == 1
