"""TIFF and the raw files built on it: mode and size as Pillow's plugin gives them, read from
IFD0's layout tags only, and the metadata from the file's own IFDs."""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO

from PIL import TiffImagePlugin

from image_metadata.formats import pillow
from image_metadata.formats.header import Header
from image_metadata.tags import exif as exif_mod
from image_metadata.tags.ifd import TYPES, Entry, TiffReader, first_int

# The tags Pillow's TIFF plugin derives mode and size from.
_LAYOUT_TAGS = (0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x010A, 0x0115, 0x011C, 0x0152,
                0x0153, 0x0212)
_DATA_TAGS = ((0x0111, 0x0117), (0x0144, 0x0145))  # strip or tile offsets and byte counts
_WANTED = frozenset((*_LAYOUT_TAGS, *(t for pair in _DATA_TAGS for t in pair)))


def open_layout(fp: BinaryIO, _factory: Any = None) -> Header | None:
    """Format, mode and size of a TIFF as Pillow's plugin gives them, from IFD0's layout tags
    only: Pillow opens a copy of just those, so it never reads the other tags' values (a few
    KB of tags pointing at one megabyte, a Photoshop layer blob) that it would keep. None when
    the layout is not plainly there: then Pillow opens the file itself, within a budget."""
    try:
        reader = TiffReader(fp, 0)
        entries, _next = reader.read_ifd(reader.first_ifd, "IFD0", _WANTED)
    except (ValueError, struct.error):
        return None
    kept = [entries[t] for t in _LAYOUT_TAGS if t in entries]
    data = next(((entries[o], entries[c]) for o, c in _DATA_TAGS
                 if o in entries and c in entries), None)
    if data is None or any(e.value is None or e.count > 64 for e in kept):
        return None
    offsets, counts = data
    kept += [Entry(offsets.tag, 4, 1, (0,)), Entry(counts.tag, 4, 1, (0,))]
    if first_int(entries.get(0x0106)) == 3:  # palette: a colour map of the right length
        depth = first_int(entries.get(0x0102)) or 1
        if depth > 16:
            return None
        kept.append(Entry(0x0140, 3, 3 << depth, (0,) * (3 << depth)))
    try:
        image = TiffImagePlugin.TiffImageFile(io.BytesIO(_tiny_tiff(reader.order, kept)))
    except pillow.PILLOW_ERRORS:
        return None
    return Header(image.format or "TIFF", image.mode, *image.size)


def _tiny_tiff(order: str, entries: list[Entry]) -> bytes:
    """A TIFF holding only ``entries`` in IFD0 (values after the IFD), in byte order ``order``."""
    entries = sorted(entries, key=lambda e: e.tag)
    table_end = 8 + 2 + 12 * len(entries) + 4
    table, values = b"", b""
    for entry in entries:
        code, size = TYPES[entry.type]
        if isinstance(entry.value, bytes):
            raw = entry.value
        elif entry.type in (5, 10):
            raw = struct.pack(f"{order}{2 * len(entry.value)}{code[0]}",
                              *(n for pair in entry.value for n in pair))
        else:
            raw = struct.pack(f"{order}{len(entry.value)}{code}", *entry.value)
        count = len(raw) // size
        if len(raw) <= 4:
            field_value = raw.ljust(4, b"\x00")
        else:
            field_value = struct.pack(order + "L", table_end + len(values))
            values += raw + b"\x00" * (len(raw) % 2)
        table += struct.pack(order + "HHL", entry.tag, entry.type, count) + field_value
    magic = (b"II" if order == "<" else b"MM") + struct.pack(order + "HL", 42, 8)
    return magic + struct.pack(order + "H", len(entries)) + table + bytes(4) + values


def read_metadata(fp: BinaryIO, header: Header) -> None:
    """The file's own IFDs as its EXIF, IFD0's stored size, a raw file's full-resolution
    size, and the XMP packet of tag 700."""
    data = exif_mod.read_exif(fp, 0)
    header.exif_data = data
    _stored_size(data, header)
    _full_resolution_size(fp, header)
    xmp_entry = data.entry("IFD0", 0x02BC)
    header.xmp = xmp_entry.value if xmp_entry and isinstance(xmp_entry.value, bytes) else None


def _stored_size(data: exif_mod.ExifData, header: Header) -> None:
    """IFD0's own width and height: Pillow turns a TIFF's size for orientations 5 to 8, while
    every other format reports the stored size next to the orientation."""
    width = first_int(data.entry("IFD0", 0x0100))
    height = first_int(data.entry("IFD0", 0x0101))
    if width and height and (height, width) == (header.width, header.height):
        header.width, header.height = width, height


def _full_resolution_size(fp: BinaryIO, header: Header) -> None:
    """For raw files whose IFD0 is a preview (NewSubfileType bit 0), the main image's size."""
    try:
        reader = TiffReader(fp, 0)
    except ValueError:
        return
    ifd0, next_offset = reader.read_ifd(reader.first_ifd, "IFD0")
    if not (first_int(ifd0.get(0x00FE)) or 0) & 1:
        return
    candidates: list[tuple[int, int]] = []
    pending = [o for o in _ints(ifd0.get(0x014A))] + ([next_offset] if next_offset else [])
    while pending and len(reader._visited) < 32:
        offset = pending.pop(0)
        entries, nxt = reader.read_ifd(offset, "SubIFD")
        pending += _ints(entries.get(0x014A))
        if nxt:
            pending.append(nxt)
        if (first_int(entries.get(0x00FE)) or 0) & 1:
            continue
        width, height = first_int(entries.get(0x0100)), first_int(entries.get(0x0101))
        if width and height:
            candidates.append((width, height))
    if candidates:
        width, height = max(candidates, key=lambda wh: wh[0] * wh[1])
        if width * height > header.width * header.height:
            header.width, header.height = width, height


def _ints(entry: Entry | None) -> list[int]:
    if entry is None or not isinstance(entry.value, tuple):
        return []
    return [v for v in entry.value if isinstance(v, int) and v > 0][:16]
