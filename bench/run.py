"""The benchmark suite: one command, results as a markdown table in bench/results/.

    .venv/bin/python bench/run.py [--repeat 3] [--quick]        (make bench)

Runs every comparison on the same corpora in the same run, several repetitions, and reports
medians and ratios against the targets of the performance issue. Servers (HTTP with injected
latency, moto for S3) run in their own processes on core 1; single-core runners on core 0.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import corpus, runners  # noqa: E402
from bench.measure import bytes_by_kind, memory_checks, spark_vs_processes  # noqa: E402

SERVE_ROOT = ROOT.parent
LATENCY = 0.020


def _serve(latency: float, port_queue: multiprocessing.Queue) -> None:
    os.sched_setaffinity(0, {1})
    from tests.support.http_server import ImageServer

    server = ImageServer(latency=latency, root=SERVE_ROOT)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def start_http(latency: float) -> tuple[str, multiprocessing.Process]:
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    process = context.Process(target=_serve, args=(latency, ports), daemon=True)
    process.start()
    return f"http://127.0.0.1:{ports.get(timeout=30)}", process


def start_moto() -> tuple[str, subprocess.Popen]:
    code = ("import os,sys,time; os.sched_setaffinity(0,{1}); "
            "from moto.server import ThreadedMotoServer; "
            "s=ThreadedMotoServer(ip_address='127.0.0.1',port=0,verbose=False); s.start(); "
            "print(s.get_host_and_port()[1], flush=True); time.sleep(10**6)")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    port = int(process.stdout.readline())
    return f"http://127.0.0.1:{port}", process


def url_for(base: str, path: Path, tag: int | None = None) -> str:
    relative = path.resolve().relative_to(SERVE_ROOT).as_posix()
    from urllib.parse import quote

    return f"{base}/{quote(relative)}" + (f"?i={tag}" if tag is not None else "")


def server_requests(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/_stats", timeout=10) as response:
        return json.load(response)


def median_run(name: str, targets: list[str], repeat: int, cores: set[int],
               env: dict | None = None) -> runners.Stats:
    results = [runners.run_isolated(name, targets, cores=cores, env=env) for _ in range(repeat)]
    results.sort(key=lambda s: s.seconds)
    best = results[len(results) // 2]
    best.peak_rss_mb = max(r.peak_rss_mb for r in results)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller Spark and memory runs")
    args = parser.parse_args()
    shared = corpus.shared_files()
    generated = corpus.generated_files()
    http0, _p0 = start_http(0.0)
    http20, _p20 = start_http(LATENCY)
    moto, moto_process = start_moto()
    aws = {"AWS_ENDPOINT_URL": moto, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY":
           "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update(aws)
    report: dict = {"machine": _machine(), "repeat": args.repeat}
    try:
        report["local"] = _local(shared, generated, args.repeat)
        report["bytes"] = bytes_by_kind(shared + generated, http0, url_for, server_requests)
        report["latency"] = _latency(shared, http0, http20, args.repeat)
        report["s3"] = _s3(shared + generated, args.repeat, aws)
        report["memory"] = memory_checks(http0, url_for, rows=20_000 if args.quick else 100_000)
        report["spark"] = spark_vs_processes(shared, http20, url_for,
                                             count=1000 if args.quick else 5000)
    finally:
        moto_process.terminate()
    from bench.report import write

    write(report, ROOT / "bench" / "results")
    return 0


def _local(shared: list[Path], generated: list[Path], repeat: int) -> dict:
    out = {}
    for label, files in (("exif-samples", shared), ("generated", generated)):
        targets = [str(p) for p in files]
        out[label] = {name: vars(median_run(name, targets, repeat, {0}))
                      for name in ("exiftool", "pillow-floor", "ours-1-thread", "seed-style")}
        out[label]["file_bytes"] = sum(p.stat().st_size for p in files)
    return out


def _latency(shared: list[Path], base0: str, base20: str, repeat: int) -> dict:
    targets = [url_for(base20, p, i) for i in range(3) for p in shared]
    out = {name: vars(median_run(name, targets, repeat, {0}))
           for name in ("ours-pool-32", "ours-pool-16", "ours-1-thread")}
    out["seed-style"] = vars(median_run("seed-style", targets, 1, {0}))
    # The CPU-bound rate of the same work: the same requests with no latency at all.
    unlimited = median_run("ours-pool-32", [url_for(base0, p, i) for i in range(3)
                                            for p in shared], repeat, {0})
    out["cpu_bound"] = vars(unlimited)
    out["concurrency"] = 32
    out["ceiling"] = min(32 / LATENCY, unlimited.rate)
    out["latency_ms"] = LATENCY * 1000
    return out


def _s3(files: list[Path], repeat: int, aws: dict) -> dict:
    import boto3

    client = boto3.session.Session().client("s3")
    client.create_bucket(Bucket="bench-images")
    targets = []
    for path in files:
        key = path.resolve().relative_to(SERVE_ROOT).as_posix()
        client.upload_file(str(path), "bench-images", key)
        targets.append(f"s3://bench-images/{key}")
    stats = median_run("ours-pool-16", targets, repeat, {0}, aws)
    seed = median_run("seed-style", targets, 1, {0}, aws)
    return {"ours-pool-16": vars(stats), "seed-style": vars(seed),
            "file_bytes": sum(p.stat().st_size for p in files)}


def _machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "cpu": cpu,
            "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}


if __name__ == "__main__":
    started = time.time()
    code = main()
    print(f"bench finished in {time.time() - started:.0f} s")
    raise SystemExit(code)
