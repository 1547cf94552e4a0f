"""DjVu: the INFO chunk of the first page (a multi-page DJVM holds pages as FORM:DJVU)."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

MAX_CHUNKS = 256


def accepts(prefix: bytes) -> bool:
    return prefix.startswith(b"AT&TFORM") and prefix[12:16] in (b"DJVU", b"DJVM")


def header(fp: BinaryIO) -> Header:
    fp.seek(16)
    for _ in range(MAX_CHUNKS):
        kind, size = struct.unpack(">4sI", read_exactly(fp, 8, "DjVu chunk header"))
        if kind == b"FORM":
            if read_exactly(fp, 4, "DjVu form")[:4] == b"DJVU":
                continue  # into the first page
            size -= 4
        elif kind == b"INFO":
            width, height = struct.unpack(">HH", read_exactly(fp, 4, "DjVu INFO chunk"))
            if width == 0 or height == 0:
                raise ValueError("page width or height is 0")
            return Header("DJVU", "RGB", width, height)
        fp.seek(size + (size & 1), 1)
    raise ValueError("no INFO chunk before the first page's data")
