"""exif.py and tiff.py: EXIF IFDs become a map of readable text; bad data loses only bad tags."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime

import piexif
import pytest

from image_metadata import samples
from image_metadata.tags import exif

from .tiff_bytes import (
    ASCII,
    FLOAT,
    HEADER_SIZE,
    LONG,
    RATIONAL,
    SHORT,
    SLONG,
    UNDEFINED,
    entry,
    header,
    ifd,
    ifd_size,
)

MAKE, MODEL, ORIENTATION, EXIF_POINTER = 0x010F, 0x0110, 0x0112, 0x8769


def read(blob: bytes) -> exif.ExifData:
    return exif.read_exif(io.BytesIO(blob))


def read_sample(**kwargs) -> exif.ExifData:
    return read(samples.exif_bytes(**kwargs))


# -- well-formed EXIF, as piexif writes it -----------------------------------------------------


def test_ifd0_and_exif_tags_are_keyed_by_tag_name():
    tags = read_sample(make="Canon", model="EOS R5").tags
    assert tags["Make"] == "Canon"
    assert tags["Model"] == "EOS R5"
    assert tags["DateTimeOriginal"] == "2024:05:17 12:30:00"
    assert tags["LensModel"] == "Example 24-70mm f/2.8"
    assert tags["ISOSpeedRatings"] == "200"


def test_a_tiff_structure_with_a_raw_format_magic_is_read_when_that_magic_is_named():
    # Panasonic RW2 writes 0x55 where TIFF has 42; read as TIFF only when the caller says so.
    blob = samples.exif_bytes(make="Panasonic")
    raw = blob[:2] + struct.pack(">H", 0x55) + blob[4:]
    assert exif.read_exif(io.BytesIO(raw), magics=(42, 0x55)).tags["Make"] == "Panasonic"
    refused = exif.read_exif(io.BytesIO(raw))
    assert refused.tags == {} and len(refused.warnings) == 1


def test_exif_kept_as_one_tiff_structure_per_ifd_names_each_tag_by_its_part():
    # Canon CR3 keeps IFD0, Exif and GPS in boxes of their own; tag 1 is GPSLatitudeRef
    # only in the GPS IFD.
    parts = {"IFD0": header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")]),
             "GPS": header() + ifd([entry(0x0001, ASCII, 2, b"N\x00")])}
    data = exif.read_exif_parts(parts)
    assert data.tags == {"Make": "Abc", "GPSLatitudeRef": "N"}
    assert data.entry("GPS", 0x0001).value == b"N\x00" and data.warnings == []


def test_a_part_that_is_no_tiff_structure_is_skipped_with_a_warning():
    parts = {"Exif": b"junk", "IFD0": header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")])}
    data = exif.read_exif_parts(parts)
    assert data.tags == {"Make": "Abc"}
    assert len(data.warnings) == 1 and data.warnings[0].startswith("Exif: ")
    assert data.warnings[0].endswith("; skipped")


def test_a_problem_inside_a_part_is_named_by_that_part():
    truncated = header() + ifd([entry(MAKE, ASCII, 4, b"Abc\x00")] * 3, declared=5)
    data = exif.read_exif_parts({"GPS": truncated})
    assert data.warnings and all(w.startswith("GPS: ") for w in data.warnings)


def _unicode_comment(order: str, value: str) -> bytes:
    """A TIFF structure in ``order`` holding a UserComment of UNICODE text in that order."""
    comment = b"UNICODE\x00" + value.encode("utf-16-be" if order == ">" else "utf-16-le")
    mark = b"MM" if order == ">" else b"II"
    return (mark + struct.pack(f"{order}HL", 42, 8) + struct.pack(f"{order}H", 1)
            + struct.pack(f"{order}HHLL", 0x9286, UNDEFINED, len(comment), 26)
            + struct.pack(f"{order}L", 0) + comment)


@pytest.mark.parametrize("order", ["<", ">"])
def test_a_part_decodes_its_unicode_comment_in_the_parts_byte_order(order):
    # Text without zero bytes shows no byte order of its own: the structure's order decides.
    assert exif.read_exif_parts({"Exif": _unicode_comment(order, "日本")}).tags == {
        "UserComment": "日本"}


def test_values_a_container_keeps_in_its_own_records_are_named_as_exif_tags():
    from image_metadata.tags.ifd import Entry

    comment = b"UNICODE\x00" + "日本".encode("utf-16-le")
    data = exif.from_entries({
        "IFD0": {MAKE: Entry(MAKE, ASCII, 6, b"Canon\x00"),
                 EXIF_POINTER: Entry(EXIF_POINTER, LONG, 1, (26,)),
                 0xC0DE: Entry(0xC0DE, SHORT, 1, (7,))},
        "Exif": {0x9286: Entry(0x9286, UNDEFINED, len(comment), comment)}})
    # Such records are little-endian (CIFF, X3F): so is text that does not show its order.
    assert data.tags == {"Make": "Canon", "Tag0xC0DE": "7", "UserComment": "日本"}
    assert data.warnings == []


def test_pointer_tags_are_not_listed_as_values():
    tags = read_sample(place=samples.PLACES["paris"]).tags
    assert "ExifTag" not in tags
    assert "GPSTag" not in tags


def test_well_formed_exif_gives_no_warnings():
    assert read_sample(place=samples.PLACES["paris"]).warnings == []


def test_rational_is_rendered_as_a_decimal_number():
    assert read_sample().tags["FNumber"] == "2.8"


def test_small_rational_is_rendered_as_a_decimal_not_a_fraction():
    assert read_sample().tags["ExposureTime"] == "0.004"


def test_whole_rational_is_rendered_without_a_decimal_point():
    data = read_sample(extra_exif={piexif.ExifIFD.FocalLength: (50, 1)})
    assert data.tags["FocalLength"] == "50"


def test_multi_value_rational_is_rendered_as_space_separated_numbers():
    data = read_sample(place=samples.PLACES["paris"])
    assert data.tags["GPSTimeStamp"] == "10 30 0"


def test_signed_rational_keeps_its_sign():
    data = read_sample(extra_exif={piexif.ExifIFD.ExposureBiasValue: (-2, 3)})
    assert data.tags["ExposureBiasValue"] == "-0.6666666667"


def test_zero_denominator_rational_drops_that_tag_with_a_warning():
    data = read_sample(extra_exif={piexif.ExifIFD.FNumber: (28, 0)})
    assert "FNumber" not in data.tags
    assert "FNumber: zero denominator" in data.warnings


def test_zero_denominator_rational_leaves_the_other_tags_intact():
    data = read_sample(make="Canon", extra_exif={piexif.ExifIFD.FNumber: (28, 0)})
    assert data.tags["ExposureTime"] == "0.004"
    assert data.tags["Make"] == "Canon"


def test_ascii_tag_ends_at_the_first_nul():
    data = read_sample(extra_ifd0={piexif.ImageIFD.Make: b"Canon\x00garbage after"})
    assert data.tags["Make"] == "Canon"


def test_ascii_tag_with_invalid_utf8_becomes_valid_text():
    data = read_sample(extra_ifd0={piexif.ImageIFD.Artist: b"Jos\xe9 \xff"})
    assert data.tags["Artist"] == "José ÿ"


def test_long_text_tag_is_bounded():
    data = read_sample(extra_ifd0={piexif.ImageIFD.ImageDescription: b"d" * 10_000})
    assert len(data.tags["ImageDescription"]) == 2000
    assert data.tags["ImageDescription"].endswith("…")


def test_version_tag_is_rendered_as_its_ascii_digits():
    data = read_sample(extra_exif={piexif.ExifIFD.ExifVersion: b"0232"})
    assert data.tags["ExifVersion"] == "0232"


def test_maker_note_is_summarised_by_size_not_dumped():
    data = read_sample(extra_exif={piexif.ExifIFD.MakerNote: b"\x01\x02\xff" * 100})
    assert data.tags["MakerNote"] == "<binary, 300 bytes>"


def test_short_maker_note_is_summarised_too():
    data = read_sample(extra_exif={piexif.ExifIFD.MakerNote: b"\x01\x02"})
    assert data.tags["MakerNote"] == "<binary, 2 bytes>"


def test_long_undefined_blob_is_summarised_by_size():
    data = read_sample(extra_exif={piexif.ExifIFD.ComponentsConfiguration: bytes(range(40))})
    assert data.tags["ComponentsConfiguration"] == "<binary, 40 bytes>"


def test_short_undefined_value_is_listed_as_numbers():
    data = read_sample(extra_exif={piexif.ExifIFD.ComponentsConfiguration: b"\x01\x02\x03\x00"})
    assert data.tags["ComponentsConfiguration"] == "1 2 3 0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"ASCII\x00\x00\x00Hello", "Hello"),
        (b"UNICODE\x00" + "Cristo ☀".encode("utf-16-be"), "Cristo ☀"),
        (b"UNICODE\x00" + "Cristo ☀".encode("utf-16-le"), "Cristo ☀"),
        (b"UNICODE\x00\xff\xfe" + "Cristo ☀".encode("utf-16-le"), "Cristo ☀"),
        (b"JIS\x00\x00\x00\x00\x00%F%9%H", "テスト"),
        (b"\x00" * 8 + b"undefined code", "undefined code"),
    ],
    ids=["ascii", "unicode-be", "unicode-le", "unicode-bom", "jis", "undefined"],
)
def test_user_comment_is_decoded_by_its_character_code(raw, expected):
    data = read_sample(extra_exif={piexif.ExifIFD.UserComment: raw})
    assert data.tags["UserComment"] == expected


def test_xp_tags_are_decoded_as_utf16_little_endian():
    title = "Über ☀ テスト".encode("utf-16-le") + b"\x00\x00"
    data = read_sample(extra_ifd0={piexif.ImageIFD.XPTitle: title})
    assert data.tags["XPTitle"] == "Über ☀ テスト"


def test_gps_tags_are_listed_with_readable_values():
    tags = read_sample(place=samples.PLACES["rio"]).tags
    assert tags["GPSLatitudeRef"] == "S"
    assert tags["GPSLongitudeRef"] == "W"
    assert tags["GPSDateStamp"] == "2024:05:17"
    assert tags["GPSVersionID"] == "2 3 0 0"


def test_exif_blob_with_the_exif_header_is_stripped_to_the_tiff_structure():
    blob = samples.exif_bytes()
    assert exif.strip_exif_header(b"Exif\x00\x00" + blob) == blob


def test_exif_blob_with_leading_junk_is_stripped_to_the_byte_order_mark():
    blob = samples.exif_bytes()
    assert exif.strip_exif_header(b"\x00\x00junk" + blob) == blob


# -- typed columns ---------------------------------------------------------------------------


def test_typed_fields_take_make_model_lens_and_software():
    typed = exif.typed_fields(read_sample(make="Canon", model="EOS R5"), [])
    assert (typed.make, typed.model, typed.lens_model, typed.software) == (
        "Canon", "EOS R5", "Example 24-70mm f/2.8", "image-metadata samples"
    )


def test_typed_datetime_original_is_the_wall_clock_without_a_zone():
    typed = exif.typed_fields(read_sample(when="2023:12:24 18:05:10"), [])
    assert typed.datetime_original == datetime(2023, 12, 24, 18, 5, 10)


def test_typed_datetime_original_takes_sub_seconds():
    data = read_sample(extra_exif={piexif.ExifIFD.SubSecTimeOriginal: b"25"})
    typed = exif.typed_fields(data, [])
    assert typed.datetime_original == datetime(2024, 5, 17, 12, 30, 0, 250000)


def test_unparseable_datetime_original_is_none_with_a_warning():
    warnings: list[str] = []
    typed = exif.typed_fields(read_sample(when="not a date"), warnings)
    assert typed.datetime_original is None
    assert warnings == ["DateTimeOriginal: 'not a date' is not a date and time"]


def test_typed_orientation_is_the_orientation_tag():
    assert exif.typed_fields(read_sample(orientation=8), []).orientation == 8


def test_orientation_outside_one_to_eight_is_none_with_a_warning():
    warnings: list[str] = []
    typed = exif.typed_fields(read_sample(orientation=9), warnings)
    assert typed.orientation is None
    assert warnings == ["Orientation: 9 is not 1 to 8"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024:05:17 12:30:00", datetime(2024, 5, 17, 12, 30)),
        ("2024-05-17T12:30:00", datetime(2024, 5, 17, 12, 30)),
        ("2024:05:17 12:30", datetime(2024, 5, 17, 12, 30)),
        ("2024:05:17", datetime(2024, 5, 17)),
    ],
)
def test_parse_datetime_accepts_exif_and_iso_forms(value, expected):
    assert exif.parse_datetime(value) == (expected, None)


@pytest.mark.parametrize("value", ["2024-05-17 12:30-05", "2024-05-17T12:30:00+02:00",
                                   "2024-05-17T12:30Z", "2024:05:17 12:30:00-0500"])
def test_a_time_zone_after_the_time_is_no_part_of_the_wall_clock(value):
    assert exif.parse_datetime(value) == (datetime(2024, 5, 17, 12, 30), None)


def test_parse_datetime_rejects_the_all_blank_placeholder():
    parsed, warning = exif.parse_datetime("    :  :     :  :  ")
    assert parsed is None
    assert warning is not None


# -- broken structures (hand-packed): lose the bad tags, keep the rest, never raise ---------


def test_entry_count_larger_than_the_data_keeps_the_whole_entries():
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(MODEL, ASCII, 4, b"Xyz\x00")]
    blob = header() + ifd(table, declared=5)
    data = read(blob)
    assert data.tags == {"Make": "Abc", "Model": "Xyz"}
    assert data.warnings == ["IFD0: IFD truncated after 2 of 5 entries"]


def test_value_offset_past_the_end_drops_only_that_tag():
    table = [entry(MAKE, ASCII, 10, 5000), entry(MODEL, ASCII, 4, b"Xyz\x00")]
    data = read(header() + ifd(table))
    assert data.tags == {"Model": "Xyz"}
    assert data.warnings == ["IFD0: tag 0x010F value at offset 5000 is truncated; skipped"]


def test_unknown_type_drops_only_that_tag():
    table = [entry(MAKE, 99, 1, 0), entry(MODEL, ASCII, 4, b"Xyz\x00")]
    data = read(header() + ifd(table))
    assert data.tags == {"Model": "Xyz"}
    assert data.warnings == ["IFD0: tag 0x010F has unknown type 99; skipped"]


def test_ifd_pointing_to_itself_is_read_once_with_a_warning():
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(EXIF_POINTER, LONG, 1, HEADER_SIZE)]
    data = read(header() + ifd(table))
    assert data.tags == {"Make": "Abc"}
    assert data.warnings == [f"Exif: IFD at offset {HEADER_SIZE} already read (loop); skipped"]


def test_exif_pointer_past_the_end_keeps_ifd0():
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(EXIF_POINTER, LONG, 1, 90_000)]
    data = read(header() + ifd(table))
    assert data.tags == {"Make": "Abc"}
    assert data.warnings == ["Exif: IFD offset 90000 is beyond the data; skipped"]


def test_zero_denominator_in_a_hand_packed_ifd_drops_only_that_tag():
    values_at = HEADER_SIZE + ifd_size(2)
    table = [entry(0x011A, RATIONAL, 1, values_at), entry(ORIENTATION, SHORT, 1, 6)]
    data = read(header() + ifd(table) + (72).to_bytes(4, "little") + bytes(4))
    assert data.tags == {"Orientation": "6"}
    assert data.warnings == ["XResolution: zero denominator"]


def test_ifd_pointer_written_as_a_negative_signed_long_is_skipped_with_a_warning():
    pointer = entry(EXIF_POINTER, SLONG, 1, struct.pack("<l", -4))
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), pointer]
    data = read(header() + ifd(table))
    assert data.tags == {"Make": "Abc"}
    assert data.warnings == ["Exif: IFD offset -4 is negative; skipped"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_float_tag_that_is_not_finite_drops_only_that_tag(value):
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(0x011A, FLOAT, 1, struct.pack("<f", value))]
    data = read(header() + ifd(table))
    assert data.tags == {"Make": "Abc"}
    assert data.warnings == [f"XResolution: {value} is not a finite number"]


def test_finite_float_tag_is_rendered_as_a_number():
    data = read(header() + ifd([entry(0x011A, FLOAT, 1, struct.pack("<f", 1.5))]))
    assert data.tags == {"XResolution": "1.5"}


def test_absurd_count_is_summarised_without_reading_the_value():
    table = [entry(0x927C, UNDEFINED, 50_000_000, 16)]
    data = read(header() + ifd(table))
    assert data.tags == {"MakerNote": "<binary, 50000000 bytes>"}


def test_unknown_tag_is_named_by_its_number():
    data = read(header() + ifd([entry(0xC7FF, SHORT, 1, 3)]))
    assert data.tags == {"Tag0xC7FF": "3"}


def test_missing_byte_order_mark_ignores_the_exif_with_a_warning():
    data = read(b"XX*\x00\x08\x00\x00\x00")
    assert data.tags == {}
    assert data.warnings == [
        "EXIF: not a TIFF header (expected II or MM byte order mark); EXIF ignored"
    ]


def test_bigtiff_magic_ignores_the_exif_with_a_warning():
    data = read(b"II+\x00\x08\x00\x00\x00")
    assert data.tags == {}
    assert data.warnings == [
        "EXIF: unsupported TIFF magic number 43 (BigTIFF is 43); EXIF ignored"
    ]


def test_empty_blob_ignores_the_exif_with_a_warning():
    data = read(b"")
    assert data.tags == {}
    assert len(data.warnings) == 1


@pytest.mark.parametrize("orientation", [1, 8])
def test_both_ends_of_the_orientation_range_are_kept(orientation):
    warnings: list[str] = []
    assert exif.typed_fields(read_sample(orientation=orientation), warnings).orientation == \
        orientation
    assert warnings == []


def test_orientation_zero_is_none_with_a_warning():
    warnings: list[str] = []
    assert exif.typed_fields(read_sample(orientation=0), warnings).orientation is None
    assert warnings == ["Orientation: 0 is not 1 to 8"]


def test_half_a_gps_position_is_no_position_and_says_why():
    place = samples.Place("x", 48.858222, 2.2945, 35.0, "Europe/Paris")
    data = read_sample(place=place)
    del data.entries["GPS"][4]  # GPSLongitude
    warnings: list[str] = []
    typed = exif.typed_fields(data, warnings)
    assert (typed.gps_latitude, typed.gps_longitude) == (None, None)
    assert warnings == ["GPSLongitude: empty"]
    assert typed.gps_altitude == pytest.approx(35.0)


def test_gps_fields_are_read_whole_from_a_complete_gps_ifd():
    place = samples.Place("x", -33.856784, 151.215297, 4.5, "Australia/Sydney")
    warnings: list[str] = []
    typed = exif.typed_fields(read_sample(place=place, gps_when="2024:05:17 02:30:15"),
                              warnings)
    assert warnings == []
    assert (typed.gps_latitude, typed.gps_longitude) == (
        pytest.approx(-33.856784, abs=1e-6), pytest.approx(151.215297, abs=1e-6))
    assert typed.gps_altitude == pytest.approx(4.5)
    assert typed.gps_timestamp == datetime(2024, 5, 17, 2, 30, 15, tzinfo=UTC)


def test_exif_without_a_gps_ifd_has_no_gps_fields_and_no_warnings():
    warnings: list[str] = []
    typed = exif.typed_fields(read_sample(), warnings)
    assert (typed.gps_latitude, typed.gps_altitude, typed.gps_timestamp) == (None, None, None)
    assert warnings == []


def _piexif(ifd0=None, exif_ifd=None, gps_ifd=None, interop=None) -> bytes:
    blob = piexif.dump({"0th": ifd0 or {}, "Exif": exif_ifd or {}, "GPS": gps_ifd or {},
                        "Interop": interop or {}, "1st": {}, "thumbnail": None})
    return blob[6:]


def test_an_exif_blob_that_is_only_the_exif_header_holds_nothing():
    assert exif.strip_exif_header(b"Exif\x00\x00") == b""


def test_the_exif_header_is_removed_as_it_is_whatever_follows():
    assert exif.strip_exif_header(b"Exif\x00\x00" + b"j" * 12 + b"II*\x00") == \
        b"j" * 12 + b"II*\x00"


def test_the_first_byte_order_mark_of_a_blob_starts_the_tiff_structure():
    assert exif.strip_exif_header(b"xxII*\x00II*\x00") == b"II*\x00II*\x00"


def test_exif_at_an_offset_in_a_file_is_read_from_there():
    blob = samples.exif_bytes(make="Offset")
    data = exif.read_exif(io.BytesIO(b"\x00" * 10 + blob), base=10)
    assert data.tags["Make"] == "Offset"


def test_interoperability_tags_are_read_and_named():
    blob = _piexif(ifd0={piexif.ImageIFD.Make: b"Cam"},
                   exif_ifd={piexif.ExifIFD.ExifVersion: b"0232"},
                   interop={piexif.InteropIFD.InteroperabilityIndex: b"R98"})
    data = read(blob)
    assert data.tags["InteroperabilityIndex"] == "R98"
    assert "InteroperabilityTag" not in data.tags and "ExifTag" not in data.tags
    assert data.warnings == []


def test_tags_after_a_pointer_tag_are_still_listed():
    blob = _piexif(ifd0={piexif.ImageIFD.Make: b"Cam",
                         piexif.ImageIFD.XPTitle: "T".encode("utf-16-le") + b"\x00\x00"},
                   exif_ifd={piexif.ExifIFD.ExifVersion: b"0232"})
    assert read(blob).tags["XPTitle"] == "T"


def test_a_tag_named_again_in_the_exif_ifd_keeps_the_first_and_the_rest_are_listed():
    exif_at = HEADER_SIZE + ifd_size(2)
    ifd0 = [entry(MAKE, ASCII, 4, b"Cam\x00"), entry(EXIF_POINTER, LONG, 1, exif_at)]
    again = [entry(MAKE, ASCII, 4, b"Oth\x00"), entry(0xA434, ASCII, 2, b"L\x00")]  # LensModel
    tags = read(header() + ifd(ifd0) + ifd(again)).tags
    assert (tags["Make"], tags["LensModel"]) == ("Cam", "L")


def test_unicode_user_comment_follows_the_byte_order_of_the_tiff():
    comment = b"UNICODE\x00" + "Zoë".encode("utf-16-be")  # piexif writes big-endian TIFF
    blob = _piexif(exif_ifd={piexif.ExifIFD.UserComment: comment})
    assert blob.startswith(b"MM")
    assert read(blob).tags["UserComment"] == "Zoë"


def test_an_xp_tag_of_odd_length_keeps_what_it_can_read():
    blob = _piexif(ifd0={piexif.ImageIFD.XPComment: "ok".encode("utf-16-le") + b"\x00"})
    assert read(blob).tags["XPComment"].startswith("ok")


def test_a_gps_ifd_with_only_an_altitude_has_no_position_and_no_warning():
    warnings: list[str] = []
    blob = _piexif(gps_ifd={piexif.GPSIFD.GPSAltitude: (125, 10), piexif.GPSIFD.GPSAltitudeRef: 0})
    typed = exif.typed_fields(read(blob), warnings)
    assert (typed.gps_latitude, typed.gps_longitude, typed.gps_altitude) == (None, None, 12.5)
    assert warnings == []


def test_a_gps_ifd_without_an_altitude_has_none():
    warnings: list[str] = []
    blob = _piexif(gps_ifd={piexif.GPSIFD.GPSLatitudeRef: b"N",
                            piexif.GPSIFD.GPSLatitude: ((1, 1), (0, 1), (0, 1)),
                            piexif.GPSIFD.GPSLongitudeRef: b"E",
                            piexif.GPSIFD.GPSLongitude: ((2, 1), (0, 1), (0, 1))})
    typed = exif.typed_fields(read(blob), warnings)
    assert (typed.gps_latitude, typed.gps_longitude, typed.gps_altitude) == (1.0, 2.0, None)
    assert warnings == []


def test_a_broken_gps_altitude_is_dropped_with_its_warning():
    warnings: list[str] = []
    blob = _piexif(gps_ifd={piexif.GPSIFD.GPSAltitude: (125, 0)})
    typed = exif.typed_fields(read(blob), warnings)
    assert typed.gps_altitude is None
    assert "GPSAltitude: zero denominator" in warnings


def test_letters_in_sub_seconds_are_skipped():
    assert exif.parse_datetime("2024:07:14 10:05:30", "5X")[0].microsecond == 500000


def test_a_blob_that_starts_with_its_byte_order_mark_is_taken_whole():
    assert exif.strip_exif_header(b"II*\x00MM\x00*xx") == b"II*\x00MM\x00*xx"


def test_tags_after_a_pointer_in_a_hand_packed_ifd0_are_listed():
    exif_at = HEADER_SIZE + ifd_size(3)
    table = [entry(MAKE, ASCII, 4, b"Abc\x00"), entry(EXIF_POINTER, LONG, 1, exif_at),
             entry(0x9C9B, 1, 4, "T".encode("utf-16-le") + b"\x00\x00")]  # XPTitle, BYTE
    data = read(header() + ifd(table) + ifd([]))
    assert (data.tags["Make"], data.tags["XPTitle"]) == ("Abc", "T")


def test_unicode_text_without_clues_follows_a_big_endian_tiff():
    raw = b"UNICODE\x00" + "日本".encode("utf-16-be")  # no zero byte to tell the order by
    blob = _piexif(exif_ifd={piexif.ExifIFD.UserComment: raw})
    assert blob.startswith(b"MM") and read(blob).tags["UserComment"] == "日本"


def test_unicode_text_without_clues_follows_a_little_endian_tiff():
    raw = b"UNICODE\x00" + "日本".encode("utf-16-le")
    exif_at = HEADER_SIZE + ifd_size(1)
    value_at = exif_at + ifd_size(1)
    blob = (header() + ifd([entry(EXIF_POINTER, LONG, 1, exif_at)])
            + ifd([entry(0x9286, UNDEFINED, len(raw), value_at)]) + raw)
    assert read(blob).tags["UserComment"] == "日本"
