"""A port on 127.0.0.1 whose accept queue is full: a new connection's SYN is dropped, so a
connect waits for its timeout (a host that accepts no connection in time)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def full_backlog() -> Iterator[int]:
    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    fillers = []
    for _ in range(4):  # the queue holds backlog + 1 (or so): fill it for certain
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(full.getsockname())
        fillers.append(filler)
    time.sleep(0.2)
    try:
        yield full.getsockname()[1]
    finally:
        for filler in fillers:
            filler.close()
        full.close()
