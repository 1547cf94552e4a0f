"""Apple PICT (version 2): the picture frame, with or without the 512-byte file header."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

_VERSION_2 = b"\x00\x11\x02\xff"


def accepts(head: bytes) -> bool:
    # No magic number: version 2's opcode right after the frame is the only sign, at 10, or
    # at 522 after the 512-byte header an application may put first.
    return _VERSION_2 in (head[10:14], head[522:526])


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    head = fp.read(526)
    base = 512 if head[522:526] == _VERSION_2 and head[10:14] != _VERSION_2 else 0
    fp.seek(base + 2)
    top, left, bottom, right = struct.unpack(">4h", read_exactly(fp, 8, "PICT frame"))
    if bottom <= top or right <= left:
        raise ValueError("the picture frame is empty")
    return Header("PICT", "RGB", right - left, bottom - top)
