"""Image properties Pillow users expect (resolution, bit depth, colour, alpha, frames,
thumbnail) from what the container states, completed from its EXIF where it is silent."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from image_metadata.tags import icc
from image_metadata.tags.exif import ExifData
from image_metadata.tags.ifd import Entry, first_int

X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128
BITS_PER_SAMPLE, ICC_PROFILE, COLOR_SPACE = 0x0102, 0x8773, 0xA001
NEW_SUBFILE_TYPE, JPEG_THUMBNAIL, JPEG_THUMBNAIL_LENGTH = 0x00FE, 0x0201, 0x0202
CM_PER_INCH = 2.54
MAX_DPI = 1_000_000.0
# Bits per sample a Pillow mode implies, for containers that state no depth of their own.
_MODE_BITS = {"1": 1, "I": 32, "F": 32, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16}
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_EXIF_SPACES = {1: "sRGB", 2: "Adobe RGB"}


class HeaderFacts(Protocol):
    mode: str
    dpi: tuple[float, float] | None
    bits_per_sample: int | None
    icc: bytes | None
    color_space: str | None
    has_alpha: bool | None
    progressive: bool | None
    frames: int | None
    animated: bool | None
    has_thumbnail: bool | None


@dataclass
class ImageProperties:
    dpi_x: float | None = None
    dpi_y: float | None = None
    bits_per_sample: int | None = None
    color_space: str | None = None
    icc_profile: str | None = None
    has_alpha: bool | None = None
    progressive: bool | None = None
    frames: int | None = None
    animated: bool | None = None
    has_thumbnail: bool | None = None


def image_properties(header: HeaderFacts, data: ExifData, warnings: list[str]
                     ) -> ImageProperties:
    out = ImageProperties()
    ifd0 = data.entries.get("IFD0") or _NONE
    dpi = header.dpi or exif_dpi(data, ifd0)
    if dpi is not None:
        x, y = dpi
        if type(x) is float and type(y) is float and 0 < x <= MAX_DPI and 0 < y <= MAX_DPI:
            out.dpi_x, out.dpi_y = round(x, 4), round(y, 4)  # the usual case, checked at once
        else:
            out.dpi_x, out.dpi_y = _plausible_dpi(dpi, warnings)
    out.bits_per_sample = header.bits_per_sample or _exif_bits(data) or \
        _MODE_BITS.get(header.mode, 8 if header.mode else None)
    profile_bytes = header.icc or _exif_icc(data)
    profile = icc.read_icc(profile_bytes)
    if profile_bytes and profile is None:
        warnings.append("ICC profile: not a readable profile; ignored")
    out.icc_profile = profile.description if profile else None
    out.color_space = _color_space(header, data, profile)
    out.has_alpha = header.has_alpha if header.has_alpha is not None else \
        header.mode in _ALPHA_MODES
    out.progressive = header.progressive
    out.frames = header.frames
    out.animated = header.animated if header.animated is not None else (
        header.frames > 1 if header.frames is not None else None)
    out.has_thumbnail = bool(header.has_thumbnail) or _exif_thumbnail(data)
    return out


_NONE: dict = {}


def exif_dpi(data: ExifData, ifd0: dict | None = None) -> tuple[float, float] | None:
    """IFD0's resolution as dots per inch; None when the unit is "none" (an aspect ratio)."""
    ifd0 = data.entries.get("IFD0") or _NONE if ifd0 is None else ifd0
    x = _rational(ifd0.get(X_RESOLUTION))
    if x is None:
        return None
    y = _rational(ifd0.get(Y_RESOLUTION))
    if y is None:
        return None
    unit = first_int(ifd0.get(RESOLUTION_UNIT))
    if unit == 3:
        return x * CM_PER_INCH, y * CM_PER_INCH
    if unit in (None, 2):  # inches are the standard's default
        return x, y
    return None


def _rational(entry: Entry | None) -> float | None:
    if entry is None or not isinstance(entry.value, tuple) or not entry.value:
        return None
    value = entry.value[0]
    if isinstance(value, tuple):
        return value[0] / value[1] if value[1] else None
    return float(value)


def _plausible_dpi(dpi: tuple[float, float], warnings: list[str]
                   ) -> tuple[float | None, float | None]:
    out = []
    for axis, given in zip("xy", dpi, strict=True):
        # Pillow's plugins give IFDRational, whose 0/0 is NaN and which formats as no float.
        value = None if given is None else float(given)
        if value is None or value == 0 or math.isnan(value):  # 0 and 0/0: unknown
            out.append(None)
        elif not (math.isfinite(value) and 0 < value <= MAX_DPI):
            warnings.append(f"dpi_{axis}: {value:g} is not a possible resolution; left empty")
            out.append(None)
        else:
            out.append(round(value, 4))
    return out[0], out[1]


def _exif_bits(data: ExifData) -> int | None:
    """A TIFF's own BitsPerSample (its IFD0 is the image)."""
    bits = first_int(data.entry("IFD0", BITS_PER_SAMPLE))
    return bits if bits and bits <= 64 else None


def _exif_icc(data: ExifData) -> bytes | None:
    entry = data.entry("IFD0", ICC_PROFILE)
    return entry.value if entry is not None and isinstance(entry.value, bytes) else None


def _color_space(header: HeaderFacts, data: ExifData, profile: icc.IccProfile | None
                 ) -> str | None:
    """What the file declares: EXIF's ColorSpace (sRGB, Adobe RGB; Uncalibrated means "see
    the profile"), the container's own statement, else the ICC profile's colour model."""
    code = first_int(data.entry("Exif", COLOR_SPACE) or data.entry("IFD0", COLOR_SPACE))
    if code in _EXIF_SPACES:
        return _EXIF_SPACES[code]
    if header.color_space:
        return header.color_space
    if profile is not None and profile.color_space:
        return profile.color_space
    return "Uncalibrated" if code == 0xFFFF else None


def _exif_thumbnail(data: ExifData) -> bool:
    ifd1 = data.ifd1
    if not ifd1:
        return False
    if (first_int(ifd1.get(JPEG_THUMBNAIL_LENGTH)) or 0) > 0:
        return True
    subfile = first_int(ifd1.get(NEW_SUBFILE_TYPE))
    return bool(subfile is not None and subfile & 1)  # a reduced-resolution copy
