"""PGF (Progressive Graphics File): size and channels from the pre-header and header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(b"PGF")


def header(fp: BinaryIO) -> Header:
    fp.seek(8)  # magic, version, header size
    width, height, _levels, _quality, _bpp, channels = struct.unpack(
        "<IIBBBB", read_exactly(fp, 12, "PGF header"))
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    return Header("PGF", _MODES.get(channels, "RGB"), width, height)
