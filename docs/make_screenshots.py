"""Make the README's map pictures with headless Chromium: the demo run and a larger set.

    .venv/bin/python docs/make_screenshots.py     (make screenshots)

Tile requests are refused, so the pictures are the same wherever they are made: they show
what the file itself draws, the markers, clusters and heat layer over the inlined world outline
(Natural Earth 1:110m), which is what a closed network gives. With a network the
OpenStreetMap tiles cover the outline.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from image_metadata import samples  # noqa: E402
from image_metadata.explore import gps_map  # noqa: E402
from image_metadata.extract import ExtractSettings  # noqa: E402
from image_metadata.job import pipeline  # noqa: E402
from tests.conftest import CHROMIUM_FLAGS  # noqa: E402
from tests.support.contract_data import image_row, write_images  # noqa: E402

CITIES = [(48.857, 2.352), (40.713, -74.006), (-33.869, 151.209), (35.676, 139.650),
          (-22.907, -43.173), (51.507, -0.128), (1.352, 103.820), (37.774, -122.419)]


def demo_output(folder: Path) -> Path:
    manifest = samples.write_demo_set(folder / "input")
    spark = pipeline.local_session("local[2]")
    try:
        pipeline.run(spark, pipeline.RunConfig(str(manifest), str(folder / "output"),
                                               run_id="demo",
                                               extract=ExtractSettings(allow_local_files=True)))
    finally:
        spark.stop()
    return folder / "output"


def travel_output(folder: Path, count: int = 20_000) -> Path:
    rng = random.Random(7)
    rows = []
    for index in range(count):
        lat, lon = rng.choice(CITIES)
        rows.append(image_row(index, lat + rng.gauss(0, 0.6), lon + rng.gauss(0, 0.6)))
    write_images(folder, rows)
    return folder


def shoot(html: Path, png: Path, *, heat: bool = False, popup: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1000, "height": 560})
        page.route(re.compile(r"^https?://"), lambda route: route.abort())
        page.goto(html.resolve().as_uri())
        page.wait_for_function("window.imgmeta !== undefined")
        if heat:
            page.get_by_label("Heat map").check()
        if popup:
            page.evaluate("window.imgmeta.markers[2].openPopup()")
        page.wait_for_timeout(500)
        page.screenshot(path=str(png))
        browser.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        demo = gps_map.write_map(demo_output(work / "demo"), work / "demo.html",
                                 title="image-metadata demo")
        shoot(demo.path, ROOT / "docs" / "map-demo.png", popup=True)
        travel = gps_map.write_map(travel_output(work / "travel"), work / "travel.html",
                                   title="20,000 generated photos")
        shoot(travel.path, ROOT / "docs" / "map-clusters.png", heat=True)
    print("wrote docs/map-demo.png and docs/map-clusters.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
