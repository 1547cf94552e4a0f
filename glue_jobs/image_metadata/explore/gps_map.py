"""Where the images were taken: one self-contained HTML file with a clustered Leaflet map.

The points come from the local ``images`` table (the same view ``imgmeta query`` uses).
Leaflet, its marker-cluster and heat plugins are inlined, so the file opens from disk with
nothing but the map tiles coming from the network. Under the tiles lies a world outline that
ships with the package (Natural Earth 1:110m land and borders, built by
``layers/build_world_outline.py``), so that offline the points still sit on a recognisable
Earth. Rows without a position, or with one that cannot be on Earth, are counted and left
out; nothing is drawn at (0, 0) unless an image really says so.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

from image_metadata.exceptions import ImageMetadataError
from image_metadata.explore import localsql

ASSETS = {
    "leaflet.css": "leaflet/dist/leaflet.css",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet-heat.js": "leaflet.heat/dist/leaflet-heat.js",
}
OUTLINE = Path(__file__).parent / "data" / "world-110m.json"
VALID = ("gps_latitude BETWEEN -90 AND 90 AND gps_longitude BETWEEN -180 AND 180 "
         "AND NOT is_nan(gps_latitude) AND NOT is_nan(gps_longitude)")
FIELDS = ("gps_latitude", "gps_longitude", "url", "id", "make", "model", "datetime_original",
          "width", "height", "format", "file_size", "place", "region", "country_code",
          "place_distance_km")


class MapError(ImageMetadataError):
    """The map cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class MapCounts:
    images: int  # rows of the images table matching --where
    with_gps: int  # of those, with a usable position
    without_gps: int  # no position at all
    impossible: int  # a position that cannot be on Earth
    drawn: int  # with_gps, cut by --limit


@dataclass(frozen=True)
class MapResult:
    path: Path
    counts: MapCounts


def asset_roots() -> list[Path]:
    """Where Leaflet's files are looked for: $IMGMETA_LEAFLET_DIR, then node_modules folders."""
    roots = [Path(os.environ["IMGMETA_LEAFLET_DIR"])] if os.environ.get("IMGMETA_LEAFLET_DIR") \
        else []
    # The checkout's own (this file is in glue_jobs/image_metadata/explore/), then the
    # current folder's.
    roots += [Path(__file__).resolve().parents[3] / "node_modules", Path.cwd() / "node_modules"]
    return roots


def load_assets() -> dict[str, str]:
    for root in asset_roots():
        if all((root / relative).is_file() for relative in ASSETS.values()):
            return {name: (root / rel).read_text(encoding="utf-8") for name, rel in ASSETS.items()}
    searched = ", ".join(str(r) for r in asset_roots())
    raise MapError(f"Leaflet files not found (looked in {searched}); run `npm ci` in the "
                   "project folder (make setup does) or set IMGMETA_LEAFLET_DIR to a "
                   "node_modules folder holding leaflet, leaflet.markercluster and leaflet.heat")


def load_outline() -> str:
    """The world outline's GeoJSON text, as the package ships it."""
    return OUTLINE.read_text(encoding="ascii").strip()


def collect(output: str | Path, where: str | None = None, limit: int | None = None,
            all_runs: bool = False) -> tuple[list[list[Any]], MapCounts]:
    """The points to draw (FIELDS order) and the counts: each image's latest row, or with
    ``all_runs`` every run's."""
    try:
        con = localsql.connect(output, all_runs=all_runs)
        condition = f"({_one_condition(where)})" if where else "TRUE"
        _, ((total, valid, missing, impossible),) = localsql.run(con, f"""
            SELECT count(*),
                   count_if({VALID}),
                   count_if(gps_latitude IS NULL OR gps_longitude IS NULL),
                   count_if(gps_latitude IS NOT NULL AND gps_longitude IS NOT NULL
                            AND NOT ({VALID}))
            FROM images_latest WHERE {condition}""")
        cap = f"LIMIT {int(limit)}" if limit else ""
        _, rows = localsql.run(con, f"""
            SELECT {", ".join(FIELDS)} FROM images_latest
            WHERE {condition} AND {VALID}
            ORDER BY datetime_original NULLS LAST, url {cap}""")
    except localsql.QueryError as e:
        raise MapError(str(e)) from None
    points = [[_plain(value) for value in row] for row in rows]
    counts = MapCounts(images=total, with_gps=valid, without_gps=missing, impossible=impossible,
                       drawn=len(points))
    return points, counts


def _one_condition(where: str) -> str:
    """``where`` when it is one SQL condition on its own: a text that only parses inside
    the map's parentheses (``true) OR (1=1``) would change what the map's filter means."""
    localsql.translate(f"SELECT 1 FROM images_latest WHERE {where}")
    return where


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return round(value, 7)
    return value


def render(points: list[list[Any]], counts: MapCounts, *, title: str,
           assets: dict[str, str], where: str | None = None) -> str:
    """The complete HTML page."""
    styles = "\n".join(assets[name] for name in ASSETS if name.endswith(".css"))
    scripts = "\n".join(
        f"<script>\n{_script_safe(assets[name])}\n</script>" for name in ASSETS
        if name.endswith(".js")
    )
    return _PAGE.substitute(
        title=_html(title),
        styles=styles,
        scripts=scripts,
        data=_script_safe(json.dumps(points, separators=(",", ":"))),
        outline=_script_safe(load_outline()),
        fields=json.dumps(FIELDS),
        counts=json.dumps(asdict(counts)),
        title_json=_script_safe(json.dumps(title)),
        where_json=_script_safe(json.dumps(where or "")),
    )


def write_map(output: str | Path, html: str | Path, *, where: str | None = None,
              limit: int | None = None, title: str = "Image locations",
              all_runs: bool = False) -> MapResult:
    images = Path(output) / "images"
    if not images.is_dir():
        raise MapError(f"no images dataset under {output} (run imgmeta extract first)")
    assets = load_assets()
    points, counts = collect(output, where, limit, all_runs)
    path = Path(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(points, counts, title=title, assets=assets, where=where),
                    encoding="utf-8")
    return MapResult(path=path, counts=counts)


def _script_safe(text: str) -> str:
    """Nothing inside a <script> element may close it early."""
    return text.replace("</", "<\\/")


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
$styles
html, body { height: 100%; margin: 0; font: 14px/1.4 system-ui, sans-serif; }
#map { position: absolute; inset: 0; background: #aad3df; }
.imgmeta-header { background: rgba(255,255,255,0.94); padding: 8px 12px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); max-width: 320px; }
.imgmeta-header h1 { font-size: 16px; margin: 0 0 4px; }
.imgmeta-header .empty { color: #b00020; margin-top: 4px; }
.imgmeta-popup dt { font-weight: 600; }
.imgmeta-popup dd { margin: 0 0 4px; word-break: break-all; }
</style>
</head>
<body>
<div id="map"></div>
$scripts
<script>
(function () {
  "use strict";
  const DATA = $data;
  const OUTLINE = $outline;
  const FIELDS = $fields;
  const COUNTS = $counts;
  const TITLE = $title_json;
  const WHERE = $where_json;
  const at = Object.fromEntries(FIELDS.map((name, i) => [name, i]));

  const map = L.map("map", { preferCanvas: true, worldCopyJump: true });
  // Below the tile pane (z-index 200): tiles that load cover it, and offline it is the map.
  map.createPane("imgmeta-outline").style.zIndex = 150;
  // Drawn three times, a world apart, as the tiles repeat when zoomed out or panned round.
  const outline = L.layerGroup([-360, 0, 360].map((shift) => L.geoJSON(OUTLINE, {
    pane: "imgmeta-outline", interactive: false, attribution: "Outline: Natural Earth",
    coordsToLatLng: (c) => L.latLng(c[1], c[0] + shift),
    style: (f) => f.properties.layer === "land"
      ? { stroke: false, fillColor: "#f2efe9", fillOpacity: 1 }
      : { color: "#b8aab8", weight: 0.8 },
  }))).addTo(map);
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: "&copy; OpenStreetMap contributors",
  }).addTo(map);

  function text(tag, value) {
    const node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function popup(p) {
    // Built with textContent: URLs and EXIF text come from untrusted files. Only http(s)
    // becomes a link: a javascript: or data: URL would run or forge content when clicked.
    const list = document.createElement("dl");
    list.className = "imgmeta-popup";
    const url = String(p[at.url]);
    list.append(text("dt", "Image"));
    const cell = document.createElement("dd");
    if (/^https?:\\/\\//i.test(url)) {
      const link = text("a", url);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      cell.append(link);
    } else {
      cell.textContent = url;
    }
    list.append(cell);
    const camera = [p[at.make], p[at.model]].filter(Boolean).join(" ");
    const rows = [
      ["Camera", camera || "unknown"],
      ["Taken", p[at.datetime_original] || "unknown"],
      ["Size", p[at.width] + " \\u00d7 " + p[at.height] + " " + (p[at.format] || "")],
      ["Position", p[at.gps_latitude].toFixed(6) + ", " + p[at.gps_longitude].toFixed(6)],
    ];
    if (p[at.place]) {
      const where = [p[at.place], p[at.region], p[at.country_code]].filter(Boolean).join(", ");
      rows.splice(3, 0, ["Near", where + " (" + Number(p[at.place_distance_km]).toFixed(1)
                                 + " km)"]);
    }
    if (p[at.id]) rows.unshift(["Id", p[at.id]]);
    for (const [label, value] of rows) {
      list.append(text("dt", label), text("dd", value));
    }
    return list;
  }

  const clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  const markers = DATA.map((p) => {
    const marker = L.circleMarker([p[at.gps_latitude], p[at.gps_longitude]], {
      radius: 6, weight: 1, color: "#0b5394", fillColor: "#3d85c6", fillOpacity: 0.85,
    });
    marker.bindPopup(() => popup(p));
    return marker;
  });
  clusters.addLayers(markers);
  map.addLayer(clusters);
  const heat = L.heatLayer(DATA.map((p) => [p[at.gps_latitude], p[at.gps_longitude], 0.6]),
                           { radius: 20, blur: 15 });
  L.control.layers(null, { "Images (clustered)": clusters, "Heat map": heat },
                   { collapsed: false }).addTo(map);
  L.control.scale().addTo(map);

  const header = L.control({ position: "topright" });
  header.onAdd = function () {
    const box = L.DomUtil.create("div", "imgmeta-header");
    box.append(text("h1", TITLE));
    const n = (value) => Number(value).toLocaleString("en");
    const lines = [
      n(COUNTS.images) + " images" + (WHERE ? " matching " + WHERE : ""),
      n(COUNTS.with_gps) + " with GPS" + (COUNTS.drawn < COUNTS.with_gps
        ? " (" + n(COUNTS.drawn) + " drawn)" : ""),
      n(COUNTS.without_gps) + " without GPS",
    ];
    if (COUNTS.impossible) lines.push(n(COUNTS.impossible) + " with impossible positions");
    for (const line of lines) box.append(text("div", line));
    if (!COUNTS.drawn) {
      const empty = text("div", "No image here has a GPS position to show.");
      empty.className = "empty";
      box.append(empty);
    }
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  header.addTo(map);

  if (DATA.length) {
    const bounds = L.latLngBounds(DATA.map((p) => [p[at.gps_latitude], p[at.gps_longitude]]));
    map.fitBounds(bounds.pad(0.15), { maxZoom: 14 });
  } else {
    map.setView([20, 0], 2);
  }
  window.imgmeta = { map: map, clusters: clusters, heat: heat, markers: markers, data: DATA,
                     counts: COUNTS, outline: outline };
})();
</script>
</body>
</html>
""")
