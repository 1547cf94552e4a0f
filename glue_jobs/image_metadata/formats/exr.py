"""OpenEXR: the header's attributes up to the first null name; size from dataWindow."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

MAGIC = b"\x76\x2f\x31\x01"
MAX_ATTRIBUTES = 1024
MAX_VALUE = 1 << 20
MAX_CHANNEL_LIST = 64 * 1024  # 18 bytes and a name per channel: thousands of channels


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(MAGIC)


def header(fp: BinaryIO) -> Header:
    fp.seek(8)  # magic, then version and flags
    window = channels = None
    for _ in range(MAX_ATTRIBUTES):
        name = _name(fp)
        if not name:
            break
        kind = _name(fp)
        (size,) = struct.unpack("<I", read_exactly(fp, 4, "EXR attribute"))
        if size > MAX_VALUE:
            raise ValueError(f"attribute {name!r} declares {size} bytes")
        wanted = name == b"dataWindow" or (name == b"displayWindow" and window is None) \
            or (name == b"channels" and size <= MAX_CHANNEL_LIST)
        if wanted:
            value = read_exactly(fp, size, "EXR attribute")
            if name == b"channels" and kind == b"chlist":
                channels = {n for n in value.split(b"\x00") if n and n.isascii()}
            elif kind == b"box2i" and size == 16:
                window = struct.unpack("<4i", value)
        else:
            fp.seek(size, 1)
    if window is None:
        raise ValueError("no dataWindow in the header")
    x_min, y_min, x_max, y_max = window
    return Header("EXR", _mode(channels or set()), x_max - x_min + 1, y_max - y_min + 1)


def _name(fp: BinaryIO) -> bytes:
    """A NUL-terminated name of at most 255 bytes."""
    out = bytearray()
    for _ in range(256):
        byte = read_exactly(fp, 1, "EXR header")
        if byte == b"\x00":
            return bytes(out)
        out += byte
    raise ValueError("an attribute name longer than 255 bytes")


def _mode(channels: set[bytes]) -> str:
    names = {c.rsplit(b".", 1)[-1] for c in channels}
    if {b"R", b"G", b"B"} <= names:
        return "RGBA" if b"A" in names else "RGB"
    return "LA" if b"A" in names else "L"
