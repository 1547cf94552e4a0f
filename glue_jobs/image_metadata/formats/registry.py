"""Which reader reads a file, by its first bytes.

Our own readers come first, for formats whose Pillow plugins would read the whole file (WebP),
inflate text chunks unbounded (PNG), cost several times more (JPEG) or need libheif (HEIF);
every other file goes to the Pillow fallback, where a few formats have openers of their own.
Adding a format is a module in this package and a line here.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from image_metadata.exceptions import CorruptImage, ImageFailure, NotAnImage
from image_metadata.formats import (
    bmp,
    bpg,
    cr3,
    crw,
    djvu,
    dpx,
    eps,
    exr,
    fits,
    flif,
    gif,
    ico,
    isobmff,
    jpeg,
    jxl,
    mrc,
    mrw,
    pcd,
    pfm,
    pgf,
    pict,
    pillow,
    png,
    psp,
    radiance,
    raf,
    tiff,
    webp,
    x3f,
    xcf,
)
from image_metadata.formats.header import Header

# Every format the pinned Pillow (with pillow-heif and olefile) opens: ours or its plugins'.
SUPPORTED_FORMATS = (
    "JPEG", "MPO", "PNG", "TIFF", "WEBP", "GIF", "BMP", "HEIF", "AVIF", "JPEG2000", "ICO",
    "BLP", "BUFR", "CUR", "DCX", "DDS", "DIB", "EPS", "FITS", "FLI", "FPX", "FTEX", "GBR",
    "GRIB", "HDF5", "ICNS", "IM", "IMT", "IPTC", "MCIDAS", "MIC", "MPEG", "MSP", "PCD", "PCX",
    "PIXAR", "PPM", "PSD", "QOI", "SGI", "SPIDER", "SUN", "TGA", "WMF", "XBM", "XPM", "XVTHUMB",
)


# What readers see of a file to decide: enough for a mark some way in (MRC's at byte 208,
# PICT's after a 512-byte header), all inside the first block a ranged read fetches anyway.
HEAD_BYTES = 1024


@dataclass(frozen=True)
class Reader:
    name: str
    accepts: Callable[[bytes], bool]  # on the file's first HEAD_BYTES
    # The header; None hands the file to the Pillow fallback. ValueError: a damaged header.
    read: Callable[[BinaryIO], Header | None]
    formats: tuple[str, ...] = ()  # the format names it reports, when not just ``name``

    @property
    def reports(self) -> tuple[str, ...]:
        return self.formats or (self.name,)


READERS = (
    Reader("JPEG", jpeg.is_jpeg, jpeg.header, ("JPEG", "MPO")),
    Reader("PNG", png.is_png, png.header),
    Reader("WEBP", webp.is_webp, webp.header),
    Reader("HEIF", isobmff.accepts, isobmff.header, ("HEIF", "AVIF")),
    Reader("CR3", cr3.accepts, cr3.header),
    Reader("CRW", crw.accepts, crw.header),
    Reader("RAF", raf.accepts, raf.header),
    Reader("MRW", mrw.accepts, mrw.header),
    Reader("X3F", x3f.accepts, x3f.header),
    Reader("JXL", jxl.accepts, jxl.header),
    Reader("TIFF-based raw", tiff.accepts_raw, tiff.raw_header, ("RW2", "ORF")),
    Reader("BPG", bpg.accepts, bpg.header),
    Reader("DPX", dpx.accepts, dpx.header),
    Reader("EXR", exr.accepts, exr.header),
    Reader("HDR", radiance.accepts, radiance.header),
    Reader("PFM", pfm.accepts, pfm.header),
    Reader("PSP", psp.accepts, psp.header),
    Reader("XCF", xcf.accepts, xcf.header),
    Reader("FLIF", flif.accepts, flif.header),
    Reader("PGF", pgf.accepts, pgf.header),
    Reader("DJVU", djvu.accepts, djvu.header),
)
# Formats whose only mark is weak (a few bytes some way in): tried when neither the readers
# above nor Pillow's plugins read the file (an MRC 64 columns wide starts like a DIB).
WEAK_READERS = (
    Reader("MRC", mrc.accepts, mrc.header),
    Reader("PICT", pict.accepts, pict.header),
)
# Pillow formats whose plugin is not called as it is (see each module).
PILLOW_OPENERS: dict[str, pillow.Opener] = {
    "TIFF": tiff.open_tiff,
    "BMP": bmp.open_bmp,
    "ICO": ico.open_icon,
    "GIF": gif.open_gif,
    "FITS": fits.open_fits,
    "PCD": pcd.open_pcd,
    "EPS": eps.open_eps,
}


def read_header(fp: BinaryIO, prefix: bytes) -> Header:
    """The header of the file in ``fp`` whose first bytes are ``prefix``; an ImageFailure
    when no reader can give one."""
    pillow.init_plugins()
    fp.seek(0)
    head = fp.read(HEAD_BYTES)
    try:
        found = _first_of(READERS, fp, head)
    except CorruptImage:
        # A format without a magic number of its own (TGA) may carry another's mark by
        # chance: such a file is still read as Pillow reads it; else the reader's reason.
        found = pillow.open_blind(fp, SUPPORTED_FORMATS, PILLOW_OPENERS)
        if found is None:
            raise
        return found
    if found is not None:
        return found.sized()
    try:
        found = pillow.open_header(fp, prefix, SUPPORTED_FORMATS, PILLOW_OPENERS)
    except ImageFailure as failure:
        # Unclaimed, or refused by every plugin that claimed it: a weak mark may still say
        # what it is, unless the first bytes name something else (an HTML page, a ZIP).
        if not isinstance(failure, (NotAnImage, CorruptImage)) \
                or pillow.named_non_image(fp, prefix):
            raise
        found = _first_of(WEAK_READERS, fp, head)
        if found is None:
            raise
    if found.format == "TIFF":
        try:
            tiff.read_metadata(fp, found)
        except _PARSE_ERRORS as e:
            found.warnings.append(f"TIFF: the IFDs are unreadable ({e}); no EXIF")
    return found.sized() if found.own else found


# What a reader's parsing may raise on bytes it did not expect: a damaged header, named.
_PARSE_ERRORS = (ValueError, struct.error, IndexError, KeyError, OverflowError, RecursionError)


def _first_of(readers: tuple[Reader, ...], fp: BinaryIO, head: bytes) -> Header | None:
    for reader in readers:
        if reader.accepts(head):
            try:
                return reader.read(fp)
            except _PARSE_ERRORS as e:
                raise CorruptImage(f"cannot read the {reader.name} header: "
                                   f"{e or type(e).__name__}") from None
    return None
