"""The world outline under the map: how the build decodes world-atlas's TopoJSON, and that the
shipped file is what the build makes from the pinned package."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from image_metadata.explore import gps_map
from tests.support.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


def _build_module():
    return load_script("layers/build_world_outline.py")


build = _build_module()


def _shipped() -> dict:
    return json.loads(gps_map.OUTLINE.read_text(encoding="ascii"))


def test_quantized_arcs_are_delta_decoded_through_the_transform():
    topology = {"transform": {"scale": [0.5, 0.25], "translate": [10, -20]},
                "arcs": [[[4, 8], [2, -4], [-1, 0]]]}
    assert build.decode_arcs(topology) == [[(12.0, -18.0), (13.0, -19.0), (12.5, -19.0)]]


def test_arcs_of_an_unquantized_topology_are_taken_as_they_are():
    assert build.decode_arcs({"arcs": [[[1.5, 2], [3, 4]]]}) == [[(1.5, 2.0), (3.0, 4.0)]]


def test_a_negative_arc_index_walks_the_arc_backwards_keeping_shared_points_once():
    arcs = [[(0, 0), (1, 0), (1, 1)], [(0, 0), (0, 1), (1, 1)]]
    assert build.stitch(arcs, [0, ~1]) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]


def test_borders_are_the_arcs_two_countries_share_each_once():
    # Two squares side by side: arc 1 is the edge between them, the others are coast.
    arcs = [[(0, 0), (0, 1), (1, 1)], [(1, 1), (1, 0)], [(1, 0), (0, 0)],
            [(1, 1), (2, 1), (2, 0), (1, 0)]]
    countries = {"geometries": [
        {"type": "Polygon", "arcs": [[0, 1, 2]]},
        {"type": "MultiPolygon", "arcs": [[[3, ~1]]]},
    ]}
    assert build.borders({"objects": {"countries": countries}}, arcs) == [[(1, 1), (1, 0)]]


def test_a_shape_over_the_antimeridian_becomes_two_closed_halves():
    ring = [(179.0, 0.0), (-179.0, 0.0), (-179.0, 2.0), (179.0, 2.0), (179.0, 0.0)]
    halves = build.flat_rings(ring)
    assert sorted(sorted(set(half)) for half in halves) == [
        [(-180.0, 0.0), (-180.0, 2.0), (-179.0, 0.0), (-179.0, 2.0)],
        [(179.0, 0.0), (179.0, 2.0), (180.0, 0.0), (180.0, 2.0)],
    ]
    assert all(half[0] == half[-1] for half in halves)


def test_a_ring_round_the_pole_is_closed_along_the_meridian_and_the_pole():
    ring = [(0.0, -70.0), (90.0, -70.0), (179.0, -70.0), (-179.0, -70.0), (-90.0, -70.0),
            (0.0, -70.0)]
    (closed,) = build.flat_rings(ring)
    assert closed[0] == closed[-1] == (-180.0, -70.0)
    assert closed[-4:-1] == [(180.0, -70.0), (180.0, -90.0), (-180.0, -90.0)]


def test_no_shipped_line_steps_across_the_whole_map():
    land, borders = (f["geometry"]["coordinates"] for f in _shipped()["features"])
    paths = [ring for polygon in land for ring in polygon] + borders
    # Along the pole, as a ring round Antarctica closes, a step from 180 to -180 is no line
    # across the map: Web Mercator never shows latitude 90.
    long_steps = [(a, b) for path in paths for a, b in itertools.pairwise(path)
                  if abs(a[0] - b[0]) > 180 and not abs(a[1]) == abs(b[1]) == 90]
    assert long_steps == []


def test_the_shipped_outline_is_small_and_says_where_it_comes_from():
    outline = _shipped()
    assert gps_map.OUTLINE.stat().st_size < 150_000
    assert "Natural Earth" in outline["attribution"] and "world-atlas 2.0.2" in outline[
        "attribution"]
    assert [f["properties"]["layer"] for f in outline["features"]] == ["land", "borders"]


def test_rebuilding_from_the_pinned_world_atlas_gives_the_committed_bytes():
    try:
        source = build.source_path()
    except FileNotFoundError:
        pytest.skip("node_modules/world-atlas is not installed (npm ci installs it)")
    rebuilt = build.encode(json.loads(source.read_text(encoding="utf-8")))
    assert rebuilt == gps_map.OUTLINE.read_bytes(), (
        "the committed world outline differs from a rebuild: "
        "run python layers/build_world_outline.py")
