"""rangedfile.py: a seekable file over ranged fetches, fetching each block once, within a cap."""

from __future__ import annotations

import contextlib
import io

import pytest

from image_metadata import samples
from image_metadata.decode import decode
from image_metadata.exceptions import ImageFailure, NotFound, TooLarge
from image_metadata.fetch.rangedfile import BLOCK, FIRST_READ, RangedFile

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

    def over_cap(self, cap: int, start: int) -> ImageFailure:
        return TooLarge(f"reading the metadata needs more than the {cap}-byte cap "
                        f"(at offset {start})")


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


# -- the io protocol, and reads at the edges ----------------------------------------------


def test_it_is_a_readable_seekable_raw_file_that_io_can_buffer():
    handle, _ = ranged()
    assert handle.readable() and handle.seekable()
    assert io.BufferedReader(handle).read(10) == DATA[:10]


def test_an_unknown_whence_and_a_negative_position_are_refused():
    handle, _ = ranged()
    with pytest.raises(ValueError, match=r"^invalid whence 7$"):
        handle.seek(0, 7)
    with pytest.raises(OSError, match=r"^negative seek position -1$"):
        handle.seek(-1)


def test_readall_reads_from_the_position_to_the_end():
    handle, _ = ranged()
    handle.seek(len(DATA) - 100)
    assert handle.readall() == DATA[-100:]


def test_a_read_of_nothing_fetches_nothing():
    handle, source = ranged()
    assert handle.read(0) == b"" and source.fetches == []


def test_a_read_past_the_end_is_empty():
    handle, _ = ranged()
    handle.seek(len(DATA) + 10)
    assert handle.read(10) == b""


def test_a_read_after_the_deadline_fails_the_image_and_is_remembered():
    from image_metadata.exceptions import FetchTimeout
    from image_metadata.fetch.deadline import Deadline

    bound = Deadline(60.0, "reading x")
    handle = RangedFile(MemorySource(DATA), deadline=bound)
    assert handle.read(10) == DATA[:10]
    bound.expire()
    with pytest.raises(FetchTimeout, match="reading x took longer than the 60 s bound"):
        handle.read(10)
    assert isinstance(handle.failure, FetchTimeout)


class NoLengthSource(MemorySource):
    """A stream without a length (HTTP 200 without Content-Length): the size is known only
    once a fetch reaches the end."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data, size_known=False)

    def fetch(self, start: int, length: int) -> bytes:
        self.fetches.append((start, length))
        chunk = self._data[start : start + length]
        self.bytes_read += len(chunk)
        if start + length >= len(self._data):
            self.size = len(self._data)
        return chunk


def test_the_size_of_a_stream_without_a_length_is_found_by_reading_it_out():
    data = DATA[: 3 * FIRST_READ]
    handle = RangedFile(NoLengthSource(data), max_bytes=1 << 20)
    assert handle.size == len(data)


def test_one_read_longer_than_the_cache_is_fetched_whole_and_not_cached():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * ((MAX_CACHED + 3 * BLOCK) // 256)
    handle, source = ranged(data)
    handle.seek(BLOCK)
    assert handle.read(MAX_CACHED + BLOCK) == data[BLOCK : BLOCK + MAX_CACHED + BLOCK]
    assert source.fetches[-1] == (BLOCK, MAX_CACHED + BLOCK)
    handle.seek(BLOCK)
    handle.read(10)
    assert source.fetches[-1][0] == BLOCK  # read again: it was not kept


def test_a_long_read_beyond_the_cap_is_too_large_naming_the_offset():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(MAX_CACHED * 2)
    handle, _ = ranged(data, max_bytes=MAX_CACHED + BLOCK)
    handle.seek(1000)
    with pytest.raises(TooLarge) as refused:
        handle.read(MAX_CACHED + 2 * BLOCK)
    assert str(refused.value) == (
        f"reading the metadata needs more than the {MAX_CACHED + BLOCK}-byte cap (at offset 1000)")
    assert handle.failure is refused.value


def test_a_failed_long_read_is_remembered_even_if_a_parser_swallows_it():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    source = MemorySource(bytes(MAX_CACHED * 2))
    handle = RangedFile(source)
    source.fail_with = NotFound("gone")
    with contextlib.suppress(ImageFailure):
        handle.read(MAX_CACHED + BLOCK)
    assert handle.failure is source.fail_with


def test_a_reader_walking_far_keeps_only_the_cache_size_and_the_first_block():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * ((3 * MAX_CACHED) // 256)
    handle, _ = ranged(data)
    handle.read(10)
    while handle.tell() < len(data):
        handle.read(BLOCK)
    assert len(handle._blocks) <= MAX_CACHED // BLOCK
    assert 0 in handle._blocks


def test_the_size_of_a_stream_longer_than_the_cap_is_too_large():
    handle = RangedFile(NoLengthSource(DATA), max_bytes=2 * FIRST_READ)
    with pytest.raises(TooLarge):
        handle.size  # noqa: B018 - the property reads


def test_a_source_that_never_gives_its_size_is_as_long_as_what_it_gave():
    class Silent(NoLengthSource):
        def fetch(self, start: int, length: int) -> bytes:
            chunk = super().fetch(start, length)
            self.size = None
            return chunk

    handle = RangedFile(Silent(DATA[:1000]), max_bytes=4 * FIRST_READ)
    assert handle.size == 1000


# -- the edges of the cache and the cap ---------------------------------------------------


def test_the_first_read_is_rounded_up_to_whole_blocks():
    handle, source = ranged(first_read=BLOCK + 1)
    handle.read(1)
    assert source.fetches[0] == (0, 2 * BLOCK)


def test_a_read_from_a_cached_block_into_the_next_returns_every_byte():
    handle, _ = ranged()
    handle.read(1)  # blocks 0-3 cached
    handle.seek(BLOCK - 10)
    assert handle.read(20) == DATA[BLOCK - 10 : BLOCK + 10]


def test_a_read_from_a_cached_block_into_missing_ones_fetches_all_of_them():
    handle, _ = ranged()
    handle.read(1)  # blocks 0-3 cached (the first read)
    handle.seek(FIRST_READ - 10)
    assert handle.read(2 * BLOCK) == DATA[FIRST_READ - 10 : FIRST_READ - 10 + 2 * BLOCK]


def test_a_read_near_the_end_asks_only_for_what_is_there():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * ((MAX_CACHED + BLOCK) // 256)
    handle, _ = ranged(data, max_bytes=4 * MAX_CACHED)
    handle.seek(BLOCK)
    assert handle.read(10 * MAX_CACHED) == data[BLOCK:]


def test_a_file_of_exactly_the_cap_is_read_whole():
    data = DATA[:40_000]
    handle, _ = ranged(data, max_bytes=40_000)
    assert handle.read() == data


def test_a_long_read_of_exactly_the_cap_is_allowed():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(MAX_CACHED + 2 * BLOCK)
    handle, _ = ranged(data, max_bytes=len(data))
    assert len(handle.read(len(data))) == len(data)


def test_a_read_of_exactly_the_cache_size_is_cached():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * (2 * MAX_CACHED // 256)
    handle, source = ranged(data)
    handle.read(MAX_CACHED)
    fetched = len(source.fetches)
    handle.seek(MAX_CACHED // 2)
    handle.read(10)
    assert len(source.fetches) == fetched


def test_a_read_beyond_the_end_of_a_stream_without_a_length_is_empty():
    handle = RangedFile(NoLengthSource(DATA[:1000]), max_bytes=1 << 20)
    handle.seek(2 * BLOCK)
    assert handle.read(10) == b""


def test_a_source_that_never_gives_its_size_and_nothing_else_is_empty():
    class Nothing(NoLengthSource):
        def fetch(self, start: int, length: int) -> bytes:
            self.fetches.append((start, length))
            return b""

    assert RangedFile(Nothing(b""), max_bytes=4 * FIRST_READ).size == 0


def test_the_cache_never_holds_more_than_its_size_while_a_reader_walks():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * ((3 * MAX_CACHED) // 256)
    handle, _ = ranged(data)
    while handle.tell() < len(data):
        handle.read(BLOCK)
        assert len(handle._blocks) <= MAX_CACHED // BLOCK


def test_a_long_read_to_the_end_of_a_file_of_the_caps_size_is_allowed():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    data = bytes(range(256)) * ((MAX_CACHED + BLOCK) // 256)
    handle, _ = ranged(data, max_bytes=len(data))
    handle.seek(BLOCK)
    assert handle.read(10 * MAX_CACHED) == data[BLOCK:]


def test_a_file_of_the_caps_size_read_in_two_steps_is_read_whole():
    data = bytes(range(256)) * (100_000 // 256) + bytes(100_000 % 256)
    handle, _ = ranged(data, max_bytes=len(data))
    handle.read(10)
    handle.seek(FIRST_READ)
    assert handle.read() == data[FIRST_READ:]


def test_the_last_block_that_fits_under_the_cap_is_read():
    # The read-ahead would pass the cap; the one block asked for fits exactly.
    data = bytes(200_000)
    handle, _ = ranged(data, max_bytes=FIRST_READ + BLOCK)
    handle.read(1)
    handle.seek(FIRST_READ)
    assert handle.read(1) == b"\x00"


def test_the_cache_forgets_the_oldest_block_as_soon_as_it_is_full():
    from image_metadata.fetch.rangedfile import MAX_CACHED

    kept = MAX_CACHED // BLOCK
    data = bytes(range(256)) * ((2 * kept + 4) * BLOCK // 256)
    handle, source = ranged(data, first_read=BLOCK)
    for block in range(0, 2 * kept + 2, 2):  # block 0 and `kept` blocks apart from each other
        handle.seek(block * BLOCK)
        handle.read(1)
    assert len(source.fetches) == kept + 1
    handle.seek(2 * BLOCK)  # the oldest block after block 0: forgotten
    handle.read(1)
    assert len(source.fetches) == kept + 2
    handle.seek(0)  # block 0 is kept whatever comes after it
    handle.read(1)
    assert len(source.fetches) == kept + 2


def test_a_file_ending_one_byte_into_a_block_is_read_to_its_last_byte():
    data = bytes(range(256)) * (4 * BLOCK // 256) + b"\x7f"
    handle, _ = ranged(data, first_read=BLOCK)
    handle.seek(len(data) - 1)
    assert handle.read(10) == b"\x7f"


def test_a_read_at_the_end_of_a_known_size_fetches_nothing():
    data = bytes(200_000)
    handle, source = ranged(data)
    handle.read(10)
    handle.seek(0, 2)
    assert handle.read(10) == b""
    assert len(source.fetches) == 1
