"""Untrusted URLs must not reach the network the job runs in.

HTTP(S) connections resolve the host themselves, refuse addresses that are loopback,
link-local (169.254.0.0/16, where the instance metadata service lives), private, multicast,
unspecified or reserved, and connect to the very address that was checked, so a DNS answer
cannot change between the check and the connection. Every connection goes through this,
redirect targets included, and each socket is handed to the current image's deadline. An
``AddressPolicy`` may allow named networks, or all private ones (tests, on-premises sources).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import _set_socket_options, allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from image_metadata.exceptions import FetchTimeout
from image_metadata.fetch import deadline

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddressError(Exception):
    """Not an OSError on purpose: urllib3 must not retry it as a connection failure."""


def blocked_reason(address: Address) -> str | None:
    """Why a connection to ``address`` is refused, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        # IPv4-mapped and 6to4 addresses are judged by the IPv4 address they carry.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            address = embedded
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        # Shared address space (100.64.0.0/10), documentation ranges and the like.
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


_resolvers: ThreadPoolExecutor | None = None
_resolvers_lock = threading.Lock()
# Lookups under way, by (host, port): images of one host share its lookup, so a name whose
# resolver never answers holds one of the threads, not one per image.
_inflight: dict[tuple[str, int], Future] = {}
RESOLVER_THREADS = 16


def _lookup(host: str, port: int) -> list:
    return socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)


def _resolve(host: str, port: int, bound: deadline.Deadline | None) -> list:
    """getaddrinfo, within the image's deadline: the system resolver cannot be interrupted,
    so a lookup runs on a shared thread and is given up on when the deadline passes."""
    if bound is None:
        return _lookup(host, port)
    global _resolvers
    key = (host, port)
    with _resolvers_lock:
        if _resolvers is None:
            _resolvers = ThreadPoolExecutor(max_workers=RESOLVER_THREADS,
                                            thread_name_prefix="imgmeta-dns")
        future = _inflight.get(key)
        started = future is None
        if started:
            future = _inflight[key] = _resolvers.submit(_lookup, host, port)
    if started:  # outside the lock: a lookup already done calls back at once
        future.add_done_callback(lambda done: _forget(key, done))
    try:
        return future.result(timeout=bound.remaining())
    except FutureTimeout:  # the lookup goes on for whoever shares it; this image is done
        raise bound.failure() from None


def _forget(key: tuple[str, int], done: Future) -> None:
    with _resolvers_lock:
        if _inflight.get(key) is done:
            del _inflight[key]


def _connect_checked(conn: HTTPConnection, policy: AddressPolicy) -> socket.socket:
    host = conn._dns_host.strip("[]")
    try:
        answers = _resolve(host, conn.port, deadline.current())
    except socket.gaierror as e:
        raise NameResolutionError(conn.host, conn, e) from e
    for *_ignored, sockaddr in answers:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = policy.refusal(address)
        if reason:  # one bad answer refuses the host: no choosing among answers
            raise BlockedAddressError(f"{conn.host} resolves to {address}, a {reason} address")
    error: OSError | None = None
    bound = deadline.current()
    for family, kind, proto, _name, sockaddr in answers:
        sock = socket.socket(family, kind, proto)
        try:
            if bound is not None:  # shut down when the image's time is up, even mid-connect
                bound.adopt(sock)
            _set_socket_options(sock, conn.socket_options)
            timeout = None if conn.timeout is _DEFAULT_TIMEOUT else conn.timeout
            if bound is not None:
                timeout = min(timeout or bound.remaining(), bound.remaining())
            if timeout is not None:
                sock.settimeout(timeout)
            sock.connect(sockaddr)  # the checked address, not a fresh lookup
            return sock
        except FetchTimeout:  # pragma: no cover - the deadline passing between lookup and connect
            sock.close()
            raise
        except TimeoutError as e:
            sock.close()
            raise ConnectTimeoutError(conn, f"connection to {conn.host} timed out") from e
        except OSError as e:
            sock.close()
            error = e
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")


class AddressPolicy:
    """Which addresses may be contacted: public ones, plus any explicitly allowed networks."""

    def __init__(self, allow_private: bool = False, allowed_networks: tuple[str, ...] = ()):
        self.allow_private = allow_private
        self.allowed = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)

    def refusal(self, address: Address) -> str | None:
        if self.allow_private:
            return None
        if any(address.version == net.version and address in net for net in self.allowed):
            return None
        return blocked_reason(address)


def _adopting_request(base: type) -> Any:
    def request(self: Any, *args: Any, **kwargs: Any) -> None:
        bound = deadline.current()
        if bound is not None and self.sock is not None:  # a pooled connection, used again
            bound.adopt(self.sock)
        return base.request(self, *args, **kwargs)

    return request


def _connection_class(base: type[HTTPConnection], policy: AddressPolicy) -> type:
    def _new_conn(self: Any) -> socket.socket:
        return _connect_checked(self, policy)

    return type(f"Guarded{base.__name__}", (base,), {"_new_conn": _new_conn,
                                                      "request": _adopting_request(base)})


def deadline_connection_class(base: type[HTTPConnection]) -> type:
    """``base`` whose sockets are handed to the current image's deadline (no address check:
    for S3 endpoints, which the job trusts)."""

    def _new_conn(self: Any) -> socket.socket:
        sock = base._new_conn(self)
        bound = deadline.current()
        if bound is not None:
            bound.adopt(sock)
        return sock

    return type(f"Bounded{base.__name__}", (base,), {"_new_conn": _new_conn,
                                                      "request": _adopting_request(base)})


def disowning_put(base: type) -> Any:
    def put(self: Any, conn: Any) -> None:
        bound = deadline.current()
        if bound is not None and conn is not None and conn.sock is not None:
            bound.disown(conn.sock)  # the next image to take it must not be cut by this one
        base._put_conn(self, conn)

    return put


def pool_classes(policy: AddressPolicy) -> dict[str, type]:
    """Connection pool classes for urllib3's PoolManager.pool_classes_by_scheme."""
    http = _connection_class(HTTPConnection, policy)
    https = _connection_class(HTTPSConnection, policy)
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,),
                     {"ConnectionCls": http, "_put_conn": disowning_put(HTTPConnectionPool)}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,),
                      {"ConnectionCls": https, "_put_conn": disowning_put(HTTPSConnectionPool)}),
    }
