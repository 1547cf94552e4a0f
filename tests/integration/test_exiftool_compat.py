"""Compatibility with exiftool on the shared reference corpus (skipped when it is absent).

For every corpus file, ``decode_bytes`` must agree with ``exif-samples.exiftool.json``
(exiftool 12.57, ``-json -n -G -r``) on size, make, model, capture time, GPS position and
the camera settings (exposure, aperture, ISO, focal lengths, flash, lens, GPS direction,
speed and error).
Every known difference is listed below with its reason; an entry that stops being true fails,
so the tables cannot go stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from image_metadata.decode import Decoded, decode_bytes
from image_metadata.exceptions import ImageFailure

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
REFERENCE = CORPUS / "exif-samples.exiftool.json"
# One sample of every format exiftool reads, many cut down; its SourceFile names are relative
# to its folder.
FORMATS_REFERENCE = CORPUS / "exiftool-t-images.exiftool.json"
FORMATS = "exiftool-t-images"
MIN_READ_SHARE = 0.95

if not REFERENCE.is_file():
    pytest.skip(f"{REFERENCE} is not present", allow_module_level=True)

pytestmark = pytest.mark.corpus


@dataclass(frozen=True)
class Expected:
    """A known difference on one field: our value must match the ``instead`` keys instead."""

    reason: str
    instead: tuple[str, ...]


# Files that exiftool reports as errors (ExifTool:Error) or that our decoder rejects, with why.
# A new one fails test_file_agrees until it is listed here.
UNREADABLE: dict[str, str] = {
    f"{FORMATS}/FITS.fits": "FITS data without an image (NAXIS 0): exiftool reads its header "
                            "cards, there is no picture to report",
    f"{FORMATS}/XMP.svg": "an SVG drawing (vector graphics, no pixel size): unsupported_format",
    f"{FORMATS}/ZISRAW.czi": "a Zeiss microscopy container; exiftool finds only two empty XML "
                             "fields, no size",
    f"{FORMATS}/MIE.mie": "MIE, exiftool's own meta information format, not an image file",
    f"{FORMATS}/FLIR.fpf": "FLIR's thermal data format (temperatures, not a picture)",
    f"{FORMATS}/Lytro.lfp": "a Lytro light-field package (JSON and sensor data, no picture)",
    f"{FORMATS}/KyoceraRaw.raw": "a 166-byte cut of a Kyocera raw file: exiftool finds maker "
                                 "notes only, no image size",
    f"{FORMATS}/Sony.pmp": "Sony DSC-F1 PMP: a container of a JPEG behind maker notes; not read",
}

_XMP_TIME = "no EXIF DateTimeOriginal; we deliberately fall back to XMP ({key}), exiftool does not"
_HEIF_ROTATED = (
    "HEIF irot 270: pillow-heif applies the rotation and resets EXIF Orientation to 1, so we "
    "report the displayed size; exiftool reports the stored (ispe) size"
)
EXPECTED_DIFFERENCES: dict[tuple[str, str], Expected] = {
    ("exif-samples/heic/mobile/iphone_13_pro_max.HEIC", "size"):
        Expected(_HEIF_ROTATED, ("File:ImageHeight", "File:ImageWidth")),
    ("exif-samples/heic/mobile/HMD_Nokia_8.3_5G.heif", "size"):
        Expected(_HEIF_ROTATED, ("File:ImageHeight", "File:ImageWidth")),
    ("exif-samples/jpg/invalid/image00971.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image01088.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image01137.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image01551.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image01713.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image01980.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/invalid/image02206.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/xmp/no_exif.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="xmp:CreateDate"), ("XMP:CreateDate",)),
    ("exif-samples/jpg/long_description.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="photoshop:DateCreated, a date only"), ("XMP:DateCreated",)),
    # Its ExifOffset has type ASCII; neither side follows it, so the Exif IFD is unread.
    ("exif-samples/jpg/tests/30-type_error.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="exif:DateTimeOriginal"), ("XMP:DateTimeOriginal",)),
    (f"{FORMATS}/JXL2.jxl", "size"): Expected(
        "exiftool 12.57 reads no size from this container's codestream; ours is its size "
        "header's (200x130), the bare codestream sample's size too", ()),
    (f"{FORMATS}/SigmaDP2.x3f", "size"): Expected(
        "exiftool reports the cut-down JPEG preview (8x8); ours is the X3F header's image size",
        ("SigmaRaw:ImageWidth", "SigmaRaw:ImageHeight")),
    (f"{FORMATS}/PhotoMechanic.jpg", "datetime_original"):
        Expected(_XMP_TIME.format(key="photoshop:DateCreated, a date only"), ("XMP:DateCreated",)),
    # exiftool reads this from the JPEG preview inside the RW2 (JpgFromRaw), whose EXIF is
    # whole; the RW2's own Exif IFD has no 35 mm focal length, and the project reads only the
    # raw file's own IFDs.
    (f"{FORMATS}/Panasonic.rw2", "focal_length_35mm"): Expected(
        "35 mm focal length only in the embedded preview's EXIF", ()),
    **{(f"{FORMATS}/{name}", "icc_profile"): Expected(
        "the ICC profile of a format whose reader does not look for one yet (BPG's "
        "extension, FLIF's metadata chunk, XCF's parasite, GIF's ICCRGBG1 extension, which "
        "Pillow reads only before the first frame)", ())
       for name in ("BPG.bpg", "FLIF.flif", "GIF.gif", "GIMP.xcf")},
    ("exif-samples/jpg/tests/87_OSError.jpg", "gps_altitude"): Expected(
        "GPSAltitudeRef is absent; we take the EXIF default 0 (above sea level), exiftool's "
        "Composite:GPSAltitude requires a reference",
        ("EXIF:GPSAltitude",),
    ),
}


def _load_reference() -> dict[str, dict[str, Any]]:
    records = {r["SourceFile"]: r for r in json.loads(REFERENCE.read_text(encoding="utf-8"))}
    if FORMATS_REFERENCE.is_file():
        for record in json.loads(FORMATS_REFERENCE.read_text(encoding="utf-8")):
            source = f"{FORMATS}/{record['SourceFile']}"
            records[source] = {**record, "SourceFile": source}
    return records


RECORDS = _load_reference()


@functools.cache
def _decode(source: str) -> Decoded | str:
    """Our reading of a corpus file, or the rejection message (cached: several tests use it)."""
    try:
        return decode_bytes((CORPUS / source).read_bytes())
    except ImageFailure as e:
        return f"{type(e).__name__}: {e}"


# --- fields: each gives the exiftool keys to compare with and a comparison of the values ---


def _size_keys(record: dict[str, Any]) -> tuple[str, ...]:
    # For the format samples, exiftool's idea of the size (a raw file's full image, not the
    # preview its file header describes).
    if record["SourceFile"].startswith(FORMATS) and "Composite:ImageSize" in record:
        return ("Composite:ImageSize",)
    # exiftool has no File:ImageWidth for TIFF; its size is then IFD0's EXIF:ImageWidth.
    if "File:ImageWidth" in record:
        return ("File:ImageWidth", "File:ImageHeight")
    return ("EXIF:ImageWidth", "EXIF:ImageHeight")


def _text(value: Any) -> str | None:
    # -n makes number-like strings JSON numbers (a Model of "100"); compare as text.
    return (str(value).strip() or None) if value is not None else None


def _seconds(value: Any) -> str | None:
    """An exiftool date (``YYYY:MM:DD HH:MM:SS[.ss][zone]`` or a date only) to the second."""
    if value is None:
        return None
    text = str(value)
    return text[:19] if len(text) >= 19 else f"{text[:10]} 00:00:00"


def _near(tolerance: float) -> Callable[[Any, float | None], bool]:
    def compare(reference: Any, ours: float | None) -> bool:
        reference = None if reference == "" else reference  # an empty tag: no position
        if reference is None or ours is None:
            return reference is None and ours is None
        return abs(float(reference) - ours) <= tolerance

    return compare


@dataclass(frozen=True)
class Field:
    keys: Callable[[dict[str, Any]], tuple[str, ...]]
    ours: Callable[[Decoded], Any]
    same: Callable[[Any, Any], bool]  # (exiftool value, our value)


def _same_size(reference: Any, ours: tuple[int | None, int | None]) -> bool:
    if isinstance(reference, str):  # Composite:ImageSize, "width height"
        return reference == f"{ours[0]} {ours[1]}"
    return reference == ours


def _same_text(reference: Any, ours: str | None) -> bool:
    return _text(reference) == _text(ours)


def _same_time(reference: Any, ours: Any) -> bool:
    ours_text = ours.strftime("%Y:%m:%d %H:%M:%S") if ours is not None else None
    return _seconds(reference) == ours_text


# Raw containers without EXIF, whose own records exiftool names in another group (CRW's
# CIFF heap as MakerNotes, X3F's PROP section as SigmaRaw).
_OWN_RECORDS = {"CRW", "X3F"}


def _first_of(*keys: str) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    """EXIF's key, or for a container with records of its own the first key it has."""
    def pick(record: dict[str, Any]) -> tuple[str, ...]:
        if record.get("File:FileType") not in _OWN_RECORDS:
            return (keys[0],)
        return (next((k for k in keys if k in record), keys[0]),)
    return pick


_GROUPS = ("EXIF", "MakerNotes", "SigmaRaw")
FIELDS: dict[str, Field] = {
    "size": Field(_size_keys, lambda d: (d.width, d.height), lambda r, o: _same_size(r, o)),
    "make": Field(_first_of(*(f"{g}:Make" for g in _GROUPS)), lambda d: d.typed.make,
                  _same_text),
    "model": Field(_first_of(*(f"{g}:Model" for g in _GROUPS)), lambda d: d.typed.model,
                   _same_text),
    "datetime_original": Field(
        _first_of(*(f"{g}:DateTimeOriginal" for g in _GROUPS)),
        lambda d: d.typed.datetime_original, _same_time
    ),
    "gps_latitude": Field(
        lambda _: ("Composite:GPSLatitude",), lambda d: d.typed.gps_latitude, _near(1e-6)
    ),
    "gps_longitude": Field(
        lambda _: ("Composite:GPSLongitude",), lambda d: d.typed.gps_longitude, _near(1e-6)
    ),
    "gps_altitude": Field(
        lambda _: ("Composite:GPSAltitude",), lambda d: d.typed.gps_altitude, _near(0.01)
    ),
}


def _present(*keys: str) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    """The first key the record has: a tag, then the one the project falls back to."""
    def pick(record: dict[str, Any]) -> tuple[str, ...]:
        return (next((k for k in keys if k in record), keys[0]),)
    return pick


def _setting(tolerance: float) -> Callable[[Any, Any], bool]:
    """A camera setting: the same number; where EXIF writes 0 for "unknown" (aperture,
    focal length, ISO), the project's column is empty, by design."""
    near = _near(tolerance)

    def compare(reference: Any, ours: Any) -> bool:
        if reference in (0, "undef") and ours is None:
            return True
        if isinstance(reference, str) and reference.split():  # a list: its first value
            reference = float(reference.split()[0])
        return near(reference, ours)
    return compare


def _relative(share: float) -> Callable[[Any, Any], bool]:
    def compare(reference: Any, ours: Any) -> bool:
        if reference in (0, "undef", "") and ours is None:
            return True
        if reference in (None, "") or ours is None:
            return reference in (None, "") and ours is None
        return abs(float(reference) - ours) <= share * abs(float(reference))
    return compare


# The makers whose notes the project reads for the lens and ISO (issue: at least these six).
_NOTE_MAKERS = ("canon", "nikon", "sony", "fujifilm", "olympus", "om digital", "panasonic")


def _maker_fallback(exif_key: str, *maker_keys: str) -> Callable[[dict[str, Any]], tuple]:
    """EXIF's key; for the six makers whose notes are read, exiftool's maker-note value where
    EXIF has none."""
    def pick(record: dict[str, Any]) -> tuple[str, ...]:
        make = str(record.get("EXIF:Make") or "").strip().lower()
        if exif_key in record or not make.startswith(_NOTE_MAKERS):
            return (exif_key,)
        return (next((k for k in maker_keys if k in record), exif_key),)
    return pick


_FUJI_LENS = ("MakerNotes:MinFocalLength", "MakerNotes:MaxFocalLength",
              "MakerNotes:MaxApertureAtMinFocal", "MakerNotes:MaxApertureAtMaxFocal")


def _lens_keys(record: dict[str, Any]) -> tuple[str, ...]:
    for key in ("EXIF:LensInfo", "EXIF:DNGLensInfo", "MakerNotes:Lens"):
        if key in record:
            return (key,)
    if all(key in record for key in _FUJI_LENS):
        return _FUJI_LENS
    return ("EXIF:LensInfo",)


def _iso(reference: Any, ours: Any) -> bool:
    """EXIF's ISO, else the maker note's as exiftool computes it (Canon's base ISO times its
    automatic gain, a fraction: rounded), or Nikon's pair (its second value)."""
    if isinstance(reference, str):
        values = [float(v) for v in reference.split() if v.replace(".", "", 1).isdigit()]
        reference = next((v for v in reversed(values) if v), 0) if values else None
    if reference in (0, None) and ours is None:
        return True
    return reference is not None and ours is not None and round(float(reference)) == ours


def _lens(reference: Any, ours: Any) -> bool:
    """exiftool's four numbers (-n; or Fujifilm's and Olympus's four tags) against the
    numbers of the project's text (``18-55mm f/3.5-5.6``), to a twentieth of a stop or mm."""
    if reference is None:
        return ours is None
    if isinstance(reference, tuple):
        reference = " ".join(str(v) for v in reference)
    numbers = [None if v == "undef" else float(v) for v in str(reference).split()]
    match = re.fullmatch(r"([\d.?]+)(?:-([\d.?]+))?mm f/([\d.?]+)(?:-([\d.?]+))?", ours or "")
    if match is None:
        return False
    low, high, wide, tele = (None if v == "?" else float(v) if v else None
                             for v in match.groups())
    ours_numbers = [low, high if high is not None else low, wide,
                    tele if tele is not None else wide]
    return all((a is None and b is None) or (a is not None and b is not None
                                             and abs(a - b) <= 0.05)
               for a, b in zip(numbers, ours_numbers, strict=True))


def _flash(reference: Any, ours: Any) -> bool:
    if reference in (None, ""):
        return ours is None
    return ours is bool(int(reference) & 1)


_KMH = {"K": 1.0, "M": 1.609344, "N": 1.852}


def _speed_keys(record: dict[str, Any]) -> tuple[str, ...]:
    return ("EXIF:GPSSpeed", "EXIF:GPSSpeedRef")


def _same_speed(reference: Any, ours: Any) -> bool:
    speed, ref = reference
    if speed in (None, "", "undef"):
        return ours is None
    return ours is not None and abs(float(speed) * _KMH.get(ref or "K", 1.0) - ours) < 1e-6


FIELDS.update({
    "exposure_time": Field(_present("EXIF:ExposureTime", "EXIF:ShutterSpeedValue"),
                           lambda d: d.typed.exposure_time, _relative(1e-6)),
    "f_number": Field(_present("EXIF:FNumber", "EXIF:ApertureValue"),
                      lambda d: d.typed.f_number, _relative(1e-5)),
    "iso": Field(_maker_fallback("EXIF:ISO", "Composite:ISO", "MakerNotes:ISO"),
                 lambda d: d.typed.iso, _iso),
    "focal_length": Field(lambda _: ("EXIF:FocalLength",), lambda d: d.typed.focal_length,
                          _setting(1e-6)),
    "focal_length_35mm": Field(lambda _: ("EXIF:FocalLengthIn35mmFormat",),
                               lambda d: d.typed.focal_length_35mm, _setting(0)),
    "exposure_bias": Field(lambda _: ("EXIF:ExposureCompensation",),
                           lambda d: d.typed.exposure_bias, _near(1e-6)),
    "flash_fired": Field(lambda _: ("EXIF:Flash",), lambda d: d.typed.flash_fired, _flash),
    "lens_model": Field(_maker_fallback("EXIF:LensModel", "MakerNotes:LensModel"),
                        lambda d: d.typed.lens_model, _same_text),
    "lens_make": Field(lambda _: ("EXIF:LensMake",), lambda d: d.typed.lens_make, _same_text),
    "lens_specification": Field(_lens_keys,
                                lambda d: d.typed.lens_specification, _lens),
    "gps_img_direction": Field(lambda _: ("EXIF:GPSImgDirection",),
                               lambda d: d.typed.gps_img_direction, _setting(1e-6)),
    "gps_speed_kmh": Field(_speed_keys, lambda d: d.typed.gps_speed_kmh, _same_speed),
    "gps_horizontal_error_m": Field(lambda _: ("EXIF:GPSHPositioningError",),
                                    lambda d: d.typed.gps_horizontal_error_m, _near(1e-6)),
})


def _where_reported(same: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """For facts exiftool names per format (PNG:BitDepth, RIFF:...): compared where its
    generic key is there."""
    return lambda reference, ours: reference is None or same(reference, ours)


def _bits(reference: Any, ours: Any) -> bool:
    return int(str(reference).split()[0]) == ours


def _progressive(reference: Any, ours: Any) -> bool:
    # File:EncodingProcess (-n) is the start-of-frame marker's low nibble: 2, 6, 10, 14 are
    # the progressive DCT processes.
    return (reference in (2, 6, 10, 14)) is bool(ours)


def _bits_keys(record: dict[str, Any]) -> tuple[str, ...]:
    return ("File:BitsPerSample",) if "File:BitsPerSample" in record else ("EXIF:BitsPerSample",)


def _utc_from_offset(reference: Any, ours: Any) -> bool:
    """exiftool's DateTimeOriginal placed by its OffsetTimeOriginal, to the second; where the
    file has no offset, ours may come from elsewhere (GPS, XMP) and is not compared."""
    wall, offset = reference
    if offset in (None, "") or wall in (None, ""):
        return True
    sign = -1 if str(offset).startswith("-") else 1
    hours, minutes = str(offset).lstrip("+-").split(":")
    stamp = dt.datetime.strptime(str(wall)[:19], "%Y:%m:%d %H:%M:%S")
    expected = stamp - sign * dt.timedelta(hours=int(hours), minutes=int(minutes))
    return ours is not None and ours.replace(tzinfo=None, microsecond=0) == expected


FIELDS.update({
    "datetime_original_utc": Field(
        lambda _: ("EXIF:DateTimeOriginal", "EXIF:OffsetTimeOriginal"),
        lambda d: d.typed.datetime_original_utc, _utc_from_offset),
    "icc_profile": Field(lambda _: ("ICC_Profile:ProfileDescription",),
                         lambda d: d.properties.icc_profile, _same_text),
    "bits_per_sample": Field(_bits_keys, lambda d: d.properties.bits_per_sample,
                             _where_reported(_bits)),
    "progressive": Field(lambda _: ("File:EncodingProcess",),
                         lambda d: d.properties.progressive if d.format in ("JPEG", "MPO")
                         else None, _where_reported(_progressive)),
})


def _reference_value(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    values = tuple(record.get(key) for key in keys)
    return values if len(values) > 1 else values[0]


def _mismatches(source: str, record: dict[str, Any], decoded: Decoded) -> list[str]:
    problems: list[str] = []
    for name, field in FIELDS.items():
        ours = field.ours(decoded)
        keys = field.keys(record)
        reference = _reference_value(record, keys)
        expected = EXPECTED_DIFFERENCES.get((source, name))
        if expected is None:
            if not field.same(reference, ours):
                problems.append(f"{name}: exiftool {keys}={reference!r}, ours {ours!r}")
            continue
        if field.same(reference, ours):
            problems.append(f"{name}: listed as an expected difference but agrees; remove it")
        if not expected.instead:  # exiftool has no value here; ours is explained
            continue
        instead = _reference_value(record, expected.instead)
        if not field.same(instead, ours):
            problems.append(
                f"{name}: expected difference ({expected.reason}) but ours {ours!r} does not "
                f"match {expected.instead}={instead!r} either"
            )
    return problems


@pytest.mark.parametrize("source", sorted(RECORDS))
def test_file_agrees(source: str) -> None:
    if not (CORPUS / source).is_file():
        pytest.skip(f"{source} is not in this copy of the corpus")
    record = RECORDS[source]
    decoded = _decode(source)
    failures = [why for why in (record.get("ExifTool:Error"), decoded) if isinstance(why, str)]
    if source in UNREADABLE:
        assert failures, f"listed as unreadable ({UNREADABLE[source]}) but both sides read it"
        return
    assert not failures, f"unreadable: {failures}; list it in UNREADABLE with the reason"
    assert isinstance(decoded, Decoded)
    problems = _mismatches(source, record, decoded)
    assert not problems, "\n".join(problems)


def test_we_read_nearly_every_file_exiftool_reads() -> None:
    read_by_exiftool = [
        s for s, r in RECORDS.items() if "ExifTool:Error" not in r and (CORPUS / s).is_file()
    ]
    read_by_us = [s for s in read_by_exiftool if isinstance(_decode(s), Decoded)]
    assert read_by_exiftool
    share = len(read_by_us) / len(read_by_exiftool)
    assert share >= MIN_READ_SHARE, f"read {len(read_by_us)} of {len(read_by_exiftool)} files"


def test_difference_tables_name_corpus_files_and_fields() -> None:
    for source, name in EXPECTED_DIFFERENCES:
        assert source in RECORDS, f"{source} is not in the reference"
        assert name in FIELDS, f"{name} is not a compared field"
    for source in UNREADABLE:
        assert source in RECORDS, f"{source} is not in the reference"
