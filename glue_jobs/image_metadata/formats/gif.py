"""GIF through Pillow's plugin, except where that plugin refuses a file on open: a first frame
that widens the canvas past Pillow's pixel limit is still only metadata here."""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO

from PIL import Image

from image_metadata.formats import pillow
from image_metadata.formats.header import Header

_MAX_BLOCKS = 100_000


def open_gif(fp: BinaryIO, factory: Any) -> Header:
    budgeted = pillow.budgeted(fp)
    try:
        return pillow.from_image(factory(budgeted, None))
    except Image.DecompressionBombError:
        budgeted.seek(0)
        return canvas(budgeted)


def canvas(fp: BinaryIO) -> Header:
    """The size Pillow computes for a GIF: the logical screen grown to the first frame's
    extent. Mode follows Pillow too: P with a colour palette."""
    header = fp.read(13)
    width, height, flags = struct.unpack("<HHB", header[6:11])
    palette = _palette(fp, flags)
    for _ in range(_MAX_BLOCKS):
        kind = fp.read(1)
        if kind == b"!":
            fp.read(1)  # extension label
            _skip_sub_blocks(fp)
        elif kind == b",":
            x0, y0, frame_width, frame_height, frame_flags = struct.unpack("<HHHHB", fp.read(9))
            if frame_flags & 0x80:  # a local colour table replaces the global one
                palette = _palette(fp, frame_flags)
            size = max(width, x0 + frame_width), max(height, y0 + frame_height)
            return Header("GIF", "P" if palette else "L", *size)
        elif kind in (b"", b";"):
            break
    raise ValueError("no image descriptor in the GIF file")


def _palette(fp: BinaryIO, flags: int) -> bool:
    """Read past a colour table; True when it holds colours (Pillow reads an identity grey
    ramp as mode L)."""
    if not flags & 0x80:
        return False
    table = fp.read(3 << ((flags & 7) + 1))
    return any(not (i // 3 == table[i] == table[i + 1] == table[i + 2])
               for i in range(0, len(table) - 2, 3))


def _skip_sub_blocks(fp: BinaryIO) -> None:
    for _ in range(_MAX_BLOCKS):
        length = fp.read(1)
        if not length or not length[0]:
            return
        fp.seek(length[0], io.SEEK_CUR)
