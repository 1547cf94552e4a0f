"""Canon CR3: an ISOBMFF file whose moov box holds Canon's uuid box with the EXIF IFDs as TIFF
structures of their own (CMT1 IFD0, CMT2 Exif, CMT4 GPS), and a track per image."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header
from image_metadata.tags import exif as exif_mod
from image_metadata.tags.ifd import first_int

CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
MAX_BOXES = 1024  # over the whole file: real CR3 files have about 60
MAX_PART = 1 << 20  # one CMT box; real ones are a few KB
_PARTS = {b"CMT1": "IFD0", b"CMT2": "Exif", b"CMT4": "GPS"}
_CONTAINERS = (b"trak", b"mdia", b"minf", b"stbl")


def accepts(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] == b"crx "


class _Boxes:
    """Box headers left to read, over the whole file."""

    def __init__(self) -> None:
        self.left = MAX_BOXES


def header(fp: BinaryIO) -> Header:
    fp.seek(0, 2)
    end = fp.tell()
    parts: dict[str, bytes] = {}
    tracks: list[tuple[int, int]] = []
    xmp = None
    budget = _Boxes()
    for kind, start, size in _boxes(fp, 0, end, budget):
        if kind == b"moov":
            _moov(fp, start, size, parts, tracks, budget)
        elif kind == b"uuid" and xmp is None and size <= MAX_PART + 16:
            fp.seek(start)
            body = read_exactly(fp, size, "uuid box")
            if body[:16] == XMP_UUID:
                xmp = body[16:]
        elif kind == b"mdat":
            break  # the image data: nothing after it is read
    if "IFD0" not in parts and not tracks:
        raise ValueError("no Canon metadata box and no image track in moov")
    data = exif_mod.read_exif_parts(parts)
    width = first_int(data.entry("IFD0", 0x0100))
    height = first_int(data.entry("IFD0", 0x0101))
    if not (width and height) and tracks:
        width, height = tracks[0]  # the first track is the full-size image
    return Header("CR3", "RGB", width, height, exif_data=data, xmp=xmp)


def _moov(fp: BinaryIO, start: int, size: int, parts: dict[str, bytes],
          tracks: list[tuple[int, int]], budget: _Boxes) -> None:
    for kind, child, child_size in _boxes(fp, start, start + size, budget):
        if kind == b"uuid":
            fp.seek(child)
            if fp.read(16) != CANON_UUID:
                continue
            for part, body, body_size in _boxes(fp, child + 16, child + child_size, budget):
                if part in _PARTS and body_size <= MAX_PART:
                    fp.seek(body)
                    parts[_PARTS[part]] = read_exactly(fp, body_size, "CMT box")
        elif kind == b"trak":
            size_of = _track_size(fp, child, child + child_size, budget, 0)
            if size_of:
                tracks.append(size_of)


def _track_size(fp: BinaryIO, start: int, end: int, budget: _Boxes,
                depth: int) -> tuple[int, int] | None:
    """The CRAW sample entry's size, in trak/mdia/minf/stbl/stsd: three levels down."""
    for kind, child, child_size in _boxes(fp, start, end, budget):
        if kind in _CONTAINERS[1:] and depth < len(_CONTAINERS) - 1:
            found = _track_size(fp, child, child + child_size, budget, depth + 1)
            if found:
                return found
        elif kind == b"stsd":
            fp.seek(child + 8)  # version, flags, entry count
            entry = fp.read(8 + 32)
            if entry[4:8] == b"CRAW" and len(entry) >= 36:
                width, height = struct.unpack(">HH", entry[32:36])
                return (width, height) if width and height else None
    return None


def _boxes(fp: BinaryIO, start: int, end: int,
           budget: _Boxes) -> Iterator[tuple[bytes, int, int]]:
    """(type, body offset, body size) of the boxes between ``start`` and ``end``."""
    pos = start
    while budget.left > 0:
        budget.left -= 1
        if pos + 8 > end:
            return
        fp.seek(pos)
        head = fp.read(8)
        if len(head) < 8:
            return
        size, kind = struct.unpack(">I4s", head)
        header_size = 8
        if size == 1:
            large = fp.read(8)
            if len(large) < 8:
                return
            size, header_size = struct.unpack(">Q", large)[0], 16
        elif size == 0:
            size = end - pos
        body = min(size, end - pos) - header_size
        if size < header_size or body < 0:
            return
        yield kind, pos + header_size, body
        pos += size
