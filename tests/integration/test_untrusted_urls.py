"""Untrusted URLs cannot reach internal addresses, directly or through redirects.

Only loopback targets are used: a refused address is never contacted, and an allowed one is
a server this test runs on 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
from tests.support.fault_server import JPEG, FaultServer
from tests.support.http_server import ImageServer

DEFAULT = ExtractSettings(fetch=FetchSettings(retries=1, backoff_factor=0.01))
ONLY_127_0_0_1 = ExtractSettings(fetch=FetchSettings(retries=1, backoff_factor=0.01,
                                                     allowed_networks=("127.0.0.1/32",)))


@pytest.fixture(scope="module")
def servers():
    images = ImageServer().start()
    images.files["/a.jpg"] = JPEG
    faults = FaultServer()
    yield images, faults
    images.stop()
    faults.stop()


def fetch(url: str, settings: ExtractSettings) -> dict:
    return extract_one(url, None, Clients(settings.fetch), settings, "guard")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_loopback_urls_are_refused_without_a_request(servers, host):
    images, _ = servers
    port = images.server_address[1]
    before = images.count("a.jpg")
    row = fetch(f"http://{host}:{port}/a.jpg", DEFAULT)
    assert (row["error_type"], row["stage"], row["attempts"]) == ("blocked_address", "fetch", 1)
    assert "loopback" in row["error_message"]
    assert images.count("a.jpg") == before


def test_allowed_network_is_reached(servers):
    images, _ = servers
    row = fetch(images.url("a.jpg"), ONLY_127_0_0_1)
    assert row["status"] == "ok", row


def test_redirect_to_a_refused_address_is_refused_after_the_redirect(servers):
    images, faults = servers
    target = f"http://127.0.0.2:{images.server_address[1]}/a.jpg"  # loopback, not allowed
    row = fetch(faults.url(f"redirect-to?url={quote(target)}"), ONLY_127_0_0_1)
    assert row["error_type"] == "blocked_address", row
    assert "127.0.0.2" in row["error_message"]


def test_redirect_to_an_allowed_address_is_followed(servers):
    images, faults = servers
    row = fetch(faults.url(f"redirect-to?url={quote(images.url('a.jpg'))}"), ONLY_127_0_0_1)
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row


def test_local_files_are_refused_unless_allowed(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(JPEG)
    for url in (str(path), f"file://{path}"):
        row = fetch(url, DEFAULT)
        assert (row["error_type"], row["stage"]) == ("unsupported_scheme", "manifest")
    assert fetch(str(path), ExtractSettings(allow_local_files=True))["status"] == "ok"


def test_https_urls_to_loopback_are_refused_before_any_tls(servers):
    images, _ = servers
    row = fetch(f"https://127.0.0.1:{images.server_address[1]}/a.jpg", DEFAULT)
    assert (row["error_type"], row["stage"]) == ("blocked_address", "fetch"), row


def test_a_refused_connection_is_named_with_the_systems_reason():
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    row = fetch(f"http://127.0.0.1:{port}/a.jpg", ONLY_127_0_0_1)
    assert row["error_type"] == "connection_error"
    assert row["error_message"] == (f"cannot connect to http://127.0.0.1:{port}/a.jpg: Failed to "
                                    "establish a new connection: [Errno 111] Connection refused")


def test_an_allowed_network_may_be_written_with_host_bits():
    import ipaddress

    from image_metadata.fetch.netguard import AddressPolicy

    policy = AddressPolicy(allowed_networks=("127.0.0.5/8",))
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
