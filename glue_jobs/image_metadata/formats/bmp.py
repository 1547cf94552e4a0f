"""BMP through Pillow's plugin; a bitmap Pillow refuses (JPEG or PNG inside, a bit depth it
does not decode) keeps the size its header states, and the mode of the image inside."""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from image_metadata.formats import jpeg, pillow, png
from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header, Window

_EMBEDDED = {4: "JPEG", 5: "PNG"}  # BI_JPEG, BI_PNG


def open_bmp(fp: BinaryIO, factory: Any) -> Header:
    try:
        return pillow.open_plugin(factory, fp)
    except pillow.PILLOW_ERRORS as error:
        try:
            found = from_header(fp)
        except ValueError:
            raise error from None
        found.warnings.append(f"BMP: Pillow cannot open it ({' '.join(str(error).split())}); "
                              "size from the bitmap header")
        return found


def from_header(fp: BinaryIO) -> Header:
    fp.seek(10)
    data_offset, header_size = struct.unpack("<II", read_exactly(fp, 8, "BMP header"))
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _planes, depth = struct.unpack("<HHHH", read_exactly(fp, 8, "BMP header"))
        compression = 0
    elif header_size >= 40:
        width, height, _planes, depth, compression = struct.unpack(
            "<iiHHI", read_exactly(fp, 16, "BMP header"))
    else:
        raise ValueError(f"unknown bitmap header size {header_size}")
    height = abs(height)  # negative: stored top-down
    if width <= 0 or height == 0:
        raise ValueError("bitmap width or height is not positive")
    mode = "P" if depth <= 8 else "RGBA" if depth == 32 else "RGB"
    if compression in _EMBEDDED:
        try:
            window = Window(fp, data_offset)
            inner = (jpeg.read_jpeg if compression == 4 else png.read_png)(window)
            mode = inner.mode
        except ValueError:
            pass
    return Header("BMP", mode, width, height)
