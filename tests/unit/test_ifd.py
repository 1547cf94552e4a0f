"""ifd.py: the TIFF reader under EXIF and TIFF files: IFDs and their entries as stored, every
broken pointer, count or value dropped with a warning, memory bounded by a value budget."""

from __future__ import annotations

import io
import struct

import pytest

from image_metadata.tags.ifd import (
    MAX_ENTRIES,
    MAX_IFDS,
    MAX_NUMBERS_KEPT,
    MAX_VALUE_BYTES,
    VALUE_BUDGET,
    Entry,
    TiffReader,
    first_int,
)

from .tiff_bytes import (
    ASCII,
    BYTE,
    HEADER_SIZE,
    LONG,
    RATIONAL,
    SHORT,
    UNDEFINED,
    entry,
    header,
    ifd,
)

MAKE, MODEL = 0x010F, 0x0110


def reader(blob: bytes) -> TiffReader:
    return TiffReader(io.BytesIO(blob))


def test_a_header_of_another_byte_order_mark_is_refused_saying_why():
    with pytest.raises(ValueError, match=r"^not a TIFF header \(expected II or MM byte order "
                                         r"mark\)$"):
        reader(b"XX*\x00\x08\x00\x00\x00")


def test_a_bigtiff_header_is_refused_naming_its_magic():
    with pytest.raises(ValueError, match=r"^unsupported TIFF magic number 43 \(BigTIFF is 43\)$"):
        reader(b"II+\x00\x08\x00\x00\x00")


class Reads(io.BytesIO):
    """A file that notes the size of every read: the reader must ask for no more than it
    uses (over HTTP each byte asked for is a byte fetched)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.sizes: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(size)
        return super().read(size)


def test_the_header_and_an_ifd_table_are_read_with_the_bytes_they_need_only():
    blob = header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")]) + bytes(10_000)
    file = Reads(blob)
    TiffReader(file).read_ifd(HEADER_SIZE, "IFD0")
    assert file.sizes == [8, 2, 12 + 4]


def test_the_first_ifd_offset_is_unsigned():
    assert reader(b"II*\x00" + struct.pack("<L", 0x80000000)).first_ifd == 0x80000000


def test_a_header_of_exactly_eight_bytes_is_a_header():
    assert reader(header()).first_ifd == HEADER_SIZE


def test_an_ifd_gives_its_entries_and_the_next_ifds_offset():
    blob = header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")], next_ifd=0x80000000)
    entries, following = reader(blob).read_ifd(HEADER_SIZE, "IFD0")
    assert entries[MAKE] == Entry(MAKE, ASCII, 4, b"Abc\x00")
    assert following == 0x80000000  # unsigned


def test_an_ifd_ending_the_data_without_its_next_pointer_has_no_next():
    table = ifd([entry(MAKE, ASCII, 4, b"Abc\x00")])[:-4]
    entries, following = reader(header() + table).read_ifd(HEADER_SIZE, "IFD0")
    assert (list(entries), following) == ([MAKE], 0)


@pytest.mark.parametrize(("offset", "warning"), [
    (-4, "X: IFD offset -4 is negative; skipped"),
    (10_000, "X: IFD offset 10000 is beyond the data; skipped"),
])
def test_an_ifd_pointer_that_points_nowhere_gives_nothing_and_says_why(offset, warning):
    tiff = reader(header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")]))
    assert tiff.read_ifd(offset, "X") == ({}, 0)
    assert tiff.warnings == [warning]


def test_an_ifd_read_twice_is_a_loop_and_gives_nothing_the_second_time():
    tiff = reader(header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")], next_ifd=HEADER_SIZE))
    assert tiff.read_ifd(HEADER_SIZE, "IFD0")[1] == HEADER_SIZE
    assert tiff.read_ifd(HEADER_SIZE, "IFD1") == ({}, 0)
    assert tiff.warnings == [f"IFD1: IFD at offset {HEADER_SIZE} already read (loop); skipped"]


def test_at_most_max_ifds_are_read():
    blob = header() + b"".join(ifd([]) for _ in range(MAX_IFDS + 1))
    tiff = reader(blob)
    read = [tiff.read_ifd(HEADER_SIZE + 6 * i, f"IFD{i}") for i in range(MAX_IFDS + 1)]
    assert all(result == ({}, 0) for result in read)
    assert tiff.warnings == [f"IFD{MAX_IFDS}: more than {MAX_IFDS} IFDs; rest skipped"]


def test_an_entry_count_beyond_the_limit_is_cut_to_it_with_a_warning():
    table = [entry(0x1000 + i, SHORT, 1, struct.pack("<H", i)) for i in range(MAX_ENTRIES + 1)]
    blob = header() + ifd(table, declared=0x8001)  # above 32767: an unsigned count
    tiff = reader(blob)
    entries, _ = tiff.read_ifd(HEADER_SIZE, "IFD0")
    assert len(entries) == MAX_ENTRIES
    assert tiff.warnings[0] == f"IFD0: 32769 entries declared; read the first {MAX_ENTRIES}"


def test_an_entry_count_at_the_limit_is_read_whole():
    table = [entry(0x1000 + i, SHORT, 1, struct.pack("<H", i)) for i in range(MAX_ENTRIES)]
    tiff = reader(header() + ifd(table))
    entries, _ = tiff.read_ifd(HEADER_SIZE, "IFD0")
    assert (len(entries), tiff.warnings) == (MAX_ENTRIES, [])


def test_only_the_wanted_tags_are_read_wherever_they_stand():
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(MODEL, ASCII, 4, b"Xyz\x00"),
             entry(0x0112, SHORT, 1, struct.pack("<H", 6))]
    entries, _ = reader(header() + ifd(table)).read_ifd(HEADER_SIZE, "IFD0",
                                                       frozenset({MODEL, 0x0112}))
    assert sorted(entries) == [MODEL, 0x0112]


def test_numbers_beyond_the_kept_count_are_not_kept_but_counted():
    values = struct.pack("<100H", *range(100))
    blob = header() + ifd([entry(0x1234, SHORT, 100, HEADER_SIZE + 18)]) + values
    found = reader(blob).read_ifd(HEADER_SIZE, "IFD0")[0][0x1234]
    assert (found.type, found.count, len(found.value), found.value[:3]) == (
        SHORT, 100, MAX_NUMBERS_KEPT, (0, 1, 2))


def test_bytes_are_kept_whole():
    values = bytes(range(100))
    blob = header() + ifd([entry(0x1234, BYTE, 100, HEADER_SIZE + 18)]) + values
    assert reader(blob).read_ifd(HEADER_SIZE, "IFD0")[0][0x1234].value == values


def test_rationals_are_pairs_of_numerator_and_denominator():
    blob = header() + ifd([entry(0x829D, RATIONAL, 2, HEADER_SIZE + 18)]) + struct.pack(
        "<4L", 28, 10, 1, 250)
    found = reader(blob).read_ifd(HEADER_SIZE, "IFD0")[0][0x829D]
    assert (found.type, found.value) == (RATIONAL, ((28, 10), (1, 250)))


def test_a_value_at_an_offset_beyond_two_gigabytes_is_dropped_with_a_warning():
    blob = header() + ifd([entry(MAKE, ASCII, 10, 0x80000000)])
    tiff = reader(blob)
    assert tiff.read_ifd(HEADER_SIZE, "IFD0")[0] == {}
    assert tiff.warnings == ["IFD0: tag 0x010F value at offset 2147483648 is truncated; skipped"]


def test_a_value_larger_than_the_value_limit_is_summarised_under_its_tag():
    count = MAX_VALUE_BYTES + 1
    found = reader(header() + ifd([entry(0x1234, UNDEFINED, count, HEADER_SIZE + 18)]))
    assert found.read_ifd(HEADER_SIZE, "IFD0")[0][0x1234] == Entry(0x1234, UNDEFINED, count,
                                                                     None)


def _values(*sizes: int) -> bytes:
    """An IFD of ASCII values of these sizes, their data after the table."""
    at = HEADER_SIZE + 2 + 12 * len(sizes) + 4
    table, data = [], b""
    for i, size in enumerate(sizes):
        table.append(entry(0x1000 + i, ASCII, size, at + len(data)))
        data += b"a" * size
    return header() + ifd(table) + data


def test_values_that_fill_the_budget_exactly_are_read_and_the_next_is_summarised_once():
    half = VALUE_BUDGET // 2  # the largest value read, twice: the budget to the byte
    assert half == MAX_VALUE_BYTES
    tiff = reader(_values(half, half, 10, 10))
    entries, _ = tiff.read_ifd(HEADER_SIZE, "IFD0")
    assert [len(entries[0x1000 + i].value or b"") for i in range(4)] == [half, half, 0, 0]
    assert entries[0x1002] == Entry(0x1002, ASCII, 10, None)  # its size still known
    assert tiff.warnings == ["IFD0: values beyond 2 MiB in total are summarised, not read"]


def test_numbers_cost_the_budget_more_than_their_bytes():
    # 600 LONG arrays of 64 numbers share their data: 256 bytes each, but each number kept
    # costs about as much as a Python int in a tuple.
    at = HEADER_SIZE + 2 + 12 * 600 + 4
    table = [entry(0x1000 + i, LONG, 64, at) for i in range(600)]
    tiff = reader(header() + ifd(table) + bytes(256))
    entries, _ = tiff.read_ifd(HEADER_SIZE, "IFD0")
    kept = sum(1 for e in entries.values() if e.value is not None)
    assert kept == VALUE_BUDGET // (256 + 64 * 64)
    assert len(tiff.warnings) == 1


@pytest.mark.parametrize(("found", "value"), [
    (Entry(0x0112, SHORT, 1, (6,)), 6),
    (Entry(0x0112, UNDEFINED, 1, b"\x05"), 5),
    (Entry(0x0112, BYTE, 1, b"\x07"), 7),
    (Entry(0x0112, ASCII, 1, b"6"), None),  # text is no number
    (Entry(0x829D, RATIONAL, 1, ((28, 10),)), None),  # nor is a fraction
    (Entry(0x0112, SHORT, 1, ()), None),
    (Entry(0x0112, SHORT, 1, None), None),
    (None, None),
])
def test_first_int_is_the_first_number_of_a_numeric_entry(found, value):
    assert first_int(found) == value
