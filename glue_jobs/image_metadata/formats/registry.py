"""Which reader reads a file, by its first bytes.

Our own readers come first, for formats whose Pillow plugins would read the whole file (WebP),
inflate text chunks unbounded (PNG), cost several times more (JPEG) or need libheif (HEIF);
every other file goes to the Pillow fallback, where a few formats have openers of their own.
Adding a format is a module in this package and a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from image_metadata.exceptions import CorruptImage
from image_metadata.formats import gif, ico, isobmff, jpeg, pillow, png, tiff, webp
from image_metadata.formats.header import Header

# Every format the pinned Pillow (with pillow-heif and olefile) opens: ours or its plugins'.
SUPPORTED_FORMATS = (
    "JPEG", "MPO", "PNG", "TIFF", "WEBP", "GIF", "BMP", "HEIF", "AVIF", "JPEG2000", "ICO",
    "BLP", "BUFR", "CUR", "DCX", "DDS", "DIB", "EPS", "FITS", "FLI", "FPX", "FTEX", "GBR",
    "GRIB", "HDF5", "ICNS", "IM", "IMT", "IPTC", "MCIDAS", "MIC", "MPEG", "MSP", "PCD", "PCX",
    "PIXAR", "PPM", "PSD", "QOI", "SGI", "SPIDER", "SUN", "TGA", "WMF", "XBM", "XPM", "XVTHUMB",
)


@dataclass(frozen=True)
class Reader:
    name: str
    accepts: Callable[[bytes], bool]
    # The header; None hands the file to the Pillow fallback. ValueError: a damaged header.
    read: Callable[[BinaryIO], Header | None]


READERS = (
    Reader("JPEG", jpeg.is_jpeg, jpeg.header),
    Reader("PNG", png.is_png, png.header),
    Reader("WEBP", webp.is_webp, webp.header),
    Reader("HEIF", isobmff.accepts, isobmff.header),
)
# Pillow formats whose plugin is not called as it is (see each module).
PILLOW_OPENERS: dict[str, pillow.Opener] = {
    "TIFF": tiff.open_layout,
    "ICO": ico.open_icon,
    "GIF": gif.open_gif,
}


def read_header(fp: BinaryIO, prefix: bytes) -> Header:
    """The header of the file in ``fp`` whose first bytes are ``prefix``; an ImageFailure
    when no reader can give one."""
    pillow.init_plugins()
    for reader in READERS:
        if reader.accepts(prefix):
            try:
                found = reader.read(fp)
            except ValueError as e:
                raise CorruptImage(f"cannot read the {reader.name} header: {e}") from None
            if found is not None:
                return found
            break
    found = pillow.open_header(fp, prefix, SUPPORTED_FORMATS, PILLOW_OPENERS)
    if found.format == "TIFF":
        tiff.read_metadata(fp, found)
    return found
