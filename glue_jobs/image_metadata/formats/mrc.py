"""MRC (electron microscopy maps): columns and rows from the 1024-byte header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_MODES = {0: "L", 1: "I;16S", 2: "F", 3: "I;16S", 4: "F", 6: "I;16", 12: "F"}
# The machine stamp: little-endian (DD or DA), big-endian (11).
_STAMPS = (b"\x44\x44", b"\x44\x41", b"\x11\x11")


def accepts(head: bytes) -> bool:
    if head[208:212] != b"MAP " or head[212:214] not in _STAMPS:
        return False
    order = "<" if head[212] in (0x44, 0x41) else ">"
    return struct.unpack(order + "i", head[12:16])[0] in _MODES


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    head = read_exactly(fp, 224, "MRC header")
    order = "<" if head[212] in (0x44, 0x41) else ">"  # the machine stamp
    columns, rows, _sections, mode = struct.unpack(order + "4i", head[:16])
    if columns <= 0 or rows <= 0:
        raise ValueError("the map has no columns or rows")
    return Header("MRC", _MODES.get(mode, "F"), columns, rows)
