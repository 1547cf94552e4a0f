"""How the GPS map copes with 100,000 images: file size, write time, browser load time.

    .venv/bin/python bench/map_100k.py [--points 100000] [--repeat 3]

Writes bench/results/map.md. The load time is measured in headless Chromium until every
marker is in the cluster layer (Leaflet.markercluster's chunked loading has finished).
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from image_metadata.explore import gps_map  # noqa: E402
from tests.conftest import CHROMIUM_FLAGS  # noqa: E402
from tests.support.contract_data import image_row, write_images  # noqa: E402

CITIES = [(48.857, 2.352), (40.713, -74.006), (-33.869, 151.209), (35.676, 139.650),
          (-22.907, -43.173), (51.507, -0.128), (1.352, 103.820), (37.774, -122.419)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch)
        rows = [image_row(i, lat + rng.gauss(0, 0.8), lon + rng.gauss(0, 0.8))
                for i in range(args.points) for lat, lon in [rng.choice(CITIES)]]
        write_images(output, rows)
        writes, loads = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                 args=CHROMIUM_FLAGS)
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = gps_map.write_map(output, output / "map.html")
                writes.append(time.perf_counter() - started)
                page = browser.new_page(viewport={"width": 1100, "height": 700})
                started = time.perf_counter()
                page.goto((output / "map.html").as_uri())
                page.wait_for_function(
                    f"window.imgmeta && window.imgmeta.clusters.getLayers().length === "
                    f"{args.points}", timeout=120_000)
                loads.append(time.perf_counter() - started)
                page.close()
            browser.close()
        size = result.path.stat().st_size
    table = [
        "# GPS map with many images",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{shutil.os.cpu_count()} cores; headless Chromium; {args.repeat} repetitions, medians.",
        "",
        "| images | HTML size | write map (s) | load in Chromium until all clustered (s) |",
        "|---:|---:|---:|---:|",
        f"| {args.points:,} | {size / 1e6:.1f} MB | {statistics.median(writes):.2f} | "
        f"{statistics.median(loads):.2f} |",
        "",
    ]
    (ROOT / "bench" / "results" / "map.md").write_text("\n".join(table))
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
