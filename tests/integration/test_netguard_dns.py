"""The address guard against DNS answers it does not choose: several answers of which one is
internal, answers that change between lookups (DNS rebinding), a name only the guard's own
lookup knows. A fake ``getaddrinfo`` gives the answers (no DNS server runs here); every
connection goes to a real server on 127.0.0.1.

The policy allows 127.0.0.1 only, so 127.0.0.2 stands for an internal address: a refused
answer is never contacted, and an allowed one is a server of this test.
"""

from __future__ import annotations

import socket
import time

import pytest

from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
from tests.support.fault_server import JPEG
from tests.support.http_server import ImageServer

NAME = "images.guard.test"  # resolvable only through the fake below
ALLOWED, INTERNAL = "127.0.0.1", "127.0.0.2"
SETTINGS = ExtractSettings(fetch=FetchSettings(retries=0, allowed_networks=("127.0.0.1/32",),
                                               image_timeout=10.0))


@pytest.fixture(autouse=True)
def _no_lookup_shared_across_tests():
    """Images of one host share a lookup under way; each test's fake DNS answers its own."""
    from image_metadata.fetch import netguard

    yield
    with netguard._resolvers_lock:
        netguard._inflight.clear()


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
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (a, port, 0, 0) if ":" in a else (a, port))
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


class SlowDns(FakeDns):
    """A resolver that answers only after ``delay`` seconds (a lookup that hangs)."""

    def __init__(self, delay: float, *answers: list[str]) -> None:
        super().__init__(*answers)
        self.delay = delay

    def __call__(self, host, port, *args, **kwargs):
        if host == NAME:
            import time

            time.sleep(self.delay)
        return super().__call__(host, port, *args, **kwargs)


def test_a_lookup_that_hangs_ends_at_the_image_bound(server, monkeypatch):
    import time

    from image_metadata.fetch.clients import FetchSettings as Fetch

    quick = ExtractSettings(fetch=Fetch(retries=0, allowed_networks=("127.0.0.1/32",),
                                        image_timeout=1.0))
    monkeypatch.setattr(socket, "getaddrinfo", SlowDns(4.0, [ALLOWED]))
    started = time.monotonic()
    url = f"http://{NAME}:{server.server_address[1]}/a.jpg"
    row = extract_one(url, None, Clients(quick.fetch), quick, "dns")
    assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
    assert time.monotonic() - started < 2.5


def test_a_connection_made_outside_an_images_bound_is_still_checked(server, monkeypatch):
    """The guarded pools do not rely on a deadline being there: a bare request through them
    is checked the same way."""
    from urllib3 import PoolManager

    from image_metadata.fetch.netguard import AddressPolicy, BlockedAddressError, pool_classes

    monkeypatch.setattr(socket, "getaddrinfo", FakeDns([ALLOWED]))
    url = f"http://{NAME}:{server.server_address[1]}/a.jpg"
    allowed = PoolManager(retries=False)
    allowed.pool_classes_by_scheme = pool_classes(AddressPolicy(allowed_networks=("127.0.0.1/32",)))
    assert allowed.request("GET", url).status == 200
    refused = PoolManager(retries=False)
    refused.pool_classes_by_scheme = pool_classes(AddressPolicy())
    with pytest.raises(BlockedAddressError, match=r"resolves to 127\.0\.0\.1, a loopback"):
        refused.request("GET", url)


def test_a_trusted_endpoints_connection_outside_an_images_bound_is_not_cut(server):
    """The S3 endpoint's connection class hands its sockets to the current image's deadline;
    a request made with no image under way (a manifest listing) simply goes through."""
    from urllib3 import HTTPConnectionPool
    from urllib3.connection import HTTPConnection

    from image_metadata.fetch import deadline
    from image_metadata.fetch.netguard import deadline_connection_class

    assert deadline.current() is None
    pool = type("Pool", (HTTPConnectionPool,), {
        "ConnectionCls": deadline_connection_class(HTTPConnection)})
    with pool("127.0.0.1", server.server_address[1], retries=False) as connections:
        assert connections.request("GET", "/a.jpg").data == JPEG


@pytest.mark.parametrize(("connect_timeout", "image_timeout"), [(0.5, 5.0), (10.0, 1.0)],
                         ids=["connect-timeout", "image-bound"])
def test_a_host_that_accepts_no_connection_in_time_is_a_timeout(connect_timeout, image_timeout):
    """A listening socket whose accept queue is full drops new connections' SYNs: the connect
    waits until connect_timeout."""
    import time

    from image_metadata.fetch.clients import FetchSettings as Fetch

    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    port = full.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # the queue holds backlog + 1 (or so): fill it for certain
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.2)
        settings = ExtractSettings(fetch=Fetch(retries=0, connect_timeout=connect_timeout,
                                               image_timeout=image_timeout,
                                               allowed_networks=("127.0.0.1/32",)))
        started = time.monotonic()
        row = extract_one(f"http://127.0.0.1:{port}/a.jpg", None, Clients(settings.fetch),
                          settings, "dns")
        assert (row["error_type"], row["stage"]) == ("timeout", "fetch"), row
        assert time.monotonic() - started < min(connect_timeout, image_timeout) + 2.0
    finally:
        for s in fillers:
            s.close()
        full.close()


def test_a_scoped_ipv6_answer_is_judged_by_its_address(server, monkeypatch):
    row = fetch(server, FakeDns(["fe80::1%eth0"]), monkeypatch)
    assert (row["error_type"], row["stage"]) == ("blocked_address", "fetch"), row
    assert "fe80::1, a link-local address" in row["error_message"]


def test_the_guard_asks_the_resolver_for_stream_sockets_only():
    from image_metadata.fetch.netguard import _lookup

    answers = _lookup("localhost", 80)
    assert answers and {kind for _family, kind, *_rest in answers} == {socket.SOCK_STREAM}


@pytest.fixture()
def full_backlog():
    from tests.support.backlog import full_backlog as port

    with port() as number:
        yield number


def test_a_guarded_connection_under_an_images_bound_waits_no_longer_than_the_bound(full_backlog):
    """The guard bounds a connect by the image's time left, whatever timeout the caller gave:
    a connection urllib3 makes again on a retry keeps the timeout of the first attempt."""
    import urllib3

    from image_metadata.fetch import deadline
    from image_metadata.fetch.netguard import AddressPolicy, pool_classes

    manager = urllib3.PoolManager(retries=False)
    manager.pool_classes_by_scheme = pool_classes(AddressPolicy(allowed_networks=("127.0.0.1/32",)))
    started = time.monotonic()
    with deadline.active(deadline.Deadline(1.0)), pytest.raises(urllib3.exceptions.HTTPError):
        manager.request("GET", f"http://127.0.0.1:{full_backlog}/a.jpg",
                        timeout=urllib3.Timeout(connect=10.0))
    assert time.monotonic() - started < 3.0


def test_a_guarded_connection_made_on_its_own_takes_urllib3s_default_timeout(server):
    from urllib3.connection import HTTPConnection

    from image_metadata.fetch.netguard import AddressPolicy, pool_classes

    connection_class = pool_classes(AddressPolicy(allowed_networks=("127.0.0.1/32",)))[
        "http"].ConnectionCls
    assert issubclass(connection_class, HTTPConnection)
    connection = connection_class("127.0.0.1", server.server_address[1])  # no timeout given
    connection.request("GET", "/a.jpg", headers={"Range": f"bytes=0-{len(JPEG) - 1}"})
    response = connection.getresponse()
    assert (response.status, response.data) == (206, JPEG)
    connection.close()


def test_a_pooled_connection_the_next_image_takes_is_cut_at_that_images_bound():
    """B takes the connection A left in the pool; B's server sends its headers a byte at a
    time, which no read timeout sees. B ends at B's bound."""
    from tests.support.fault_server import FaultServer

    faults = FaultServer()
    settings = ExtractSettings(fetch=FetchSettings(image_timeout=1.5, read_timeout=20.0,
                                                   allowed_networks=("127.0.0.1/32",)))
    clients = Clients(settings.fetch)
    try:
        first = extract_one(faults.url("ok/a.jpg"), "a", clients, settings, "pool")
        started = time.monotonic()
        second = extract_one(faults.url("header-trickle/b.jpg"), "b", clients, settings, "pool")
        seconds = time.monotonic() - started
    finally:
        clients.close()
        faults.stop()
    assert first["status"] == "ok", first
    assert second["error_type"] == "timeout", second
    assert seconds < 1.5 + 1.0


@pytest.fixture(scope="module")
def tls_faults(tmp_path_factory):
    """The fault server over TLS, with a certificate for 127.0.0.1 that the test trusts
    (SSL_CERT_FILE, which OpenSSL's default verify paths read)."""
    from tests.support.fault_server import FaultServer
    from tests.support.tls import wrap

    server = FaultServer()
    cert = wrap(server, tmp_path_factory.mktemp("tls-faults"))
    yield server, cert
    server.stop()


def test_an_https_image_that_timed_out_does_not_cut_the_connection_another_reuses(
        tls_faults, monkeypatch):
    """As over HTTP: A's 503 hands its TLS connection back to the pool while A waits out
    Retry-After; B takes it. When A's bound passes, B's request on it goes on."""
    from concurrent.futures import ThreadPoolExecutor

    server, cert = tls_faults
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    base = f"https://127.0.0.1:{server.server_address[1]}"
    settings = ExtractSettings(fetch=FetchSettings(image_timeout=4.0, retries=3,
                                                   backoff_factor=0.01, read_timeout=20.0,
                                                   allowed_networks=("127.0.0.1/32",)))
    clients = Clients(settings.fetch)

    def later(path: str, delay: float) -> dict:
        time.sleep(delay)
        return extract_one(f"{base}/{path}", "id", clients, settings, "tls")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(later, "busy-then-silent/pooled.jpg", 0.0)
        second = pool.submit(later, "slow/3.7/pooled.jpg", 0.5)
        a, b = first.result(), second.result()
    clients.close()
    assert a["error_type"] == "timeout", a
    assert (b["status"], b["format"]) == ("ok", "JPEG"), b


def test_images_read_one_after_another_share_one_pooled_connection(server):
    clients = Clients(SETTINGS.fetch)
    before = server.connections
    try:
        rows = [extract_one(server.url("a.jpg"), str(i), clients, SETTINGS, "pool")
                for i in range(3)]
    finally:
        clients.close()
    assert [row["status"] for row in rows] == ["ok"] * 3
    assert server.connections - before == 1


def _s3_at(monkeypatch, server) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url("s3"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_a_pooled_s3_connection_the_next_image_takes_is_cut_at_that_images_bound(monkeypatch):
    """B's GetObject goes out on the connection A's answer left in the S3 client's pool, and
    the endpoint never answers it: B ends at B's bound, not at the 20 s read timeout."""
    from tests.support.fault_server import FaultServer

    faults = FaultServer()
    _s3_at(monkeypatch, faults)
    settings = ExtractSettings(fetch=FetchSettings(image_timeout=1.5, read_timeout=20.0,
                                                   retries=0))
    clients = Clients(settings.fetch)
    try:
        first = extract_one("s3://missing/a.jpg", "a", clients, settings, "pool")
        started = time.monotonic()
        second = extract_one("s3://silent/b.jpg", "b", clients, settings, "pool")
        seconds = time.monotonic() - started
    finally:
        clients.close()
        faults.stop()
    assert first["error_type"] == "not_found", first
    assert second["error_type"] == "timeout", second
    assert seconds < 1.5 + 1.0
    assert faults.connections == 1  # B did take A's connection


class HangingDns:
    """getaddrinfo that never answers for names under ``.hang.test`` until released; other
    names resolve as usual. Counts the lookups of each name."""

    def __init__(self) -> None:
        import threading
        from collections import Counter

        self.release = threading.Event()
        self.lookups: Counter[str] = Counter()
        self._real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        if host.endswith(".hang.test"):
            self.lookups[host] += 1
            self.release.wait(20)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return self._real(host, port, *args, **kwargs)


def _hung_then_good(server, monkeypatch, hung_hosts: list[str]) -> tuple[list[dict], HangingDns]:
    from image_metadata.extract import RESULT_NAMES, extract_partition

    dns = HangingDns()
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    port = server.server_address[1]
    settings = ExtractSettings(concurrency=len(hung_hosts) + 1, fetch=FetchSettings(
        retries=0, allowed_networks=("127.0.0.1/32",), image_timeout=2.0))
    rows = [(f"http://{host}:{port}/a.jpg", str(i)) for i, host in enumerate(hung_hosts)]
    rows.append((server.url("a.jpg"), "good"))
    try:
        results = [dict(zip(RESULT_NAMES, row, strict=True))
                   for row in extract_partition(rows, settings, "dns")]
        return results, dns
    finally:
        dns.release.set()


def test_images_of_one_host_whose_resolver_hangs_share_one_lookup(server, monkeypatch):
    results, dns = _hung_then_good(server, monkeypatch, ["one.hang.test"] * 20)
    by_id = {row["id"]: row for row in results}
    assert by_id["good"]["status"] == "ok", by_id["good"]
    assert {by_id[str(i)]["error_type"] for i in range(20)} == {"timeout"}
    assert dns.lookups["one.hang.test"] == 1


def test_fifteen_hung_lookups_leave_a_resolver_thread_for_the_next_host(server, monkeypatch):
    results, _dns = _hung_then_good(server, monkeypatch,
                                    [f"h{i}.hang.test" for i in range(15)])
    good = next(row for row in results if row["id"] == "good")
    assert good["status"] == "ok", good


def test_a_lookup_that_is_done_is_not_reused_by_the_next_image(server, monkeypatch):
    """Sharing is for lookups under way only: an answer once given is not kept, so the next
    image asks the resolver again (a name's answer may change; a failure may pass)."""
    dns = FakeDns([], [ALLOWED])  # the first lookup fails, the second answers
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    url = f"http://{NAME}:{server.server_address[1]}/a.jpg"
    clients = Clients(SETTINGS.fetch)
    try:
        first = extract_one(url, "1", clients, SETTINGS, "dns")
        second = extract_one(url, "2", clients, SETTINGS, "dns")
    finally:
        clients.close()
    assert (first["error_type"], second["status"]) == ("connection_error", "ok"), (first, second)
    assert dns.lookups == 2
