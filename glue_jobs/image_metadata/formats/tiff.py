"""TIFF and the raw files built on it: mode and size as Pillow's plugin gives them, read from
IFD0's layout tags only, and the metadata from the file's own IFDs. Raw files with a magic
number of their own (Panasonic RW2, Olympus ORF), which Pillow does not open, are read here
whole: their IFD0 is EXIF's IFD0."""

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


def open_tiff(fp: BinaryIO, factory: Any) -> Header:
    """The layout from IFD0's tags; else Pillow's plugin; else, for a TIFF Pillow refuses
    (no dimensions in IFD0, an odd photometric), what the IFDs themselves say."""
    layout = open_layout(fp)
    if layout is not None:
        return layout
    try:
        return pillow.open_plugin(factory, fp)
    except pillow.PILLOW_ERRORS as error:
        found = _from_ifds(fp)
        if found is None:
            raise
        found.warnings.append(f"TIFF: Pillow cannot open it ({' '.join(str(error).split())}); "
                              "size and mode from the IFDs")
        return found


# (photometric interpretation, samples per pixel) -> mode; bit depth decides for grey.
_MODES = {(2, 3): "RGB", (2, 4): "RGBA", (3, 1): "P", (5, 4): "CMYK", (6, 3): "RGB",
          (8, 3): "LAB", (32803, 1): "RGB", (34892, 3): "RGB"}


def _from_ifds(fp: BinaryIO) -> Header | None:
    try:
        reader = TiffReader(fp, 0)
        ifd0, next_offset = reader.read_ifd(reader.first_ifd, "IFD0")
    except (ValueError, struct.error):
        return None
    candidates = [ifd0]
    pending = _ints(ifd0.get(0x014A)) + ([next_offset] if next_offset else [])
    while pending and len(reader._visited) < 32:
        entries, nxt = reader.read_ifd(pending.pop(0), "SubIFD")
        candidates.append(entries)
        pending += _ints(entries.get(0x014A)) + ([nxt] if nxt else [])
    sized = [(first_int(e.get(0x0100)) or 0, first_int(e.get(0x0101)) or 0, e)
             for e in candidates]
    width, height, best = max(sized, key=lambda s: s[0] * s[1])
    photometric = first_int(best.get(0x0106))
    samples = first_int(best.get(0x0115)) or 1
    depth = first_int(best.get(0x0102)) or 1
    if photometric in (0, 1, None) and samples == 1:
        mode = "1" if depth == 1 else "I;16" if depth == 16 else "L"
    else:
        mode = _MODES.get((photometric or 2, samples), "RGB")
    found = Header("TIFF", mode, width or None, height or None)
    if not (width and height):
        found.warnings.append("TIFF: no image size in any IFD")
    return found


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


MAX_PAGES = 64


def page_count(fp: BinaryIO) -> int | None:
    """IFDs in the main chain (Pillow's n_frames); None past MAX_PAGES or a broken chain."""
    try:
        reader = TiffReader(fp, 0)
    except ValueError:
        return None
    offset, pages = reader.first_ifd, 0
    while offset and pages < MAX_PAGES:
        before = len(reader.warnings)
        _entries, offset = reader.read_ifd(offset, "page", frozenset())
        if len(reader.warnings) > before:
            return pages or None
        pages += 1
    return None if offset else pages


def read_metadata(fp: BinaryIO, header: Header) -> None:
    """The file's own IFDs as its EXIF, IFD0's stored size, a raw file's full-resolution
    size, and the XMP packet of tag 700."""
    data = exif_mod.read_exif(fp, 0)
    header.exif_data = data
    header.frames = page_count(fp)
    header.animated = False  # pages of a document or a raw file's previews, not animation
    _stored_size(data, header)
    _full_resolution_size(fp, header)
    raw_size_from_exif(fp, header)
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
    candidates: list[tuple[int, int, int | None]] = []
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
            candidates.append((width, height, first_int(entries.get(0x0102))))
    candidates = [(w, h, b) for w, h, b in candidates if w > 0 and h > 0]
    if candidates and header.width and header.height:
        width, height, bits = max(candidates, key=lambda whb: whb[0] * whb[1])
        if width * height > header.width * header.height:
            header.width, header.height = width, height
            if bits and bits <= 64:  # the main image's depth, not the preview's
                header.bits_per_sample = bits


def _ints(entry: Entry | None) -> list[int]:
    if entry is None or not isinstance(entry.value, tuple):
        return []
    return [v for v in entry.value if isinstance(v, int) and v > 0][:16]


# Magic numbers of TIFF-structured raw files that Pillow does not open, and their names.
RAW_MAGICS = {0x55: "RW2", 0x4F52: "ORF", 0x5352: "ORF"}
# Panasonic's IFD0 tags: the sensor's borders around the image it records.
_PANASONIC_BORDERS = (0x0004, 0x0005, 0x0006, 0x0007)  # top, left, bottom, right
_EXIF_SIZE = (0xA002, 0xA003)  # ExifImageWidth, ExifImageHeight
_PANASONIC_ISO = 0x0017  # in the RW2's IFD0, where its Exif IFD has none (exiftool's ISO)


def accepts_raw(head: bytes) -> bool:
    if head[:2] not in (b"II", b"MM"):
        return False
    order = "<" if head[:2] == b"II" else ">"
    return len(head) >= 4 and struct.unpack(order + "H", head[2:4])[0] in RAW_MAGICS


def raw_header(fp: BinaryIO) -> Header:
    fp.seek(0)
    head = fp.read(4)
    order = "<" if head[:2] == b"II" else ">"
    name = RAW_MAGICS[struct.unpack(order + "H", head[2:4])[0]]
    data = exif_mod.read_exif(fp, 0, tuple(RAW_MAGICS))
    width = first_int(data.entry("IFD0", 0x0100))
    height = first_int(data.entry("IFD0", 0x0101))
    borders = [first_int(data.entry("IFD0", tag)) for tag in _PANASONIC_BORDERS]
    if name == "RW2" and all(b is not None for b in borders):
        top, left, bottom, right = borders  # type: ignore[misc]
        if right > left and bottom > top:
            width, height = right - left, bottom - top
    if name == "RW2" and not (width and height):
        width = first_int(data.entry("IFD0", 0x0002))  # SensorWidth, SensorHeight
        height = first_int(data.entry("IFD0", 0x0003))
    iso = first_int(data.entry("IFD0", _PANASONIC_ISO)) if name == "RW2" else None
    if iso and data.maker.iso is None:
        data.maker.iso = iso  # the raw IFD0 is Panasonic's own record, as a maker note is
    found = Header(name, "RGB", width or None, height or None, exif_data=data)  # type: ignore[arg-type]
    if not (width and height):
        found.warnings.append(f"{name}: no image size in IFD0")
    xmp_entry = data.entry("IFD0", 0x02BC)
    found.xmp = xmp_entry.value if xmp_entry and isinstance(xmp_entry.value, bytes) else None
    return found


def raw_size_from_exif(fp: BinaryIO, header: Header) -> None:
    """Canon CR2 and Phase One IIQ files keep a reduced image (or none) in their IFDs and
    the sensor's recorded size in ExifImageWidth/Height, which exiftool reports too."""
    fp.seek(8)
    mark = fp.read(4)
    if not (mark[:2] == b"CR" or mark == b"IIII"):
        return
    data = header.exif_data
    if data is None:
        return
    width, height = (first_int(data.entry("Exif", tag)) for tag in _EXIF_SIZE)
    if not (width and height and width > 0 and height > 0):
        return
    if header.width is None or header.height is None \
            or width * height > header.width * header.height:
        header.width, header.height = width, height
