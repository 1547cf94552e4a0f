"""PFM (portable float map) in colour, "PF": Pillow reads only the grey kind ("Pf")."""

from __future__ import annotations

import re
from typing import BinaryIO

from image_metadata.formats.header import Header

_HEADER = re.compile(rb"PF\s+([0-9]{1,9})\s+([0-9]{1,9})\s+(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s")


def accepts(prefix: bytes) -> bool:
    return prefix[:2] == b"PF" and prefix[2:3].isspace()


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    match = _HEADER.match(fp.read(128))
    if not match:
        raise ValueError("unreadable PFM header")
    width, height = int(match[1]), int(match[2])
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    return Header("PFM", "RGB", width, height)
