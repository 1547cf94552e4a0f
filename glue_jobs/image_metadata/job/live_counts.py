"""URLs done and failed as they happen, for the progress of a local run.

Spark merges accumulators only when a task ends, and a small local run has one task per
core, so they stay at 0 until the end. On a local master the Python workers share the
driver's machine: each sends its counts to a UDP socket the driver listens on at 127.0.0.1,
a few times a second. The counts are a display, never the run's accounting (the summary counts
the results themselves); a lost datagram only makes the bar lag until the accumulators land.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

_MESSAGE = struct.Struct("!16sQQ")  # sender id, done, failed: totals so far, not deltas
SEND_EVERY = 0.25  # seconds between a worker's reports


class Listener:
    """The driver's end: the latest totals of every sender, summed."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.address: tuple[str, int] = self._socket.getsockname()
        self._latest: dict[bytes, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._receive, name="imgmeta-live-counts",
                                        daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._closed.is_set():
            try:
                data = self._socket.recv(64)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) != _MESSAGE.size:
                continue  # not ours: anyone on this machine may send to the port
            sender, done, failed = _MESSAGE.unpack(data)
            with self._lock:
                self._latest[sender] = (done, failed)

    def counts(self) -> tuple[int, int]:
        """(done, failed) summed over every sender's latest report."""
        with self._lock:
            totals = list(self._latest.values())
        return sum(d for d, _ in totals), sum(f for _, f in totals)

    def close(self) -> None:
        self._closed.set()
        self._socket.close()
        self._thread.join(1)


class Reporter:
    """A task's end: counts one URL at a time, sends its totals at most every SEND_EVERY."""

    def __init__(self, address: tuple[str, int], sender: bytes) -> None:
        self._address = address
        self._sender = sender[:16].ljust(16, b"\0")
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.done = self.failed = 0
        self._sent_at = 0.0

    def add(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        now = time.monotonic()
        if now - self._sent_at >= SEND_EVERY:
            self._send()
            self._sent_at = now

    def _send(self) -> None:
        with contextlib.suppress(OSError):  # a display only: the run goes on without it
            self._socket.sendto(_MESSAGE.pack(self._sender, self.done, self.failed),
                                self._address)

    def close(self) -> None:
        self._send()
        self._socket.close()
