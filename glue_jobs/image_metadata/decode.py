"""Image header and metadata decoding: a seekable file object in, a typed record out.

Never decodes pixels. Pillow's plugins are called directly (the same dispatch as
``Image.open``) so a huge declared size stays metadata: there is no pixel buffer to bomb, and
no process-wide ``MAX_IMAGE_PIXELS`` switch is needed. Only the formats listed in
``SUPPORTED_FORMATS`` are opened; other recognised files are reported, not parsed.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple

from PIL import BmpImagePlugin, IcoImagePlugin, Image, TiffImagePlugin

from image_metadata.exceptions import (
    CorruptImage,
    ImageFailure,
    NotAnImage,
    TooLarge,
    UnsupportedFormat,
)
from image_metadata.formats import isobmff, jpeg, png, webp
from image_metadata.tags import exif as exif_mod
from image_metadata.tags import xmp as xmp_mod
from image_metadata.tags.ifd import TYPES as TIFF_TYPES
from image_metadata.tags.ifd import Entry, TiffReader, first_int

SUPPORTED_FORMATS = (
    "JPEG", "MPO", "PNG", "TIFF", "WEBP", "GIF", "BMP", "HEIF", "AVIF", "JPEG2000", "ICO",
)
# Recognisable files that are not raster images we read, by signature.
_OTHER_SIGNATURES: tuple[tuple[bytes, str, type[ImageFailure]], ...] = (
    (b"%PDF", "PDF document", UnsupportedFormat),
    (b"<svg", "SVG drawing", UnsupportedFormat),
    (b"8BPS", "Photoshop document", UnsupportedFormat),
    (b"PK\x03\x04", "ZIP archive", NotAnImage),
    (b"\x1f\x8b", "gzip data", NotAnImage),
    (b"<!DOCTYPE html", "HTML page", NotAnImage),
    (b"<html", "HTML page", NotAnImage),
    (b"{", "JSON text", NotAnImage),
)
_XML_PROLOG_BYTES = 1024
# RuntimeError: Pillow's AVIF plugin raises it for a container libavif cannot parse.
_PILLOW_ERRORS = (OSError, SyntaxError, ValueError, IndexError, TypeError, KeyError,
                  EOFError, struct.error, MemoryError, ZeroDivisionError, RuntimeError)
_init_lock = threading.Lock()
_initialised = False


def _init_plugins() -> None:
    global _initialised
    with _init_lock:
        if _initialised:
            return
        Image.init()
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # HEIF files are then reported as unsupported_format
            pass
        _initialised = True


@dataclass
class Decoded:
    format: str
    mode: str
    width: int
    height: int
    exif: dict[str, str] = field(default_factory=dict)
    typed: exif_mod.Typed = field(default_factory=exif_mod.Typed)
    warnings: list[str] = field(default_factory=list)
    # The orientation a container states outside its EXIF (AVIF's irot/imir), if any.
    container_orientation: int | None = field(default=None, repr=False)


def decode(fp: BinaryIO) -> Decoded:
    """Header, EXIF and XMP of the image in ``fp``; raises an ImageFailure subclass."""
    _init_plugins()
    fp.seek(0)
    prefix = fp.read(16)
    if not prefix:
        raise NotAnImage("empty file (0 bytes)")
    own = _read_container(fp, prefix)
    if own is not None:
        result, blob, xmp_raw = own
    else:
        image = _open(fp, prefix)
        width, height = image.size
        result = Decoded(format=image.format or "", mode=image.mode, width=width, height=height)
        info = dict(image.info)
        del image  # not closed: close() would close the caller's file object too
        blob = info.get("exif")
        xmp_raw = info.get("xmp") or info.get("XML:com.adobe.xmp")
    if result.format == "TIFF":
        exif_data, xmp_raw = _tiff_metadata(fp, result)
    else:
        if blob is None and result.format == "PNG":
            blob = png_exif_after_image_data(fp)
        exif_data = exif_mod.read_exif(io.BytesIO(exif_mod.strip_exif_header(blob))) if blob \
            else exif_mod.ExifData()
    result.exif = exif_data.tags
    result.warnings.extend(exif_data.warnings)
    result.typed = exif_mod.typed_fields(exif_data, result.warnings)
    if result.container_orientation not in (None, result.typed.orientation or 1):
        # As Pillow's AVIF plugin reports it: the container's orientation replaces the EXIF
        # one where the two differ.
        result.typed.orientation = result.container_orientation
        result.exif["Orientation"] = str(result.container_orientation)
    if result.format == "HEIF" and result.typed.orientation is not None:
        # HEIF readers apply the container's rotation (width/height are the displayed size),
        # so the EXIF orientation no longer applies: report 1, as libheif/pillow-heif do.
        result.typed.orientation = 1
        result.exif["Orientation"] = "1"
    _fill_from_xmp(result, xmp_raw)
    return result


# Formats whose headers we parse ourselves, because Pillow's plugins would read the whole
# file (WebP), inflate text chunks unbounded (PNG) or cost several times more (JPEG).
_CONTAINERS = (
    (jpeg.is_jpeg, jpeg.read_jpeg, "JPEG"),
    (png.is_png, png.read_png, "PNG"),
    (webp.is_webp, webp.read_webp, "WEBP"),
)
_HEIF_BRANDS = isobmff.HEVC_BRANDS | isobmff.AVIF_BRANDS | {b"mif1", b"msf1"}


def _read_container(fp: BinaryIO, prefix: bytes) -> tuple[Decoded, bytes | None, Any] | None:
    """(record, EXIF blob, XMP) from our own header readers; None hands the file to Pillow."""
    for accepts, read, name in _CONTAINERS:
        if accepts(prefix):
            try:
                header = read(fp)
            except ValueError as e:
                raise CorruptImage(f"cannot read the {name} header: {e}") from None
            return _decoded(header, getattr(header, "format", name))
    if prefix[4:8] == b"ftyp" and prefix[8:12] in _HEIF_BRANDS:
        try:
            heif = isobmff.read_heif(fp)
        except isobmff.Excessive as e:  # libheif would spend on it what the reader refused
            raise CorruptImage(f"cannot read the HEIF header: {e}") from None
        except ValueError:
            return None  # a layout the box reader does not cover: pillow-heif/libavif decide
        record, exif, xmp = _decoded(heif, heif.format)
        if heif.orientation is not None:  # AVIF: Pillow's plugin would read the whole file
            record.container_orientation = heif.orientation
        return record, exif, xmp
    return None


def _decoded(header: Any, fmt: str) -> tuple[Decoded, bytes | None, Any]:
    record = Decoded(format=fmt, mode=header.mode, width=header.width, height=header.height)
    return record, header.exif, header.xmp


def decode_bytes(data: bytes) -> Decoded:
    return decode(io.BytesIO(data))


class _Header(NamedTuple):
    """What ``decode`` takes from an opened image, for files Pillow's plugin must not open."""

    format: str
    mode: str
    size: tuple[int, int]
    info: dict[str, Any]


def _open(fp: BinaryIO, prefix: bytes) -> Image.Image | _Header:
    accepted_by: list[str] = []
    errors: list[str] = []
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        if accept is None:
            continue  # plugins without a signature test would claim arbitrary bytes
        try:
            verdict = accept(prefix)
        except _PILLOW_ERRORS:
            continue
        if not verdict:
            continue
        accepted_by.append(fmt)
        if fmt not in SUPPORTED_FORMATS:
            continue
        fp.seek(0)
        try:
            if fmt == "TIFF":
                layout = _tiff_layout(fp)
                if layout is not None:
                    return layout
                fp.seek(0)
            budgeted = _ReadBudget(fp, PILLOW_READ_BUDGET)
            return _ico(budgeted) if fmt == "ICO" else _open_with_plugin(fmt, factory, budgeted)
        except ImageFailure:
            raise
        except _PILLOW_ERRORS as e:
            errors.append(f"{fmt}: {' '.join(str(e).split()) or type(e).__name__}")
    supported = [f for f in accepted_by if f in SUPPORTED_FORMATS]
    if supported:
        raise CorruptImage(f"cannot read the {supported[0]} header: {'; '.join(errors)[:300]}")
    if accepted_by:
        raise UnsupportedFormat(f"{accepted_by[0]} files are not supported")
    head = prefix.lstrip()
    if head.lower().startswith((b"<?xml", b"<!doctype svg")) and _svg_root(fp):
        raise UnsupportedFormat("SVG drawing, not an image")
    for signature, what, failure in _OTHER_SIGNATURES:
        if head.lower().startswith(signature.lower()):
            raise failure(f"{what}, not an image")
    raise NotAnImage(f"no image signature in the first bytes ({prefix[:8].hex()})")


def _open_with_plugin(fmt: str, factory: Any, fp: BinaryIO) -> Image.Image | _Header:
    try:
        return factory(fp, None)
    except Image.DecompressionBombError:
        if fmt != "GIF":
            raise
        fp.seek(0)
        return _gif_canvas(fp)


def _ico(fp: BinaryIO) -> _Header:
    """The largest icon's format, mode and size, as Pillow's ICO plugin reports them.

    That plugin decodes the icon's pixels when the file is opened, and an icon stored as PNG
    may declare any size (a 300 KB file took 300 MB), so only the icon's own header is read.
    """
    icons = IcoImagePlugin.IcoFile(fp)  # the directory, largest icon first
    if not icons.entry:
        raise ValueError("the icon directory is empty")
    offset = icons.entry[0].offset
    fp.seek(offset)
    is_png = png.is_png(fp.read(8))
    fp.seek(offset)
    if is_png:  # the bounded PNG reader, as for any PNG: Pillow's inflates every text chunk
        header = png.read_png(_Window(fp, offset))
        return _Header("ICO", header.mode, (header.width, header.height), {})
    dib = BmpImagePlugin.DibImageFile(fp)
    # The bitmap's height counts the AND mask too; Pillow applies that mask as alpha.
    return _Header("ICO", "RGBA", (dib.size[0], dib.size[1] // 2), {})


# What a Pillow plugin may read to open one file. Plugins keep what they read (every TIFF
# tag's value, a GIF comment, a JPEG 2000 header box): a few KB of tags pointing at the same
# megabyte, or one 30 MB comment, would otherwise cost gigabytes across a partition's threads.
PILLOW_READ_BUDGET = 4 << 20


class _ReadBudget(io.RawIOBase):
    """``fp`` for a Pillow plugin, failing as too_large once it has read ``budget`` bytes."""

    def __init__(self, fp: BinaryIO, budget: int) -> None:
        super().__init__()
        self._fp, self._left = fp, budget

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        return self._fp.seek(pos, whence)

    def tell(self) -> int:
        return self._fp.tell()

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:  # to the end: how far that is decides, before reading
            here = self._fp.tell()
            size = self._fp.seek(0, io.SEEK_END) - here
            self._fp.seek(here)
        if size > self._left:  # refused before a byte is read, not after
            raise TooLarge(f"opening the header needs more than {PILLOW_READ_BUDGET >> 20} MiB "
                           "of reads (a bloated tag, box or comment)")
        data = self._fp.read(size)
        self._left -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# The tags Pillow's TIFF plugin derives mode and size from.
_LAYOUT_TAGS = (0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x010A, 0x0115, 0x011C, 0x0152,
                0x0153, 0x0212)
_DATA_TAGS = ((0x0111, 0x0117), (0x0144, 0x0145))  # strip or tile offsets and byte counts
_WANTED = frozenset((*_LAYOUT_TAGS, *(t for pair in _DATA_TAGS for t in pair)))


def _tiff_layout(fp: BinaryIO) -> _Header | None:
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
    except _PILLOW_ERRORS:
        return None
    return _Header(image.format or "TIFF", image.mode, image.size, {})


def _tiny_tiff(order: str, entries: list[Entry]) -> bytes:
    """A TIFF holding only ``entries`` in IFD0 (values after the IFD), in byte order ``order``."""
    entries = sorted(entries, key=lambda e: e.tag)
    table_end = 8 + 2 + 12 * len(entries) + 4
    table, values = b"", b""
    for entry in entries:
        code, size = TIFF_TYPES[entry.type]
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


class _Window(io.RawIOBase):
    """The part of ``fp`` from ``offset`` on, as a file of its own (an image inside another)."""

    def __init__(self, fp: BinaryIO, offset: int) -> None:
        super().__init__()
        self._fp, self._offset = fp, offset

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos += self._offset
        return self._fp.seek(pos, whence) - self._offset

    def tell(self) -> int:
        return self._fp.tell() - self._offset

    def read(self, size: int = -1) -> bytes:
        return self._fp.read(size)


_GIF_MAX_BLOCKS = 100_000


def _gif_canvas(fp: BinaryIO) -> _Header:
    """A GIF whose first frame widens its canvas past Pillow's pixel limit.

    Pillow refuses such a file on open (DecompressionBombError) although it reads headers
    only; the size is metadata here, so it is computed as Pillow does: the logical screen
    grown to the first frame's extent. Mode follows Pillow too: P with a colour palette.
    """
    header = fp.read(13)
    width, height, flags = struct.unpack("<HHB", header[6:11])
    palette = _gif_palette(fp, flags)
    for _ in range(_GIF_MAX_BLOCKS):
        kind = fp.read(1)
        if kind == b"!":
            fp.read(1)  # extension label
            _skip_gif_sub_blocks(fp)
        elif kind == b",":
            x0, y0, frame_width, frame_height, frame_flags = struct.unpack("<HHHHB", fp.read(9))
            if frame_flags & 0x80:  # a local colour table replaces the global one
                palette = _gif_palette(fp, frame_flags)
            size = max(width, x0 + frame_width), max(height, y0 + frame_height)
            return _Header("GIF", "P" if palette else "L", size, {})
        elif kind in (b"", b";"):
            break
    raise ValueError("no image descriptor in the GIF file")


def _gif_palette(fp: BinaryIO, flags: int) -> bool:
    """Read past a colour table; True when it holds colours (Pillow reads an identity grey
    ramp as mode L)."""
    if not flags & 0x80:
        return False
    table = fp.read(3 << ((flags & 7) + 1))
    return any(not (i // 3 == table[i] == table[i + 1] == table[i + 2])
               for i in range(0, len(table) - 2, 3))


def _skip_gif_sub_blocks(fp: BinaryIO) -> None:
    for _ in range(_GIF_MAX_BLOCKS):
        length = fp.read(1)
        if not length or not length[0]:
            return
        fp.seek(length[0], io.SEEK_CUR)


def _svg_root(fp: BinaryIO) -> bool:
    """Most SVG files open with an XML prolog; the ``<svg`` root follows within a few lines."""
    fp.seek(0)
    return b"<svg" in fp.read(_XML_PROLOG_BYTES).lower()


def _tiff_metadata(fp: BinaryIO, result: Decoded) -> tuple[exif_mod.ExifData, bytes | None]:
    data = exif_mod.read_exif(fp, 0)
    _stored_size(data, result)
    _full_resolution_size(fp, result)
    xmp_entry = data.entry("IFD0", 0x02BC)
    xmp_raw = xmp_entry.value if xmp_entry and isinstance(xmp_entry.value, bytes) else None
    return data, xmp_raw


def _stored_size(data: exif_mod.ExifData, result: Decoded) -> None:
    """IFD0's own width and height: Pillow turns a TIFF's size for orientations 5 to 8, while
    every other format reports the stored size next to the orientation."""
    width = first_int(data.entry("IFD0", 0x0100))
    height = first_int(data.entry("IFD0", 0x0101))
    if width and height and (height, width) == (result.width, result.height):
        result.width, result.height = width, height


def _full_resolution_size(fp: BinaryIO, result: Decoded) -> None:
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
        if width * height > result.width * result.height:
            result.width, result.height = width, height


def _ints(entry: exif_mod.Entry | None) -> list[int]:
    if entry is None or not isinstance(entry.value, tuple):
        return []
    return [v for v in entry.value if isinstance(v, int) and v > 0][:16]


PNG_TAIL = 64 * 1024
PNG_WALK_LIMIT = 2 * 1024 * 1024


def png_exif_after_image_data(fp: BinaryIO) -> bytes | None:
    """An eXIf chunk written after the image data.

    Writers put it among the small trailing chunks next to IEND, so the last 64 KiB are
    searched first (candidates are checked by their CRC). Walking the chunk list instead
    would touch every IDAT header, which for a multi-MB file means reading all of it; that
    walk is kept for small files only, where it costs little.
    """
    size = fp.seek(0, io.SEEK_END)
    start = max(8, size - PNG_TAIL)
    fp.seek(start)
    found = _exif_chunk_in(fp.read(size - start))
    if found is None and size <= PNG_WALK_LIMIT:
        found = _walk_png_chunks(fp)
    return found


def _exif_chunk_in(tail: bytes) -> bytes | None:
    at = tail.rfind(b"eXIf")
    while at >= 4:
        length = int.from_bytes(tail[at - 4 : at], "big")
        end = at + 4 + length
        if end + 4 <= len(tail):
            data = tail[at + 4 : end]
            if zlib.crc32(b"eXIf" + data) == int.from_bytes(tail[end : end + 4], "big"):
                return data
        at = tail.rfind(b"eXIf", 0, at)
    return None


def _walk_png_chunks(fp: BinaryIO, max_chunks: int = 100_000) -> bytes | None:
    fp.seek(8)
    for _ in range(max_chunks):
        header = fp.read(8)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">L4s", header)
        if kind == b"eXIf":
            data = fp.read(length)
            return data if len(data) == length else None
        if kind == b"IEND":
            return None
        fp.seek(length + 4, io.SEEK_CUR)
    return None


def _fill_from_xmp(result: Decoded, raw: bytes | str | None) -> None:
    typed = result.typed
    if not raw or (typed.datetime_original and typed.gps_latitude is not None):
        return
    facts = xmp_mod.read_xmp(raw)
    if typed.datetime_original is None and facts.datetime_original is not None:
        typed.datetime_original = facts.datetime_original
        result.warnings.append(f"datetime_original: from XMP {facts.datetime_source}")
    if typed.gps_latitude is None and facts.gps_latitude is not None:
        typed.gps_latitude, typed.gps_longitude = facts.gps_latitude, facts.gps_longitude
        result.warnings.append("gps_latitude/gps_longitude: from XMP")
        if typed.gps_altitude is None and facts.gps_altitude is not None:
            typed.gps_altitude = facts.gps_altitude
