"""Sigma X3F: columns, rows and rotation from the file header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header
from image_metadata.tags import exif as exif_mod
from image_metadata.tags.ifd import Entry

_ROTATION = {0: 1, 90: 6, 180: 3, 270: 8}


def accepts(head: bytes) -> bool:
    return head.startswith(b"FOVb")


def header(fp: BinaryIO) -> Header:
    fp.seek(28)
    columns, rows, rotation = struct.unpack("<III", read_exactly(fp, 12, "X3F header"))
    if columns == 0 or rows == 0:
        raise ValueError("image width or height is 0")
    ifd0 = {0x0112: Entry(0x0112, 3, 1, (_ROTATION.get(rotation % 360, 1),))}
    return Header("X3F", "RGB", columns, rows, exif_data=exif_mod.from_entries({"IFD0": ifd0}))
