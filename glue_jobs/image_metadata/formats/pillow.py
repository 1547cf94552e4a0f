"""The Pillow fallback: files our own readers do not cover go to Pillow's plugins, called
directly (the same dispatch as ``Image.open``) so a huge declared size stays metadata: there is
no pixel buffer to bomb. The few plugins that refuse a large size on open are asked again with
Pillow's pixel limit lifted for that one call (a process-wide value: see _no_pixel_limit). A
plugin reads through a budget; formats whose plugins read too much have openers of their own."""

from __future__ import annotations

import contextlib
import io
import struct
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, BinaryIO

from PIL import Image

from image_metadata.exceptions import (
    CorruptImage,
    ImageFailure,
    NotAnImage,
    TooLarge,
    UnsupportedFormat,
)
from image_metadata.formats.header import Header

# RuntimeError: Pillow's AVIF plugin raises it for a container libavif cannot parse.
PILLOW_ERRORS = (OSError, SyntaxError, ValueError, IndexError, TypeError, KeyError,
                 EOFError, struct.error, MemoryError, ZeroDivisionError, RuntimeError,
                 OverflowError)
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
# What a Pillow plugin may read to open one file. Plugins keep what they read (every TIFF
# tag's value, a GIF comment, a JPEG 2000 header box): a few KB of tags pointing at the same
# megabyte, or one 30 MB comment, would otherwise cost gigabytes across a partition's threads.
PILLOW_READ_BUDGET = 4 << 20

# An opener of one Pillow format: (file, the plugin's factory) -> its header, or None to let
# the plugin open the file through the budget.
Opener = Callable[[BinaryIO, Any], "Header | None"]

_init_lock = threading.Lock()
_initialised = False


def init_plugins() -> None:
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


def open_header(fp: BinaryIO, prefix: bytes, supported: Collection[str],
                openers: Mapping[str, Opener]) -> Header:
    """The header of the first ``supported`` format whose plugin accepts ``prefix`` and opens
    the file; a failure that names the format otherwise."""
    accepted_by: list[str] = []
    errors: list[str] = []
    blind: list[str] = []
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        if accept is None:
            blind.append(fmt)  # no signature test: tried last, as Image.open does
            continue
        try:
            verdict = accept(prefix)
        except PILLOW_ERRORS:
            continue
        if not verdict:
            continue
        accepted_by.append(fmt)
        if fmt not in supported:
            continue
        fp.seek(0)
        try:
            opener = openers.get(fmt)
            header = opener(fp, factory) if opener is not None else None
            if header is None:
                header = open_plugin(factory, fp)
            return header
        except ImageFailure:
            raise
        except PILLOW_ERRORS as e:
            errors.append(f"{fmt}: {' '.join(str(e).split()) or type(e).__name__}")
    if not accepted_by:
        known = named_non_image(fp, prefix)
        if known is not None:
            what, failure = known
            raise failure(f"{what}, not an image")
    # As Image.open does: a file no signature test claimed, or whose claimants refused it,
    # may still be one of the formats without a signature (a TGA starts like a CUR).
    for fmt in blind:
        if fmt in supported:
            header = _try_blind(fp, fmt, openers)
            if header is not None:
                return header
    known = [f for f in accepted_by if f in supported]
    if known:
        raise CorruptImage(f"cannot read the {known[0]} header: {'; '.join(errors)[:300]}")
    if accepted_by:
        raise UnsupportedFormat(f"{accepted_by[0]} files are not supported")
    raise NotAnImage(f"no image signature in the first bytes ({prefix[:8].hex()})")


def open_blind(fp: BinaryIO, supported: Collection[str],
               openers: Mapping[str, Opener]) -> Header | None:
    """The header by the first plugin without a signature test that opens the file."""
    for fmt in Image.ID:
        if Image.OPEN[fmt][1] is None and fmt in supported:
            header = _try_blind(fp, fmt, openers)
            if header is not None:
                return header
    return None


# Formats without a signature state what they are in a short header: a plugin that reads
# more than this to decide (IM's or IMT's header lines, on and on) is not reading one.
BLIND_READ_BUDGET = 256 * 1024


def _try_blind(fp: BinaryIO, fmt: str, openers: Mapping[str, Opener]) -> Header | None:
    """A plugin without a signature test (TGA, PCD, IM, ...) checks the header itself: its
    refusal only means the file is not of its format."""
    factory = Image.OPEN[fmt][0]
    fp.seek(0)
    try:
        opener = openers.get(fmt)
        header = opener(fp, factory) if opener is not None else None
        if header is None:
            header = open_plugin(factory, fp, BLIND_READ_BUDGET)
    except (ImageFailure, *PILLOW_ERRORS):
        return None
    return header


def open_plugin(factory: Any, fp: BinaryIO, budget: int = PILLOW_READ_BUDGET) -> Header:
    """The header as the plugin reads it, through the read budget. A plugin that refuses a
    large declared size (DecompressionBombError) is asked again with Pillow's pixel limit
    lifted: without pixels, the size is metadata like any other."""
    fp.seek(0)
    try:
        return from_image(factory(budgeted(fp, budget), None))
    except Image.DecompressionBombError:
        fp.seek(0)
        with _no_pixel_limit():
            return from_image(factory(budgeted(fp, budget), None))


@contextlib.contextmanager
def _no_pixel_limit() -> Iterator[None]:
    # Pillow reads the limit from a module global: it is lifted for this one open, under a
    # lock so that concurrent opens restore it in order. The job's threads never decode
    # pixels, so none of them needs the limit meanwhile.
    global _lifted
    with _limit_lock:
        if _lifted == 0:
            _saved[0] = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None
        _lifted += 1
    try:
        yield
    finally:
        with _limit_lock:
            _lifted -= 1
            if _lifted == 0:
                Image.MAX_IMAGE_PIXELS = _saved[0]


_limit_lock = threading.Lock()
_lifted = 0
_saved: list[int | None] = [None]


# Photoshop image resources that carry metadata: EXIF (a TIFF structure) and XMP.
_PSD_EXIF, _PSD_XMP = 1058, 1060


def _psd_resources(image: Image.Image) -> tuple[bytes | None, dict[int, bytes]]:
    """A PSD's image resources as Photoshop writes them (IPTC and its digest are read from
    them as from a JPEG's APP13), and their data by id. Pillow's PSD plugin lists them."""
    listed = getattr(image, "resources", None)
    if image.format != "PSD" or not isinstance(listed, list):
        return None, {}
    blob, by_id = bytearray(), {}
    for number, name, data in listed:
        pascal = bytes([len(name)]) + name
        blob += b"8BIM" + struct.pack(">H", number) + pascal + b"\x00" * (len(pascal) % 2)
        blob += struct.pack(">I", len(data)) + data + b"\x00" * (len(data) % 2)
        by_id.setdefault(number, data)
    return bytes(blob) or None, by_id


def from_image(image: Image.Image) -> Header:
    """An opened image's header. Not closed: close() would close the caller's file too."""
    width, height = image.size
    info = image.info
    dpi = info.get("dpi")
    resources, by_id = _psd_resources(image)
    return Header(format=image.format or "", mode=image.mode, width=width, height=height,
                  exif=info.get("exif") or by_id.get(_PSD_EXIF),
                  xmp=info.get("xmp") or info.get("XML:com.adobe.xmp") or by_id.get(_PSD_XMP),
                  resources=resources,
                  own=False, icc=info.get("icc_profile") or None,
                  dpi=tuple(dpi[:2]) if isinstance(dpi, tuple) and len(dpi) >= 2 else None,
                  has_alpha=True if "transparency" in info else None,
                  progressive=bool(info.get("progressive") or info.get("interlace")) or None)


def budgeted(fp: BinaryIO, budget: int = PILLOW_READ_BUDGET) -> BinaryIO:
    return _ReadBudget(fp, budget)  # type: ignore[return-value]


class _ReadBudget(io.RawIOBase):
    """``fp`` for a Pillow plugin, failing as too_large once it has read ``budget`` bytes."""

    def __init__(self, fp: BinaryIO, budget: int) -> None:
        super().__init__()
        self._fp, self._left, self._budget = fp, budget, budget

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
            here = self._fp.tell()
            there = self._fp.seek(0, io.SEEK_END)
            self._fp.seek(here)
            size = min(size, max(there - here, 0))  # a plugin may ask for more than is there
        if size > self._left:
            raise TooLarge(f"opening the header needs more than {self._budget >> 20} MiB "
                           "of reads (a bloated tag, box or comment)")
        data = self._fp.read(size)
        self._left -= len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def named_non_image(fp: BinaryIO, prefix: bytes) -> tuple[str, type[ImageFailure]] | None:
    """What a file is when its first bytes name something other than an image (a PDF, an
    HTML page, an SVG drawing); None when they do not."""
    head = prefix.lstrip().lower()
    if head.startswith((b"<?xml", b"<!doctype svg")) and _svg_root(fp):
        return "SVG drawing", UnsupportedFormat
    for signature, what, failure in _OTHER_SIGNATURES:
        if head.startswith(signature.lower()):
            return what, failure
    return None


def _svg_root(fp: BinaryIO) -> bool:
    """Most SVG files open with an XML prolog; the ``<svg`` root follows within a few lines."""
    fp.seek(0)
    return b"<svg" in fp.read(_XML_PROLOG_BYTES).lower()
