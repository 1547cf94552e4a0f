"""imgmeta map: what is drawn, what is counted, and a file that needs nothing but tiles."""

from __future__ import annotations

import json
import re

import pytest

from image_metadata import samples
from image_metadata.cli import main
from image_metadata.explore import gps_map
from tests.support.contract_data import image_row, write_images

pytestmark = pytest.mark.spark


def test_demo_map_draws_the_five_samples_with_gps(demo_output):
    points, counts = gps_map.collect(demo_output)
    assert counts == gps_map.MapCounts(images=8, with_gps=5, without_gps=3, impossible=0,
                                       drawn=5)
    drawn = sorted((round(p[0], 6), round(p[1], 6)) for p in points)
    expected = sorted((round(p.latitude, 6), round(p.longitude, 6))
                      for p in samples.PLACES.values())
    assert drawn == expected


def test_impossible_positions_are_counted_and_never_drawn(tmp_path):
    write_images(tmp_path, [image_row(1, 95.0, 10.0), image_row(2, 10.0, 200.0),
                            image_row(3, None, None), image_row(4, 0.0, 0.0)])
    points, counts = gps_map.collect(tmp_path)
    assert (counts.impossible, counts.without_gps, counts.with_gps) == (2, 1, 1)
    assert [(p[0], p[1]) for p in points] == [(0.0, 0.0)]  # the image really says (0, 0)


def test_where_and_limit_narrow_what_is_drawn(demo_output):
    points, counts = gps_map.collect(demo_output, where="gps_latitude < 0", limit=1)
    assert (counts.images, counts.with_gps, counts.drawn) == (2, 2, 1)  # Rio and Sydney
    assert len(points) == 1


def test_bad_where_clause_is_a_clear_error(demo_output):
    with pytest.raises(gps_map.MapError, match="nosuch"):
        gps_map.collect(demo_output, where="nosuch > 1")


@pytest.mark.parametrize("where", ["true) OR (1=1", "1=1) --"])
def test_a_where_clause_that_closes_the_maps_own_filter_is_refused(demo_output, where):
    with pytest.raises(gps_map.MapError, match="cannot parse the query"):
        gps_map.collect(demo_output, where=where)


def test_html_is_self_contained_apart_from_tiles(demo_output, tmp_path):
    result = gps_map.write_map(demo_output, tmp_path / "map.html")
    html = result.path.read_text()
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    external = set(re.findall(r"https?://[\w.-]+", html))
    assert "https://tile.openstreetmap.org" in external


def test_html_carries_the_shipped_world_outline_inline(demo_output, tmp_path):
    html = gps_map.write_map(demo_output, tmp_path / "map.html").path.read_text()
    inlined = re.search(r"const OUTLINE = (.*);\n", html).group(1)
    assert json.loads(inlined) == json.loads(gps_map.OUTLINE.read_text())
    assert "Outline: Natural Earth" in html  # the attribution the map shows


def test_untrusted_text_cannot_close_the_data_script(tmp_path):
    hostile = "https://x.test/</script><script>alert(1)</script>.jpg"
    write_images(tmp_path, [image_row(1, 1.0, 2.0, url=hostile)])
    html = gps_map.write_map(tmp_path, tmp_path / "m.html").path.read_text()
    assert "</script><script>alert(1)" not in html


def test_map_command_on_output_without_gps_says_so(tmp_path, capsys):
    write_images(tmp_path, [image_row(1, None, None), image_row(2, None, None)])
    assert main(["map", str(tmp_path), "--html", str(tmp_path / "map.html")]) == 0
    captured = capsys.readouterr()
    assert "0 of 2 images drawn (2 without GPS" in captured.out
    assert "no image in this output has a usable GPS position" in captured.err
    assert (tmp_path / "map.html").exists()


def test_map_command_without_an_images_dataset_is_a_usage_error(tmp_path, capsys):
    assert main(["map", str(tmp_path)]) == 2
    assert "no images dataset" in capsys.readouterr().err


def test_missing_leaflet_files_name_the_fix(monkeypatch, tmp_path):
    # npm ci has installed Leaflet here: an empty folder stands for a clone that skipped it.
    monkeypatch.setattr(gps_map, "asset_roots", lambda: [tmp_path])
    with pytest.raises(gps_map.MapError, match="npm ci"):
        gps_map.load_assets()
