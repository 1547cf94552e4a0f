"""Radiance HDR (RGBE): the text header up to its blank line, then the resolution line."""

from __future__ import annotations

import re
from typing import BinaryIO

from image_metadata.formats.header import Header

MAX_HEADER = 64 * 1024
_RESOLUTION = re.compile(rb"([-+])([XY]) ([0-9]{1,9}) ([-+])([XY]) ([0-9]{1,9})")


def accepts(prefix: bytes) -> bool:
    return prefix.startswith((b"#?RADIANCE", b"#?RGBE"))


def header(fp: BinaryIO) -> Header:
    fp.seek(0)
    text = fp.read(MAX_HEADER)
    end = text.find(b"\n\n")
    if end < 0:
        raise ValueError("no end of the header within 64 KiB")
    line = text[end + 2:].split(b"\n", 1)[0].strip()
    match = _RESOLUTION.fullmatch(line)
    if not match or match[2] == match[5]:
        raise ValueError(f"unreadable resolution line {line[:40]!r}")
    first, second = int(match[3]), int(match[6])
    # "-Y 480 +X 640": the Y size comes first in the usual orientation.
    width, height = (second, first) if match[2] == b"Y" else (first, second)
    return Header("HDR", "RGB", width, height)
