"""The map in a real browser: headless Chromium, offline (every tile request is refused)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.explore import gps_map
from tests.support.contract_data import image_row, write_images

pytestmark = pytest.mark.spark


@pytest.fixture()
def open_map(browser):
    pages = []

    def opener(path):
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        # Refused in the page, so no test depends on this machine having no network.
        page.route(re.compile(r"^https?://"), lambda route: route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and "Failed to load resource" not in m.text else None)
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.imgmeta !== undefined", timeout=20_000)
        pages.append(page)
        return page, errors

    yield opener
    for page in pages:
        page.close()


def test_sample_positions_are_markers_and_no_script_fails(demo_output, tmp_path, open_map):
    path = gps_map.write_map(demo_output, tmp_path / "map.html").path
    page, errors = open_map(path)
    positions = page.evaluate(
        "window.imgmeta.clusters.getLayers().map(l => [l.getLatLng().lat, l.getLatLng().lng])")
    expected = [(p.latitude, p.longitude) for p in samples.PLACES.values()]
    assert sorted((round(a, 6), round(b, 6)) for a, b in positions) == sorted(
        (round(a, 6), round(b, 6)) for a, b in expected)
    assert "5 with GPS" in page.locator(".imgmeta-header").inner_text()
    assert errors == []


def test_nearby_images_are_clustered_in_the_page(tmp_path, open_map):
    write_images(tmp_path, [image_row(i, 48.85 + i * 1e-4, 2.35) for i in range(50)]
                 + [image_row(100, -33.86, 151.2)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    page.wait_for_selector(".marker-cluster")
    labels = page.locator(".marker-cluster").all_inner_texts()
    assert "50" in [label.strip() for label in labels]
    assert errors == []


def test_heat_layer_can_be_switched_on(tmp_path, open_map):
    write_images(tmp_path, [image_row(i, 10 + i, 20 + i) for i in range(5)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    assert page.evaluate("window.imgmeta.map.hasLayer(window.imgmeta.heat)") is False
    page.get_by_label("Heat map").check()
    assert page.evaluate("window.imgmeta.map.hasLayer(window.imgmeta.heat)") is True
    assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
    assert errors == []


def test_popup_shows_untrusted_text_as_text(tmp_path, open_map):
    hostile = 'https://x.test/a.jpg?<img src=x onerror="window.pwned=1">'
    write_images(tmp_path, [image_row(1, 12.0, 34.0, url=hostile, make="<b>Evil</b>")])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    page.evaluate("window.imgmeta.markers[0].openPopup()")
    popup = page.locator(".imgmeta-popup")
    assert hostile in popup.inner_text() and "<b>Evil</b>" in popup.inner_text()
    assert page.evaluate("window.pwned === undefined")
    assert popup.locator("img, b").count() == 0
    assert errors == []


def test_popup_names_the_nearest_place_region_and_country(demo_output, tmp_path, open_map):
    page, errors = open_map(gps_map.write_map(demo_output, tmp_path / "map.html").path)
    page.evaluate("""() => {
        const at = window.imgmeta.data.findIndex((p) => p.some(
            (v) => typeof v === "string" && v.endsWith("sydney.png")));
        const marker = window.imgmeta.markers[at];
        window.imgmeta.clusters.zoomToShowLayer(marker, () => marker.openPopup());
    }""")
    popup = page.locator(".imgmeta-popup")
    popup.wait_for(timeout=10_000)
    assert "The Rocks, New South Wales, AU (0.7 km)" in popup.inner_text()
    assert errors == []


def test_output_without_gps_shows_a_message_not_an_error(tmp_path, open_map):
    write_images(tmp_path, [image_row(1, None, None)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    assert "No image here has a GPS position" in page.locator(".imgmeta-header").inner_text()
    assert errors == []


# Points well inside a continent or an ocean at the world view, clear of borders and controls.
LAND = {"Brazil": (-10.0, -52.0), "Australia": (-25.0, 134.0), "Algeria": (27.0, 2.0),
        "Canada": (56.0, -105.0)}
SEA = {"South Atlantic": (-30.0, -25.0), "Pacific": (0.0, -140.0), "Indian Ocean": (-40.0, 80.0),
       "North Atlantic": (35.0, -45.0)}


def _pixels(page, places: dict[str, tuple[float, float]]) -> dict[str, tuple[int, ...]]:
    shot = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")
    found = {}
    for name, (lat, lon) in places.items():
        point = page.evaluate(f"window.imgmeta.map.latLngToContainerPoint([{lat}, {lon}])")
        found[name] = shot.getpixel((round(point["x"]), round(point["y"])))
    return found


def test_offline_world_view_shows_land_where_the_continents_are(tmp_path, open_map):
    write_images(tmp_path, [image_row(1, None, None)])  # no position: the whole world is shown
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    land, sea = _pixels(page, LAND), _pixels(page, SEA)
    assert len(set(land.values())) == 1, land  # one land colour on every continent
    assert len(set(sea.values())) == 1, sea
    assert set(land.values()) != set(sea.values())
    assert errors == []


def test_outline_lies_under_the_tiles_and_the_markers(tmp_path, open_map):
    write_images(tmp_path, [image_row(1, -25.0, 134.0), image_row(2, -24.0, 133.0)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    panes = page.evaluate("""["imgmeta-outline", "tilePane", "overlayPane"].map(
        (name) => Number(getComputedStyle(window.imgmeta.map.getPane(name)).zIndex))""")
    assert panes == sorted(panes) and len(set(panes)) == 3
    pixels = _pixels(page, {"marker": (-25.0, 134.0), "land": (-24.5, 133.5),
                            "more land": (-24.2, 133.8)})
    red, _, blue = pixels["marker"]
    assert blue > red  # the marker's blue, over the land's fill
    assert pixels["land"] == pixels["more land"] != pixels["marker"]
    sea = page.evaluate("getComputedStyle(document.getElementById('map')).backgroundColor")
    assert pixels["land"] != tuple(int(v) for v in re.findall(r"\d+", sea))  # land, not sea
    assert errors == []


def test_popup_links_a_web_url_in_a_new_tab_without_referrer(tmp_path, open_map):
    url = "https://images.example.test/a.jpg?w=1&h=2"
    write_images(tmp_path, [image_row(1, 12.0, 34.0, url=url)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    page.evaluate("window.imgmeta.markers[0].openPopup()")
    link = page.locator(".imgmeta-popup a")
    assert link.inner_text() == url
    assert (link.get_attribute("href"), link.get_attribute("target")) == (url, "_blank")
    assert set(link.get_attribute("rel").split()) == {"noopener", "noreferrer"}
    assert errors == []


@pytest.mark.parametrize("url", ["javascript:window.pwned=1", "JaVaScRiPt:window.pwned=1",
                                 "data:text/html,<script>window.pwned=1</script>",
                                 "s3://bucket/photos/a.jpg", "/srv/photos/a.jpg"])
def test_popup_shows_a_url_that_is_not_http_as_text_not_a_link(tmp_path, open_map, url):
    write_images(tmp_path, [image_row(1, 12.0, 34.0, url=url)])
    page, errors = open_map(gps_map.write_map(tmp_path, tmp_path / "map.html").path)
    page.evaluate("window.imgmeta.markers[0].openPopup()")
    popup = page.locator(".imgmeta-popup")
    assert url in popup.inner_text()
    assert popup.locator("a").count() == 0
    popup.get_by_text(url).click()
    assert page.evaluate("window.pwned === undefined")
    assert errors == []
