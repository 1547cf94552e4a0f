"""What is compared: each runner reads metadata for a list of targets and reports what it did.

Every runner runs in a fresh spawned process pinned to the cores it is allowed, so peak RSS
and CPU use are its own (see ``run_isolated``).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import resource
import subprocess
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Stats:
    runner: str
    images: int
    ok: int
    seconds: float
    bytes_read: int | None
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0


def _ours(targets: list[str], concurrency: int) -> tuple[int, int | None]:
    from image_metadata.extract import RESULT_NAMES, ExtractSettings, extract_partition
    from image_metadata.fetch.clients import FetchSettings

    settings = ExtractSettings(concurrency=concurrency, allow_local_files=True,
                               fetch=FetchSettings(allow_private_networks=True))
    status, read = RESULT_NAMES.index("status"), RESULT_NAMES.index("bytes_read")
    ok = total = 0
    for row in extract_partition(((t, None) for t in targets), settings, "bench"):
        ok += row[status] == "ok"
        total += row[read] or 0
    return ok, total


def ours_single(targets: list[str]) -> tuple[int, int | None]:
    return _ours(targets, 1)


def ours_pool(targets: list[str]) -> tuple[int, int | None]:
    return _ours(targets, 16)


def ours_pool_32(targets: list[str]) -> tuple[int, int | None]:
    return _ours(targets, 32)


def _whole(target: str, clients: dict[str, Any]) -> bytes:
    if target.startswith("s3://"):
        bucket, key = target[5:].split("/", 1)
        return clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()
    if target.startswith("http"):
        return clients["http"].request("GET", target).data
    with open(target, "rb") as handle:
        return handle.read()


def seed_style(targets: list[str]) -> tuple[int, int | None]:
    """The original project's way: download each file whole, Pillow + piexif, one at a time."""
    import boto3
    import piexif
    import urllib3
    from PIL import Image

    clients = {"http": urllib3.PoolManager(), "s3": boto3.session.Session().client("s3")}
    ok = total = 0
    for target in targets:
        try:
            data = _whole(target, clients)
        except Exception:  # a failed download is a failed image, as in the seed script
            continue
        total += len(data)
        try:
            with Image.open(io.BytesIO(data)) as image:
                _ = (image.format, image.mode, image.size)
                if "exif" in image.info:
                    piexif.load(image.info["exif"])
            ok += 1
        except Exception:  # the seed script counted these as failures and went on
            continue
    return ok, total


def pillow_floor(targets: list[str]) -> tuple[int, int | None]:
    """Bare Pillow: open each local file and read its EXIF; nothing else."""
    from PIL import Image

    from image_metadata.formats.pillow import init_plugins

    init_plugins()
    ok = 0
    for path in targets:
        try:
            with Image.open(path) as image:
                _ = (image.format, image.mode, image.size)
                image.getexif()
            ok += 1
        except Exception:
            continue
    return ok, None


def exiftool_batch(targets: list[str]) -> tuple[int, int | None]:
    """exiftool as one batch process over local files, as fast as it goes (-fast2)."""
    done = subprocess.run(["exiftool", "-json", "-n", "-fast2", *targets],
                          capture_output=True, text=True, check=False)
    records = json.loads(done.stdout or "[]")
    return sum("Error" not in r for r in records), None


RUNNERS = {"seed-style": seed_style, "exiftool": exiftool_batch, "pillow-floor": pillow_floor,
           "ours-1-thread": ours_single, "ours-pool-16": ours_pool, "ours-pool-32": ours_pool_32}


def _reset_peak_rss() -> None:
    # A spawned child starts from a fork of its parent, whose high-water mark it inherits;
    # writing 5 to clear_refs resets it so the peak measured is this runner's own.
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(name: str, targets: list[str], cores: set[int], env: dict[str, str],
           queue: multiprocessing.Queue) -> None:
    _reset_peak_rss()
    os.sched_setaffinity(0, cores)
    os.environ.update(env)
    # Imports are not what is measured: load every library any runner uses first.
    import boto3  # noqa: F401
    import piexif  # noqa: F401
    import urllib3  # noqa: F401
    from PIL import Image  # noqa: F401

    import image_metadata.extract  # noqa: F401
    from image_metadata.formats.pillow import init_plugins

    init_plugins()
    # Lookup tables are loaded once per worker, like the imports: a first image with a
    # position would otherwise carry their load in a corpus of a hundred files.
    from image_metadata.tags import places

    places.preload()
    started = time.perf_counter()
    try:
        ok, read = RUNNERS[name](targets)
    except Exception as error:  # report it; the parent must not wait forever
        queue.put(error)
        raise
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # exiftool
    queue.put(Stats(name, len(targets), ok, seconds, read, max(_peak_rss_mb(), children)))


def run_isolated(name: str, targets: list[str], *, cores: set[int],
                 env: dict[str, str] | None = None) -> Stats:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, targets, cores, env or {}, queue))
    process.start()
    stats = queue.get()
    process.join()
    if isinstance(stats, Exception):
        raise RuntimeError(f"runner {name} failed: {stats!r}")
    return stats
