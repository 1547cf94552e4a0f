"""What the offline place lookups cost a worker: memory held, and time per image.

    .venv/bin/python -m bench.places [--lookups 20000] [--repeat 5]

Each measurement runs in a fresh interpreter (so the memory is the lookups' own, not what an
earlier import left). Positions are a mix the job meets: near populated places (a random
place moved up to ~50 km), anywhere on Earth (mostly sea, which skips the place search), and
the positions of the shared camera corpus when it is present. Writes bench/results/places.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "places.md"

PROBE = r"""
import json, random, sys, time
sys.path.insert(0, sys.argv[1])

def status_mib(key):  # VmRSS now, VmHWM the peak (both reset by exec, unlike ru_maxrss)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024

from image_metadata.tags import gazetteer, places
rss_before, peak_before = status_mib("VmRSS"), status_mib("VmHWM")
started = time.perf_counter()
places.time_zone(48.85, 2.35)
gaz = gazetteer.shipped()
load_s = time.perf_counter() - started
rng = random.Random(int(sys.argv[3]))
n = int(sys.argv[2])
for _ in range(1000):  # warm: whatever the lookups allocate on first use is counted
    lat, lon = rng.uniform(-60, 70), rng.uniform(-180, 180)
    places.nearest_place(lat, lon, places.time_zone(lat, lon))
rss_mib, peak_mib = status_mib("VmRSS") - rss_before, status_mib("VmHWM") - peak_before
near = []
for _ in range(n):
    k = rng.randrange(len(gaz))
    near.append((max(-90, min(90, gaz._lat[k] / 1e5 + rng.uniform(-.45, .45))),
                 (gaz._lon[k] / 1e5 + rng.uniform(-.45, .45) + 180) % 360 - 180))
anywhere = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(n)]
corpus = json.loads(sys.argv[4])

def per_image_us(points):
    if not points:
        return None
    started = time.perf_counter()
    for lat, lon in points:
        zone = places.time_zone(lat, lon)
        places.nearest_place(lat, lon, zone)
    return (time.perf_counter() - started) / len(points) * 1e6

result = {"near": per_image_us(near), "anywhere": per_image_us(anywhere),
          "corpus": per_image_us(corpus * max(1, n // max(1, len(corpus)))),
          "corpus_images": len(corpus), "load_ms": load_s * 1000,
          "rss_mib": rss_mib, "peak_mib": peak_mib, "places": len(gaz), "source": gaz.source}
print(json.dumps(result))
"""

def corpus_positions() -> list[tuple[float, float]]:
    """The GPS positions of the shared camera corpus, as the job decodes them."""
    sys.path.insert(0, str(ROOT / "glue_jobs"))
    from image_metadata.decode import decode_bytes

    folder = ROOT.parent / "shared" / "corpus" / "exif-samples"
    found = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.suffix.lower() == ".json" or not path.is_file():
            continue
        try:
            typed = decode_bytes(path.read_bytes()).typed
        except Exception:  # a file the job fails on has no position to look up
            continue
        if typed.gps_latitude is not None and typed.gps_longitude is not None:
            found.append((typed.gps_latitude, typed.gps_longitude))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    corpus = corpus_positions()
    runs = []
    for seed in range(args.repeat):
        done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "glue_jobs"),
                               str(args.lookups), str(seed), json.dumps(corpus)],
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout))

    def median(key: str) -> float | None:
        values = [r[key] for r in runs if r[key] is not None]
        return statistics.median(values) if values else None

    corpus_cell = (f"{median('corpus'):.1f}" if median("corpus") is not None
                   else "(corpus absent)")
    lines = [
        "# Offline place lookups: time zone and nearest place",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, CPython "
        f"{platform.python_version()}; {args.repeat} fresh interpreters, medians; "
        f"{args.lookups:,} positions of each kind per run. Gazetteer: {runs[0]['places']:,} "
        f"places ({runs[0]['source']}).",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| memory held by both, loaded and used (RSS added) | {median('rss_mib'):.1f} MiB |",
        f"| peak memory added (with the load's transient) | {median('peak_mib'):.1f} MiB |",
        f"| load both (first image of a worker) | {median('load_ms'):.0f} ms |",
        f"| per image, near a populated place | {median('near'):.1f} µs |",
        f"| per image, anywhere on Earth (mostly sea) | {median('anywhere'):.1f} µs |",
        f"| per image, the shared camera corpus's {runs[0]['corpus_images']} positions "
        f"| {corpus_cell} µs |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
