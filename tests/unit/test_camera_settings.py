"""Camera settings become typed columns in the units people query in; impossible values
become null with a warning; enumerations keep their code in ``exif`` and get a label."""

from __future__ import annotations

import io
import struct

import piexif
import pytest
from PIL import Image

from image_metadata.decode import decode_bytes
from image_metadata.tags import camera, exif, exif_labels
from image_metadata.tags.exif_names import tag_name

from .tiff_bytes import SHORT, entry, header, ifd

E, G = piexif.ExifIFD, piexif.GPSIFD


def settings(exif_ifd: dict | None = None, gps: dict | None = None, zeroth: dict | None = None
             ) -> tuple[camera.CameraSettings, list[str]]:
    blob = piexif.dump({"0th": zeroth or {}, "Exif": exif_ifd or {}, "GPS": gps or {}})
    data = exif.read_exif(io.BytesIO(exif.strip_exif_header(blob)))
    warnings: list[str] = []
    return camera.camera_settings(data, warnings), warnings


def test_exposure_time_is_in_seconds():
    assert settings({E.ExposureTime: (1, 250)})[0].exposure_time == pytest.approx(0.004)


def test_exposure_time_falls_back_to_the_apex_shutter_speed():
    assert settings({E.ShutterSpeedValue: (6, 1)})[0].exposure_time == pytest.approx(1 / 64)


def test_exposure_time_prefers_the_exposure_tag_to_the_apex_value():
    out, _ = settings({E.ExposureTime: (1, 30), E.ShutterSpeedValue: (5, 1)})
    assert out.exposure_time == pytest.approx(1 / 30)


def test_f_number_falls_back_to_the_apex_aperture():
    assert settings({E.ApertureValue: (4, 1)})[0].f_number == pytest.approx(4.0)


def test_a_zero_denominator_gives_no_value_and_no_fallback_guess():
    out, _ = settings({E.FNumber: (28, 0)})
    assert out.f_number is None


def test_zero_means_unknown_for_aperture_focal_length_and_iso():
    out, warnings = settings({E.FNumber: (0, 1), E.FocalLength: (0, 1),
                              E.ISOSpeedRatings: 0, E.FocalLengthIn35mmFilm: 0})
    assert (out.f_number, out.focal_length, out.iso, out.focal_length_35mm) == (None,) * 4
    assert warnings == []


@pytest.mark.parametrize(("value", "whole"), [(1 / 3, None), (0.5, None), (0.51, 1),
                                               (99.6, 100), (None, None)])
def test_a_setting_that_rounds_to_zero_is_unknown_not_zero(value, whole):
    assert camera._whole(value) == whole


def test_an_exposure_of_days_is_left_empty_with_a_warning():
    out, warnings = settings({E.ShutterSpeedValue: (-20, 1)})
    assert out.exposure_time is None
    assert warnings == ["ExposureTime: 1.04858e+06 is not a possible value; left empty"]


def test_a_focal_length_of_four_billion_mm_is_left_empty_with_a_warning():
    out, warnings = settings({E.FocalLength: (4294967295, 1)})
    assert out.focal_length is None
    assert warnings == ["FocalLength: 4.29497e+09 is not a possible value; left empty"]


def test_iso_is_the_first_of_several_ratings():
    assert settings({E.ISOSpeedRatings: (400, 800)})[0].iso == 400


def test_a_saturated_iso_takes_the_value_the_sensitivity_type_names():
    out, _ = settings({E.ISOSpeedRatings: 65535, E.SensitivityType: 2,
                       E.RecommendedExposureIndex: 102400, E.ISOSpeed: 100000})
    assert out.iso == 102400


def test_a_saturated_iso_without_a_full_value_stays_as_written():
    assert settings({E.ISOSpeedRatings: 65535})[0].iso == 65535


def test_iso_comes_from_iso_speed_when_the_ratings_tag_is_missing():
    assert settings({E.ISOSpeed: 3200})[0].iso == 3200


def test_focal_lengths_and_bias():
    out, _ = settings({E.FocalLength: (51, 10), E.FocalLengthIn35mmFilm: 24,
                       E.ExposureBiasValue: (-2, 3)})
    assert out.focal_length == pytest.approx(5.1)
    assert out.focal_length_35mm == 24
    assert out.exposure_bias == pytest.approx(-0.6667, abs=1e-4)


@pytest.mark.parametrize(("flash", "fired"), [(0, False), (16, False), (24, False), (1, True),
                                              (25, True), (0x5F, True)])
def test_flash_fired_is_bit_zero(flash: int, fired: bool):
    assert settings({E.Flash: flash})[0].flash_fired is fired


def test_no_flash_tag_is_unknown_not_false():
    assert settings({E.FNumber: (2, 1)})[0].flash_fired is None


def test_enumerated_settings_are_labels():
    out, _ = settings({E.ExposureProgram: 3, E.MeteringMode: 5, E.WhiteBalance: 1})
    assert (out.exposure_program, out.metering_mode, out.white_balance) == (
        "Aperture-priority AE", "Multi-segment", "Manual")


def test_lens_make_and_specification():
    out, _ = settings({E.LensMake: b"Canon",
                       E.LensSpecification: ((18, 1), (55, 1), (35, 10), (56, 10))})
    assert out.lens_make == "Canon"
    assert out.lens_specification == "18-55mm f/3.5-5.6"


def test_a_prime_lens_is_one_focal_length_and_one_aperture():
    assert camera.lens_text([50.0, 50.0, 1.8, 1.8]) == "50mm f/1.8"


def test_an_unknown_lens_aperture_is_a_question_mark():
    assert camera.lens_text([18.0, 55.0, None, None]) == "18-55mm f/?"


def test_gps_speed_is_converted_to_kmh():
    assert settings(gps={G.GPSSpeedRef: b"N", G.GPSSpeed: (10, 1)})[0].gps_speed_kmh == \
        pytest.approx(18.52)
    assert settings(gps={G.GPSSpeedRef: b"M", G.GPSSpeed: (10, 1)})[0].gps_speed_kmh == \
        pytest.approx(16.09344)
    assert settings(gps={G.GPSSpeed: (10, 1)})[0].gps_speed_kmh == pytest.approx(10)


def test_an_unknown_speed_unit_leaves_the_speed_empty():
    out, warnings = settings(gps={G.GPSSpeedRef: b"X", G.GPSSpeed: (10, 1)})
    assert out.gps_speed_kmh is None
    assert warnings == ["GPSSpeedRef: 'X' is not K, M or N; speed left empty"]


def test_image_direction_and_horizontal_error():
    out, _ = settings(gps={G.GPSImgDirection: (27150, 100), G.GPSHPositioningError: (0, 1)})
    assert out.gps_img_direction == pytest.approx(271.5)
    assert out.gps_horizontal_error_m == 0


def test_a_direction_beyond_a_full_turn_is_left_empty():
    out, warnings = settings(gps={G.GPSImgDirection: (400, 1)})
    assert out.gps_img_direction is None
    assert warnings == ["GPSImgDirection: 400 is not 0 to 360 degrees; left empty"]


def test_exif_tags_written_in_ifd0_are_named_and_read_there_too():
    blob = header() + ifd([entry(0xA403, SHORT, 1, 1), entry(0x8827, SHORT, 1, 400)])
    data = exif.read_exif(io.BytesIO(blob))
    out = camera.camera_settings(data, [])
    assert data.tags["WhiteBalance"] == "1"
    assert (out.white_balance, out.iso) == ("Manual", 400)


def test_standard_tags_piexif_does_not_know_are_named():
    assert tag_name("Exif", 0xA460) == "CompositeImage"
    assert tag_name("Interop", 0x0002) == "InteroperabilityVersion"
    assert tag_name("Interop", 0x1001) == "RelatedImageWidth"
    assert tag_name("IFD0", 0x0118) == "MinSampleValue"
    assert tag_name("Exif", 0x9011) == "OffsetTimeOriginal"
    assert tag_name("Exif", 0x9291) == "SubSecTimeOriginal"


def test_a_private_tag_is_named_by_its_number():
    assert tag_name("Exif", 0xC7FF) == "Tag0xC7FF"


def test_the_code_stays_in_exif_and_the_label_goes_beside_it():
    blob = piexif.dump({"0th": {}, "Exif": {E.Flash: 16, E.ColorSpace: 65535}})
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG", exif=blob)
    decoded = decode_bytes(buffer.getvalue())
    assert decoded.exif["Flash"] == "16"
    assert decoded.exif_labels["Flash"] == "Off, Did not fire"
    assert decoded.exif_labels["ColorSpace"] == "Uncalibrated"


def test_an_undefined_code_reads_unknown_as_exiftool_says_it():
    assert exif_labels.label("MeteringMode", "7") == "Unknown (7)"
    assert exif_labels.label("Flash", "2") == "Unknown (0x2)"
    assert exif_labels.label("GPSLatitudeRef", "") == "Unknown ()"


def test_text_where_a_code_belongs_is_labelled_unknown():
    assert exif_labels.label("ExposureProgram", "two") == "Unknown (two)"


def test_tags_that_are_no_enumeration_get_no_label():
    assert exif_labels.labels({"Make": "Canon", "FNumber": "4"}) == {}


def test_list_valued_codes_are_labelled_each():
    assert exif_labels.label("ComponentsConfiguration", "1 2 3 0") == "Y, Cb, Cr, -"
    assert exif_labels.label("SampleFormat", "1 1 3") == "Unsigned; Unsigned; Float"


def test_an_unnamed_subfile_combination_is_read_as_its_flags():
    assert exif_labels.label("NewSubfileType", "18") == \
        "Single page, TIFF-FX mixed raster content"


def _long_ifd(*items: tuple[int, int, int]) -> camera.CameraSettings:
    """Settings from an IFD0 of LONG/RATIONAL values as some writers store them."""
    from .tiff_bytes import LONG, RATIONAL, ifd_size
    values_at = 8 + ifd_size(len(items))
    entries, values = [], b""
    for tag, type_id, number in items:
        if type_id == RATIONAL:
            entries.append(entry(tag, RATIONAL, 1, values_at + len(values)))
            values += struct.pack("<II", number, 1)
        else:
            entries.append(entry(tag, LONG, 1, number))
    data = exif.read_exif(io.BytesIO(header() + ifd(entries) + values))
    warnings: list[str] = []
    return camera.camera_settings(data, warnings), warnings


RATIONAL_, LONG_ = 5, 4


@pytest.mark.parametrize(("tag", "name", "limit", "field"), [
    (0x829A, "ExposureTime", 100_000, "exposure_time"),
    (0x829D, "FNumber", 1_000, "f_number"),
    (0x920A, "FocalLength", 100_000, "focal_length"),
])
def test_a_setting_at_its_limit_is_kept_and_beyond_it_refused(tag, name, limit, field):
    kept, warnings = _long_ifd((tag, RATIONAL_, limit))
    assert getattr(kept, field) == limit and warnings == []
    refused, warnings = _long_ifd((tag, RATIONAL_, limit + 1))
    assert getattr(refused, field) is None
    assert warnings == [f"{name}: {limit + 1:g} is not a possible value; left empty"]


@pytest.mark.parametrize(("tag", "name", "limit", "field"), [
    (0xA405, "FocalLengthIn35mmFilm", 100_000, "focal_length_35mm"),
    (0x8827, "ISOSpeedRatings", 10_000_000, "iso"),
    (0x8833, "ISO", 10_000_000, "iso"),
])
def test_a_whole_number_setting_at_its_limit_is_kept_and_beyond_it_refused(tag, name, limit,
                                                                           field):
    kept, warnings = _long_ifd((tag, LONG_, limit))
    assert getattr(kept, field) == limit and warnings == []
    refused, warnings = _long_ifd((tag, LONG_, limit + 1))
    assert getattr(refused, field) is None
    assert warnings == [f"{name}: {limit + 1:g} is not a possible value; left empty"]


@pytest.mark.parametrize("bias", [(-64, 1), (64, 1)])
def test_an_exposure_bias_of_64_ev_either_way_is_kept(bias):
    assert settings({E.ExposureBiasValue: bias})[0].exposure_bias == bias[0]


@pytest.mark.parametrize("bias", [(-129, 2), (129, 2)])
def test_an_exposure_bias_beyond_64_ev_is_refused(bias):
    out, warnings = settings({E.ExposureBiasValue: bias})
    assert out.exposure_bias is None
    assert warnings == [f"ExposureBiasValue: {bias[0] / 2:g} EV is not a possible value; "
                        "left empty"]


def test_a_dng_lens_info_stands_in_for_the_lens_specification():
    from .tiff_bytes import RATIONAL, ifd_size
    values_at = 8 + ifd_size(1)
    blob = header() + ifd([entry(0xC630, RATIONAL, 4, values_at)]) + struct.pack(
        "<8I", 18, 1, 55, 1, 0, 0, 0, 0)
    out = camera.camera_settings(exif.read_exif(io.BytesIO(blob)), [])
    assert out.lens_specification == "18-55mm f/?"


@pytest.mark.parametrize(("direction", "expected"), [((0, 1), 0.0), ((360, 1), 0.0),
                                                     ((35999, 100), 359.99)])
def test_image_directions_on_the_full_circle_are_kept(direction, expected):
    out, _ = settings(gps={G.GPSImgDirection: direction})
    assert out.gps_img_direction == pytest.approx(expected)


def test_a_direction_just_past_the_circle_is_refused():
    out, warnings = settings(gps={G.GPSImgDirection: (72001, 200)})
    assert out.gps_img_direction is None
    assert warnings == ["GPSImgDirection: 360.005 is not 0 to 360 degrees; left empty"]


@pytest.mark.parametrize(("speed", "kept"), [((0, 1), 0.0), ((100_000, 1), 100_000.0),
                                             ((200_001, 2), None)])
def test_speeds_from_standstill_to_the_limit_are_kept(speed, kept):
    out, warnings = settings(gps={G.GPSSpeed: speed})
    assert out.gps_speed_kmh == kept
    if kept is None:
        assert warnings == ["GPSSpeed: 100000 is not a possible speed; left empty"]


@pytest.mark.parametrize(("ref", "factor"), [(b"k", 1.0), (b"Km", 1.0), (b"n", 1.852),
                                             (b" ", 1.0)])
def test_speed_units_are_read_whatever_their_case_or_padding(ref, factor):
    out, _ = settings(gps={G.GPSSpeedRef: ref, G.GPSSpeed: (10, 1)})
    assert out.gps_speed_kmh == pytest.approx(10 * factor)


def test_a_horizontal_error_beyond_ten_thousand_km_is_refused():
    out, warnings = settings(gps={G.GPSHPositioningError: (10_000_001, 1)})
    assert out.gps_horizontal_error_m is None
    assert warnings == ["GPSHPositioningError: 1e+07 m is not a possible error; left empty"]


@pytest.mark.parametrize(("kind", "expected"), [
    (1, 100), (2, 200), (3, 300), (4, 100), (5, 100), (6, 200), (None, 300)])
def test_a_saturated_iso_takes_the_value_its_sensitivity_type_names(kind, expected):
    values = {E.ISOSpeedRatings: 65535, E.StandardOutputSensitivity: 100,
              E.RecommendedExposureIndex: 200, E.ISOSpeed: 300}
    if kind is not None:
        values[E.SensitivityType] = kind
    assert settings(values)[0].iso == expected


def test_apex_values_beyond_any_camera_give_nothing():
    out, warnings = settings({E.ShutterSpeedValue: (64, 1), E.ApertureValue: (64, 1)})
    assert (out.exposure_time, out.f_number, warnings) == (None, None, [])
    out, warnings = settings({E.ShutterSpeedValue: (-64, 1)})
    assert (out.exposure_time, warnings) == (None, [])


def test_apex_values_just_inside_their_range_are_converted():
    out, _ = settings({E.ShutterSpeedValue: (63, 1), E.ApertureValue: (19, 1)})
    assert out.exposure_time == pytest.approx(2.0 ** -63)
    assert out.f_number == pytest.approx(round(2.0 ** 9.5, 6))


def _rw2(ifd0: list[bytes]) -> bytes:
    """A Panasonic RW2 skeleton: TIFF with magic 0x55 and a sensor size in IFD0."""
    tiff = header() + ifd([entry(0x0002, SHORT, 1, 64), entry(0x0003, SHORT, 1, 48), *ifd0])
    return tiff[:2] + struct.pack("<H", 0x55) + tiff[4:]


def test_a_panasonic_raw_gives_the_iso_its_own_ifd0_records():
    decoded = decode_bytes(_rw2([entry(0x0017, SHORT, 1, 800)]))
    assert (decoded.format, decoded.width, decoded.typed.iso) == ("RW2", 64, 800)


def test_a_panasonic_raw_without_that_tag_has_no_iso():
    assert decode_bytes(_rw2([])).typed.iso is None
