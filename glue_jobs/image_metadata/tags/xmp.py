"""The few XMP properties that fill gaps in EXIF: capture time and GPS position.

XMP is untrusted XML; rather than parse it (entity expansion, deep nesting), look up the
handful of properties by name, as attributes or as simple elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from image_metadata.tags import capture_time, gps, xmp_text

MAX_XMP = 1 << 20
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?\d*)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?", re.ASCII
)
_COORD = re.compile(r"^\s*(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$",
                    re.ASCII)


@dataclass
class XmpFacts:
    datetime_original: datetime | None = None
    datetime_source: str | None = None
    datetime_offset: int | None = None  # minutes east of UTC, when the date states its zone
    date_only: bool = False  # the date has no time of day (kept as midnight)
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None


@lru_cache(maxsize=32)
def _pattern(name: str) -> re.Pattern[str]:
    escaped = re.escape(name)
    return re.compile(rf"{escaped}\s*=\s*\"([^\"<]{{0,200}})\"|<{escaped}>([^<]{{0,200}})<")


def _property(packet: xmp_text.Packet, name: str) -> str | None:
    start = packet.start(name)
    if start is None:
        return None
    match = _pattern(name).search(packet.text, start)
    if not match:
        return None
    return (match.group(1) or match.group(2) or "").strip() or None


def read_xmp(raw: bytes | str | xmp_text.Packet | None) -> XmpFacts:
    facts = XmpFacts()
    if not raw:
        return facts
    packet = xmp_text.locate(raw, MAX_XMP)
    for name in ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate"):
        value = _property(packet, name)
        parsed = _iso_datetime(value) if value else None
        if parsed:
            facts.datetime_original, facts.datetime_offset = parsed
            facts.datetime_source = name
            facts.date_only = _ISO_DATE.match(value).group(4) is None
            break
    lat = _coordinate(_property(packet, "exif:GPSLatitude"), "NS", 90)
    lon = _coordinate(_property(packet, "exif:GPSLongitude"), "EW", 180)
    if lat is not None and lon is not None:
        facts.gps_latitude, facts.gps_longitude = lat, lon
    facts.gps_altitude = _altitude(
        _property(packet, "exif:GPSAltitude"), _property(packet, "exif:GPSAltitudeRef")
    )
    return facts


def _iso_datetime(value: str) -> tuple[datetime, int | None] | None:
    """An XMP date as the wall-clock time it states, and its zone designator's offset in
    minutes (None without one)."""
    match = _ISO_DATE.match(value)
    if not match:
        return None
    y, mo, d, h, mi, s, frac, zone = match.groups()
    try:
        wall = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                        int((frac or "0").ljust(6, "0")))
    except ValueError:
        return None
    offset = 0 if zone == "Z" else capture_time.parse_offset(zone)[0] if zone else None
    return wall, offset


def _coordinate(value: str | None, refs: str, limit: float) -> float | None:
    match = _COORD.match(value or "")
    if not match or match.group(4) not in refs:
        return None
    degrees, minutes = float(match.group(1)), float(match.group(2))
    seconds = float(match.group(3) or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result > limit:
        return None
    return -result if match.group(4) == refs[1] else result


def _altitude(value: str | None, ref: str | None) -> float | None:
    if not value:
        return None
    try:
        num, _, den = value.partition("/")
        rational = (float(num), float(den or 1))
    except ValueError:
        return None
    # The EXIF rules apply: zero denominator, NaN, infinity or an impossible height give None.
    metres, _warning = gps.altitude(rational, 1 if (ref or "").strip() == "1" else 0)
    return metres
