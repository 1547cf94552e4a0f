"""The lens and ISO that cameras record only in their maker notes.

Each maker writes its note differently: a bare IFD whose offsets count from the EXIF TIFF
header (Canon, Panasonic), a signature then an IFD (Panasonic, old Olympus), a signature
and a TIFF header of its own (Nikon), or offsets that count from the note itself (Olympus,
Fujifilm); Sony's is a bare or signed IFD. Only the few tags that answer "which lens" and
"which ISO" are read, through the same bounded IFD reader as EXIF; a note that is not what
its maker writes gives nothing.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import BinaryIO

from image_metadata.tags import text
from image_metadata.tags.ifd import Entry, TiffReader, first_int

# Only these tags' values are read: a note's other records (some of kilobytes) are skipped.
_CANON_TAGS = frozenset({0x0001, 0x0004, 0x0095})
_NIKON_TAGS = frozenset({0x0002, 0x0084})
_OLYMPUS_LENS_TAGS = frozenset({0x0203, 0x0205, 0x0206, 0x0207, 0x0208})
_FUJIFILM_LENS_TAGS = frozenset({0x1404, 0x1405, 0x1406, 0x1407})
_SONY_LENS_SPEC = 0xB02A


@dataclass
class MakerFacts:
    lens_model: str | None = None
    iso: float | None = None
    lens_specification: list[float | None] | None = None  # four numbers, as EXIF's


def _ascii(entry: Entry | None) -> str | None:
    if entry is None or not isinstance(entry.value, bytes):
        return None
    value = text.clean(text.decode_bytes(entry.value))
    return value or None


def _shorts(entry: Entry | None) -> tuple[int, ...]:
    if entry is None or not isinstance(entry.value, tuple):
        return ()
    return tuple(v for v in entry.value if isinstance(v, int))


def _rationals(entry: Entry | None) -> list[float | None] | None:
    if entry is None or not isinstance(entry.value, tuple) or len(entry.value) < 4:
        return None
    out: list[float | None] = []
    for item in entry.value[:4]:
        if not isinstance(item, tuple):
            return None
        out.append(item[0] / item[1] if item[1] else None)
    return out


def _canon(fp: BinaryIO, base: int, order: str, at: int, note: bytes) -> MakerFacts:
    # Since about 2003 the note ends with a footer: its byte order mark, 42, and the offset
    # it was written at. A tool that moved the note (or turned the file's byte order) without
    # rewriting it leaves its offsets counting from there, in its own order: read it as the
    # footer says, as exiftool does.
    shift = 0
    if len(note) >= 8 and note[-8:-4] in (b"II*\x00", b"MM\x00*"):
        order = "<" if note[-8:-6] == b"II" else ">"
        (written_at,) = struct.unpack(order + "I", note[-4:])
        shift = at - written_at
    reader = TiffReader.headless(fp, base + shift, order)
    entries, _ = reader.read_ifd(at - shift, "Canon", _CANON_TAGS)
    facts = MakerFacts(lens_model=_ascii(entries.get(0x0095)))
    settings = _shorts(entries.get(0x0001))  # CameraSettings
    shot = _shorts(entries.get(0x0004))  # ShotInfo
    camera_iso = settings[16] if len(settings) > 16 else None
    if camera_iso is not None and camera_iso & 0x4000 and camera_iso not in _NOT_SET:
        # Newer bodies: the ISO itself, flagged.
        facts.iso = float(camera_iso & 0x3FFF)
    elif len(shot) > 2 and shot[2]:
        # ShotInfo keeps the base ISO and the automatic gain as APEX-like steps of 1/32 EV:
        # base = 100/32 * 2^(v/32), gain = 2^(v/32); the ISO used is their product.
        base_iso = 100 / 32 * 2 ** (_signed(shot[2]) / 32)
        gain = 2 ** (_signed(shot[1]) / 32) if shot[1] else 1.0
        facts.iso = base_iso * gain
    elif camera_iso in _CANON_ISO:
        facts.iso = float(_CANON_ISO[camera_iso])
    return facts


_CANON_ISO = {16: 50, 17: 100, 18: 200, 19: 400, 20: 800}
_NOT_SET = {0x7FFF, 0xFFFF}  # -1 as Canon writes "no value"


def _signed(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


def _nikon(fp: BinaryIO, base: int, order: str, at: int, note: bytes) -> MakerFacts:
    if note.startswith(b"Nikon\x00\x02"):  # a TIFF header of its own 10 bytes in
        reader = TiffReader(fp, base + at + 10)
        entries, _ = reader.read_ifd(reader.first_ifd, "Nikon", _NIKON_TAGS)
    elif note.startswith(b"Nikon\x00"):  # the first Coolpix notes: an IFD 8 bytes in
        entries, _ = TiffReader.headless(fp, base, order).read_ifd(at + 8, "Nikon", _NIKON_TAGS)
    else:  # the D1's: a bare IFD
        entries, _ = TiffReader.headless(fp, base, order).read_ifd(at, "Nikon", _NIKON_TAGS)
    iso = _shorts(entries.get(0x0002))
    return MakerFacts(iso=float(iso[1]) if len(iso) > 1 and iso[1] else None,
                      lens_specification=_rationals(entries.get(0x0084)))


def _olympus(fp: BinaryIO, base: int, order: str, at: int, note: bytes) -> MakerFacts:
    if note.startswith(b"OLYMPUS\x00") and note[8:10] in (b"II", b"MM"):
        # Offsets count from the note's own start, in its own byte order.
        reader = TiffReader.headless(fp, base + at, "<" if note[8:10] == b"II" else ">")
        first = 12
    elif note.startswith(b"OM SYSTEM\x00") and note[12:14] in (b"II", b"MM"):
        reader = TiffReader.headless(fp, base + at, "<" if note[12:14] == b"II" else ">")
        first = 16
    elif note.startswith(b"OLYMP\x00"):  # the first notes: offsets from the TIFF header
        reader = TiffReader.headless(fp, base, order)
        first = at + 8
    else:
        return MakerFacts()
    entries, _ = reader.read_ifd(first, "Olympus", frozenset({0x2010}))
    equipment = first_int(entries.get(0x2010))  # the Equipment IFD: the lens's own tags
    if not equipment:
        return MakerFacts()
    found, _ = reader.read_ifd(equipment, "Olympus Equipment", _OLYMPUS_LENS_TAGS)
    low, high = first_int(found.get(0x0207)), first_int(found.get(0x0208))
    wide, tele = first_int(found.get(0x0205)), first_int(found.get(0x0206))
    spec = None
    if low and high:
        # Apertures in 1/256 steps of half a stop: f-number = sqrt(2) ** (value / 256).
        # Rounded to the tenth, as lenses are labelled (F3.5-5.6).
        spec = [float(low), float(high),
                *(round(2 ** (v / 512), 1) if v else None for v in (wide, tele))]
    return MakerFacts(lens_model=_ascii(found.get(0x0203)), lens_specification=spec)


def _panasonic(fp: BinaryIO, base: int, order: str, at: int, note: bytes) -> MakerFacts:
    if not note.startswith(b"Panasonic\x00"):
        return MakerFacts()
    reader = TiffReader.headless(fp, base, order)
    entries, _ = reader.read_ifd(at + 12, "Panasonic", frozenset({0x0051, 0x003C}))
    iso = first_int(entries.get(0x003C))  # ProgramISO; 65534 and 65535 mean "not used"
    return MakerFacts(lens_model=_ascii(entries.get(0x0051)),
                      iso=float(iso) if iso and iso < 65534 else None)


def _fujifilm(fp: BinaryIO, base: int, _order: str, at: int, note: bytes) -> MakerFacts:
    if not note.startswith(b"FUJIFILM") or len(note) < 12:
        return MakerFacts()
    (start,) = struct.unpack("<I", note[8:12])
    reader = TiffReader.headless(fp, base + at, "<")  # always little-endian, from the note
    entries, _ = reader.read_ifd(start, "Fujifilm", _FUJIFILM_LENS_TAGS)
    numbers = []
    for tag in (0x1404, 0x1405, 0x1406, 0x1407):  # min/max focal, apertures at them
        values = _rationals_any(entries.get(tag))
        numbers.append(values)
    if numbers[0] is None:
        return MakerFacts()
    return MakerFacts(lens_specification=numbers)


# Sony's notes: a signature and an IFD, or (newer bodies) the IFD alone; offsets count from
# the EXIF TIFF header. "SONY PI" notes of the oldest bodies are another layout.
_SONY_SIGNATURES = (b"SONY DSC \x00\x00\x00", b"SONY CAM \x00\x00\x00",
                    b"SONY MOBILE\x00")


def _sony(fp: BinaryIO, base: int, order: str, at: int, note: bytes) -> MakerFacts:
    """LensSpec: Sony's lens name is only a numeric LensType (a table of lens ids, not read
    here) and its ISO only in enciphered records; the bodies that write those also write
    EXIF's LensModel and ISO, which come first."""
    start = next((at + len(s) for s in _SONY_SIGNATURES if note.startswith(s)), None)
    if start is None:
        if note[:4] in (b"SONY", b"\x00\x00SO", b"VHAB") or len(note) < 2:
            return MakerFacts()
        start = at
    reader = TiffReader.headless(fp, base, order)
    entries, _ = reader.read_ifd(start, "Sony", frozenset({_SONY_LENS_SPEC}))
    return MakerFacts(lens_specification=sony_lens_spec(entries.get(_SONY_LENS_SPEC)))


def sony_lens_spec(entry: Entry | None) -> list[float | None] | None:
    """LensSpec's eight bytes: a flag byte, the short and long focal lengths (two BCD bytes
    each), the largest apertures at them (one BCD byte each, in tenths), a flag byte."""
    if entry is None or not isinstance(entry.value, bytes) or len(entry.value) != 8:
        return None
    raw = entry.value
    digits = raw[1:7].hex()
    if not digits.isdigit():
        return None
    short, long_ = int(digits[0:4]), int(digits[4:8])
    wide, tele = int(digits[8:10]) / 10, int(digits[10:12]) / 10
    if not short:
        return None
    return [float(short), float(long_ or short), wide or None, tele or wide or None]


def _rationals_any(entry: Entry | None) -> float | None:
    if entry is None or not isinstance(entry.value, tuple) or not entry.value:
        return None
    item = entry.value[0]
    if isinstance(item, tuple):
        return item[0] / item[1] if item[1] else None
    return float(item) if isinstance(item, int | float) and math.isfinite(item) else None


_READERS = {"canon": _canon, "nikon": _nikon, "olympus": _olympus, "om digital": _olympus,
            "panasonic": _panasonic, "fujifilm": _fujifilm, "sony": _sony}


def read_maker_note(fp: BinaryIO, base: int, order: str, at: int, note: bytes,
                    make: str | None, warnings: list[str]) -> MakerFacts:
    """What the maker note at offset ``at`` (from the TIFF header at ``base``) says of the
    lens and ISO; empty for a maker this reader does not know."""
    maker = (make or "").strip().lower()
    reader = next((r for name, r in _READERS.items() if maker.startswith(name)), None)
    if reader is None:
        return MakerFacts()
    try:
        return reader(fp, base, order, at, note)
    # OSError: an offset that points before the file (a seek to a negative position).
    except (ValueError, struct.error, IndexError, OverflowError, OSError) as e:
        warnings.append(f"MakerNote: {make} note unreadable ({e}); lens and ISO from EXIF only")
        return MakerFacts()
