"""ICO: the largest icon's format, mode and size, as Pillow's ICO plugin reports them.

That plugin decodes the icon's pixels when the file is opened, and an icon stored as PNG may
declare any size (a 300 KB file took 300 MB), so only the icon's own header is read.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from PIL import BmpImagePlugin, IcoImagePlugin

from image_metadata.formats import pillow, png
from image_metadata.formats.header import Header, Window


def open_icon(fp: BinaryIO, _factory: Any = None) -> Header:
    fp = pillow.budgeted(fp)
    icons = IcoImagePlugin.IcoFile(fp)  # the directory, largest icon first
    if not icons.entry:
        raise ValueError("the icon directory is empty")
    offset = icons.entry[0].offset
    fp.seek(offset)
    is_png = png.is_png(fp.read(8))
    fp.seek(offset)
    if is_png:  # the bounded PNG reader, as for any PNG: Pillow's inflates every text chunk
        header = png.read_png(Window(fp, offset))
        return Header("ICO", header.mode, header.width, header.height)
    dib = BmpImagePlugin.DibImageFile(fp)
    # The bitmap's height counts the AND mask too; Pillow applies that mask as alpha.
    return Header("ICO", "RGBA", dib.size[0], dib.size[1] // 2)
