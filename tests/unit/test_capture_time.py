"""The capture time stays the camera's wall clock; its UTC instant is given only where the
image says which zone it was taken in, and the column says how that is known."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import piexif
import pytest
from PIL import Image

from image_metadata.decode import decode_bytes
from image_metadata.tags import capture_time

E, G = piexif.ExifIFD, piexif.GPSIFD


def _jpeg(exif: dict | None = None, gps: dict | None = None, xmp: bytes | None = None) -> bytes:
    blob = piexif.dump({"0th": {}, "Exif": exif or {}, "GPS": gps or {}})
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=blob, **({"xmp": xmp} if xmp else {}))
    return buffer.getvalue()


def typed(**kwargs):
    return decode_bytes(_jpeg(**kwargs)).typed


@pytest.mark.parametrize(("text", "minutes"), [("+02:00", 120), ("-05:00", -300),
                                               ("+0530", 330), ("+00:00", 0),
                                               ("+14:00", 840), ("-12:00", -720)])
def test_offsets_are_minutes_east_of_utc(text: str, minutes: int):
    assert capture_time.parse_offset(text) == (minutes, None)


def test_a_blank_offset_is_no_offset_and_no_problem():
    assert capture_time.parse_offset("   :  ") == (None, None)
    assert capture_time.parse_offset(None) == (None, None)


@pytest.mark.parametrize("text", ["+15:00", "-13:00", "+02:75", "UTC+2", "02:00"])
def test_an_offset_no_zone_has_is_refused_with_the_reason(text: str):
    minutes, why = capture_time.parse_offset(text)
    assert minutes is None
    assert repr(text) in why


def test_the_wall_clock_is_stored_without_a_zone():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00"})
    assert found.datetime_original == datetime(2024, 5, 17, 12, 30)
    assert found.datetime_original.tzinfo is None


def test_without_a_zone_there_is_no_utc_instant():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00"})
    assert (found.datetime_original_utc, found.datetime_original_utc_source) == (None, None)


def test_offset_time_original_places_the_wall_clock():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00",
                        E.OffsetTimeOriginal: b"-05:00", E.SubSecTimeOriginal: b"25"})
    assert found.datetime_original == datetime(2024, 5, 17, 12, 30, 0, 250000)
    assert found.datetime_original_utc == datetime(2024, 5, 17, 17, 30, 0, 250000, tzinfo=UTC)
    assert found.datetime_original_utc_source == "offset"


def test_a_bad_offset_is_a_warning_and_no_instant():
    decoded = decode_bytes(_jpeg(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00",
                                       E.OffsetTimeOriginal: b"+25:00"}))
    assert decoded.typed.datetime_original_utc is None
    assert "OffsetTimeOriginal: '+25:00' is beyond every time zone (UTC-12:00 to UTC+14:00)" \
        in decoded.warnings


def _gps(date: bytes, hms: tuple[int, int, int]) -> dict:
    return {G.GPSDateStamp: date, G.GPSTimeStamp: tuple((v, 1) for v in hms)}


def test_the_gps_clock_gives_the_zone_rounded_to_the_quarter_hour():
    # Paris in summer (UTC+2), the camera's clock 1 min 40 s fast.
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:31:40"},
                  gps=_gps(b"2024:05:17", (10, 30, 0)))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 10, 31, 40, tzinfo=UTC)
    assert found.datetime_original_utc_source == "gps"


def test_a_quarter_hour_zone_is_kept():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 16:15:00"},  # Nepal, UTC+5:45
                  gps=_gps(b"2024:05:17", (10, 30, 0)))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 10, 30, tzinfo=UTC)


def test_gps_across_midnight_gives_the_right_day():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 19:00:00"},  # New York, UTC-4
                  gps=_gps(b"2024:05:17", (23, 0, 0)))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 23, 0, tzinfo=UTC)
    found = typed(exif={E.DateTimeOriginal: b"2024:05:18 01:00:00"},  # Tokyo, UTC+9
                  gps=_gps(b"2024:05:17", (16, 0, 0)))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 16, 0, tzinfo=UTC)


def test_a_gps_clock_a_day_away_gives_no_instant():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:00:00"},
                  gps=_gps(b"2024:05:19", (12, 0, 0)))
    assert found.datetime_original_utc is None


def test_the_camera_offset_wins_over_the_gps_clock():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:00:00",
                        E.OffsetTimeOriginal: b"+01:00"},
                  gps=_gps(b"2024:05:17", (9, 0, 0)))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 11, 0, tzinfo=UTC)
    assert found.datetime_original_utc_source == "offset"


def _xmp(date: str) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            f'exif:DateTimeOriginal="{date}"/></rdf:RDF></x:xmpmeta>').encode()


def test_an_xmp_date_with_its_zone_places_the_same_wall_clock():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00"},
                  xmp=_xmp("2024-05-17T12:30:00+02:00"))
    assert found.datetime_original_utc == datetime(2024, 5, 17, 10, 30, tzinfo=UTC)
    assert found.datetime_original_utc_source == "offset"


def test_an_xmp_zone_for_another_moment_is_not_taken():
    found = typed(exif={E.DateTimeOriginal: b"2024:05:17 12:30:00"},
                  xmp=_xmp("2023-01-01T08:00:00+02:00"))
    assert found.datetime_original_utc is None


def test_an_xmp_date_in_utc_is_an_offset_of_zero():
    found = decode_bytes(_jpeg(xmp=_xmp("2024-05-17T12:30:00.5Z"))).typed
    assert found.datetime_original == datetime(2024, 5, 17, 12, 30, 0, 500000)
    assert found.datetime_original_utc == datetime(2024, 5, 17, 12, 30, 0, 500000, tzinfo=UTC)


def test_a_capture_in_year_one_before_its_zone_gives_no_instant():
    assert capture_time.capture_utc(datetime(1, 1, 1), 60, None) == (None, None)


def _paris(wall: bytes, gps_date: bytes | None = None) -> dict:
    gps = {G.GPSLatitudeRef: b"N", G.GPSLatitude: ((48, 1), (51, 1), (24, 1)),
           G.GPSLongitudeRef: b"E", G.GPSLongitude: ((2, 1), (21, 1), (8, 1))}
    return {"exif": {E.DateTimeOriginal: wall}, "gps": gps}


def test_the_time_zone_at_the_position_is_named():
    assert typed(**_paris(b"2024:07:14 12:30:00")).time_zone == "Europe/Paris"


def test_the_zone_at_the_position_places_the_wall_clock_with_its_summer_time():
    summer = typed(**_paris(b"2024:07:14 12:30:00"))
    assert summer.datetime_original_utc == datetime(2024, 7, 14, 10, 30, tzinfo=UTC)
    assert summer.datetime_original_utc_source == "position"
    winter = typed(**_paris(b"2024:01:14 12:30:00"))
    assert winter.datetime_original_utc == datetime(2024, 1, 14, 11, 30, tzinfo=UTC)


def test_a_stated_offset_wins_over_the_zone_at_the_position():
    values = _paris(b"2024:07:14 12:30:00")
    values["exif"][E.OffsetTimeOriginal] = b"+00:00"  # a camera left on UTC
    found = typed(**values)
    assert (found.datetime_original_utc, found.datetime_original_utc_source) == (
        datetime(2024, 7, 14, 12, 30, tzinfo=UTC), "offset")


def test_no_position_no_zone():
    found = typed(exif={E.DateTimeOriginal: b"2024:07:14 12:30:00"})
    assert (found.time_zone, found.datetime_original_utc) == (None, None)


def test_at_sea_the_zone_is_the_nautical_one():
    from image_metadata.tags import places

    assert places.time_zone(0.0, -30.0) == "Etc/GMT+2"


def test_a_zone_no_database_knows_gives_no_instant():
    from image_metadata.tags import places

    assert places.wall_clock_to_utc(datetime(2024, 1, 1), "Mars/Olympus_Mons") is None


def test_an_xmp_date_without_a_time_is_midnight_but_no_instant_at_the_position():
    values = _paris(b"")
    del values["exif"][E.DateTimeOriginal]
    values["xmp"] = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
                     b'photoshop:DateCreated="2024-07-14"/></rdf:RDF></x:xmpmeta>')
    decoded = decode_bytes(_jpeg(**values))
    assert decoded.typed.datetime_original == datetime(2024, 7, 14)
    assert decoded.typed.time_zone == "Europe/Paris"
    assert decoded.typed.datetime_original_utc is None
    assert "datetime_original: from XMP photoshop:DateCreated (a date without a time: " \
        "midnight, no UTC instant)" in decoded.warnings


def _paris_with_gps_clock(wall: bytes, hms: tuple[int, int, int]) -> bytes:
    values = _paris(wall)
    values["gps"].update(_gps(b"2024:07:14", hms))
    return _jpeg(**values)


def test_a_gps_clock_hours_from_the_zone_at_the_position_is_kept_and_named():
    # A camera on Tokyo time in Paris: the GPS clock gives the true instant, and says so.
    decoded = decode_bytes(_paris_with_gps_clock(b"2024:07:14 19:30:00", (10, 30, 0)))
    assert (decoded.typed.datetime_original_utc, decoded.typed.datetime_original_utc_source) \
        == (datetime(2024, 7, 14, 10, 30, tzinfo=UTC), "gps")
    assert "datetime_original_utc: the GPS clock puts the camera's clock at UTC+09:00, the " \
        "position's zone Europe/Paris at UTC+02:00: the camera's clock or the GPS fix is " \
        "off" in decoded.warnings


def test_a_gps_clock_that_agrees_with_the_zone_raises_no_warning():
    decoded = decode_bytes(_paris_with_gps_clock(b"2024:07:14 12:30:20", (10, 30, 0)))
    assert decoded.typed.datetime_original_utc_source == "gps"
    assert not [w for w in decoded.warnings if w.startswith("datetime_original_utc")]
