"""Camera settings as typed values: exposure, aperture, ISO, focal length, flash, lens.

The ``exif`` map keeps every tag as text; these are the few that people filter and average
on, in units that need no conversion in SQL (seconds, f-stops, millimetres, EV, km/h).
A value that is no setting (a zero denominator, 0 where the standard means "unknown", a
negative exposure) becomes null with a warning, never a number that would skew an average.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from image_metadata.tags import exif_labels
from image_metadata.tags.ifd import Entry

# EXIF tag numbers.
EXPOSURE_TIME, F_NUMBER, EXPOSURE_PROGRAM, ISO_SPEED_RATINGS = 0x829A, 0x829D, 0x8822, 0x8827
SENSITIVITY_TYPE, STANDARD_OUTPUT_SENSITIVITY = 0x8830, 0x8831
RECOMMENDED_EXPOSURE_INDEX, ISO_SPEED = 0x8832, 0x8833
SHUTTER_SPEED_VALUE, APERTURE_VALUE, EXPOSURE_BIAS = 0x9201, 0x9202, 0x9204
METERING_MODE, FLASH, FOCAL_LENGTH = 0x9207, 0x9209, 0x920A
WHITE_BALANCE, FOCAL_LENGTH_35MM = 0xA403, 0xA405
LENS_SPECIFICATION, LENS_MAKE = 0xA432, 0xA433
DNG_LENS_INFO = 0xC630
# GPS tag numbers.
GPS_SPEED_REF, GPS_SPEED, GPS_IMG_DIRECTION, GPS_H_POSITIONING_ERROR = 0x0C, 0x0D, 0x11, 0x1F

_KMH_PER = {"K": 1.0, "M": 1.609344, "N": 1.852}  # km/h, mph, knots
_ISO_SATURATED = 65535  # EXIF 2.3: the ISO tag holds 65535 when the value does not fit


class Tags(Protocol):
    """What the EXIF reader hands over: entries by IFD and tag, and the named text."""

    tags: dict[str, str]
    entries: dict[str, dict[int, Entry]]


@dataclass
class CameraSettings:
    exposure_time: float | None = None
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    focal_length_35mm: int | None = None
    exposure_bias: float | None = None
    flash_fired: bool | None = None
    exposure_program: str | None = None
    metering_mode: str | None = None
    white_balance: str | None = None
    lens_make: str | None = None
    lens_specification: str | None = None
    gps_img_direction: float | None = None
    gps_speed_kmh: float | None = None
    gps_horizontal_error_m: float | None = None


def _values(entry: Entry | None) -> list[float | None] | None:
    """A numeric entry's values as floats (None for a zero denominator)."""
    if entry is None:
        return None
    value = entry.value
    if value is None:
        return None
    if isinstance(value, bytes):  # BYTE or UNDEFINED hold small numbers as raw bytes
        return [float(b) for b in value] if entry.type in (1, 7) else None
    out: list[float | None] = []
    for item in value:
        if isinstance(item, tuple):
            out.append(item[0] / item[1] if item[1] else None)
        else:
            out.append(float(item) if math.isfinite(item) else None)
    return out


class _Lookup:
    """Values by tag from the Exif IFD, else IFD0 (writers put EXIF tags there too)."""

    __slots__ = ("exif", "gps", "ifd0")

    def __init__(self, data: Tags) -> None:
        self.exif = data.entries.get("Exif") or {}
        self.ifd0 = data.entries.get("IFD0") or {}
        self.gps = data.entries.get("GPS") or {}

    def all(self, tag: int) -> list[float | None] | None:
        return _values(self.exif.get(tag) or self.ifd0.get(tag))

    def first(self, tag: int) -> float | None:
        return _first_value(self.exif.get(tag) or self.ifd0.get(tag))

    def firsts(self, tags: tuple[int, ...]) -> list[float | None]:
        """``first`` of each tag, in one call: a dozen per image, for every image."""
        exif, ifd0 = self.exif, self.ifd0
        out: list[float | None] = []
        for tag in tags:
            entry = exif.get(tag) or ifd0.get(tag)
            value = entry.value if entry is not None else None
            if not value or isinstance(value, bytes):
                out.append(_first_value(entry) if value else None)
                continue
            item = value[0]
            if type(item) is tuple:
                out.append(item[0] / item[1] if item[1] else None)
            else:
                out.append(float(item) if math.isfinite(item) else None)
        return out

    def gps_first(self, tag: int) -> float | None:
        return _first_value(self.gps.get(tag))


def _first_value(entry: Entry | None) -> float | None:
    """The first of a numeric entry's values (the common case: one value), as a float."""
    if entry is None or not entry.value:
        return None
    value = entry.value
    if isinstance(value, bytes):
        return float(value[0]) if entry.type in (1, 7) else None
    item = value[0]
    if isinstance(item, tuple):
        return item[0] / item[1] if item[1] else None
    return float(item) if math.isfinite(item) else None


class _Checker:
    """Keeps a value when it is a plausible setting; records why not otherwise."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings

    def positive(self, name: str, value: float | None, limit: float = math.inf
                 ) -> float | None:
        if not value:  # 0: the standard's "unknown", not a measurement
            return None
        if not 0 < value <= limit:
            self.warnings.append(f"{name}: {_text(value)} is not a possible value; left empty")
            return None
        return value


def _text(value: float) -> str:
    return f"{value:g}"


def _apex_seconds(value: float | None) -> float | None:
    """ShutterSpeedValue (APEX Tv) as seconds: 2 ** -Tv."""
    if value is None or not -64 < value < 64:
        return None
    return 2.0 ** -value


def _apex_f_number(value: float | None) -> float | None:
    """ApertureValue (APEX Av) as an f-number: 2 ** (Av / 2)."""
    if value is None or not -64 < value < 64:
        return None
    return round(2.0 ** (value / 2), 6)


def _iso(data: _Lookup, check: _Checker) -> int | None:
    """ISOSpeedRatings' first value; where it is missing or saturated (65535), the value the
    SensitivityType says the camera recorded in full (EXIF 2.3)."""
    rating = data.first(ISO_SPEED_RATINGS)
    if rating is not None and rating != _ISO_SATURATED:
        if 1 <= rating <= 10_000_000:  # the usual case, without the checker's calls
            return round(rating)
        return _whole(check.positive("ISOSpeedRatings", rating, limit=10_000_000))
    kind = data.first(SENSITIVITY_TYPE)
    preferred = {1: (STANDARD_OUTPUT_SENSITIVITY,), 2: (RECOMMENDED_EXPOSURE_INDEX,),
                 3: (ISO_SPEED,), 4: (STANDARD_OUTPUT_SENSITIVITY, RECOMMENDED_EXPOSURE_INDEX),
                 5: (STANDARD_OUTPUT_SENSITIVITY, ISO_SPEED),
                 6: (RECOMMENDED_EXPOSURE_INDEX, ISO_SPEED)}.get(int(kind or 0), ())
    for tag in (*preferred, ISO_SPEED, RECOMMENDED_EXPOSURE_INDEX, STANDARD_OUTPUT_SENSITIVITY):
        value = data.first(tag)
        if value:
            return _whole(check.positive("ISO", value, limit=10_000_000))
    return _whole(rating)  # 65535 and nothing better: what the camera wrote


def _whole(value: float | None) -> int | None:
    # Below one half there is no whole setting (ISO 1/3 is no ISO 0): unknown, as 0 is.
    return None if value is None else round(value) or None


def lens_text(values: list[float | None] | None) -> str | None:
    """LensSpecification's four numbers as exiftool prints them: ``18-55mm f/3.5-5.6``, a
    prime as ``50mm f/1.8``; an unknown (0/0) value as ``?``."""
    if not values or len(values) < 4:
        return None
    low, high, wide, tele = values[:4]
    if low is None and high is None:
        return None

    def number(value: float | None) -> str:
        return "?" if value is None else f"{value:.10g}"

    focal = number(low) if low == high else f"{number(low)}-{number(high)}"
    aperture = number(wide) if wide == tele else f"{number(wide)}-{number(tele)}"
    return f"{focal}mm f/{aperture}"


def camera_settings(data: Tags, warnings: list[str],
                    out: CameraSettings | None = None) -> CameraSettings:
    """The settings, written into ``out`` (a record that holds them, such as the typed EXIF
    fields) or a new one."""
    check = _Checker(warnings)
    tags = data.tags
    found = _Lookup(data)
    out = CameraSettings() if out is None else out
    (exposure, aperture, focal, focal_35mm, bias, flash) = found.firsts(_SETTINGS)
    if exposure is None:
        exposure = _apex_seconds(found.first(SHUTTER_SPEED_VALUE))
    out.exposure_time = check.positive("ExposureTime", exposure, limit=100_000)
    if aperture is None:
        aperture = _apex_f_number(found.first(APERTURE_VALUE))
    out.f_number = check.positive("FNumber", aperture, limit=1_000)
    out.iso = _iso(found, check)
    out.focal_length = check.positive("FocalLength", focal, limit=100_000)
    if focal_35mm is not None:
        out.focal_length_35mm = _whole(check.positive("FocalLengthIn35mmFilm", focal_35mm,
                                                      limit=100_000))
    if bias is not None and not -64 <= bias <= 64:
        warnings.append(f"ExposureBiasValue: {_text(bias)} EV is not a possible value; "
                        "left empty")
        bias = None
    out.exposure_bias = bias
    out.flash_fired = None if flash is None else bool(int(flash) & 1)
    for field, name in _LABELLED:
        value = tags.get(name)
        if value is not None:
            setattr(out, field, exif_labels.label(name, value))
    out.lens_make = tags.get("LensMake") or None
    out.lens_specification = lens_text(found.all(LENS_SPECIFICATION)) or \
        lens_text(_values(found.ifd0.get(DNG_LENS_INFO)))
    if found.gps:
        _gps(found, tags, out, check)
    return out


_SETTINGS = (EXPOSURE_TIME, F_NUMBER, FOCAL_LENGTH, FOCAL_LENGTH_35MM, EXPOSURE_BIAS, FLASH)
_LABELLED = (("exposure_program", "ExposureProgram"), ("metering_mode", "MeteringMode"),
             ("white_balance", "WhiteBalance"))


def _gps(found: _Lookup, tags: dict[str, str], out: CameraSettings, check: _Checker) -> None:
    direction = found.gps_first(GPS_IMG_DIRECTION)
    if direction is not None:
        if 0 <= direction <= 360:
            out.gps_img_direction = direction % 360
        else:
            check.warnings.append(f"GPSImgDirection: {_text(direction)} is not 0 to 360 "
                                  "degrees; left empty")
    speed = found.gps_first(GPS_SPEED)
    if speed is not None:
        ref = (tags.get("GPSSpeedRef") or "K").strip().upper()[:1] or "K"
        factor = _KMH_PER.get(ref)
        if factor is None:
            check.warnings.append(f"GPSSpeedRef: {ref!r} is not K, M or N; speed left empty")
        elif 0 <= speed <= 100_000:
            out.gps_speed_kmh = speed * factor
        else:
            check.warnings.append(f"GPSSpeed: {_text(speed)} is not a possible speed; "
                                  "left empty")
    error = found.gps_first(GPS_H_POSITIONING_ERROR)
    if error is not None:
        if 0 <= error <= 1e7:  # 0 m is a (very good) fix, not an unknown
            out.gps_horizontal_error_m = error
        else:
            check.warnings.append(f"GPSHPositioningError: {_text(error)} m is not a possible "
                                  "error; left empty")
