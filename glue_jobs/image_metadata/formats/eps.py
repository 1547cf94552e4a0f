"""Encapsulated PostScript: size and mode from the header comments, as Pillow's plugin gives
them. That plugin reads the whole file (it looks for trailer comments up to %%EOF), which the
read budget refuses for any EPS over 4 MiB; the comments it uses sit in the first kilobytes,
or, for a bounding box given "(atend)", in the last ones."""

from __future__ import annotations

import re
import struct
from typing import Any, BinaryIO

from image_metadata.formats import pillow
from image_metadata.formats.header import Header

WINDOW = 64 * 1024  # of the header, and of the trailer
_BOX = re.compile(rb"^%%BoundingBox:[ \t]*(.+?)[ \t]*$", re.M)
_IMAGE_DATA = re.compile(rb"^%ImageData:[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)",
                         re.M)
_MODES = {1: "L", 2: "LAB", 3: "RGB", 4: "CMYK"}


def open_eps(fp: BinaryIO, factory: Any) -> Header:
    found = from_comments(fp)
    return found if found is not None else pillow.open_plugin(factory, fp)


def from_comments(fp: BinaryIO) -> Header | None:
    """None when the comments do not settle it: Pillow's plugin then decides."""
    fp.seek(0)
    first = fp.read(12)
    start, length = 0, None
    if first[:4] == b"\xc5\xd0\xd3\xc6":  # the DOS binary header: where the PostScript is
        start, length = struct.unpack("<II", first[4:12])
    fp.seek(start)
    head = fp.read(WINDOW).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not head.startswith(b"%!PS-Adobe"):
        return None
    boxes = _BOX.findall(head)
    if not boxes:
        return None
    box = boxes[0]
    if box == b"(atend)":
        end = start + length if length else fp.seek(0, 2)
        fp.seek(max(start, end - WINDOW))
        tail = fp.read(WINDOW).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        trailer = tail.rsplit(b"%%Trailer", 1)
        if len(trailer) < 2 or not _BOX.findall(trailer[1]):
            return None
        box = _BOX.findall(trailer[1])[-1]
    try:
        x0, y0, x1, y1 = (int(float(v)) for v in box.split()[:4])
    except ValueError:
        return None
    size, mode = (x1 - x0, y1 - y0), "RGB"
    image_data = _IMAGE_DATA.search(head)
    if image_data:
        columns, rows, depth, mode_id = (int(v) for v in image_data.groups())
        if depth == 1:
            mode, size = "1", (columns, rows)
        elif depth == 8 and mode_id in _MODES:
            mode, size = _MODES[mode_id], (columns, rows)
    return Header("EPS", mode, *size)
