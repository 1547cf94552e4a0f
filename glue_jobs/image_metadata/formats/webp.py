"""WebP headers from RIFF chunk headers: size, mode, EXIF and XMP without the image data.

Pillow's WebP plugin hands the whole file to libwebp (and sizes a canvas from it); reading
the chunk headers instead touches a few hundred bytes plus the metadata chunks themselves.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from image_metadata.formats.header import Header

MAX_CHUNKS = 10_000
MAX_METADATA = 4 * 1024 * 1024
_VP8X_ALPHA, _VP8X_ANIMATION = 0x10, 0x02


@dataclass(frozen=True)
class WebpHeader:
    width: int
    height: int
    mode: str  # "RGBA" when the image carries alpha, else "RGB" (as Pillow reports)
    animated: bool
    exif: bytes | None
    xmp: bytes | None
    icc: bytes | None = None
    frames: int | None = None  # ANMF chunks, when the walk reached the end
    c2pa: bytes | None = None
    warnings: tuple[str, ...] = ()


def is_webp(prefix: bytes) -> bool:
    return len(prefix) >= 12 and prefix[:4] == b"RIFF" and prefix[8:12] == b"WEBP"


def read_webp(fp: BinaryIO) -> WebpHeader:
    """Walk the RIFF chunks; raise ValueError naming what is malformed."""
    fp.seek(0)
    header = fp.read(12)
    if not is_webp(header):
        raise ValueError("not a RIFF/WEBP file")
    riff_end = 8 + struct.unpack("<L", header[4:8])[0]
    size: tuple[int, int] | None = None
    alpha = animated = False
    metadata: dict[bytes, bytes] = {}
    warnings: list[str] = []
    frames = 0
    complete = False
    offset = 12
    for _ in range(MAX_CHUNKS):
        chunk = fp.read(8)
        if len(chunk) < 8 or offset + 8 > riff_end:
            complete = offset + 8 > riff_end  # not a file cut short
            break
        kind, length = chunk[:4], struct.unpack("<L", chunk[4:])[0]
        body_at = offset + 8
        if kind in (b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"):
            head = fp.read(min(length, 16))
            if kind == b"VP8X":
                flags, width, height = _vp8x(head)
                alpha, animated = bool(flags & _VP8X_ALPHA), bool(flags & _VP8X_ANIMATION)
                size = (width, height)
            elif kind in (b"VP8 ", b"VP8L") and size is None:
                width, height, has_alpha = _vp8(head) if kind == b"VP8 " else _vp8l(head)
                size, alpha = (width, height), alpha or has_alpha
            elif kind == b"ALPH":
                alpha = True
            elif kind == b"ANMF":
                frames += 1
        elif kind in (b"EXIF", b"XMP ", b"ICCP", b"C2PA") and kind not in metadata:
            if length > MAX_METADATA:
                raise ValueError(f"{kind.decode().strip()} chunk of {length} bytes is too large")
            body = fp.read(length)
            if len(body) < length:
                # The file ends inside the chunk (a cut download): the image the chunks
                # before it described is still one; the damaged metadata is not kept.
                warnings.append(f"WebP: the {kind.decode().strip()} chunk is cut short "
                                f"({len(body)} of {length} bytes); left out")
                break
            metadata[kind] = body
        offset = body_at + length + (length & 1)  # chunks are padded to even sizes
        fp.seek(offset)
    else:  # the chunk budget ran out first: say so rather than blame a missing image
        if size is None:
            raise ValueError(f"more than {MAX_CHUNKS} chunks before the image header")
    if size is None:
        raise ValueError("no VP8, VP8L or VP8X chunk: no image in this WebP file")
    return WebpHeader(size[0], size[1], "RGBA" if alpha else "RGB", animated,
                      metadata.get(b"EXIF"), metadata.get(b"XMP "), metadata.get(b"ICCP"),
                      (frames if animated else 1) if complete else None,
                      metadata.get(b"C2PA"), tuple(warnings))


def _vp8x(head: bytes) -> tuple[int, int, int]:
    if len(head) < 10:
        raise ValueError("VP8X chunk is truncated")
    width = int.from_bytes(head[4:7], "little") + 1
    height = int.from_bytes(head[7:10], "little") + 1
    return head[0], width, height


def _vp8(head: bytes) -> tuple[int, int, bool]:
    # Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if len(head) < 10 or head[3:6] != b"\x9d\x01\x2a":
        raise ValueError("VP8 chunk has no key frame start code")
    width, height = struct.unpack("<HH", head[6:10])
    return width & 0x3FFF, height & 0x3FFF, False


def _vp8l(head: bytes) -> tuple[int, int, bool]:
    # Signature 0x2f, then 14 bits width-1, 14 bits height-1, 1 bit alpha hint.
    if len(head) < 5 or head[0] != 0x2F:
        raise ValueError("VP8L chunk has no signature")
    bits = int.from_bytes(head[1:5], "little")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)


def header(fp: BinaryIO) -> Header:
    found = read_webp(fp)
    return Header("WEBP", found.mode, found.width, found.height, found.exif, found.xmp,
                  bits_per_sample=8, icc=found.icc, frames=found.frames,
                  animated=found.animated, c2pa=found.c2pa, warnings=list(found.warnings))
