"""gps.py: EXIF GPS rationals to signed degrees, metres and UTC; impossible values to None."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import piexif
import pytest

from image_metadata import samples
from image_metadata.tags import exif, gps

# 48° 51' 29.6" = 48.858222…, as (numerator, denominator) pairs
PARIS_LAT = ((48, 1), (51, 1), (296, 10))
PARIS_LAT_DEGREES = 48 + 51 / 60 + 29.6 / 3600


# -- coordinate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("axis", "ref", "sign"),
    [
        ("latitude", "N", 1),
        ("latitude", "S", -1),
        ("longitude", "E", 1),
        ("longitude", "W", -1),
    ],
)
def test_hemisphere_reference_gives_the_sign(axis, ref, sign):
    value, warning = gps.coordinate(PARIS_LAT, ref, axis)
    assert value == pytest.approx(sign * PARIS_LAT_DEGREES)
    assert warning is None


def test_lowercase_reference_with_padding_is_accepted():
    assert gps.coordinate(PARIS_LAT, " s\x00", "latitude") == (
        pytest.approx(-PARIS_LAT_DEGREES), None
    )


def test_decimal_degrees_in_one_component_are_accepted():
    assert gps.coordinate(((48858222, 1000000),), "N", "latitude") == (
        pytest.approx(48.858222), None
    )


def test_degrees_and_decimal_minutes_in_two_components_are_accepted():
    assert gps.coordinate(((48, 1), (515, 10)), "N", "latitude") == (
        pytest.approx(48 + 51.5 / 60), None
    )


def test_missing_reference_assumes_the_positive_hemisphere_with_a_warning():
    value, warning = gps.coordinate(PARIS_LAT, None, "latitude")
    assert value == pytest.approx(PARIS_LAT_DEGREES)
    assert warning == "GPSLatitudeRef: missing; assumed N"


def test_unknown_reference_gives_none_with_a_warning():
    assert gps.coordinate(PARIS_LAT, "X", "longitude") == (
        None, "GPSLongitudeRef: 'X' is not E or W"
    )


def test_zero_denominator_in_a_coordinate_gives_none_with_a_warning():
    assert gps.coordinate(((48, 1), (51, 0), (0, 1)), "N", "latitude") == (
        None, "GPSLatitude: zero denominator"
    )


def test_empty_coordinate_gives_none_with_a_warning():
    assert gps.coordinate((), "N", "latitude") == (None, "GPSLatitude: empty")


@pytest.mark.parametrize(
    "parts",
    [((48, 1), (60, 1), (0, 1)), ((48, 1), (0, 1), (60, 1)), ((48, 1), (75, 1), (0, 1))],
    ids=["minutes-60", "seconds-60", "minutes-75"],
)
def test_minutes_or_seconds_of_sixty_or_more_give_none_with_a_warning(parts):
    value, warning = gps.coordinate(parts, "N", "latitude")
    assert value is None
    assert warning is not None
    assert warning.startswith("GPSLatitude: ")
    assert "is not degrees/minutes/seconds" in warning


def test_latitude_above_ninety_gives_none_with_a_warning():
    assert gps.coordinate(((91, 1), (0, 1), (0, 1)), "N", "latitude") == (
        None, "GPSLatitude: 91.000000 is out of range (limit 90)"
    )


def test_longitude_up_to_one_hundred_eighty_is_valid():
    assert gps.coordinate(((179, 1), (30, 1), (0, 1)), "W", "longitude") == (-179.5, None)


def test_longitude_above_one_hundred_eighty_gives_none_with_a_warning():
    assert gps.coordinate(((181, 1), (0, 1), (0, 1)), "E", "longitude") == (
        None, "GPSLongitude: 181.000000 is out of range (limit 180)"
    )


# -- altitude --------------------------------------------------------------------------------


def test_altitude_with_reference_zero_is_above_sea_level():
    assert gps.altitude((7005, 10), 0) == (700.5, None)


def test_altitude_with_reference_one_is_below_sea_level_and_negative():
    assert gps.altitude((4305, 10), 1) == (-430.5, None)


def test_altitude_without_reference_is_taken_as_above_sea_level():
    assert gps.altitude((35, 1), None) == (35.0, None)


def test_altitude_with_an_unknown_reference_is_kept_with_a_warning():
    assert gps.altitude((35, 1), 7) == (
        35.0, "GPSAltitudeRef: unknown value 7; taken as above sea level"
    )


def test_altitude_zero_denominator_gives_none_with_a_warning():
    assert gps.altitude((35, 0), 0) == (None, "GPSAltitude: zero denominator")


def test_altitude_beyond_the_edge_of_space_gives_none_with_a_warning():
    assert gps.altitude((200_000, 1), 0) == (None, "GPSAltitude: 200000.0 m is out of range")


def test_missing_altitude_is_none_without_a_warning():
    assert gps.altitude(None, 1) == (None, None)


# -- timestamp -------------------------------------------------------------------------------


def test_gps_date_and_time_give_a_utc_timestamp():
    assert gps.timestamp("2024:05:17", ((10, 1), (30, 1), (15, 1))) == (
        datetime(2024, 5, 17, 10, 30, 15, tzinfo=UTC), None
    )


def test_gps_time_with_fractional_seconds_keeps_the_microseconds():
    stamp, _ = gps.timestamp("2024:05:17", ((10, 1), (30, 1), (155, 10)))
    assert stamp == datetime(2024, 5, 17, 10, 30, 15, 500000, tzinfo=UTC)


def test_gps_date_with_dashes_is_accepted():
    stamp, _ = gps.timestamp("2024-05-17", ((0, 1), (0, 1), (0, 1)))
    assert stamp == datetime(2024, 5, 17, tzinfo=UTC)


def test_missing_gps_date_gives_none_with_a_warning():
    assert gps.timestamp(None, ((10, 1), (30, 1), (0, 1))) == (
        None, "GPSTimeStamp: date or time missing; no GPS timestamp"
    )


def test_missing_gps_time_gives_none_with_a_warning():
    stamp, warning = gps.timestamp("2024:05:17", None)
    assert stamp is None
    assert warning is not None


def test_no_gps_date_and_no_time_give_none_without_a_warning():
    assert gps.timestamp(None, None) == (None, None)


def test_unparseable_gps_date_gives_none_with_a_warning():
    assert gps.timestamp("17/05/2024", ((10, 1), (30, 1), (0, 1))) == (
        None, "GPSDateStamp: '17/05/2024' is not a date"
    )


def test_gps_time_with_a_zero_denominator_gives_none_with_a_warning():
    stamp, warning = gps.timestamp("2024:05:17", ((10, 1), (30, 0), (0, 1)))
    assert stamp is None
    assert warning == "GPSTimeStamp: zero denominator or missing component"


def test_gps_hour_twenty_four_gives_none_with_a_warning():
    stamp, warning = gps.timestamp("2024:05:17", ((24, 1), (0, 1), (0, 1)))
    assert stamp is None
    assert warning is not None


# -- through the EXIF reader: the typed columns ------------------------------------------------


def typed_from(gps_ifd: dict) -> tuple[exif.Typed, list[str]]:
    blob = piexif.dump({"0th": {}, "Exif": {}, "GPS": gps_ifd, "1st": {}, "thumbnail": None})
    warnings: list[str] = []
    typed = exif.typed_fields(exif.read_exif(io.BytesIO(exif.strip_exif_header(blob))), warnings)
    return typed, warnings


@pytest.mark.parametrize("name", ["paris", "rio", "sydney", "new_york", "dead_sea"])
def test_typed_position_matches_the_sample_place_in_every_hemisphere(name):
    place = samples.PLACES[name]
    typed, warnings = typed_from(samples.gps_ifd(place))
    assert typed.gps_latitude == pytest.approx(place.latitude, abs=1e-6)
    assert typed.gps_longitude == pytest.approx(place.longitude, abs=1e-6)
    assert typed.gps_altitude == pytest.approx(place.altitude)
    assert warnings == []


def test_typed_altitude_below_sea_level_is_negative():
    typed, _ = typed_from(samples.gps_ifd(samples.PLACES["dead_sea"]))
    assert typed.gps_altitude == -430.5


def test_typed_gps_timestamp_is_utc():
    typed, _ = typed_from(samples.gps_ifd(samples.PLACES["paris"], when="2024:05:17 10:30:00"))
    assert typed.gps_timestamp == datetime(2024, 5, 17, 10, 30, tzinfo=UTC)


def test_half_a_position_is_no_position():
    ifd = samples.gps_ifd(samples.PLACES["paris"])
    ifd[piexif.GPSIFD.GPSLongitude] = ((2, 1), (17, 0), (40, 1))
    typed, warnings = typed_from(ifd)
    assert (typed.gps_latitude, typed.gps_longitude) == (None, None)
    assert warnings == ["GPSLongitude: zero denominator"]


def test_impossible_gps_values_keep_the_other_gps_columns():
    ifd = samples.gps_ifd(samples.PLACES["paris"])
    ifd[piexif.GPSIFD.GPSLatitude] = ((95, 1), (0, 1), (0, 1))
    typed, warnings = typed_from(ifd)
    assert typed.gps_latitude is None
    assert typed.gps_altitude == 35.0
    assert typed.gps_timestamp == datetime(2024, 5, 17, 10, 30, tzinfo=UTC)
    assert warnings == ["GPSLatitude: 95.000000 is out of range (limit 90)"]


def test_gps_ifd_without_a_date_stamp_has_no_gps_timestamp():
    ifd = samples.gps_ifd(samples.PLACES["paris"])
    del ifd[piexif.GPSIFD.GPSDateStamp]
    typed, warnings = typed_from(ifd)
    assert typed.gps_timestamp is None
    assert warnings == ["GPSTimeStamp: date or time missing; no GPS timestamp"]


@pytest.mark.parametrize(("value", "number"), [((3, 2), 1.5), (2.5, 2.5), (7, 7.0), ((1, 0), None),
                                               (float("inf"), None), (float("nan"), None)])
def test_a_gps_number_is_a_rational_or_a_plain_number_and_finite(value, number):
    result = gps.to_float(value)
    if number is None:
        assert result is None
    else:
        assert result == number


def test_gps_seconds_that_round_up_to_a_whole_second_carry_into_it():
    stamp, warning = gps.timestamp("2024:07:14", ((10, 1), (5, 1), (129999999, 10000000)))
    assert warning is None
    assert stamp == datetime(2024, 7, 14, 10, 5, 13, tzinfo=UTC)


def test_a_leap_second_in_gps_time_is_kept_as_the_last_second_of_the_minute():
    stamp, warning = gps.timestamp("2016:12:31", ((23, 1), (59, 1), (60, 1)))
    assert warning is None
    assert stamp == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_components_beyond_seconds_are_ignored_even_if_broken():
    value, warning = gps.coordinate(((48, 1), (30, 1), (0, 1), (1, 0)), "N", "latitude")
    assert (value, warning) == (48.5, None)
    stamp, warning = gps.timestamp("2024:07:14", ((1, 1), (2, 1), (3, 1), (1, 0)))
    assert (stamp, warning) == (datetime(2024, 7, 14, 1, 2, 3, tzinfo=UTC), None)


def test_zero_degrees_is_a_position_on_the_equator():
    assert gps.coordinate(((0, 1), (30, 1), (0, 1)), "S", "latitude") == (-0.5, None)


@pytest.mark.parametrize(("metres", "kept"), [(-12_000, True), (100_000, True),
                                              (-12_000.5, False), (100_000.5, False)])
def test_altitudes_from_the_deepest_trench_to_the_edge_of_space_are_kept(metres, kept):
    value, warning = gps.altitude((int(metres * 2), 2), 0)
    if kept:
        assert (value, warning) == (metres, None)
    else:
        assert value is None and warning == f"GPSAltitude: {metres} m is out of range"


@pytest.mark.parametrize(("ref", "value", "warning"), [
    (2, 10.0, None),  # above the ellipsoid (EXIF 3.0)
    (3, -10.0, None),  # below the ellipsoid (EXIF 3.0)
    (4, 10.0, "GPSAltitudeRef: unknown value 4; taken as above sea level"),
])
def test_exif_3_altitude_references_are_read(ref, value, warning):
    assert gps.altitude((10, 1), ref) == (value, warning)


def test_a_gps_date_stamp_followed_by_a_time_is_read_by_its_date():
    stamp, warning = gps.timestamp("2024:07:14 00:00:00", ((1, 1), (2, 1), (3, 1)))
    assert (stamp, warning) == (datetime(2024, 7, 14, 1, 2, 3, tzinfo=UTC), None)


@pytest.mark.parametrize("parts", [((1, 1), (60, 1), (0, 1)), ((1, 1), (0, 1), (61, 1)),
                                   ((24, 1), (0, 1), (0, 1))])
def test_a_gps_time_outside_a_day_is_refused(parts):
    stamp, warning = gps.timestamp("2024:07:14", parts)
    assert stamp is None and warning.endswith("is not a time of day")


def test_a_leap_second_with_a_fraction_is_kept_in_the_last_second():
    stamp, _ = gps.timestamp("2016:12:31", ((23, 1), (59, 1), (605, 10)))
    assert stamp == datetime(2016, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)


def test_fractions_of_a_gps_second_are_kept_to_the_microsecond():
    stamp, _ = gps.timestamp("2024:07:14", ((10, 1), (5, 1), (3075, 100)))
    assert stamp == datetime(2024, 7, 14, 10, 5, 30, 750000, tzinfo=UTC)


@pytest.mark.parametrize(("parts", "ref", "axis", "value"), [
    (((90, 1), (0, 1), (0, 1)), "N", "latitude", 90.0),  # the North Pole
    (((180, 1), (0, 1), (0, 1)), "E", "longitude", 180.0),  # the antimeridian
])
def test_the_poles_and_the_antimeridian_are_positions(parts, ref, axis, value):
    assert gps.coordinate(parts, ref, axis) == (value, None)


def test_a_non_finite_coordinate_is_named_as_such_not_as_a_zero_denominator():
    value, warning = gps.coordinate((float("nan"), 0.0, 0.0), "N", "latitude")
    assert (value, warning) == (None, "GPSLatitude: nan is not a finite number")


def test_a_broken_gps_value_is_warned_about_once():
    from image_metadata.tags import exif

    data = exif.ExifData(entries={"GPS": {
        1: exif.Entry(1, 2, 2, b"N"), 2: exif.Entry(2, 5, 3, ((48, 0), (0, 1), (0, 1))),
        3: exif.Entry(3, 2, 2, b"E"), 4: exif.Entry(4, 5, 3, ((2, 1), (0, 1), (0, 1))),
        6: exif.Entry(6, 5, 1, ((35, 0),))}})
    exif._name_values(data, "<")
    warnings = list(data.warnings)
    exif.typed_fields(data, warnings)
    assert warnings.count("GPSLatitude: zero denominator") == 1
    assert warnings.count("GPSAltitude: zero denominator") == 1
