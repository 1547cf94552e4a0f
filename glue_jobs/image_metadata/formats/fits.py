"""FITS through Pillow's plugin; a file cut short of its END card (Pillow refuses it) is read
from the cards that are there."""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from image_metadata.exceptions import NotAnImage
from image_metadata.formats import pillow
from image_metadata.formats.header import Header

MAX_CARDS = 36 * 64  # 64 header blocks
_CARD = re.compile(rb"([A-Z0-9_-]{1,8}) *= *([-+]?[0-9]+)")
_MODES = {8: "L", 16: "I;16S", 32: "I", -32: "F", -64: "F"}


def open_fits(fp: BinaryIO, factory: Any) -> Header:
    try:
        return pillow.open_plugin(factory, fp)
    except pillow.PILLOW_ERRORS as error:
        found = from_cards(fp)
        if found is None:  # not a cut file: Pillow's refusal stands
            raise
        found.warnings.append(f"FITS: {' '.join(str(error).split())}; read from the header "
                              "cards that are there")
        return found


def from_cards(fp: BinaryIO) -> Header | None:
    """The header of a file that ends before its END card; None for one that has it."""
    fp.seek(0)
    values: dict[bytes, int] = {}
    for _ in range(MAX_CARDS):
        card = fp.read(80)
        if card.startswith(b"END") and card[3:].strip() == b"":
            return None
        if len(card) < 80:
            break
        match = _CARD.match(card)
        if match:
            values.setdefault(match[1], int(match[2]))
    if values.get(b"NAXIS", 0) < 2:  # tables or spectra: FITS data, but no picture
        raise NotAnImage(f"FITS data without an image (NAXIS {values.get(b'NAXIS', 0)})")
    width, height = values.get(b"NAXIS1"), values.get(b"NAXIS2")
    return Header("FITS", _MODES.get(values.get(b"BITPIX", 8), "F"),
                  width if width and width > 0 else None,
                  height if height and height > 0 else None)
