"""The address guard against DNS answers it does not choose: several answers of which one is
internal, answers that change between lookups (DNS rebinding), a name only the guard's own
lookup knows. A fake ``getaddrinfo`` gives the answers (no DNS server runs here); every
connection goes to a real server on 127.0.0.1.

The policy allows 127.0.0.1 only, so 127.0.0.2 stands for an internal address: a refused
answer is never contacted, and an allowed one is a server of this test.
"""

from __future__ import annotations

import socket

import pytest

from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.sources import Clients, FetchSettings
from tests.support.fault_server import JPEG
from tests.support.http_server import ImageServer

NAME = "images.guard.test"  # resolvable only through the fake below
ALLOWED, INTERNAL = "127.0.0.1", "127.0.0.2"
SETTINGS = ExtractSettings(fetch=FetchSettings(retries=0, allowed_networks=("127.0.0.1/32",),
                                               image_timeout=10.0))


@pytest.fixture(scope="module")
def server():
    images = ImageServer().start()
    images.files["/a.jpg"] = JPEG
    yield images
    images.stop()


class FakeDns:
    """getaddrinfo for NAME: each lookup takes the next list of answers (the last repeats)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups = 0
        self._real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        if host != NAME:
            return self._real(host, port, *args, **kwargs)
        addresses = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port))
                for a in addresses]


def fetch(server: ImageServer, dns: FakeDns, monkeypatch) -> dict:
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    url = f"http://{NAME}:{server.server_address[1]}/a.jpg"
    return extract_one(url, None, Clients(SETTINGS.fetch), SETTINGS, "dns")


def test_a_name_is_connected_to_at_the_address_the_guard_checked(server, monkeypatch):
    # The system resolver does not know NAME: only a connection to the checked address works.
    row = fetch(server, FakeDns([ALLOWED]), monkeypatch)
    assert (row["status"], row["format"]) == ("ok", "JPEG"), row


@pytest.mark.parametrize("answers", [[ALLOWED, INTERNAL], [INTERNAL, ALLOWED]],
                         ids=["internal-second", "internal-first"])
def test_one_internal_answer_among_several_refuses_the_host(server, monkeypatch, answers):
    row = fetch(server, FakeDns(answers), monkeypatch)
    assert (row["error_type"], row["stage"]) == ("blocked_address", "fetch"), row
    assert INTERNAL in row["error_message"]


def test_an_internal_answer_is_never_contacted(server, monkeypatch):
    before = server.count("a.jpg")
    fetch(server, FakeDns([ALLOWED, INTERNAL]), monkeypatch)
    assert server.count("a.jpg") == before


def test_an_answer_that_changes_after_the_check_is_not_followed(server, monkeypatch):
    # Rebinding: the first lookup passes the check, every later one names an internal
    # address. The connection uses the answer that was checked, from one lookup.
    dns = FakeDns([ALLOWED], [INTERNAL])
    row = fetch(server, dns, monkeypatch)
    assert row["status"] == "ok", row
    assert dns.lookups == 1


def test_a_name_that_does_not_resolve_is_a_connection_error(server, monkeypatch):
    row = fetch(server, FakeDns([]), monkeypatch)
    assert (row["error_type"], row["stage"]) == ("connection_error", "fetch"), row
