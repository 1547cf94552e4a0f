"""PNG headers from chunk headers: size and mode from IHDR, EXIF from eXIf, XMP from iTXt.

Pillow's plugin inflates every compressed text chunk before the image data (up to 64 MB
each), which lets a tiny hostile file cost a worker tens of megabytes per thread. Here only
the XMP text is inflated, with a small bound; all other chunk bodies are skipped unread.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from image_metadata.formats.header import Header

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNKS = 10_000
MAX_EXIF = 4 * 1024 * 1024
MAX_XMP = 1024 * 1024
_XMP_KEYWORD = b"XML:com.adobe.xmp"
PNG_TAIL = 64 * 1024
PNG_WALK_LIMIT = 2 * 1024 * 1024
# (bit depth, colour type) -> Pillow's mode name
MODES = {
    (1, 0): "1", (2, 0): "L", (4, 0): "L", (8, 0): "L", (16, 0): "I;16",
    (8, 2): "RGB", (16, 2): "RGB",
    (1, 3): "P", (2, 3): "P", (4, 3): "P", (8, 3): "P",
    (8, 4): "LA", (16, 4): "LA",
    (8, 6): "RGBA", (16, 6): "RGBA",
}


@dataclass(frozen=True)
class PngHeader:
    width: int
    height: int
    mode: str
    exif: bytes | None  # an eXIf chunk before the image data (a later one is the caller's)
    xmp: bytes | None
    warnings: tuple[str, ...] = ()
    bits: int = 8
    interlaced: bool = False
    transparency: bool = False  # a tRNS chunk
    dpi: tuple[float, float] | None = None
    icc: bytes | None = None
    srgb: bool = False
    frames: int | None = None  # APNG's acTL
    c2pa: bytes | None = None  # a caBX chunk: the C2PA manifest store


def is_png(prefix: bytes) -> bool:
    return prefix.startswith(SIGNATURE)


def read_png(fp: BinaryIO) -> PngHeader:
    """Walk the chunks before the first IDAT; raise ValueError naming what is malformed."""
    fp.seek(8)
    head = fp.read(8)
    if len(head) < 8 or head[4:8] != b"IHDR":
        raise ValueError("the first chunk is not IHDR")
    ihdr = fp.read(17)
    if len(ihdr) < 17:
        raise ValueError("IHDR chunk is truncated")
    width, height, depth, colour = struct.unpack(">IIBB", ihdr[:10])
    if (depth, colour) not in MODES:
        raise ValueError(f"bit depth {depth} with colour type {colour} is not a PNG mode")
    if width == 0 or height == 0:
        raise ValueError("image width or height is 0")
    warnings = []
    # Values that make sense are kept under a bad checksum, as exiftool keeps them: the
    # damage is more likely elsewhere in the 17 bytes (or in the checksum) than in all of them.
    if zlib.crc32(b"IHDR" + ihdr[:13]) != struct.unpack(">I", ihdr[13:])[0]:
        warnings.append("PNG: the IHDR checksum does not match (a damaged header)")
    exif = xmp = None
    facts: dict[str, object] = {"bits": depth, "interlaced": ihdr[12] == 1}
    offset = 8 + 8 + struct.unpack(">I", head[:4])[0] + 4
    for _ in range(MAX_CHUNKS):
        fp.seek(offset)
        header = fp.read(8)
        if len(header) < 8:
            break
        length, kind = struct.unpack(">I4s", header)
        if kind in (b"IDAT", b"IEND"):
            break
        if kind == b"eXIf" and exif is None and length <= MAX_EXIF:
            exif = fp.read(length)
        elif kind == b"iTXt" and xmp is None and length <= MAX_XMP + 64:
            xmp = _xmp(fp.read(length))
        elif kind in _FACT_CHUNKS and length <= MAX_ICC:
            _read_fact(kind, fp.read(length), facts, warnings)
        offset += 12 + length
    return PngHeader(width, height, MODES[(depth, colour)], exif, xmp, tuple(warnings),
                     **facts)  # type: ignore[arg-type]


_FACT_CHUNKS = frozenset({b"tRNS", b"pHYs", b"iCCP", b"sRGB", b"acTL", b"caBX"})
MAX_ICC = 4 * 1024 * 1024
_METRES_PER_INCH = 0.0254


def _read_fact(kind: bytes, body: bytes, facts: dict[str, object], warnings: list[str]) -> None:
    if kind == b"tRNS":
        facts["transparency"] = True
    elif kind == b"pHYs" and len(body) >= 9 and body[8] == 1:  # unit 1: pixels per metre
        x, y = struct.unpack(">II", body[:8])
        facts["dpi"] = (x * _METRES_PER_INCH, y * _METRES_PER_INCH)
    elif kind == b"sRGB":
        facts["srgb"] = True
    elif kind == b"caBX" and "c2pa" not in facts:
        facts["c2pa"] = body
    elif kind == b"acTL" and len(body) >= 8:
        facts["frames"] = struct.unpack(">I", body[:4])[0]
    elif kind == b"iCCP" and "icc" not in facts:
        _name, _, rest = body.partition(b"\x00")
        if rest[:1] != b"\x00":  # compression method 0 (deflate) is the only one defined
            return
        try:
            facts["icc"] = zlib.decompressobj().decompress(rest[1:], MAX_ICC)
        except zlib.error:
            warnings.append("PNG: the iCCP profile does not inflate; ignored")


def _xmp(body: bytes) -> bytes | None:
    """The text of an iTXt chunk whose keyword names XMP; inflated with a bound if needed."""
    keyword, _, rest = body.partition(b"\x00")
    if keyword != _XMP_KEYWORD or len(rest) < 2:
        return None
    compressed = rest[0] == 1
    # After the flags: language tag and translated keyword, each NUL-terminated.
    text = rest[2:].split(b"\x00", 2)
    if len(text) < 3:
        return None
    payload = text[2]
    if not compressed:
        return payload[:MAX_XMP]
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(payload, MAX_XMP)
    except zlib.error:
        return None
    return data


def header(fp: BinaryIO) -> Header:
    found = read_png(fp)
    exif = found.exif if found.exif is not None else exif_after_image_data(fp)
    return Header("PNG", found.mode, found.width, found.height, exif, found.xmp,
                  warnings=list(found.warnings), dpi=found.dpi, bits_per_sample=found.bits,
                  icc=found.icc, color_space="sRGB" if found.srgb else None,
                  has_alpha=found.mode in ("RGBA", "LA") or found.transparency,
                  progressive=found.interlaced, frames=found.frames or 1,
                  animated=bool(found.frames and found.frames > 1), c2pa=found.c2pa)


def exif_after_image_data(fp: BinaryIO) -> bytes | None:
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
        found = _walk_chunks(fp)
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


def _walk_chunks(fp: BinaryIO, max_chunks: int = 100_000) -> bytes | None:
    fp.seek(8)
    for _ in range(max_chunks):
        head = fp.read(8)
        if len(head) < 8:
            return None
        length, kind = struct.unpack(">L4s", head)
        if kind == b"eXIf":
            data = fp.read(length)
            return data if len(data) == length else None
        if kind == b"IEND":
            return None
        fp.seek(length + 4, io.SEEK_CUR)
    return None
