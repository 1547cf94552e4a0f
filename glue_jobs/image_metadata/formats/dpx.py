"""DPX (SMPTE 268M): size from the image information header, in either byte order."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header

# Image element descriptor -> the Pillow mode the pixels would decode to.
_MODES = {1: "RGB", 2: "RGB", 3: "RGB", 4: "L", 6: "L", 50: "RGB", 51: "RGBA", 52: "RGBA"}


def accepts(prefix: bytes) -> bool:
    return prefix[:4] in (b"SDPX", b"XPDS")


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    order = ">" if read_exactly(fp, 4, "DPX header") == b"SDPX" else "<"
    fp.seek(768)
    info = read_exactly(fp, 12 + 4, "DPX image header")
    _orientation, _elements, width, height = struct.unpack(order + "HHII", info[:12])
    fp.seek(800)
    descriptor = read_exactly(fp, 1, "DPX image element")[0]
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    return Header("DPX", _MODES.get(descriptor, "RGB"), width, height)
