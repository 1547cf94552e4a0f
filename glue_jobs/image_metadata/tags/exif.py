"""EXIF: IFD0, Exif, GPS and Interop IFDs to a map of readable text plus the typed columns."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from image_metadata.tags import capture_time, gps, text
from image_metadata.tags.camera import CameraSettings, camera_settings, lens_text
from image_metadata.tags.exif_names import NAMES
from image_metadata.tags.ifd import MAKER_NOTE, Entry, TiffReader, first_int
from image_metadata.tags.makernotes import MakerFacts, read_maker_note

EXIF_POINTER, GPS_POINTER, INTEROP_POINTER, SUBIFDS = 0x8769, 0x8825, 0xA005, 0x014A
_POINTERS = {EXIF_POINTER, GPS_POINTER, INTEROP_POINTER, SUBIFDS}

_ENCODED_TEXT = {"UserComment", "GPSProcessingMethod", "GPSAreaInformation"}
_XP_TEXT = {"XPTitle", "XPComment", "XPAuthor", "XPKeywords", "XPSubject"}
_VERSIONS = {"ExifVersion", "FlashpixVersion", "InteroperabilityVersion"}
MAX_LISTED_VALUES = 64
# What tells a thumbnail or a page: subfile type, size, JPEG thumbnail, strips or tiles.
_IFD1_TAGS = frozenset({0x00FE, 0x0100, 0x0101, 0x0201, 0x0202, 0x0111, 0x0117, 0x0144})


@dataclass
class ExifData:
    tags: dict[str, str] = field(default_factory=dict)
    entries: dict[str, dict[int, Entry]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # IFD1's layout tags: EXIF's thumbnail, or a TIFF's second page (not in ``tags``).
    ifd1: dict[int, Entry] = field(default_factory=dict)
    maker: MakerFacts = field(default_factory=MakerFacts)  # the lens and ISO of its note

    def entry(self, ifd: str, tag: int) -> Entry | None:
        return self.entries.get(ifd, {}).get(tag)


def strip_exif_header(blob: bytes) -> bytes:
    """The TIFF structure inside an EXIF blob (JPEG APP1, PNG eXIf, WebP EXIF, HEIF Exif item)."""
    if blob.startswith(b"Exif\x00\x00"):
        return blob[6:]
    for marker in (b"II*\x00", b"MM\x00*"):
        at = blob.find(marker, 0, 16)
        if at >= 0:
            return blob[at:]
    return blob


def read_exif(fp: BinaryIO, base: int = 0, magics: tuple[int, ...] = (42,)) -> ExifData:
    """Read the EXIF IFDs of the TIFF structure at ``base``; problems become warnings."""
    data = ExifData()
    try:
        reader = TiffReader(fp, base, magics)
    except ValueError as e:
        data.warnings.append(f"EXIF: {e}; EXIF ignored")
        return data
    ifd0, next_offset = reader.read_ifd(reader.first_ifd, "IFD0")
    data.entries["IFD0"] = ifd0
    if next_offset:
        data.ifd1, _ = reader.read_ifd(next_offset, "IFD1", _IFD1_TAGS)
    for ifd_name, parent, pointer in (
        ("Exif", "IFD0", EXIF_POINTER),
        ("GPS", "IFD0", GPS_POINTER),
        ("Interop", "Exif", INTEROP_POINTER),
    ):
        offset = first_int(data.entry(parent, pointer))
        if offset:
            data.entries[ifd_name], _ = reader.read_ifd(offset, ifd_name)
    note = data.entry("Exif", MAKER_NOTE)
    if note is not None and isinstance(note.value, bytes) and reader.maker_note_at:
        make = ifd0.get(0x010F)
        data.maker = read_maker_note(
            fp, base, reader.order, reader.maker_note_at, note.value,
            text.decode_bytes(make.value) if make and isinstance(make.value, bytes) else None,
            data.warnings)
    data.warnings.extend(reader.warnings)
    _name_values(data, reader.order)
    return data


def read_exif_parts(parts: dict[str, bytes]) -> ExifData:
    """EXIF stored as one TIFF structure per IFD (Canon CR3's CMT boxes): the first IFD of
    each part is the IFD it is named for ("IFD0", "Exif", "GPS")."""
    data = ExifData()
    order = "<"
    for ifd_name, blob in parts.items():
        try:
            reader = TiffReader(io.BytesIO(blob))
        except ValueError as e:
            data.warnings.append(f"{ifd_name}: {e}; skipped")
            continue
        data.entries[ifd_name], _ = reader.read_ifd(reader.first_ifd, ifd_name)
        data.warnings.extend(reader.warnings)
        order = reader.order
    _name_values(data, order)
    return data


def from_entries(entries: dict[str, dict[int, Entry]]) -> ExifData:
    """EXIF made from values a container keeps in its own records (a CRW's CIFF heap)."""
    data = ExifData(entries=entries)
    _name_values(data, "<")
    return data


def _name_values(data: ExifData, order: str) -> None:
    tags, warnings = data.tags, data.warnings
    for ifd_name, entries in data.entries.items():
        names = NAMES[ifd_name]
        skip_pointers = ifd_name in ("IFD0", "Exif")
        for tag, entry in entries.items():
            if skip_pointers and tag in _POINTERS:
                continue
            name = names.get(tag) or f"Tag0x{tag:04X}"
            if name in tags:
                continue
            # The shapes most tags have, written as format_value writes them, without its
            # calls: one whole number, one rational with a denominator.
            value = entry.value
            if type(value) is tuple and len(value) == 1:
                item = value[0]
                if type(item) is int:
                    tags[name] = str(item)
                    continue
                if type(item) is tuple and item[1]:
                    tags[name] = _number(item[0] / item[1])
                    continue
            text, warning = format_value(name, entry, order)
            if warning:
                warnings.append(f"{name}: {warning}")
            if text is not None:
                tags[name] = text


def format_value(name: str, entry: Entry, order: str) -> tuple[str | None, str | None]:
    """One entry as readable text; ``(None, reason)`` when the tag has to be dropped."""
    value = entry.value
    if value is None:  # larger than the reader reads
        if entry.type == 2 or name in _ENCODED_TEXT or name in _XP_TEXT:
            # Text that was not read is no value: a placeholder would pass for a caption.
            return None, f"{entry.nbytes} bytes of text, more than is read; left out"
        return f"<binary, {entry.nbytes} bytes>", None
    if isinstance(value, bytes):
        return _format_bytes(name, entry.type, value, order)
    if entry.count > MAX_LISTED_VALUES:
        return f"<{entry.count} values>", None
    parts: list[str] = []
    for item in value:
        if isinstance(item, tuple):
            number = gps.to_float(item)
            if number is None:
                return None, "zero denominator"
            parts.append(_number(number))
        elif isinstance(item, float):
            if not math.isfinite(item):  # FLOAT/DOUBLE tags can hold NaN or infinity
                return None, f"{item} is not a finite number"
            parts.append(_number(item))
        else:
            parts.append(str(item))
    return " ".join(parts), None


def _format_bytes(name: str, type_id: int, raw: bytes, order: str) -> tuple[str | None, str | None]:
    if name in _ENCODED_TEXT:
        return text.clean(text.decode_prefixed(raw, order)), None
    if name in _XP_TEXT:
        return text.clean(raw.decode("utf-16-le", errors="replace")), None
    if type_id == 2:  # ASCII
        return text.clean(text.decode_bytes(raw)), None
    if name in _VERSIONS and len(raw) <= 8:
        return text.clean(text.decode_bytes(raw)), None
    if name == "MakerNote" or len(raw) > 16:
        return f"<binary, {len(raw)} bytes>", None
    return " ".join(str(b) for b in raw), None


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


@dataclass
class Typed(CameraSettings):
    make: str | None = None
    model: str | None = None
    lens_model: str | None = None
    software: str | None = None
    datetime_original: datetime | None = None
    datetime_original_utc: datetime | None = None
    datetime_original_utc_source: str | None = None
    orientation: int | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    gps_timestamp: datetime | None = None
    # Decode fills these from the position, after XMP may have given one.
    time_zone: str | None = None
    country_code: str | None = None
    region: str | None = None
    place: str | None = None
    place_distance_km: float | None = None


def typed_fields(data: ExifData, warnings: list[str]) -> Typed:
    tags = data.tags
    out = Typed(
        make=tags.get("Make") or None,
        model=tags.get("Model") or None,
        lens_model=tags.get("LensModel") or None,
        software=tags.get("Software") or None,
    )
    if "DateTimeOriginal" in tags:
        out.datetime_original, warning = parse_datetime(
            tags["DateTimeOriginal"], tags.get("SubSecTimeOriginal")
        )
        if warning:
            warnings.append(f"DateTimeOriginal: {warning}")
    offset, warning = capture_time.parse_offset(tags.get("OffsetTimeOriginal"))
    if warning:
        warnings.append(f"OffsetTimeOriginal: {warning}")
    orientation = first_int(data.entry("IFD0", 0x0112))
    if orientation is not None:
        if 1 <= orientation <= 8:
            out.orientation = orientation
        else:
            warnings.append(f"Orientation: {orientation} is not 1 to 8")
    _gps_fields(data, out, warnings)
    out.datetime_original_utc, out.datetime_original_utc_source = capture_time.capture_utc(
        out.datetime_original, offset, out.gps_timestamp)
    camera_settings(data, warnings, out)
    _from_maker_note(data.maker, out)
    return out


def _from_maker_note(maker: MakerFacts, out: Typed) -> None:
    """What EXIF leaves out and the camera's own note records (older Canon bodies write
    their ISO, Olympus and Panasonic their lens name, only there)."""
    if out.lens_model is None and maker.lens_model:
        out.lens_model = maker.lens_model
    if out.iso is None and maker.iso and 0 < maker.iso < 10_000_000:
        out.iso = round(maker.iso)
    if out.lens_specification is None:
        out.lens_specification = lens_text(maker.lens_specification)


def _gps_fields(data: ExifData, out: Typed, warnings: list[str]) -> None:
    if "GPS" not in data.entries:
        return
    tags = data.tags

    def values(tag: int) -> tuple | None:
        entry = data.entry("GPS", tag)
        return entry.value if entry is not None and isinstance(entry.value, tuple) else None

    lat, lon = values(2), values(4)
    if lat is not None or lon is not None:
        out.gps_latitude, w1 = gps.coordinate(lat, tags.get("GPSLatitudeRef"), "latitude")
        out.gps_longitude, w2 = gps.coordinate(lon, tags.get("GPSLongitudeRef"), "longitude")
        if out.gps_latitude is None or out.gps_longitude is None:
            out.gps_latitude = out.gps_longitude = None  # half a position is no position
        # The exif map's naming may have said the same of the same tag already.
        warnings.extend(w for w in (w1, w2) if w and w not in warnings)
    alt = values(6)
    ref = first_int(data.entry("GPS", 5))
    out.gps_altitude, warning = gps.altitude(alt[0] if alt else None, ref)
    if warning and warning not in warnings:
        warnings.append(warning)
    out.gps_timestamp, warning = gps.timestamp(tags.get("GPSDateStamp"), values(7))
    if warning and warning not in warnings:
        warnings.append(warning)


_TIME_ZONE = re.compile(r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$")
_LEADING_DIGITS = re.compile(r"[0-9]+")
_PLAIN_DATETIME = re.compile(r"([0-9]{4}):([0-9]{2}):([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


def parse_datetime(value: str, subsec: str | None = None) -> tuple[datetime | None, str | None]:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` (also ISO forms) as the wall-clock time it is: naive,
    with no zone (the zone, where known, is ``capture_time``'s business)."""
    plain = _PLAIN_DATETIME.fullmatch(value)
    parsed = None
    if plain:  # what nearly every camera writes: read without strptime's pattern machinery
        try:
            parsed = datetime(*map(int, plain.groups()))
        except ValueError:
            parsed = None
    if parsed is None:
        parsed = _parse_loose(value)
    if parsed is None:
        return None, f"{value!r} is not a date and time"
    if not subsec:
        return parsed, None
    # The fraction's leading digits (writers pad with blanks and NULs, a few append junk);
    # text that does not start with a digit is no fraction.
    given = subsec.strip(" \x00")
    digits = _LEADING_DIGITS.match(given)
    if digits:
        return parsed.replace(microsecond=int(digits.group()[:6].ljust(6, "0"))), None
    if given:
        return parsed, f"sub-seconds {given!r} are no fraction of a second; left out"
    return parsed, None


def _parse_loose(value: str) -> datetime | None:
    """The forms other writers use: ISO separators, a zone after the time, no seconds."""
    stamp = value.strip().replace("T", " ").replace("-", ":", 2)  # the date's dashes only
    # A zone after the time (ISO forms from XMP-minded writers) is not part of the wall clock.
    cleaned = (stamp[:10] + _TIME_ZONE.sub("", stamp[10:]))[:19]
    for pattern in ("%Y:%m:%d %H:%M:%S", "%Y:%m:%d %H:%M", "%Y:%m:%d"):
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return None
