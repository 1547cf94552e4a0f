"""Fujifilm RAF: the raw image's size from the RAF directory, and the metadata of the JPEG
the file embeds (its EXIF is the camera's)."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats import jpeg
from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header, Window

MAGIC = b"FUJIFILMCCD-RAW "
MAX_RECORDS = 256
_FULL_SIZE, _CROPPED_SIZE = 0x0100, 0x0111  # (0x0110 is the crop's top-left corner)


def accepts(head: bytes) -> bool:
    return head.startswith(MAGIC)


def header(fp: BinaryIO) -> Header:
    fp.seek(84)
    jpeg_offset, jpeg_size, directory, _directory_size = struct.unpack(
        ">IIII", read_exactly(fp, 16, "RAF header"))
    sizes = _directory(fp, directory)
    # The cropped size is the picture (exiftool's ImageSize); the full one counts the borders.
    width, height = sizes.get(_CROPPED_SIZE) or sizes.get(_FULL_SIZE) or (None, None)
    exif = xmp = None
    warnings = []
    try:
        window = Window(fp, jpeg_offset, jpeg_size)
        window.seek(0)
        if not jpeg.is_jpeg(window.read(3)):
            raise ValueError(f"no JPEG at offset {jpeg_offset}")
        embedded = jpeg.read_jpeg(window)
        exif, xmp = embedded.exif, embedded.xmp
        if width is None:
            width, height = embedded.width, embedded.height
    except ValueError as e:
        warnings.append(f"RAF: the embedded JPEG is unreadable ({e}); no EXIF")
    if width is None:
        raise ValueError("no image size in the RAF directory and no readable JPEG")
    return Header("RAF", "RGB", width, height, exif=exif, xmp=xmp, warnings=warnings)


def _directory(fp: BinaryIO, offset: int) -> dict[int, tuple[int, int]]:
    """(width, height) records of the RAF directory, stored as height then width."""
    fp.seek(offset)
    head = fp.read(4)
    if len(head) < 4:
        return {}
    (count,) = struct.unpack(">I", head)
    sizes = {}
    for _ in range(min(count, MAX_RECORDS)):
        record = fp.read(4)
        if len(record) < 4:
            break
        tag, size = struct.unpack(">HH", record)
        value = fp.read(size)
        if tag in (_FULL_SIZE, _CROPPED_SIZE) and len(value) >= 4:
            height, width = struct.unpack(">HH", value[:4])
            if width and height:
                sizes[tag] = (width, height)
    return sizes
