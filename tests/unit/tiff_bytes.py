"""Hand-packed little-endian TIFF structures, for layouts piexif cannot write.

Offsets are absolute from the start of the TIFF header, as the format defines them.
"""

from __future__ import annotations

import struct

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SLONG, FLOAT = 1, 2, 3, 4, 5, 7, 9, 11
HEADER_SIZE = 8


def header(first_ifd: int = HEADER_SIZE) -> bytes:
    return b"II" + struct.pack("<HL", 42, first_ifd)


def entry(tag: int, type_id: int, count: int, field: int | bytes) -> bytes:
    """One 12-byte IFD entry; ``field`` is the value itself (up to 4 bytes) or an offset."""
    raw = field if isinstance(field, bytes) else struct.pack("<L", field)
    return struct.pack("<HHL", tag, type_id, count) + raw.ljust(4, b"\x00")


def ifd(entries: list[bytes], next_ifd: int = 0, *, declared: int | None = None) -> bytes:
    """An IFD; ``declared`` overrides the entry count written in front of the table."""
    count = len(entries) if declared is None else declared
    return struct.pack("<H", count) + b"".join(entries) + struct.pack("<L", next_ifd)


def ifd_size(entries: int) -> int:
    return 2 + 12 * entries + 4
