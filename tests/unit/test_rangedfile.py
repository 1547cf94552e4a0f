"""rangedfile.py: a seekable file over ranged fetches, fetching each block once, within a cap."""

from __future__ import annotations

import contextlib
import io

import pytest

from image_metadata import samples
from image_metadata.decode import decode
from image_metadata.exceptions import ImageFailure, NotFound, TooLarge
from image_metadata.rangedfile import BLOCK, FIRST_READ, RangedFile

DATA = bytes((i * 7 + i // 251) % 256 for i in range(5 * FIRST_READ + 1234))


class MemorySource:
    """A byte source over bytes in memory that records every fetch it serves."""

    def __init__(self, data: bytes, *, size_known: bool = True,
                 failure: ImageFailure | None = None) -> None:
        self._data = data
        self.size: int | None = len(data) if size_known else None
        self.bytes_read = 0
        self.fetches: list[tuple[int, int]] = []
        self.fail_with = failure

    def fetch(self, start: int, length: int) -> bytes:
        self.fetches.append((start, length))
        if self.fail_with is not None:
            raise self.fail_with
        chunk = self._data[start : start + length]
        self.bytes_read += len(chunk)
        self.size = len(self._data)  # like a 206 reply, whose Content-Range gives the total
        return chunk


def ranged(data: bytes = DATA, **kwargs) -> tuple[RangedFile, MemorySource]:
    source = MemorySource(data)
    return RangedFile(source, **kwargs), source


@pytest.mark.parametrize(
    "offset", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK - 5, len(DATA) - 10]
)
@pytest.mark.parametrize("length", [1, 100, BLOCK + 7, 3 * BLOCK])
def test_read_returns_the_source_bytes_at_any_position(offset, length):
    handle, _ = ranged()
    handle.seek(offset)
    assert handle.read(length) == DATA[offset : offset + length]
    assert handle.tell() == offset + len(DATA[offset : offset + length])


def test_reads_in_random_order_return_the_source_bytes():
    handle, _ = ranged()
    for offset in (4 * BLOCK + 3, 17, 2 * BLOCK - 1, 5 * BLOCK, 0):
        handle.seek(offset)
        assert handle.read(999) == DATA[offset : offset + 999]


def test_read_past_the_end_returns_no_bytes():
    handle, _ = ranged()
    handle.seek(len(DATA) + 10)
    assert handle.read(10) == b""


def test_read_all_returns_everything_from_the_position():
    handle, _ = ranged()
    handle.seek(len(DATA) - 300)
    assert handle.read() == DATA[-300:]


def test_seek_from_the_end_and_from_the_current_position():
    handle, _ = ranged()
    assert handle.seek(-4, io.SEEK_END) == len(DATA) - 4
    assert handle.seek(-6, io.SEEK_CUR) == len(DATA) - 10
    assert handle.read(3) == DATA[-10:-7]


def test_negative_seek_position_is_an_error():
    handle, _ = ranged()
    with pytest.raises(OSError, match="negative seek position"):
        handle.seek(-1)


def test_readinto_fills_the_buffer():
    handle, _ = ranged()
    buffer = bytearray(8)
    handle.seek(BLOCK - 4)
    assert handle.readinto(buffer) == 8
    assert bytes(buffer) == DATA[BLOCK - 4 : BLOCK + 4]


def test_first_read_of_64_kib_is_fetched_only_once():
    handle, source = ranged()
    for offset in (0, 100, 5000, FIRST_READ - 16):
        handle.seek(offset)
        handle.read(16)
    assert source.fetches == [(0, FIRST_READ)]


def test_a_read_elsewhere_fetches_one_small_block():
    handle, source = ranged()
    handle.read(10)
    assert handle.bytes_read == FIRST_READ
    handle.seek(4 * FIRST_READ)
    handle.read(10)
    assert source.fetches[-1] == (4 * FIRST_READ, BLOCK)
    assert handle.bytes_read == FIRST_READ + BLOCK == source.bytes_read


def test_read_ahead_grows_while_the_reader_walks_forward():
    handle, source = ranged()
    handle.read(FIRST_READ)
    for _ in range(4):
        handle.read(BLOCK)
    sizes = [length for _start, length in source.fetches]
    assert sizes == [FIRST_READ, 2 * BLOCK, 4 * BLOCK]


def test_small_source_is_fetched_whole_in_one_request():
    handle, source = ranged(b"tiny image")
    assert handle.read(4) == b"tiny"
    assert handle.read() == b" image"
    assert source.fetches == [(0, 10)]
    assert handle.bytes_read == 10


def test_first_read_is_widened_to_the_requested_prefix():
    handle, source = ranged(first_read=3 * BLOCK)
    handle.read(1)
    handle.seek(3 * BLOCK - 1)
    handle.read(1)
    assert source.fetches == [(0, 3 * BLOCK)]


def test_size_is_the_source_size():
    handle, _ = ranged()
    assert handle.size == len(DATA)


def test_size_unknown_until_the_first_fetch_is_learnt_from_it():
    source = MemorySource(DATA, size_known=False)
    handle = RangedFile(source)
    assert handle.size == len(DATA)
    assert source.fetches == [(0, FIRST_READ)]


def test_reading_past_max_bytes_raises_too_large():
    handle, _ = ranged(max_bytes=BLOCK + 100)
    handle.read(10)
    handle.seek(3 * BLOCK)
    with pytest.raises(TooLarge, match=f"more than the {BLOCK + 100}-byte cap"):
        handle.read(10)


def test_too_large_is_recorded_as_the_failure():
    handle, _ = ranged(max_bytes=BLOCK + 100)
    handle.read(10)
    handle.seek(3 * BLOCK)
    with pytest.raises(TooLarge) as raised:
        handle.read(10)
    assert handle.failure is raised.value


def test_fetch_failure_is_raised_and_recorded_even_when_a_reader_hides_it():
    gone = NotFound("no such key", http_status=404)
    handle = RangedFile(MemorySource(DATA, failure=gone))
    with contextlib.suppress(ImageFailure):  # as a tolerant parser would
        handle.read(10)
    assert handle.failure is gone


def test_first_fetch_failure_is_kept_over_later_ones():
    first = NotFound("first")
    source = MemorySource(DATA, failure=first)
    handle = RangedFile(source)
    with pytest.raises(NotFound):
        handle.read(10)
    source.fail_with = NotFound("second")
    with pytest.raises(NotFound):
        handle.read(10)
    assert handle.failure is first


def test_decoding_a_jpeg_with_exif_up_front_fetches_only_the_first_block():
    jpeg = samples.encode("JPEG", (600, 400), exif=samples.exif_bytes(make="Canon"))
    jpeg += bytes(4 * FIRST_READ)  # a long tail the header parser must never touch
    handle, source = ranged(jpeg)
    decoded = decode(handle)
    assert (decoded.width, decoded.height, decoded.typed.make) == (600, 400, "Canon")
    assert source.fetches == [(0, FIRST_READ)]
