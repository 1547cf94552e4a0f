"""MRC (electron microscopy maps): columns and rows from the 1024-byte header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_MODES = {0: "L", 1: "I;16S", 2: "F", 6: "I;16"}


def accepts(head: bytes) -> bool:
    return head[208:212] == b"MAP "


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    head = read_exactly(fp, 224, "MRC header")
    order = "<" if head[212] in (0x44, 0x41) else ">"  # the machine stamp
    columns, rows, _sections, mode = struct.unpack(order + "4i", head[:16])
    if columns <= 0 or rows <= 0:
        raise ValueError("the map has no columns or rows")
    return Header("MRC", _MODES.get(mode, "F"), columns, rows)
