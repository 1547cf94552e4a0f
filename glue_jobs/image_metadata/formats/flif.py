"""FLIF: channels and size from the header's variable-length numbers."""

from __future__ import annotations

from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(b"FLIF") and prefix[4:5] in b"1346ACDQ"


def header(fp: BinaryIO) -> Header:
    fp.seek(4)
    kind = read_exactly(fp, 2, "FLIF header")
    channels = kind[0] & 0x0F
    width, height = _varint(fp) + 1, _varint(fp) + 1
    return Header("FLIF", _MODES.get(channels, "RGB"), width, height)


def _varint(fp: BinaryIO) -> int:
    value = 0
    for _ in range(5):
        byte = read_exactly(fp, 1, "FLIF header")[0]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    raise ValueError("a FLIF number longer than 32 bits")
