"""One image, one wall-clock bound, whatever the server does.

Socket timeouts bound each wait, not the whole: a server that sends one header byte every
half second, an endless run of '100 Continue' or a trickling chunk-size line never trips them.
So every socket an image uses is adopted by its ``Deadline``, and a ``Watchdog`` thread shuts
those sockets down when the deadline passes: whatever the blocked call was (connect, TLS,
status line, headers, body), it returns at once. Sleeps between retries wait on the deadline
too, and readers check ``expired`` as they go, which bounds parsing as well.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from image_metadata.exceptions import FetchTimeout

_local = threading.local()


class Deadline:
    """The bound of one image; ``expired`` turns True from the watchdog thread."""

    __slots__ = ("_event", "_lock", "_sockets", "_watchdog", "done", "expired", "expires_at",
                 "seconds", "what")

    def __init__(self, seconds: float, what: str = "the image",
                 watchdog: Watchdog | None = None) -> None:
        self.seconds = seconds
        self.what = what
        self.expires_at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        self._sockets: dict[int, socket.socket] = {}  # descriptor -> its duplicate
        self._lock = threading.Lock()
        self._event: threading.Event | None = None  # made when someone waits
        self._watchdog = watchdog

    def remaining(self) -> float:
        return 0.0 if self.expired else max(self.expires_at - time.monotonic(), 0.0)

    def check(self) -> None:
        """Raise FetchTimeout once the bound has passed."""
        if self.expired or time.monotonic() >= self.expires_at:
            raise self.failure()

    def failure(self, **details: object) -> FetchTimeout:
        return FetchTimeout(f"{self.what} took longer than the {self.seconds:g} s bound",
                            **details)

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking when the deadline passes."""
        with self._lock:
            if self._event is None:
                self._event = threading.Event()
                if self.expired:
                    self._event.set()
            event = self._event
        event.wait(min(seconds, self.remaining()))

    def adopt(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has passed). A duplicate
        descriptor is kept: TLS wraps and detaches the socket object it is handed."""
        fd = sock.fileno()
        duplicate = _duplicate(sock)
        with self._lock:
            if not self.expired and not self.done:
                previous = self._sockets.pop(fd, None)
                self._sockets[fd] = duplicate
                if previous is not None:
                    previous.close()
                return
        _shut(duplicate)
        raise self.failure()

    def disown(self, sock: socket.socket) -> None:
        """``sock`` goes back to a pool for other images: no longer this deadline's to cut."""
        try:
            fd = sock.fileno()
        except OSError:
            return
        with self._lock:
            duplicate = self._sockets.pop(fd, None)
        if duplicate is not None:
            duplicate.close()

    def expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True
            sockets, self._sockets = self._sockets, {}
            event = self._event
        if event is not None:
            event.set()
        for sock in sockets.values():
            _shut(sock)

    def release(self) -> None:
        """The image is finished: forget its sockets (pooled connections live on)."""
        with self._lock:
            self.done = True
            sockets, self._sockets = self._sockets, {}
        for sock in sockets.values():
            sock.close()
        if self._watchdog is not None:
            self._watchdog.finished()


def _duplicate(sock: socket.socket) -> socket.socket:
    """The same connection on a descriptor of its own. An SSLSocket (a pooled HTTPS
    connection taken again) refuses dup(); the descriptor under it is duplicated instead."""
    return socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the peer or by its user
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class Watchdog:
    """Expires deadlines on time; one thread, started on first use, per partition."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._finished = 0  # released deadlines still in the heap

    def deadline(self, seconds: float, what: str = "the image") -> Deadline:
        deadline = Deadline(seconds, what, self)
        with self._cond:
            heapq.heappush(self._heap, (deadline.expires_at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="imgmeta-deadlines",
                                                daemon=True)
                self._thread.start()
            if self._heap[0][2] is deadline:  # later ones are found when the earlier expire
                self._cond.notify()
        return deadline

    def finished(self) -> None:
        """A deadline was released: drop the released ones once they are half the heap, so a
        partition of 100,000 quick images holds a few, not every one of the last minute."""
        with self._cond:
            self._finished += 1
            if self._finished > 64 and self._finished * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
                self._finished = 0

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    _at, _n, deadline = heapq.heappop(self._heap)
                    if deadline.done:
                        self._finished = max(self._finished - 1, 0)
                    else:
                        deadline.expire()
                wait = self._heap[0][0] - now if self._heap else None
                self._cond.wait(wait)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)


def current() -> Deadline | None:
    """The deadline of the image this thread works on, if any."""
    return getattr(_local, "deadline", None)


@contextmanager
def active(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` this thread's current one while the block runs; release it after."""
    previous = current()
    _local.deadline = deadline
    try:
        yield deadline
    finally:
        _local.deadline = previous
        deadline.release()
