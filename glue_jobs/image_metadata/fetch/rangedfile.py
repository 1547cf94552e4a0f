"""A seekable, lazily filled file object over a byte source.

Pillow and the metadata parsers read through this object; only the blocks they touch are
fetched. The first request asks for a prefix large enough for most metadata; later misses
fetch whole blocks, and the read-ahead doubles while the reader keeps consuming forward.
"""

from __future__ import annotations

import io
from typing import NoReturn, Protocol

from image_metadata.exceptions import ImageFailure
from image_metadata.fetch.deadline import Deadline

# Small blocks keep scattered reads (TIFF IFDs, PNG tails, WebP chunk headers) cheap; the
# first read and the growing read-ahead keep sequential reads to few requests.
BLOCK = 16 * 1024
FIRST_READ = 64 * 1024
# Blocks kept per file: a reader walking far (megabytes of JPEG fill, a long HEIF box) holds
# only the last ones, not all it read; 32 images at once stay within a worker's memory.
MAX_CACHED = 2 * 1024 * 1024


class ByteSource(Protocol):
    size: int | None
    bytes_read: int

    def fetch(self, start: int, length: int) -> bytes: ...

    def over_cap(self, cap: int, start: int) -> ImageFailure:
        """The failure for a read at ``start`` that would pass the byte cap."""
        ...


class RangedFile(io.RawIOBase):
    def __init__(
        self,
        source: ByteSource,
        *,
        first_read: int = FIRST_READ,
        max_bytes: int = 32 * 1024 * 1024,
        max_readahead: int = 64 * BLOCK,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        # Checked on every read: a parser looping over the file stops at the deadline too.
        self._deadline = deadline
        self._first_read = max(BLOCK, (first_read + BLOCK - 1) // BLOCK * BLOCK)
        self._max_bytes = max_bytes
        self._max_readahead = max_readahead
        self._blocks: dict[int, bytes] = {}
        self._pos = 0
        self._readahead = BLOCK
        self._last_end = 0
        self._seen_end = 0  # the furthest byte any fetch returned
        self.failure: ImageFailure | None = None  # first fetch failure, even if a reader hid it

    # -- the io protocol -------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def read(self, size: int | None = -1) -> bytes:
        if self._deadline is not None and self._deadline.expired:
            self._fail(self._deadline.failure())
        if size is None or size < 0:
            size = max(0, self.size - self._pos)
        # Fast path: parsers make many small reads that fall inside one cached block.
        block, offset = divmod(self._pos, BLOCK)
        cached = self._blocks.get(block)
        if cached is not None and offset + size <= len(cached):
            self._pos += size
            return cached[offset : offset + size]
        data = self._read_at(self._pos, size)
        self._pos += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        return self.read(-1)

    # -- what the reader cost ------------------------------------------------------------
    @property
    def size(self) -> int:
        """Object size. An unknown size (a stream without a length) is found by reading the
        stream on to its end, in doubling steps, within the byte cap (TooLarge beyond it)."""
        end = BLOCK
        while self._source.size is None and end <= 2 * (self._max_bytes + 1):
            self._ensure(0, min(end, self._max_bytes + 1))
            end *= 2
        if self._source.size is None:  # a source that never says: what it has given so far
            return self._seen_end
        return self._source.size

    @property
    def bytes_read(self) -> int:
        return self._source.bytes_read

    # -- block cache ---------------------------------------------------------------------
    def _read_at(self, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        known = self._source.size
        if known is not None:
            length = min(length, known - start)
            if length <= 0:
                return b""
        if length > MAX_CACHED:  # one long read (a large payload) is fetched, not cached
            return self._fetch_direct(start, length)
        self._ensure(start, start + length)
        pieces: list[memoryview] = []  # views: the result is the only copy made
        got = 0
        block = start // BLOCK
        offset = start - block * BLOCK
        while got < length:
            data = self._blocks.get(block)
            if not data:
                break
            piece = memoryview(data)[offset : offset + length - got]
            pieces.append(piece)
            got += len(piece)
            if len(data) < BLOCK:
                break
            block += 1
            offset = 0
        out = b"".join(pieces)
        self._evict()
        return out

    def _fetch_direct(self, start: int, length: int) -> bytes:
        if self._source.bytes_read + length > self._max_bytes:
            self._fail(self._source.over_cap(self._max_bytes, start))
        try:
            data = self._source.fetch(start, length)
        except ImageFailure as failure:
            self._fail(failure)
        self._seen_end = max(self._seen_end, start + len(data))
        return data

    def _evict(self) -> None:
        """Forget the oldest blocks beyond MAX_CACHED (block 0, read again and again, stays)."""
        excess = len(self._blocks) - MAX_CACHED // BLOCK
        if excess <= 0:
            return
        for block in [b for b in self._blocks if b != 0][:excess]:
            del self._blocks[block]

    def _ensure(self, start: int, end: int) -> None:
        first, last = start // BLOCK, (end - 1) // BLOCK
        block = first
        while block <= last:
            if block in self._blocks:
                block += 1
                continue
            run_start = block
            while block <= last and block not in self._blocks:
                block += 1
            self._fill(run_start, block - run_start)

    def _fill(self, first_block: int, count: int) -> None:
        start = first_block * BLOCK
        want = count * BLOCK
        if not self._blocks:
            want = max(want, self._first_read)
        elif start == self._last_end:  # the reader walks forward: widen the window
            self._readahead = min(self._readahead * 2, self._max_readahead)
            want = max(want, self._readahead)
        size = self._source.size
        if size is not None:
            want = min(want, max(size - start, 0))
            # _read_at clamps to a known size; a run past the end would need the size learnt
            # between two runs of one read, across a cached block past the end, which no
            # source makes (a range past the end is HTTP 416, a failure).
            if want == 0:  # pragma: no cover - defensive, see above
                return
        if self._source.bytes_read + want > self._max_bytes:
            want = max(count * BLOCK, 0)
            if self._source.bytes_read + want > self._max_bytes:
                self._fail(self._source.over_cap(self._max_bytes, start))
        try:
            data = self._source.fetch(start, want)
        except ImageFailure as failure:
            self._fail(failure)
        for i in range(0, max(len(data), 1), BLOCK):
            self._blocks[first_block + i // BLOCK] = data[i : i + BLOCK]
        self._last_end = start + len(data)
        if data:
            self._seen_end = max(self._seen_end, self._last_end)

    def _fail(self, failure: ImageFailure) -> NoReturn:
        if self.failure is None:
            self.failure = failure
        raise failure
