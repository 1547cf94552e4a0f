"""JPEG XL: the size header of the bare codestream, or of the codestream inside the ISOBMFF
container, whose Exif and xml boxes carry the metadata. Orientation comes from the
codestream, which the format says wins over an EXIF one."""

from __future__ import annotations

import struct
from typing import BinaryIO

from image_metadata.formats.bits import BitReader, read_exactly
from image_metadata.formats.header import Header

CODESTREAM = b"\xff\x0a"
CONTAINER = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"
MAX_BOXES = 1024
MAX_METADATA = 4 << 20
_U32_BITS = (9, 13, 18, 30)
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def accepts(head: bytes) -> bool:
    return head.startswith(CODESTREAM) or head.startswith(CONTAINER)


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    if read_exactly(fp, 2, "JPEG XL signature") == CODESTREAM:
        width, height, orientation = _size_header(fp.read(64))
        return Header("JXL", "RGB", width, height, orientation=orientation)
    return _container(fp)


def _size_header(data: bytes) -> tuple[int, int, int]:
    """Width, height and orientation from the codestream's first bytes (after FF0A)."""
    bits = BitReader(data)
    small = bits.bits(1)
    height = 8 * (1 + bits.bits(5)) if small else 1 + bits.bits(_U32_BITS[bits.bits(2)])
    ratio = bits.bits(3)
    if ratio:
        numerator, denominator = _RATIOS[ratio]
        width = height * numerator // denominator
    else:
        width = 8 * (1 + bits.bits(5)) if small else 1 + bits.bits(_U32_BITS[bits.bits(2)])
    orientation = 1
    all_default = bits.bits(1)
    if not all_default and bits.bits(1):  # extra fields: the orientation comes first
        orientation = 1 + bits.bits(3)
    return width, height, orientation


def _container(fp: BinaryIO) -> Header:
    fp.seek(12)
    size = None
    exif = xmp = None
    for _ in range(MAX_BOXES):
        head = fp.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        body = length - 8
        if length == 1:
            body = struct.unpack(">Q", read_exactly(fp, 8, "JPEG XL box"))[0] - 16
        elif length == 0:
            body = -1  # to the end of the file
        start = fp.tell()
        if kind in (b"jxlc", b"jxlp") and size is None:
            skip = 4 if kind == b"jxlp" else 0  # a partial codestream's index comes first
            first = fp.read(min(skip + 66, body) if body >= 0 else skip + 66)[skip:]
            if first[:2] != CODESTREAM:
                raise ValueError("the codestream box does not start with a codestream")
            size = _size_header(first[2:])
        elif kind == b"Exif" and exif is None and 4 < body <= MAX_METADATA:
            payload = read_exactly(fp, body, "Exif box")
            (offset,) = struct.unpack(">I", payload[:4])
            exif = payload[4 + offset:]
        elif kind == b"xml " and xmp is None and 0 < body <= MAX_METADATA:
            xmp = read_exactly(fp, body, "xml box")
        if body < 0:
            break
        fp.seek(start + body)
    if size is None:
        raise ValueError("no codestream box")
    width, height, orientation = size
    return Header("JXL", "RGB", width, height, exif=exif, xmp=xmp, orientation=orientation)
