"""GIMP's XCF: size and base colour type right after the version tag."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_MODES = {0: "RGB", 1: "L", 2: "P"}


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(b"gimp xcf ")


def header(fp: BinaryIO) -> Header:
    fp.seek(14)  # "gimp xcf " + "file"/"v011" + NUL
    width, height, base = struct.unpack(">III", read_exactly(fp, 12, "XCF header"))
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    return Header("XCF", _MODES.get(base, "RGB"), width, height)
