"""One EXIF entry as text, at the edges of each rule: how many values are listed, which byte
strings are text, numbers, versions or blobs, and how numbers are written."""

from __future__ import annotations

from datetime import datetime

import pytest

from image_metadata.tags import exif
from image_metadata.tags.ifd import Entry

ASCII, BYTE, SHORT, UNDEFINED, RATIONAL, DOUBLE = 2, 1, 3, 7, 5, 12


def value(name: str, entry: Entry, order: str = "<") -> tuple:
    return exif.format_value(name, entry, order)


def test_up_to_64_values_are_listed_and_more_are_counted():
    listed = Entry(0x0111, SHORT, 64, tuple(range(64)))
    assert value("StripOffsets", listed) == (" ".join(str(i) for i in range(64)), None)
    counted = Entry(0x0111, SHORT, 65, tuple(range(65)))
    assert value("StripOffsets", counted) == ("<65 values>", None)


def test_a_value_too_large_to_read_is_summarised_by_its_size():
    assert value("StripOffsets", Entry(0x0111, SHORT, 1000, None)) == (
        "<binary, 2000 bytes>", None)


@pytest.mark.parametrize(("name", "type_id"), [("ImageDescription", ASCII),
                                               ("UserComment", UNDEFINED),
                                               ("XPTitle", BYTE)])
def test_text_too_large_to_read_is_left_out_not_summarised(name, type_id):
    text, warning = value(name, Entry(0x010E, type_id, 0x200000, None))
    assert text is None and warning == "2097152 bytes of text, more than is read; left out"


def test_text_too_large_to_read_gives_no_caption_or_creator():
    from image_metadata.tags import descriptions, iptc, xmp_text

    data = exif.ExifData(entries={"IFD0": {0x010E: Entry(0x010E, ASCII, 0x200000, None),
                                           0x013B: Entry(0x013B, ASCII, 0x200000, None)}})
    exif._name_values(data, "<")
    found = descriptions.reconcile(data.tags, iptc.IptcData(), xmp_text.XmpText())
    assert (found.description, found.creator) == (None, None)


@pytest.mark.parametrize(("raw", "text"), [(bytes(range(16)), " ".join(map(str, range(16)))),
                                           (bytes(17), "<binary, 17 bytes>")])
def test_undefined_bytes_are_listed_up_to_16_and_summarised_beyond(raw, text):
    assert value("SceneType", Entry(0xA301, UNDEFINED, len(raw), raw)) == (text, None)


@pytest.mark.parametrize(("raw", "text"), [(b"0232", "0232"), (b"01000000", "01000000"),
                                           (b"012345678", "48 49 50 51 52 53 54 55 56")])
def test_a_version_is_its_ascii_digits_up_to_8_bytes(raw, text):
    assert value("ExifVersion", Entry(0x9000, UNDEFINED, len(raw), raw)) == (text, None)


def test_a_short_maker_note_is_still_a_blob():
    assert value("MakerNote", Entry(0x927C, UNDEFINED, 4, b"abcd")) == ("<binary, 4 bytes>", None)


def test_an_ascii_value_is_text_whatever_its_name():
    assert value("Tag0xC000", Entry(0xC000, ASCII, 6, b"hello\x00")) == ("hello", None)


def test_encoded_gps_text_is_decoded_by_its_character_code():
    raw = b"ASCII\x00\x00\x00GPS"
    assert value("GPSProcessingMethod", Entry(0x001B, UNDEFINED, len(raw), raw)) == ("GPS", None)
    assert value("GPSAreaInformation", Entry(0x001C, UNDEFINED, len(raw), raw)) == ("GPS", None)


@pytest.mark.parametrize("name", ["XPTitle", "XPComment", "XPAuthor", "XPKeywords", "XPSubject"])
def test_every_windows_xp_tag_is_utf16(name):
    raw = "Zoë".encode("utf-16-le") + b"\x00\x00"
    assert value(name, Entry(0x9C9B, BYTE, len(raw), raw)) == ("Zoë", None)


@pytest.mark.parametrize(("number", "text"), [
    (5.0, "5"), (-3.0, "-3"), (0.5, "0.5"), (1 / 3, "0.3333333333"), (1e15, "1e+15"),
    (999_999_999_999_999.0, "999999999999999"), (-1e15, "-1e+15"), (123456.789, "123456.789")])
def test_numbers_are_written_whole_when_whole_and_to_ten_digits_otherwise(number, text):
    assert value("Tag0xC001", Entry(0xC001, DOUBLE, 1, (number,))) == (text, None)


def test_rationals_are_written_as_decimal_numbers():
    assert value("ExposureTime", Entry(0x829A, RATIONAL, 2, ((1, 250), (10, 4)))) == (
        "0.004 2.5", None)


@pytest.mark.parametrize(("blob", "tiff"), [
    (b"Exif\x00\x00II*\x00rest", b"II*\x00rest"),
    (b"junkII*\x00rest", b"II*\x00rest"),
    (b"junkMM\x00*rest", b"MM\x00*rest"),
    (b"x" * 12 + b"II*\x00", b"II*\x00"),  # the mark within the first 16 bytes
    (b"x" * 13 + b"II*\x00", b"x" * 13 + b"II*\x00"),  # beyond them: left as it is
    (b"plain", b"plain"),
])
def test_the_tiff_structure_is_found_at_the_start_of_an_exif_blob(blob, tiff):
    assert exif.strip_exif_header(blob) == tiff


@pytest.mark.parametrize(("text", "sub", "expected"), [
    ("2024:07:14 10:05:30", None, datetime(2024, 7, 14, 10, 5, 30)),
    ("2024-07-14T10:05:30", None, datetime(2024, 7, 14, 10, 5, 30)),
    ("2024:07:14 10:05", None, datetime(2024, 7, 14, 10, 5)),
    ("2024:07:14", None, datetime(2024, 7, 14)),
    ("2024:07:14 10:05:30", "5", datetime(2024, 7, 14, 10, 5, 30, 500000)),
    ("2024:07:14 10:05:30", "1234567", datetime(2024, 7, 14, 10, 5, 30, 123456)),
    ("2024:07:14 10:05:30", " 07 ", datetime(2024, 7, 14, 10, 5, 30, 70000)),
    ("2024:07:14 10:05:30+02:00", None, datetime(2024, 7, 14, 10, 5, 30)),
    ("1899:12:31 23:59:59", None, datetime(1899, 12, 31, 23, 59, 59)),
])
def test_a_capture_time_is_read_with_its_sub_seconds(text, sub, expected):
    assert exif.parse_datetime(text, sub) == (expected, None)


def test_a_capture_time_that_is_none_is_refused_quoting_it():
    assert exif.parse_datetime("2024:13:01 00:00:00") == (
        None, "'2024:13:01 00:00:00' is not a date and time")


@pytest.mark.parametrize("text", ["2024:02:30 10:00:00", "2023:02:29 00:00:00",
                                  "2024:01:01 24:00:00", "0000:00:00 00:00:00"])
def test_a_well_formed_stamp_naming_no_real_time_is_rejected(text):
    parsed, warning = exif.parse_datetime(text)
    assert parsed is None and "is not a date and time" in warning


def test_a_leap_day_in_the_standard_form_is_read():
    assert exif.parse_datetime("2024:02:29 23:59:59") == (datetime(2024, 2, 29, 23, 59, 59), None)


@pytest.mark.parametrize("sub", ["a1b2", "-5", "½"])
def test_sub_seconds_that_start_with_no_digit_are_left_out_with_a_warning(sub):
    assert exif.parse_datetime("2024:07:14 10:05:30", sub) == (
        datetime(2024, 7, 14, 10, 5, 30),
        f"sub-seconds {sub!r} are no fraction of a second; left out")
