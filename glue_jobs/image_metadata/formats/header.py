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
    # Image properties the container states (None: it does not say; the EXIF may).
    dpi: tuple[float, float] | None = None
    bits_per_sample: int | None = None
    icc: bytes | None = None  # the ICC profile, whole
    color_space: str | None = None  # a container's own statement (PNG sRGB, HEIF nclx)
    has_alpha: bool | None = None  # None: the mode says
    progressive: bool | None = None
    frames: int | None = None
    animated: bool | None = None
    has_thumbnail: bool | None = None
    resources: bytes | None = None  # Photoshop image resources (IPTC, its digest)
    c2pa: bytes | None = None  # the C2PA manifest store (a JUMBF box), as stored
    own: bool = True  # read by this project's code, not taken from a Pillow plugin as it is

    def sized(self) -> Header:
        """This header with a width or height that is no size (zero, negative: a signed
        field read as one, a damaged header) dropped to None, and the damage named."""
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                self.warnings.append(f"{self.format}: {name} {value} is not a size; dropped")
                setattr(self, name, None)
        if self.width is None and self.height is None and not any(
                "size" in w for w in self.warnings):
            self.warnings.append(f"{self.format}: the header gives no image size")
        return self


class Window(io.RawIOBase):
    """The part of ``fp`` from ``offset`` on (``length`` bytes of it, when given), as a file
    of its own: an image inside another, read no further than its own extent."""

    def __init__(self, fp: BinaryIO, offset: int, length: int | None = None) -> None:
        super().__init__()
        self._fp, self._offset, self._length = fp, offset, length

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
        if self._length is not None:
            left = max(self._length - self.tell(), 0)
            size = left if size is None or size < 0 else min(size, left)
        return self._fp.read(size)
