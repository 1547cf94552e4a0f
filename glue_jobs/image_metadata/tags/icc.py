"""An ICC profile's description and colour space, from its header and tag table only.

Profiles are untrusted bytes: every offset is checked against the data, counts are capped,
and a profile that cannot be read gives no description rather than an error.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

MAX_TAGS = 256  # real profiles have a dozen or two
MAX_DESCRIPTION = 500
# Most images carry one of a few profiles (sRGB, Display P3, Adobe RGB): readings of small
# profiles are kept, so a worker reads each once. Larger ones are read each time, so the
# cache holds at most a few megabytes.
_CACHED_PROFILE_BYTES = 64 * 1024
# The profile header's data colour space signature -> the name exiftool prints.
COLOR_SPACES = {
    b"XYZ ": "XYZ", b"Lab ": "Lab", b"Luv ": "Luv", b"YCbr": "YCbCr", b"Yxy ": "Yxy",
    b"RGB ": "RGB", b"GRAY": "Grayscale", b"HSV ": "HSV", b"HLS ": "HLS", b"CMYK": "CMYK",
    b"CMY ": "CMY",
}


@dataclass(frozen=True)
class IccProfile:
    description: str | None
    color_space: str | None  # the data colour space: RGB, CMYK, Grayscale, ...


def read_icc(data: bytes | None) -> IccProfile | None:
    """The profile in ``data`` (a whole ICC profile), or None when it is no profile."""
    if not data or len(data) < 132 or data[36:40] != b"acsp":
        return None
    if len(data) <= _CACHED_PROFILE_BYTES:
        return _read_cached(bytes(data))
    return _read(data)


@functools.lru_cache(maxsize=32)
def _read_cached(data: bytes) -> IccProfile:
    return _read(data)


def _read(data: bytes) -> IccProfile:
    space = COLOR_SPACES.get(data[16:20])
    (count,) = struct.unpack(">I", data[128:132])
    description = None
    for index in range(min(count, MAX_TAGS)):
        at = 132 + 12 * index
        if at + 12 > len(data):
            break
        signature, offset, size = struct.unpack(">4sII", data[at:at + 12])
        if signature == b"desc":
            description = _description(data[offset:offset + size])
            break
    return IccProfile(description, space)


def _description(body: bytes) -> str | None:
    kind = body[:4]
    if kind == b"desc" and len(body) >= 12:  # ICC v2 textDescriptionType: ASCII first
        (length,) = struct.unpack(">I", body[8:12])
        text = body[12:12 + min(length, MAX_DESCRIPTION)].split(b"\x00", 1)[0]
        return _clean(text.decode("latin-1"))
    if kind == b"mluc" and len(body) >= 16:  # ICC v4 multiLocalizedUnicode: first record
        count, record_size = struct.unpack(">II", body[8:16])
        if count == 0 or record_size < 12 or len(body) < 16 + 12:
            return None
        length, offset = struct.unpack(">II", body[20:28])
        text = body[offset:offset + min(length, 2 * MAX_DESCRIPTION)]
        return _clean(text.decode("utf-16-be", errors="replace"))
    if kind == b"text" and len(body) > 8:
        return _clean(body[8:8 + MAX_DESCRIPTION].split(b"\x00", 1)[0].decode("latin-1"))
    return None


def _clean(text: str) -> str | None:
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text or None
