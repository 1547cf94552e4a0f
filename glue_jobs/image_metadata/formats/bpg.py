"""BPG (Better Portable Graphics): the size from the file header's two ue7 numbers."""

from __future__ import annotations

from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

MAGIC = b"BPG\xfb"
# pixel_format (3 bits) and alpha1_flag: as Pillow names the modes these would decode to.
_MODES = {0: "L"}
_EXIF, _XMP = 1, 3  # extension tags (2 is the ICC profile, 4 thumbnails)
MAX_EXTENSIONS = 64
MAX_METADATA = 4 << 20


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
    found = Header("BPG", mode, width, height)
    _picture_length = _ue7(fp)
    if flags[1] & 0x08:  # extension_present_flag: tagged metadata before the picture
        _extensions(fp, _ue7(fp), found)
    return found


def _extensions(fp: BinaryIO, length: int, found: Header) -> None:
    end = fp.tell() + length
    for _ in range(MAX_EXTENSIONS):
        if fp.tell() >= end:
            return
        tag, size = _ue7(fp), _ue7(fp)
        if tag in (_EXIF, _XMP) and size <= MAX_METADATA:
            body = read_exactly(fp, size, "BPG extension")
            if tag == _EXIF:
                found.exif = body
            else:
                found.xmp = body
        else:
            fp.seek(size, 1)


def _ue7(fp: BinaryIO) -> int:
    value = 0
    for _ in range(5):  # at most 32 bits
        byte = read_exactly(fp, 1, "BPG header")[0]
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value
    raise ValueError("a BPG number longer than 32 bits")
