"""What a format reader gives the decoder: the stored image's format, mode and size, and the
metadata it found, still in its stored form (EXIF as TIFF bytes, XMP as a packet)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from image_metadata.tags.exif import ExifData


@dataclass
class Header:
    format: str
    mode: str
    width: int | None  # None: the header does not say (a damaged or cut-down file)
    height: int | None
    exif: bytes | None = None  # a TIFF structure, with or without its "Exif\0\0" prefix
    xmp: Any = None  # bytes or str: an XMP packet
    # EXIF already read from the file itself (a TIFF's own IFDs): then ``exif`` is unused.
    exif_data: ExifData | None = None
    # The orientation a container states outside its EXIF (AVIF's irot/imir), if any.
    orientation: int | None = None
    warnings: list[str] = field(default_factory=list)


class Window(io.RawIOBase):
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
