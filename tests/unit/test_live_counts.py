"""A local run's progress counts each URL as it is done, not each Spark task as it ends."""

from __future__ import annotations

import socket
import time

from image_metadata.job import live_counts


def eventually(listener: live_counts.Listener, expected: tuple[int, int]) -> tuple[int, int]:
    deadline = time.monotonic() + 5
    while listener.counts() != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return listener.counts()


def test_a_workers_counts_reach_the_driver_before_its_task_ends():
    listener = live_counts.Listener()
    try:
        reporter = live_counts.Reporter(listener.address, b"task-1")
        reporter.add(failed=False)  # the first is sent at once
        assert eventually(listener, (1, 0)) == (1, 0)
        reporter.close()
    finally:
        listener.close()


def test_the_counts_of_every_worker_are_summed_from_their_latest_totals():
    listener = live_counts.Listener()
    try:
        first = live_counts.Reporter(listener.address, b"task-1")
        second = live_counts.Reporter(listener.address, b"task-2")
        for failed in (False, True, False):
            first.add(failed)
        second.add(True)
        first.close()  # sends its totals whatever the interval
        second.close()
        assert eventually(listener, (4, 2)) == (4, 2)
    finally:
        listener.close()


def test_a_datagram_that_is_not_a_report_is_ignored():
    listener = live_counts.Listener()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            other.sendto(b"hello", listener.address)
        reporter = live_counts.Reporter(listener.address, b"task-1")
        reporter.add(failed=True)
        reporter.close()
        assert eventually(listener, (1, 1)) == (1, 1)
    finally:
        listener.close()
