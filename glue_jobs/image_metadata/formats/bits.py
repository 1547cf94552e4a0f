"""Small helpers several readers share: reading exactly n bytes, and bit fields."""

from __future__ import annotations

from typing import BinaryIO


def read_exactly(fp: BinaryIO, size: int, what: str) -> bytes:
    if size < 0:  # read(-1) would read to the end of the file
        raise ValueError(f"the {what} has a negative length")
    data = fp.read(size)
    if len(data) < size:
        raise ValueError(f"the file ends inside the {what} (truncated)")
    return data


class BitReader:
    """Bits of ``data`` from the least significant bit of each byte on (JPEG XL's order)."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def bits(self, count: int) -> int:
        value = 0
        for i in range(count):
            byte = self._pos >> 3
            if byte >= len(self._data):
                raise ValueError("the header ends inside a bit field (truncated)")
            value |= ((self._data[byte] >> (self._pos & 7)) & 1) << i
            self._pos += 1
        return value
