"""Kodak Photo CD through Pillow's plugin, which reads the Base image (768x512); the size
reported is the highest resolution the image pack holds, as exiftool reports it."""

from __future__ import annotations

from typing import Any, BinaryIO

from image_metadata.formats import pillow
from image_metadata.formats.header import Header

# The image pack's attributes byte: bits 0-1 the orientation Pillow reads, bits 2-3 the
# resolution class (Base, 4Base, 16Base, 64Base), each doubling width and height.
_ATTRIBUTES = 0x0E02


def open_pcd(fp: BinaryIO, factory: Any) -> Header:
    found = pillow.open_plugin(factory, fp)
    fp.seek(_ATTRIBUTES)
    attributes = fp.read(1)
    if attributes and found.width and found.height:
        scale = 1 << ((attributes[0] >> 2) & 3)
        found.width, found.height = found.width * scale, found.height * scale
    return found
