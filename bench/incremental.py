"""What an incremental run costs against a full one, over the same 100,000 objects.

    .venv/bin/python bench/incremental.py [--objects 100000] [--changed 1000]

A folder of small JPEGs (each one distinct) is read by a full run, then by an incremental run
with nothing changed, then by one after ``--changed`` objects were rewritten; all three with
local Spark (local[2]) into one output. Writes bench/results/incremental.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from image_metadata import samples  # noqa: E402
from image_metadata.extract import ExtractSettings  # noqa: E402
from image_metadata.job import pipeline  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "incremental.md"


def _folder(root: Path, objects: int) -> Path:
    folder = root / "images"
    base = samples.encode("JPEG", (16, 12))
    for i in range(objects):
        sub = folder / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        # A comment segment after SOI makes every file distinct (its own size for some).
        note = f"image {i}".encode()
        body = base[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + base[2:]
        (sub / f"{i:06d}.jpg").write_bytes(body)
    return folder


def _run(spark, folder: Path, output: Path, run_id: str, incremental: bool) -> dict:
    config = pipeline.RunConfig("", str(output), run_id=run_id, images=str(folder),
                                incremental=incremental,
                                extract=ExtractSettings(concurrency=16, allow_local_files=True))
    started = time.perf_counter()
    summary = pipeline.run(spark, config)
    summary["wall"] = time.perf_counter() - started
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    args = parser.parse_args()
    spark = pipeline.local_session("local[2]")
    spark.sparkContext.setLogLevel("ERROR")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        made = time.perf_counter()
        folder = _folder(root, args.objects)
        print(f"wrote {args.objects:,} files in {time.perf_counter() - made:.0f} s", flush=True)
        output = root / "out"
        runs = [("full", _run(spark, folder, output, "full", False))]
        runs.append(("incremental, nothing changed", _run(spark, folder, output, "inc-1", True)))
        for i in range(0, args.objects, max(1, args.objects // args.changed)):
            path = folder / f"{i // 1000:03d}" / f"{i:06d}.jpg"
            path.write_bytes(path.read_bytes() + b"\x00")  # another size: changed
            os.utime(path)
        runs.append((f"incremental, {args.changed:,} changed",
                     _run(spark, folder, output, "inc-2", True)))
    spark.stop()
    lines = [f"# Incremental against full runs, {args.objects:,} local objects",
             "", f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.processor() or 'this'} "
             f"machine ({os.cpu_count()} cores), Spark local[2], 16 requests per partition.",
             "", "| run | seconds | read | unchanged | objects/s |", "|---|---:|---:|---:|---:|"]
    for label, summary in runs:
        lines.append(f"| {label} | {summary['wall']:.1f} | "
                     f"{summary['succeeded'] + summary['failed']:,} | {summary['unchanged']:,} | "
                     f"{summary['distinct_urls'] / summary['wall']:,.0f} |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
