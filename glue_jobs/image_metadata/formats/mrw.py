"""Minolta MRW: blocks after the MRM header; PRD holds the image's size, TTW a TIFF
structure with the EXIF."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header
from image_metadata.tags import exif as exif_mod

MAX_BLOCKS = 32


def accepts(head: bytes) -> bool:
    return head.startswith(b"\x00MRM")


def header(fp: BinaryIO) -> Header:
    fp.seek(4)
    (length,) = struct.unpack(">I", read_exactly(fp, 4, "MRW header"))
    end = 8 + length
    pos = 8
    size = data = None
    for _ in range(MAX_BLOCKS):
        if pos + 8 > end:
            break
        fp.seek(pos)
        kind, block = struct.unpack(">4sI", read_exactly(fp, 8, "MRW block"))
        if kind == b"\x00PRD":
            prd = read_exactly(fp, 16, "PRD block")
            _sensor_height, _sensor_width, height, width = struct.unpack(">4H", prd[8:16])
            size = (width, height)
        elif kind == b"\x00TTW":
            data = exif_mod.read_exif(fp, pos + 8)
        pos += 8 + block
    if size is None:
        raise ValueError("no PRD block with the image size")
    return Header("MRW", "RGB", *size, exif_data=data)
