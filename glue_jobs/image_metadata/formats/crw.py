"""Canon CRW: the CIFF heap of records, read from its tables (each at its heap's end): the
image's size and rotation, the make and model, the capture time."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import BinaryIO

from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header
from image_metadata.tags import exif as exif_mod
from image_metadata.tags.ifd import Entry

MAX_DEPTH = 4
MAX_RECORDS = 512
_MAKE_MODEL, _TIME_STAMP, _IMAGE_INFO = 0x080A, 0x180E, 0x1810
_ROTATION = {0: 1, 90: 6, 180: 3, 270: 8}  # degrees clockwise -> EXIF orientation


def accepts(head: bytes) -> bool:
    return head[:2] == b"II" and head[6:14] == b"HEAPCCDR"


def header(fp: BinaryIO) -> Header:
    fp.seek(2)
    (start,) = struct.unpack("<I", read_exactly(fp, 4, "CRW header"))
    end = fp.seek(0, 2)
    found: dict[int, bytes] = {}
    _heap(fp, start, end, found, 0, _Budget())
    if _IMAGE_INFO not in found:
        raise ValueError("no image information record in the CIFF heap")
    width, height, _aspect, rotation = struct.unpack("<IIfi", found[_IMAGE_INFO][:16])
    ifd0: dict[int, Entry] = {
        0x0112: Entry(0x0112, 3, 1, (_ROTATION.get(rotation % 360, 1),))}
    make, _, rest = found.get(_MAKE_MODEL, b"").partition(b"\x00")
    model = rest.split(b"\x00", 1)[0]
    if make:
        ifd0[0x010F] = Entry(0x010F, 2, len(make) + 1, make + b"\x00")
    if model:
        ifd0[0x0110] = Entry(0x0110, 2, len(model) + 1, model + b"\x00")
    entries = {"IFD0": ifd0}
    if _TIME_STAMP in found:
        (seconds,) = struct.unpack("<I", found[_TIME_STAMP][:4])
        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y:%m:%d %H:%M:%S").encode()
        entries["Exif"] = {0x9003: Entry(0x9003, 2, 20, stamp + b"\x00")}
    return Header("CRW", "RGB", width, height, exif_data=exif_mod.from_entries(entries))


class _Budget:
    """Heaps read once each, and records counted over the whole file: records may point at
    heaps that hold them (a loop) or fan out, which depth alone does not bound."""

    def __init__(self) -> None:
        self.seen: set[tuple[int, int]] = set()
        self.records = MAX_RECORDS


def _heap(fp: BinaryIO, start: int, end: int, found: dict[int, bytes], depth: int,
          budget: _Budget) -> None:
    if depth > MAX_DEPTH or end - start < 6 or (start, end) in budget.seen \
            or budget.records <= 0:
        return
    budget.seen.add((start, end))
    fp.seek(end - 4)
    (table,) = struct.unpack("<I", read_exactly(fp, 4, "CIFF heap"))
    fp.seek(start + table)
    (count,) = struct.unpack("<H", read_exactly(fp, 2, "CIFF table"))
    count = min(count, budget.records)
    budget.records -= count
    records = fp.read(10 * count)
    for i in range(len(records) // 10):
        tag, size, offset = struct.unpack("<HII", records[10 * i:10 * i + 10])
        kind = tag & 0x3FFF
        if tag & 0xC000 == 0x4000:  # the value is the record's own 8 bytes
            found.setdefault(kind, records[10 * i + 2:10 * i + 10])
        elif (kind >> 8) & 0x38 in (0x28, 0x30):  # a heap within the heap
            _heap(fp, start + offset, start + offset + size, found, depth + 1, budget)
        elif kind in (_MAKE_MODEL, _TIME_STAMP, _IMAGE_INFO) and size <= 4096:
            fp.seek(start + offset)
            found.setdefault(kind, fp.read(size))
