"""Paint Shop Pro images: the General Image Attributes block after the file header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

MAGIC = b"Paint Shop Pro Image File\n\x1a\x00\x00\x00\x00\x00"
_BLOCK = b"~BK\x00"


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(MAGIC[:16])


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    if read_exactly(fp, 32, "PSP header") != MAGIC:
        raise ValueError("not a Paint Shop Pro file header")
    (major,) = struct.unpack("<H", read_exactly(fp, 4, "PSP version")[:2])
    block = read_exactly(fp, 10 if major >= 4 else 14, "PSP block header")
    if block[:4] != _BLOCK or struct.unpack("<H", block[4:6])[0] != 0:
        raise ValueError("the first block is not the General Image Attributes")
    body = read_exactly(fp, 4 + 8 if major >= 4 else 8, "PSP image attributes")
    if major >= 4:
        body = body[4:]  # the chunk's own size comes first since version 4
    width, height = struct.unpack("<ii", body)
    if width <= 0 or height <= 0:
        raise ValueError("image width or height is not positive")
    return Header("PSP", "RGB", width, height)
