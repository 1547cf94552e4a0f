"""A tolerant reader of TIFF-structured data (EXIF blocks, TIFF and TIFF-based raw files).

Reads IFD entries through a seekable file object, touching only the bytes it needs. Every
problem (a truncated value, an offset outside the data, an IFD loop, an absurd count) drops
that entry or IFD with a warning; nothing here raises for bad data except a bad header.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, NamedTuple

# type id -> (struct code, size in bytes)
TYPES: dict[int, tuple[str, int]] = {
    1: ("B", 1),  # BYTE
    2: ("s", 1),  # ASCII
    3: ("H", 2),  # SHORT
    4: ("L", 4),  # LONG
    5: ("LL", 8),  # RATIONAL
    6: ("b", 1),  # SBYTE
    7: ("s", 1),  # UNDEFINED
    8: ("h", 2),  # SSHORT
    9: ("l", 4),  # SLONG
    10: ("ll", 8),  # SRATIONAL
    11: ("f", 4),  # FLOAT
    12: ("d", 8),  # DOUBLE
    13: ("L", 4),  # IFD
}
BYTES_TYPES = (1, 2, 7)  # kept as raw bytes
RATIONAL_TYPES = (5, 10)
MAX_ENTRIES = 1024  # per IFD; real files stay far below
MAX_VALUE_BYTES = 1 << 20  # larger values are summarised from their size, never read
MAX_IFDS = 64
# Every entry may point at the same large value, so a few KB of IFDs could make a reader hold
# gigabytes. Numbers are kept only as far as readers look (EXIF lists up to 64 values,
# pointers take the first), and values beyond a budget per reader are summarised, not read.
MAX_NUMBERS_KEPT = 64
# Bytes read for values per reader, plus NUMBER_COST per number kept: room for an XMP packet
# of MAX_VALUE_BYTES and the rest, while 32 readers at once stay within a worker's memory.
VALUE_BUDGET = 2 << 20
NUMBER_COST = 64  # about what a Python int, or half a rational pair, costs with its slot

Value = bytes | tuple
MAKER_NOTE = 0x927C
IPTC_NAA = 0x83BB


_TABLE_STRUCTS = {order: struct.Struct(order + "HHL4s") for order in "<>"}
_OFFSET_STRUCTS = {order: struct.Struct(order + "L") for order in "<>"}
_SHORT_STRUCTS = {order: struct.Struct(order + "H") for order in "<>"}
# Shared by every reader of a byte order: the structs of the value shapes files use.
_NUMBER_STRUCTS: dict[str, dict[tuple[str, int], struct.Struct]] = {"<": {}, ">": {}}


class Entry(NamedTuple):  # a tuple: cheap to make, thousands per TIFF
    tag: int
    type: int
    count: int
    value: Value | None  # None when the value was too large to read (size is count*type size)
    # Numeric values hold at most MAX_NUMBERS_KEPT numbers (``count`` says how many exist).

    @property
    def nbytes(self) -> int:
        return self.count * TYPES[self.type][1]


class TiffReader:
    """Reads IFDs of one TIFF structure that starts at ``base`` inside ``fp``."""

    def __init__(self, fp: BinaryIO, base: int = 0, magics: tuple[int, ...] = (42,)) -> None:
        fp.seek(base)
        header = fp.read(8)
        if len(header) < 8 or header[:2] not in (b"II", b"MM"):
            raise ValueError("not a TIFF header (expected II or MM byte order mark)")
        self._start(fp, base, "<" if header[:2] == b"II" else ">")
        magic, self.first_ifd = struct.unpack(self.order + "HL", header[2:8])
        if magic not in magics:  # raw files may use their own (Panasonic 0x55, Olympus RO)
            raise ValueError(f"unsupported TIFF magic number {magic} (BigTIFF is 43)")

    @classmethod
    def headless(cls, fp: BinaryIO, base: int, order: str) -> TiffReader:
        """A reader of IFDs that have no TIFF header of their own (a maker note's), whose
        offsets count from ``base`` in byte order ``order``."""
        reader = cls.__new__(cls)
        reader._start(fp, base, order)
        reader.first_ifd = 0
        return reader

    def _start(self, fp: BinaryIO, base: int, order: str) -> None:
        self.fp = fp
        self.base = base
        self.order = order
        self.warnings: list[str] = []
        self._table_struct = _TABLE_STRUCTS[order]
        self._offset_struct = _OFFSET_STRUCTS[order]
        self._short_struct = _SHORT_STRUCTS[order]
        self._structs = _NUMBER_STRUCTS[order]
        self._visited: set[int] = set()
        self._budget = VALUE_BUDGET
        self.maker_note_at: int | None = None  # where the Exif IFD's MakerNote value starts

    def read_ifd(self, offset: int, name: str, wanted: frozenset[int] | None = None
                 ) -> tuple[dict[int, Entry], int]:
        """Entries of the IFD at ``offset`` and the offset of the next IFD (0 when none).
        With ``wanted``, only those tags' values are read (the others have none)."""
        if offset < 0:  # a pointer written with a signed type (SLONG, SSHORT)
            self.warnings.append(f"{name}: IFD offset {offset} is negative; skipped")
            return {}, 0
        if offset in self._visited:
            self.warnings.append(f"{name}: IFD at offset {offset} already read (loop); skipped")
            return {}, 0
        if len(self._visited) >= MAX_IFDS:
            self.warnings.append(f"{name}: more than {MAX_IFDS} IFDs; rest skipped")
            return {}, 0
        self._visited.add(offset)
        self.fp.seek(self.base + offset)
        raw_count = self.fp.read(2)
        if len(raw_count) < 2:
            self.warnings.append(f"{name}: IFD offset {offset} is beyond the data; skipped")
            return {}, 0
        (count,) = struct.unpack(self.order + "H", raw_count)
        if count > MAX_ENTRIES:
            self.warnings.append(f"{name}: {count} entries declared; read the first {MAX_ENTRIES}")
            count = MAX_ENTRIES
        table = self.fp.read(12 * count + 4)
        whole = len(table) // 12
        if whole < count:
            self.warnings.append(f"{name}: IFD truncated after {whole} of {count} entries")
        entries: dict[int, Entry] = {}
        read = min(whole, count)
        # One C-level pass over the table; the fourth field is the value itself (up to four
        # bytes) or its offset.
        short, long_ = self._short_struct, self._offset_struct
        for tag, type_id, n, field in self._table_struct.iter_unpack(table[: 12 * read]):
            if wanted is not None and tag not in wanted:
                continue
            if tag in entries:
                continue
            if n == 1 and (type_id == 3 or type_id == 4):  # one SHORT or LONG: most tags
                entries[tag] = Entry(tag, type_id, 1, (short if type_id == 3 else long_
                                                       ).unpack_from(field))
                continue
            entry = self._entry(tag, type_id, n, field, name)
            if entry is not None:
                entries[tag] = entry
        next_offset = 0
        if len(table) >= 12 * count + 4:
            (next_offset,) = struct.unpack(self.order + "L", table[12 * count : 12 * count + 4])
        return entries, next_offset

    def _entry(self, tag: int, type_id: int, count: int, field: bytes, ifd: str
               ) -> Entry | None:
        kind = TYPES.get(type_id)
        if kind is None:
            self.warnings.append(f"{ifd}: tag 0x{tag:04X} has unknown type {type_id}; skipped")
            return None
        code, size = kind
        nbytes = count * size
        if nbytes > MAX_VALUE_BYTES:
            return Entry(tag, type_id, count, None)
        is_bytes = type_id in BYTES_TYPES
        kept = count if is_bytes or tag == IPTC_NAA else min(count, MAX_NUMBERS_KEPT)
        if nbytes <= 4:
            data = field[:nbytes]
        elif not self._spend(nbytes + (0 if is_bytes else kept * NUMBER_COST), ifd):
            return Entry(tag, type_id, count, None)
        else:
            (offset,) = self._offset_struct.unpack(field)
            if tag == MAKER_NOTE:
                self.maker_note_at = offset
            self.fp.seek(self.base + offset)
            data = self.fp.read(nbytes)
            if len(data) < nbytes:
                self.warnings.append(
                    f"{ifd}: tag 0x{tag:04X} value at offset {offset} is truncated; skipped"
                )
                return None
        if is_bytes:
            return Entry(tag, type_id, count, data)
        if tag == IPTC_NAA:  # IIM records written as LONGs (as TIFF writers do): bytes
            return Entry(tag, 7, nbytes, data)
        numbers = self._numbers(code, kept).unpack_from(data)
        if type_id in RATIONAL_TYPES:
            return Entry(tag, type_id, count, tuple(zip(numbers[0::2], numbers[1::2],
                                                        strict=True)))
        return Entry(tag, type_id, count, numbers)

    def _numbers(self, code: str, kept: int) -> struct.Struct:
        """The struct for ``kept`` values of ``code`` (a rational's code holds two)."""
        key = (code, kept)
        found = self._structs.get(key)
        if found is None:
            found = struct.Struct(f"{self.order}{kept * len(code)}{code[0]}")
            self._structs[key] = found
        return found

    def _spend(self, cost: int, ifd: str) -> bool:
        """Take ``cost`` from the value budget; False (and one warning) once it is spent."""
        if cost > self._budget:
            if self._budget >= 0:
                self.warnings.append(f"{ifd}: values beyond {VALUE_BUDGET >> 20} MiB in total "
                                     "are summarised, not read")
            self._budget = -1
            return False
        self._budget -= cost
        return True


def first_int(entry: Entry | None) -> int | None:
    """The first value of a numeric entry, or None."""
    if entry is None or not entry.value:
        return None
    if isinstance(entry.value, bytes):  # BYTE/UNDEFINED hold small numbers as raw bytes
        return entry.value[0] if entry.type in (1, 7) else None
    value = entry.value[0]
    return value if isinstance(value, int) else None
