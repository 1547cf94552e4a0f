"""GPS conversions: EXIF rationals to signed decimal degrees, metres and UTC timestamps.

Each function returns ``(value, warning)``: an impossible input gives ``(None, "why")`` so the
caller can keep the image and record the reason.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

Rational = tuple[int, int]


def to_float(value: Rational | float | int) -> float | None:
    """A rational as float; None for a zero denominator."""
    if isinstance(value, tuple):
        num, den = value
        if den == 0:
            return None
        return num / den
    result = float(value)
    return result if math.isfinite(result) else None


def coordinate(
    parts: tuple | None, ref: str | None, axis: str
) -> tuple[float | None, str | None]:
    """Degrees/minutes/seconds plus N/S or E/W to signed decimal degrees.

    ``axis`` is ``"latitude"`` or ``"longitude"``. One or two components (degrees with
    decimals, or degrees and decimal minutes) are accepted, as some writers use them.
    """
    tag = "GPSLatitude" if axis == "latitude" else "GPSLongitude"
    if not parts:
        return None, f"{tag}: empty"
    numbers = [to_float(p) for p in parts[:3]]
    if any(n is None for n in numbers):
        unusable = next(p for p, n in zip(parts, numbers, strict=False) if n is None)
        if isinstance(unusable, tuple):
            return None, f"{tag}: zero denominator"
        return None, f"{tag}: {float(unusable)} is not a finite number"
    degrees, minutes, seconds = [*numbers, 0.0, 0.0][:3]
    if not (0 <= minutes < 60 and 0 <= seconds < 60) or degrees < 0:
        return None, f"{tag}: {degrees} {minutes} {seconds} is not degrees/minutes/seconds"
    value = degrees + minutes / 60 + seconds / 3600
    limit = 90 if axis == "latitude" else 180
    if value > limit:
        return None, f"{tag}: {value:.6f} is out of range (limit {limit})"
    negative_ref = "S" if axis == "latitude" else "W"
    positive_ref = "N" if axis == "latitude" else "E"
    ref = (ref or "").strip().upper()[:1]
    if ref == negative_ref:
        return -value, None
    if ref == positive_ref:
        return value, None
    if not ref:
        return value, f"{tag}Ref: missing; assumed {positive_ref}"
    return None, f"{tag}Ref: {ref!r} is not {positive_ref} or {negative_ref}"


def altitude(value: Rational | None, ref: int | None) -> tuple[float | None, str | None]:
    """Altitude in metres; reference 1 means below sea level."""
    if value is None:
        return None, None
    metres = to_float(value)
    if metres is None:
        return None, "GPSAltitude: zero denominator"
    if not -12_000 <= metres <= 100_000:  # deepest trench to edge of space
        return None, f"GPSAltitude: {metres} m is out of range"
    if ref in (1, 3):  # 3: below sea level, measured from ellipsoid (EXIF 3.0)
        return -abs(metres), None
    if ref not in (None, 0, 2):
        return metres, f"GPSAltitudeRef: unknown value {ref}; taken as above sea level"
    return metres, None


_PLAIN_DATE = re.compile(r"([0-9]{4}):([0-9]{2}):([0-9]{2})")


def _date(stamp: str) -> datetime | None:
    cleaned = stamp.strip().replace("-", ":")[:10]
    plain = _PLAIN_DATE.fullmatch(cleaned)
    try:
        if plain:  # the form the standard prescribes, read without strptime's machinery
            return datetime(*map(int, plain.groups()))
        return datetime.strptime(cleaned, "%Y:%m:%d")
    except ValueError:
        return None


def timestamp(
    date_stamp: str | None, time_parts: tuple | None
) -> tuple[datetime | None, str | None]:
    """GPSDateStamp ``YYYY:MM:DD`` plus GPSTimeStamp (h, m, s rationals) as a UTC datetime."""
    if not date_stamp and not time_parts:
        return None, None
    if not date_stamp or not time_parts:
        return None, "GPSTimeStamp: date or time missing; no GPS timestamp"
    day = _date(date_stamp)
    if day is None:
        return None, f"GPSDateStamp: {date_stamp!r} is not a date"
    numbers = [to_float(p) for p in time_parts[:3]]
    if len(numbers) < 3 or any(n is None for n in numbers):
        return None, "GPSTimeStamp: zero denominator or missing component"
    hours, minutes, seconds = numbers
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        return None, f"GPSTimeStamp: {hours}:{minutes}:{seconds} is not a time of day"
    whole = int(seconds)
    micro = round((seconds - whole) * 1_000_000)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    whole = min(whole, 59)
    return (
        day.replace(hour=int(hours), minute=int(minutes), second=whole, microsecond=micro,
                    tzinfo=UTC),
        None,
    )
