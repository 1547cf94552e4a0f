"""Image header and metadata decoding: a seekable file object in, a typed record out.

Never decodes pixels. The reader for a file is picked by its first bytes
(``formats.registry``); what it found is then read as EXIF, GPS and XMP (``tags``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from image_metadata.exceptions import NotAnImage
from image_metadata.formats.header import Header
from image_metadata.formats.registry import SUPPORTED_FORMATS, read_header
from image_metadata.tags import c2pa, capture_time, exif_labels, iptc, places, xmp_text
from image_metadata.tags import exif as exif_mod
from image_metadata.tags import xmp as xmp_mod
from image_metadata.tags.descriptions import Descriptions, reconcile
from image_metadata.tags.properties import ImageProperties, image_properties

__all__ = ["SUPPORTED_FORMATS", "Decoded", "decode", "decode_bytes"]


@dataclass
class Decoded:
    format: str
    mode: str
    width: int | None
    height: int | None
    exif: dict[str, str] = field(default_factory=dict)
    exif_labels: dict[str, str] = field(default_factory=dict)
    typed: exif_mod.Typed = field(default_factory=exif_mod.Typed)
    properties: ImageProperties = field(default_factory=ImageProperties)
    descriptions: Descriptions = field(default_factory=Descriptions)
    provenance: c2pa.C2paFacts = field(default_factory=c2pa.C2paFacts)
    warnings: list[str] = field(default_factory=list)
    # The orientation a container states outside its EXIF (AVIF's irot/imir), if any.
    container_orientation: int | None = field(default=None, repr=False)


def decode(fp: BinaryIO) -> Decoded:
    """Header, EXIF and XMP of the image in ``fp``; raises an ImageFailure subclass."""
    fp.seek(0)
    prefix = fp.read(16)
    if not prefix:
        raise NotAnImage("empty file (0 bytes)")
    header = read_header(fp, prefix)
    warnings = list(header.warnings)
    exif_data = header.exif_data
    if exif_data is None:
        blob = header.exif
        exif_data = exif_mod.read_exif(io.BytesIO(exif_mod.strip_exif_header(blob))) if blob \
            else exif_mod.ExifData()
    exif = exif_data.tags
    warnings.extend(exif_data.warnings)
    typed = exif_mod.typed_fields(exif_data, warnings)
    if header.orientation not in (None, typed.orientation or 1):
        # As Pillow's AVIF plugin reports it: the container's orientation replaces the EXIF
        # one where the two differ.
        typed.orientation = header.orientation
        exif["Orientation"] = str(header.orientation)
    if header.format == "HEIF" and typed.orientation is not None:
        # HEIF readers apply the container's rotation (width/height are the displayed size),
        # so the EXIF orientation no longer applies: report 1, as libheif/pillow-heif do.
        typed.orientation = 1
        exif["Orientation"] = "1"
    packet = xmp_text.locate(header.xmp) if header.xmp else None  # read by both XMP readers
    date_only = _fill_from_xmp(typed, warnings, packet)
    _place(typed, warnings, wall_clock_known=not date_only)
    # Built once with every part: the record's defaults (a Typed of forty fields among them)
    # would otherwise be made for each image only to be replaced.
    return Decoded(
        format=header.format, mode=header.mode, width=header.width, height=header.height,
        exif=exif, exif_labels=exif_labels.labels(exif), typed=typed,
        properties=image_properties(header, exif_data, warnings),
        descriptions=reconcile(exif, _iptc(header, exif_data),
                               xmp_text.read_xmp_text(packet) if packet else None),
        provenance=c2pa.read_c2pa(header.c2pa) if header.c2pa else c2pa.C2paFacts(),
        warnings=warnings,
        container_orientation=header.orientation)


def _iptc(header: Header, data: exif_mod.ExifData) -> iptc.IptcData | None:
    """IPTC from the container's Photoshop resources (JPEG APP13), else a TIFF's own tags
    (34377 holds the resources, 33723 the bare IIM records); None when there is none."""
    if header.resources:
        return iptc.from_resources(header.resources)
    resources = data.entry("IFD0", 0x8649)
    if resources is not None and isinstance(resources.value, bytes):
        found = iptc.from_resources(resources.value)
        if found.present:
            return found
    # Tag 33723 is also written typed LONG; its numbers are then cut at the reader's cap,
    # so only the byte-typed form is read.
    records = data.entry("IFD0", 0x83BB)
    if records is not None and isinstance(records.value, bytes):
        return iptc.read_iptc(records.value)
    return None


_HOUR, _MINUTE = timedelta(hours=1), timedelta(minutes=1)


def _place(typed: exif_mod.Typed, warnings: list[str], wall_clock_known: bool = True) -> None:
    """The time zone and nearest place at the position, and from the zone the capture instant
    where nothing better placed the wall clock."""
    typed.time_zone = places.time_zone(typed.gps_latitude, typed.gps_longitude)
    nearest = places.nearest_place(typed.gps_latitude, typed.gps_longitude, typed.time_zone)
    if nearest is not None:
        typed.country_code = nearest.country_code
        typed.region = nearest.region
        typed.place = nearest.name
        typed.place_distance_km = nearest.distance_km
    if not (wall_clock_known and typed.time_zone and typed.datetime_original):
        return
    if typed.datetime_original_utc_source == "gps":
        _check_gps_clock(typed, warnings)
    elif typed.datetime_original_utc is None:
        typed.datetime_original_utc = places.wall_clock_to_utc(typed.datetime_original,
                                                               typed.time_zone)
        if typed.datetime_original_utc is not None:
            typed.datetime_original_utc_source = "position"


def _check_gps_clock(typed: exif_mod.Typed, warnings: list[str]) -> None:
    """Say so when the GPS clock puts the wall clock hours away from the zone at the
    position. Either the camera's clock was not set to local time (travellers' cameras
    keep home time; the GPS instant is then the right one) or the fix is stale (a phone
    keeps its last one): the instant stays the GPS clock's, as the order of sources says."""
    zone = places.utc_offset(typed.datetime_original, typed.time_zone)
    by_gps = typed.datetime_original_utc
    if zone is None or by_gps is None:
        return
    implied = typed.datetime_original - by_gps.replace(tzinfo=None)
    if abs(implied - zone) < _HOUR:
        return
    warnings.append(f"datetime_original_utc: the GPS clock puts the camera's clock at "
                    f"UTC{_hhmm(implied / _MINUTE)}, the position's zone {typed.time_zone} at "
                    f"UTC{_hhmm(zone / _MINUTE)}: the camera's clock or the GPS fix is off")


def _hhmm(minutes: float) -> str:
    sign = "-" if minutes < 0 else "+"
    whole = int(abs(minutes))
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


def _same_second(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and a.replace(microsecond=0) == b.replace(
        microsecond=0)


def decode_bytes(data: bytes) -> Decoded:
    return decode(io.BytesIO(data))


def _fill_from_xmp(typed: exif_mod.Typed, warnings: list[str],
                   raw: xmp_text.Packet | None) -> bool:
    """Capture time and position from XMP where EXIF has none; True when the capture time
    so taken is a date without a time of day."""
    if not raw or (typed.datetime_original and typed.gps_latitude is not None
                   and typed.datetime_original_utc_source == "offset"):
        return False
    facts = xmp_mod.read_xmp(raw)
    date_only = False
    if typed.datetime_original is None and facts.datetime_original is not None:
        typed.datetime_original = facts.datetime_original
        date_only = facts.date_only
        warnings.append(f"datetime_original: from XMP {facts.datetime_source}"
                               + (" (a date without a time: midnight, no UTC instant)"
                                  if date_only else ""))
    if (facts.datetime_offset is not None and typed.datetime_original_utc_source != "offset"
            and _same_second(facts.datetime_original, typed.datetime_original)):
        # The XMP copy of the capture time states its zone: the same moment, now placed.
        typed.datetime_original_utc = capture_time.from_offset(typed.datetime_original,
                                                               facts.datetime_offset)
        typed.datetime_original_utc_source = "offset"
    if typed.gps_latitude is None and facts.gps_latitude is not None:
        typed.gps_latitude, typed.gps_longitude = facts.gps_latitude, facts.gps_longitude
        warnings.append("gps_latitude/gps_longitude: from XMP")
        if typed.gps_altitude is None and facts.gps_altitude is not None:
            typed.gps_altitude = facts.gps_altitude
    return date_only
