"""The measurements that need more than one runner call: bytes per format, Spark against a
plain two-process loop, and peak memory."""

from __future__ import annotations

import io
import multiprocessing
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench import corpus, runners

MB = 1024 * 1024


def bytes_by_kind(files: list[Path], base: str, url_for: Callable, requests: Callable) -> dict:
    """Per format: bytes read / file size and requests per image, over real ranged HTTP."""
    from image_metadata.extract import ExtractSettings, extract_one
    from image_metadata.fetch.clients import Clients, FetchSettings

    settings = ExtractSettings(concurrency=1, fetch=FetchSettings(allow_private_networks=True))
    per_kind: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for path in files:
        url = url_for(base, path)
        before = requests(base)["requests"]
        row = extract_one(url, None, Clients(settings.fetch), settings, "bench")
        used = requests(base)["requests"] - before
        kind = corpus.kind_of(path)
        bucket = per_kind[kind]
        bucket["images"] += 1
        bucket["ok"] += row["status"] == "ok"
        bucket["requests"] += used
        size = path.stat().st_size
        if size >= MB and row["status"] == "ok":
            bucket["large_images"] += 1
            bucket["large_file_bytes"] += size
            bucket["large_bytes_read"] += row["bytes_read"]
    return {kind: dict(values) for kind, values in per_kind.items()}


def _pool_child(targets: list[str], core: int, queue: multiprocessing.Queue) -> None:
    runners._child("ours-pool-32", targets, {core}, {}, queue)


def _two_processes(urls: list[str]) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_pool_child, args=(urls[core::2], core, queue))
                 for core in (0, 1)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f"plain loop failed: {failed[0]!r}")
    return max(r.seconds for r in results), sum(r.ok for r in results)


def spark_vs_processes(shared: list[Path], base: str, url_for: Callable, count: int,
                       repeat: int = 3) -> dict:
    """local[2] Spark against two plain processes with the same thread pool, medians of
    ``repeat`` runs each, start-up excluded on both sides."""
    import statistics

    from image_metadata.extract import ExtractSettings
    from image_metadata.fetch.clients import FetchSettings
    from image_metadata.job import pipeline

    plain = [_two_processes([url_for(base, shared[i % len(shared)], f"p{r}-{i}")
                             for i in range(count)]) for r in range(repeat)]
    spark = pipeline.local_session("local[2]")
    timings, succeeded = [], 0
    try:
        with tempfile.TemporaryDirectory() as scratch:
            # Start-up excluded, as the plain loop's imports are: one small run first brings
            # up the JVM, the Python workers with their imports, and Spark's code generation.
            for run in range(repeat + 1):
                size = 200 if run == 0 else count
                manifest = Path(scratch) / f"manifest-{run}.txt"
                manifest.write_text("\n".join(url_for(base, shared[i % len(shared)], f"s{run}-{i}")
                                              for i in range(size)) + "\n")
                config = pipeline.RunConfig(
                    str(manifest), str(Path(scratch) / "out"), run_id=f"bench-{run}",
                    extract=ExtractSettings(fetch=FetchSettings(allow_private_networks=True)))
                started = time.perf_counter()
                summary = pipeline.run(spark, config)
                if run:
                    timings.append(time.perf_counter() - started)
                    succeeded = summary["succeeded"]
    finally:
        spark.stop()
    return {"images": count, "two_processes_seconds": statistics.median(p[0] for p in plain),
            "spark_seconds": statistics.median(timings), "spark_succeeded": succeeded,
            "plain_succeeded": plain[-1][1], "repeat": repeat}


def memory_checks(base: str, url_for: Callable, rows: int) -> dict:
    """Peak RSS of a Python worker: one 200 MB image, and one partition of many rows."""
    from image_metadata import samples

    folder = corpus.CACHE / "memory"
    folder.mkdir(parents=True, exist_ok=True)
    huge = folder / "huge-200mb.jpg"
    if not huge.exists() or huge.stat().st_size < 200 * MB:
        head = samples.encode("JPEG", (6000, 4000), exif=samples.exif_bytes(
            place=samples.PLACES["paris"]))
        with huge.open("wb") as handle:
            handle.write(head)
            handle.write(bytes(200 * MB))
    small = folder / "small.jpg"
    buffer = io.BytesIO(samples.encode("JPEG", (64, 48), exif=samples.exif_bytes()))
    small.write_bytes(buffer.getvalue())
    big = runners.run_isolated("ours-1-thread", [url_for(base, huge)], cores={0})
    local_big = runners.run_isolated("ours-1-thread", [str(huge)], cores={0})
    many = runners.run_isolated("ours-pool-16", [str(small)] * rows, cores={0})
    return {
        "huge_image_mb": huge.stat().st_size / MB,
        "huge_image_http_rss_mb": big.peak_rss_mb, "huge_image_http_bytes_read": big.bytes_read,
        "huge_image_file_rss_mb": local_big.peak_rss_mb,
        "partition_rows": rows, "partition_rss_mb": many.peak_rss_mb,
        "partition_rate": many.rate,
    }
