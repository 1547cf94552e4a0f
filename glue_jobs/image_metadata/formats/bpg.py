"""BPG (Better Portable Graphics): the size from the file header's two ue7 numbers."""

from __future__ import annotations

from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

MAGIC = b"BPG\xfb"
# pixel_format (3 bits) and alpha1_flag: as Pillow names the modes these would decode to.
_MODES = {0: "L"}


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(MAGIC)


def header(fp: BinaryIO) -> Header:
    fp.seek(4)
    flags = read_exactly(fp, 2, "BPG header")
    pixel_format, alpha = flags[0] >> 5, (flags[0] >> 4) & 1
    width, height = _ue7(fp), _ue7(fp)
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    mode = _MODES.get(pixel_format, "RGB") + ("A" if alpha else "")
    return Header("BPG", mode, width, height)


def _ue7(fp: BinaryIO) -> int:
    value = 0
    for _ in range(5):  # at most 32 bits
        byte = read_exactly(fp, 1, "BPG header")[0]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    raise ValueError("a BPG number longer than 32 bits")
