"""Build the world outline the GPS map draws under its tiles: land and country borders at
Natural Earth's 1:110m scale, as compact GeoJSON inside the package.

The shapes come from the pinned npm package ``world-atlas`` (Natural Earth's vectors as
TopoJSON), which ``npm ci`` puts in ``node_modules``. A pip install has no ``node_modules``,
so the decoded outline ships as package data instead. The TopoJSON is decoded here, with no
new dependency: its arcs are quantized and delta-encoded, and shared between the shapes that
they bound. The output is deterministic: rebuilding from the same package gives the same
bytes, which a test checks against the committed file.

    python layers/build_world_outline.py   # writes glue_jobs/image_metadata/explore/data/...
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "world-atlas"
VERSION = "2.0.2"
SOURCE_FILE = "countries-110m.json"
# 0.01 degrees is about 1 km: finer than a 1:110m coastline is drawn, and it halves the file.
DECIMALS = 2
# Said in the file, so the attribution travels with the data.
ATTRIBUTION = (f"Natural Earth 1:110m admin-0 countries (naturalearthdata.com, public domain), "
               f"as packaged in {PACKAGE} {VERSION} (ISC licence)")
OUTPUT = ROOT / "glue_jobs" / "image_metadata" / "explore" / "data" / "world-110m.json"

Point = tuple[float, float]


def source_path(node_modules: Path = ROOT / "node_modules") -> Path:
    """The pinned TopoJSON file; another version would build another file."""
    package = node_modules / PACKAGE
    manifest = package / "package.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} is missing: run `npm ci` in the project folder")
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if version != VERSION:
        raise RuntimeError(f"{PACKAGE} {version} is installed, the outline is built from "
                           f"{VERSION}: run `npm ci`")
    return package / SOURCE_FILE


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc as absolute longitude/latitude points.

    In a quantized topology each arc's first position is an absolute grid position and the
    others are steps from the one before; the transform maps the grid to degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    """One line or ring from its arcs. A negative index ``~i`` is arc ``i`` walked backwards;
    each arc starts where the previous one ended, so that shared point is kept once."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def polygons(arcs: list[list[Point]], geometry: dict[str, Any]) -> list[list[list[Point]]]:
    """A Polygon or MultiPolygon geometry as a list of polygons, each a list of rings."""
    if geometry["type"] == "Polygon":
        parts = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["arcs"]
    else:
        return []
    return [[stitch(arcs, ring) for ring in part] for part in parts]


def land(topology: dict[str, Any], arcs: list[list[Point]]) -> list[list[list[Point]]]:
    found = []
    for geometry in topology["objects"]["land"]["geometries"]:
        found.extend(polygons(arcs, geometry))
    return found


def borders(topology: dict[str, Any], arcs: list[list[Point]]) -> list[list[Point]]:
    """The arcs two different countries share: land borders, each drawn once. Arcs with one
    country are coast, which the land polygons already draw."""
    owners: dict[int, set[int]] = {}
    for country, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        rings = ([geometry["arcs"]] if geometry["type"] == "Polygon"
                 else geometry["arcs"] if geometry["type"] == "MultiPolygon" else [])
        for ring in (ring for part in rings for ring in part):
            for index in ring:
                owners.setdefault(index if index >= 0 else ~index, set()).add(country)
    return [arcs[index] for index in sorted(owners) if len(owners[index]) > 1]


def _split_at_antimeridian(points: list[Point]) -> list[list[Point]]:
    """The pieces of a path between its crossings of the 180th meridian.

    The topology is spherical: a step from 179.4 to -180 degrees is a short hop over the
    meridian, which a flat map would draw as a line across the whole world. Each piece
    ends and the next begins on the meridian, at the latitude where the step crosses it."""
    pieces = [[points[0]]]
    for (lon_a, lat_a), (lon_b, lat_b) in itertools.pairwise(points):
        if abs(lon_b - lon_a) > 180:
            side = 180.0 if lon_a > 0 else -180.0
            unwrapped = lon_b + 2 * side
            share = (side - lon_a) / (unwrapped - lon_a) if unwrapped != lon_a else 0.0
            lat = lat_a + share * (lat_b - lat_a)
            pieces[-1].append((side, lat))
            pieces.append([(-side, lat)])
        pieces[-1].append((lon_b, lat_b))
    return pieces


def flat_rings(ring: list[Point]) -> list[list[Point]]:
    """A closed ring as rings that a flat map fills correctly.

    Two crossings cut a shape lying over the meridian into its two halves, each closed along
    the meridian. One crossing is a ring around a pole (Antarctica): it is closed along the
    meridian and the pole's parallel."""
    pieces = _split_at_antimeridian(ring)
    if len(pieces) == 1:
        return pieces
    if len(pieces) == 2:
        around = pieces[1] + pieces[0][1:]
        pole = -90.0 if sum(lat for _, lat in ring) < 0 else 90.0
        start, end = around[0], around[-1]
        return [[*around, (end[0], pole), (start[0], pole), start]]
    if len(pieces) == 3:
        return [[*pieces[2], *pieces[0][1:], pieces[2][0]], [*pieces[1], pieces[1][0]]]
    raise ValueError(f"a ring crossing the 180th meridian {len(pieces) - 1} times "
                     "(the build knows one or two)")


def _rounded(points: list[Point]) -> list[list[float | int]]:
    """Points at DECIMALS, whole degrees written as integers, repeats in a row dropped."""
    out: list[list[float | int]] = []
    for point in points:
        pair = [_number(value) for value in point]
        if not out or out[-1] != pair:
            out.append(pair)
    return out


def _number(value: float) -> float | int:
    value = round(value, DECIMALS)
    return int(value) if value == int(value) else value  # also turns -0.0 into 0


def outline(topology: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON the map draws: one land MultiPolygon and one borders MultiLineString."""
    arcs = decode_arcs(topology)
    land_polygons = []
    for polygon in land(topology, arcs):
        if any(len(flat_rings(hole)) > 1 for hole in polygon[1:]):
            raise ValueError("a hole crossing the 180th meridian (the build knows none)")
        outers = flat_rings(polygon[0])
        for outer in outers:
            # Holes of a shape cut in two stay with the half on their side of the meridian.
            holes = [hole for hole in polygon[1:]
                     if len(outers) == 1 or (hole[0][0] > 0) == (outer[0][0] > 0)]
            # A ring rounded below four points (first == last) encloses nothing any more.
            rings = [_rounded(ring) for ring in [outer, *holes]]
            if len(rings[0]) >= 4:
                land_polygons.append([ring for ring in rings if len(ring) >= 4])
    lines = [_rounded(piece) for arc in borders(topology, arcs)
             for piece in _split_at_antimeridian(arc)]
    lines = [line for line in lines if len(line) > 1]
    return {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "features": [
            {"type": "Feature", "properties": {"layer": "land"},
             "geometry": {"type": "MultiPolygon", "coordinates": land_polygons}},
            {"type": "Feature", "properties": {"layer": "borders"},
             "geometry": {"type": "MultiLineString", "coordinates": lines}},
        ],
    }


def encode(topology: dict[str, Any]) -> bytes:
    return (json.dumps(outline(topology), separators=(",", ":"), ensure_ascii=True)
            + "\n").encode("ascii")


def build(source: Path | None = None, output: Path = OUTPUT) -> Path:
    topology = json.loads((source or source_path()).read_text(encoding="utf-8"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(encode(topology))
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    path = build(output=args.output)
    print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
