"""Image properties as Pillow users expect them: resolution, bit depth, colour space and
profile, alpha, progressive coding, frames and thumbnails, from headers only."""

from __future__ import annotations

import io
import struct
import zlib

import piexif
import pytest
from PIL import Image, ImageCms

from image_metadata.decode import decode_bytes
from image_metadata.tags import icc


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _save(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def props(data: bytes):
    return decode_bytes(data).properties


def test_a_progressive_jpeg_is_progressive_and_a_baseline_one_is_not():
    image = Image.new("RGB", (64, 64))
    assert props(_save(image, "JPEG", progressive=True)).progressive is True
    assert props(_save(image, "JPEG")).progressive is False


def test_jpeg_resolution_comes_from_jfif():
    found = props(_save(Image.new("RGB", (8, 8)), "JPEG", dpi=(300, 150)))
    assert (found.dpi_x, found.dpi_y) == (300, 150)


def test_jpeg_resolution_falls_back_to_exif_when_jfif_gives_only_an_aspect_ratio():
    exif = piexif.dump({"0th": {piexif.ImageIFD.XResolution: (240, 1),
                                piexif.ImageIFD.YResolution: (240, 1),
                                piexif.ImageIFD.ResolutionUnit: 2}})
    found = props(_save(Image.new("RGB", (8, 8)), "JPEG", exif=exif))
    assert (found.dpi_x, found.dpi_y) == (240, 240)


def test_exif_resolution_in_centimetres_is_converted_to_inches():
    exif = piexif.dump({"0th": {piexif.ImageIFD.XResolution: (100, 1),
                                piexif.ImageIFD.YResolution: (100, 1),
                                piexif.ImageIFD.ResolutionUnit: 3}})
    assert props(_save(Image.new("RGB", (8, 8)), "JPEG", exif=exif)).dpi_x == 254


def test_a_jpeg_icc_profile_split_over_segments_is_joined_and_described():
    profile = _srgb_profile() + b"\x00" * 140_000  # more than one APP2 segment holds
    found = props(_save(Image.new("RGB", (8, 8)), "JPEG", icc_profile=profile))
    assert found.icc_profile == icc.read_icc(profile).description
    assert found.icc_profile  # a description was there to read
    assert found.color_space == "RGB"


def test_exif_color_space_wins_over_the_profile_model():
    exif = piexif.dump({"Exif": {piexif.ExifIFD.ColorSpace: 1}})
    found = props(_save(Image.new("RGB", (8, 8)), "JPEG", exif=exif, icc_profile=_srgb_profile()))
    assert found.color_space == "sRGB"


def test_jpeg_bit_depth_and_no_alpha():
    found = props(_save(Image.new("L", (8, 8)), "JPEG"))
    assert (found.bits_per_sample, found.has_alpha, found.frames, found.animated) == \
        (8, False, 1, False)


def test_an_exif_thumbnail_is_found():
    thumbnail = _save(Image.new("RGB", (4, 4)), "JPEG")
    exif = piexif.dump({"0th": {}, "1st": {piexif.ImageIFD.Compression: 6},
                        "thumbnail": thumbnail})
    assert props(_save(Image.new("RGB", (8, 8)), "JPEG", exif=exif)).has_thumbnail is True
    assert props(_save(Image.new("RGB", (8, 8)), "JPEG")).has_thumbnail is False


def test_png_depth_alpha_interlace_and_resolution():
    image = Image.new("RGBA", (8, 8))
    found = props(_save(image, "PNG", dpi=(72, 72)))
    assert (found.has_alpha, found.progressive, found.bits_per_sample) == (True, False, 8)
    assert found.dpi_x == pytest.approx(72, abs=0.02)  # pixels per metre, rounded by PNG
    assert props(_save(Image.new("I;16", (8, 8)), "PNG")).bits_per_sample == 16


def test_a_palette_png_with_transparency_has_alpha():
    image = Image.new("P", (8, 8))
    assert props(_save(image, "PNG", transparency=0)).has_alpha is True
    assert props(_save(image, "PNG")).has_alpha is False


def test_png_icc_profile_is_inflated_and_srgb_chunk_names_the_space():
    found = props(_save(Image.new("RGB", (8, 8)), "PNG", icc_profile=_srgb_profile()))
    assert found.icc_profile == icc.read_icc(_srgb_profile()).description
    with_chunk = _png_with_chunk(_save(Image.new("RGB", (8, 8)), "PNG"), b"sRGB", b"\x00")
    assert props(with_chunk).color_space == "sRGB"


def _png_with_chunk(png: bytes, kind: bytes, body: bytes) -> bytes:
    chunk = struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body))
    return png[:33] + chunk + png[33:]  # after the signature and IHDR


def test_an_animated_png_states_its_frames():
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "green", "blue")]
    data = _save(frames[0], "PNG", save_all=True, append_images=frames[1:])
    found = props(data)
    assert (found.frames, found.animated) == (3, True)


def test_an_interlaced_png_is_progressive():
    png = bytearray(_save(Image.new("RGB", (8, 8)), "PNG"))
    png[28] = 1  # IHDR's interlace method (Adam7)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    assert props(bytes(png)).progressive is True


def test_an_animated_webp_counts_its_frames():
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "green")]
    data = _save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
    found = props(data)
    assert (found.frames, found.animated) == (2, True)


def test_a_still_webp_is_one_frame_with_its_profile():
    data = _save(Image.new("RGBA", (8, 8)), "WEBP", icc_profile=_srgb_profile())
    found = props(data)
    assert (found.frames, found.animated, found.has_alpha) == (1, False, True)
    assert found.icc_profile == icc.read_icc(_srgb_profile()).description


def test_tiff_pages_are_frames_not_animation():
    pages = [Image.new("L", (8, 8)) for _ in range(3)]
    data = _save(pages[0], "TIFF", save_all=True, append_images=pages[1:], dpi=(600, 600))
    found = props(data)
    assert (found.frames, found.animated, found.dpi_x) == (3, False, 600)


def test_a_sixteen_bit_tiff_says_so():
    assert props(_save(Image.new("I;16", (8, 8)), "TIFF")).bits_per_sample == 16


def test_an_impossible_resolution_is_left_empty_with_a_warning():
    exif = piexif.dump({"0th": {piexif.ImageIFD.XResolution: (4_000_000_000, 1),
                                piexif.ImageIFD.YResolution: (300, 1)}})
    decoded = decode_bytes(_save(Image.new("RGB", (8, 8)), "JPEG", exif=exif))
    assert (decoded.properties.dpi_x, decoded.properties.dpi_y) == (None, 300)
    assert "dpi_x: 4e+09 is not a possible resolution; left empty" in decoded.warnings


def test_a_profile_that_is_no_profile_costs_only_the_profile():
    decoded = decode_bytes(_save(Image.new("RGB", (8, 8)), "JPEG", icc_profile=b"garbage" * 30))
    assert decoded.properties.icc_profile is None
    assert "ICC profile: not a readable profile; ignored" in decoded.warnings


def test_icc_v4_descriptions_are_read_from_their_unicode_record():
    text = "Display P3".encode("utf-16-be")
    mluc = b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS" + \
        struct.pack(">II", len(text), 28) + text
    header = struct.pack(">I", 132 + 12 + len(mluc)) + bytes(12) + b"RGB " + bytes(16) + \
        b"acsp" + bytes(88)
    profile = header + struct.pack(">I4sII", 1, b"desc", 144, len(mluc)) + mluc
    assert icc.read_icc(profile) == icc.IccProfile("Display P3", "RGB")


def test_icc_tag_offsets_outside_the_profile_give_no_description():
    header = struct.pack(">I", 144) + bytes(12) + b"CMYK" + bytes(16) + b"acsp" + bytes(88)
    profile = header + struct.pack(">I4sII", 1, b"desc", 10_000, 50)
    assert icc.read_icc(profile) == icc.IccProfile(None, "CMYK")


@pytest.mark.parametrize("numerator,denominator", [(10**9, 1), (0, 0)])
def test_pillows_rational_resolution_that_is_no_resolution_is_left_empty(numerator,
                                                                          denominator):
    from PIL.TiffImagePlugin import IFDRational

    from image_metadata.tags import properties

    warnings: list[str] = []
    value = IFDRational(numerator, denominator)
    assert properties._plausible_dpi((value, value), warnings) == (None, None)
    assert len(warnings) == (2 if numerator else 0)
