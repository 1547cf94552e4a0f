"""Where a position is, looked up offline: its IANA time zone and its nearest populated place.

tzfpy holds the time zone polygons (from timezone-boundary-builder) in its wheel and answers
in about a microsecond; it is loaded on first use, once per worker process. At sea the answer
is the nautical zone (``Etc/GMT+2``), which is as much a zone as any.

The nearest place comes from the gazetteer shipped in the package (GeoNames, places of 1,000
people or more). A place farther than ``PLACE_MAX_KM`` is no answer: a photo taken 300 km
out at sea is not "in" the nearest port.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from image_metadata.tags import gazetteer

PLACE_MAX_KM = 100.0


@functools.lru_cache(maxsize=1)
def _lookup():  # tzfpy.get_tz
    from tzfpy import get_tz

    return get_tz


def preload() -> None:
    """Load the time zone finder and the gazetteer now instead of at the first image with a
    position: what a worker pays once (about 0.2 s of CPU and 40 MB), not per image."""
    _lookup()(0.0, 0.0)  # tzfpy builds its polygon index on the first lookup
    gazetteer.shipped()


def time_zone(latitude: float | None, longitude: float | None) -> str | None:
    """The IANA name of the zone at the position; None without a position."""
    if latitude is None or longitude is None:
        return None
    name = _lookup()(longitude, latitude)
    return name or None


def nearest_place(latitude: float | None, longitude: float | None,
                  zone_name: str | None) -> gazetteer.Place | None:
    """The nearest populated place within ``PLACE_MAX_KM``; None without a position, and at
    sea (a nautical ``Etc/`` zone), where the search would only scan empty water."""
    if latitude is None or longitude is None or zone_name is None:
        return None
    if zone_name.startswith("Etc/"):
        return None
    return gazetteer.shipped().nearest(latitude, longitude, PLACE_MAX_KM)


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def utc_offset(wall: datetime, zone_name: str) -> timedelta | None:
    """The zone's offset from UTC at wall-clock time ``wall`` (its rules of that date; in a
    repeated hour, the first occurrence's); None for a zone this Python does not know."""
    zone = _zone(zone_name)
    if zone is None:
        return None
    try:
        return zone.utcoffset(wall)
    except (OverflowError, ValueError):
        return None


def wall_clock_to_utc(wall: datetime, zone_name: str) -> datetime | None:
    """The instant the wall-clock time ``wall`` names in zone ``zone_name``, with the zone's
    rules of that date (summer time included); in a repeated hour, its first occurrence."""
    zone = _zone(zone_name)
    if zone is None:
        return None
    try:
        return wall.replace(tzinfo=zone).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
