"""Encapsulated PostScript: size and mode from the DSC comments, read as Pillow's plugin reads
them. That plugin reads the whole file (it looks for trailer comments up to %%EOF), which the
read budget refuses for any EPS over 4 MiB; the comments it uses sit in the first kilobytes,
or, for a bounding box given "(atend)", in the last ones.

Pillow's rules, kept here: the header comments run from "%!PS-Adobe" to %%EndComments (or the
first line that is no comment); the bounding box is the header's first (the trailer's last
when "(atend)"); %ImageData counts after the header (not on the line right after its end,
which the plugin reads run together with it) and before %%EOF; a comment line over 255
characters makes it no EPS file. What this reader cannot settle (the header running past the
window, binary data before any %ImageData) goes to the plugin; an %ImageData comment further
than 64 KiB in, after text, is not seen.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from image_metadata.formats import pillow
from image_metadata.formats.header import Header

WINDOW = 64 * 1024  # of the file's start, and of its end for an "(atend)" bounding box
MAX_LINE = 255
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
    lines = _lines(fp.read(WINDOW))
    if not lines or not lines[0].startswith(b"%!PS-Adobe"):
        return None
    box: bytes | None = None
    header_end = None
    for index, line in enumerate(lines):  # the header comments
        if not line.startswith(b"%") or line.startswith(b"%%EndComments"):
            header_end = index
            break
        if len(line) > MAX_LINE:
            return None
        if line.startswith(b"%%BoundingBox:") and box is None:
            box = line[14:].strip()
    if header_end is None or box is None:  # no end within the window, or no box in it
        return None
    image_data = None
    # Pillow's plugin reads the line after the header's end into the same buffer as that
    # end (it does not clear it), so that line is never looked at on its own: skipped here.
    for line in lines[header_end + 2:]:
        if line.startswith(b"%%EOF"):
            break
        if line.startswith(b"%ImageData:") and image_data is None:
            image_data = line[11:].split()
        if line.startswith(b"%%BeginBinary") and image_data is None:
            return None  # the plugin skips the binary part and reads on: it decides
        if line.startswith(b"%%Trailer"):
            break
    if box == b"(atend)":
        box = _trailer_box(fp, start, length)
        if box is None:
            return None
    try:
        x0, y0, x1, y1 = (int(float(v)) for v in box.split()[:4])
    except (ValueError, OverflowError):
        return None
    if x1 <= x0 or y1 <= y0:
        return None
    size, mode = (x1 - x0, y1 - y0), "RGB"
    if image_data and len(image_data) >= 4:
        try:
            columns, rows, depth, mode_id = (int(v) for v in image_data[:4])
        except ValueError:
            return None
        if depth == 1:
            mode, size = "1", (columns, rows)
        elif depth == 8 and mode_id in _MODES:
            mode, size = _MODES[mode_id], (columns, rows)
    return Header("EPS", mode, *size)


def _trailer_box(fp: BinaryIO, start: int, length: int | None) -> bytes | None:
    end = start + length if length else fp.seek(0, 2)
    fp.seek(max(start, end - WINDOW))
    lines = _lines(fp.read(WINDOW))
    trailer = next((i for i in range(len(lines) - 1, -1, -1)
                    if lines[i].startswith(b"%%Trailer")), None)
    if trailer is None:
        return None
    boxes = [line[14:].strip() for line in lines[trailer + 1:]
             if line.startswith(b"%%BoundingBox:")]
    return boxes[-1] if boxes else None


def _lines(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
