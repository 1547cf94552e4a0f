"""xmp.py: capture time and GPS position from an XMP packet, looked up by name, never parsed."""

from __future__ import annotations

from datetime import datetime

import pytest

from image_metadata.tags.xmp import read_xmp


def test_attribute_coordinates_in_degrees_and_decimal_minutes():
    facts = read_xmp(b'<rdf:Description exif:GPSLatitude="41,24.5N" exif:GPSLongitude="2,10.25E"/>')
    assert facts.gps_latitude == pytest.approx(41 + 24.5 / 60)
    assert facts.gps_longitude == pytest.approx(2 + 10.25 / 60)


def test_element_coordinates_in_degrees_minutes_seconds_south_and_west():
    facts = read_xmp(
        "<exif:GPSLatitude>33,51,24.4S</exif:GPSLatitude>"
        "<exif:GPSLongitude>151,12,55.1W</exif:GPSLongitude>"
    )
    assert facts.gps_latitude == pytest.approx(-(33 + 51 / 60 + 24.4 / 3600))
    assert facts.gps_longitude == pytest.approx(-(151 + 12 / 60 + 55.1 / 3600))


def test_latitude_without_longitude_is_no_position():
    facts = read_xmp('exif:GPSLatitude="41,24.5N"')
    assert (facts.gps_latitude, facts.gps_longitude) == (None, None)


@pytest.mark.parametrize(
    "latitude", ["41,60N", "41,10,60N", "91,0N", "41,24.5E", "41.5N", "north"],
    ids=["minutes-60", "seconds-60", "beyond-90", "wrong-ref", "no-minutes", "words"],
)
def test_impossible_latitude_is_no_position(latitude):
    facts = read_xmp(f'exif:GPSLatitude="{latitude}" exif:GPSLongitude="2,10.25E"')
    assert facts.gps_latitude is None


def test_altitude_below_sea_level_is_negative():
    facts = read_xmp('exif:GPSAltitude="4305/10" exif:GPSAltitudeRef="1"')
    assert facts.gps_altitude == -430.5


@pytest.mark.parametrize("value", ["12/0", "high", "nan", "inf", "-inf/1", "1e9"])
def test_unreadable_or_impossible_altitude_is_none(value):
    assert read_xmp(f'exif:GPSAltitude="{value}"').gps_altitude is None


def test_capture_time_prefers_exif_date_time_original():
    facts = read_xmp(
        'xmp:CreateDate="2019-01-01T00:00:00" exif:DateTimeOriginal="2020-01-02T03:04:05.25"'
    )
    assert facts.datetime_original == datetime(2020, 1, 2, 3, 4, 5, 250000)
    assert facts.datetime_source == "exif:DateTimeOriginal"


def test_capture_time_falls_back_to_photoshop_date_created_as_a_date():
    facts = read_xmp("<photoshop:DateCreated>2018-07-14</photoshop:DateCreated>")
    assert facts.datetime_original == datetime(2018, 7, 14)
    assert facts.datetime_source == "photoshop:DateCreated"


def test_capture_time_keeps_the_stated_wall_clock_and_drops_the_zone():
    facts = read_xmp('xmp:CreateDate="2021-03-04T05:06:07-08:00"')
    assert facts.datetime_original == datetime(2021, 3, 4, 5, 6, 7)


def test_impossible_date_is_skipped_for_the_next_property():
    facts = read_xmp('exif:DateTimeOriginal="2020-13-45T00:00:00" xmp:CreateDate="2019-05-06"')
    assert facts.datetime_original == datetime(2019, 5, 6)
    assert facts.datetime_source == "xmp:CreateDate"


@pytest.mark.parametrize("raw", [None, b"", "", b"\xff\xfe not xml at all"])
def test_empty_or_unrelated_packet_gives_no_facts(raw):
    facts = read_xmp(raw)
    assert (facts.datetime_original, facts.gps_latitude, facts.gps_altitude) == (None, None, None)
