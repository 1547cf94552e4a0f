"""The Spark job under faults: every row accounted for, nothing duplicated by task retries,
and a million-row manifest without the driver holding the rows."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import pipeline
from tests.support.fault_server import FaultServer, wait_until

pytestmark = pytest.mark.spark
SETTINGS = ExtractSettings(concurrency=8, fetch=FetchSettings(
    retries=1, backoff_factor=0.01, read_timeout=0.5, image_timeout=3.0,
    allowed_networks=("127.0.0.1/32",)))


@pytest.fixture(scope="module")
def faults():
    server = FaultServer()
    yield server
    server.stop()


def rows(output: Path, dataset: str) -> list[dict]:
    return ds.dataset(output / dataset, partitioning="hive").to_table().to_pylist()


def test_a_manifest_of_faults_completes_with_one_row_per_url(spark, faults, tmp_path):
    paths = ["status/404/x.jpg", "status/500/x.jpg", "retry-after/429/0/x.jpg", "stall/x.jpg",
             "reset/x.jpg", "bad-range/x.jpg", "huge/x.jpg", "loop/x.jpg", "ok/x.jpg",
             "redirect-to?url=ftp%3A%2F%2Fexample.invalid%2Fa.jpg"]
    urls = [faults.url(p) for p in paths] + ["http://no-such-host.invalid/a.jpg",
                                             "http://127.0.0.2:9/blocked.jpg", "not a url"]
    manifest = tmp_path / "faults.txt"
    manifest.write_text("\n".join(urls) + "\n")
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="faults", extract=SETTINGS))
    assert summary["accounted"] and summary["input_rows"] == len(urls)
    assert summary["succeeded"] == 2  # ok/ and huge/
    found = rows(tmp_path / "out", "images") + rows(tmp_path / "out", "failures")
    assert sorted(r["url"] for r in found) == sorted(urls)
    assert summary["failed_by_error_type"] == {
        "not_found": 1, "http_error": 2, "throttled": 1, "timeout": 1,
        "connection_error": 3, "unsupported_scheme": 1, "blocked_address": 1,
        "invalid_url": 1}


def _python_workers() -> list[int]:
    """PIDs of PySpark's Python workers: the children of its worker daemon."""
    daemons, parents = set(), {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if b"pyspark.daemon" in cmdline:
            daemons.add(int(entry))
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return [pid for pid, parent in parents.items() if parent in daemons]


def test_a_task_that_dies_is_retried_without_duplicating_rows(spark, faults, tmp_path):
    urls = [faults.url(f"ok/{i}.jpg") for i in range(40)] + [faults.url("hold/slow.jpg")]
    manifest = tmp_path / "retry.txt"
    manifest.write_text("\n".join(urls) + "\n")
    faults.release.clear()

    def kill_workers_while_holding() -> None:
        if wait_until(lambda: faults.count("hold/slow.jpg") >= 1, timeout=60):
            for pid in _python_workers():
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        faults.release.set()

    killer = threading.Thread(target=kill_workers_while_holding)
    killer.start()
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="retry", extract=SETTINGS))
    killer.join()
    assert faults.count("hold/slow.jpg") >= 2  # the task really ran again
    images = rows(tmp_path / "out", "images")
    assert len(images) == len({r["url"] for r in images}) == len(urls)
    assert (summary["succeeded"], summary["failed"], summary["accounted"]) == (len(urls), 0, True)


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_million_row_manifest_runs_without_the_driver_holding_its_rows(spark, tmp_path):
    manifest = tmp_path / "million.csv"
    with manifest.open("w") as handle:
        handle.write("id,url\n")
        for i in range(1_000_000):
            handle.write(f"{i},ftp://example.invalid/{i}.jpg\n")  # fails fast, no network
    Path("/proc/self/clear_refs").write_text("5")  # reset this process's peak RSS
    before = _peak_rss_mb()
    summary = pipeline.run(spark, pipeline.RunConfig(str(manifest), str(tmp_path / "out"),
                                                     run_id="million", extract=SETTINGS))
    assert summary["input_rows"] == summary["failed"] == 1_000_000
    assert summary["accounted"]
    assert summary["failed_by_error_type"] == {"unsupported_scheme": 1_000_000}
    assert _peak_rss_mb() - before < 100  # the driver's Python side never sees the rows
    stored = json.loads((tmp_path / "out" / "runs" / "million.json").read_text())
    assert stored["distinct_urls"] == 1_000_000
