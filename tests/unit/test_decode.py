"""decode.py: image bytes in, format/mode/size and EXIF/GPS/XMP metadata out, pixels never."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image, PngImagePlugin

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.exceptions import CorruptImage, NotAnImage, UnsupportedFormat
from tests.support.formats import needs_avif, needs_heif

from .tiff_bytes import HEADER_SIZE, LONG, SHORT, entry, header, ifd, ifd_size

SIZE = (64, 48)
EXIF = samples.exif_bytes(
    make="Canon", model="EOS R5", when="2024:05:17 12:30:00", place=samples.PLACES["rio"]
)




def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", crc)


def png_declaring(width: int, height: int, *, crc_ok: bool = True) -> bytes:
    """A PNG header declaring ``width`` x ``height`` RGB, with one tiny IDAT."""
    ihdr = png_chunk(b"IHDR", struct.pack(">LLBBBBB", width, height, 8, 2, 0, 0, 0))
    if not crc_ok:
        ihdr = ihdr[:-4] + bytes(4)
    return (b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4))
            + png_chunk(b"IEND", b""))


def jpeg_with_xmp(xmp: bytes, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    params = {"exif": b"Exif\x00\x00" + exif} if exif else {}
    Image.new("RGB", (8, 8)).save(out, "JPEG", xmp=xmp, **params)
    return out.getvalue()


def xmp_packet(**properties: str) -> bytes:
    attributes = " ".join(f'{name.replace("_", ":", 1)}="{value}"'
                          for name, value in properties.items())
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        f"{attributes}/></rdf:RDF></x:xmpmeta>"
    ).encode()


# -- format, mode and size ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mode", "expected_mode"),
    [
        ("JPEG", "RGB", "RGB"),
        ("JPEG", "L", "L"),
        ("JPEG", "CMYK", "CMYK"),
        ("PNG", "RGB", "RGB"),
        ("PNG", "RGBA", "RGBA"),
        ("PNG", "I;16", "I;16"),
        ("PNG", "P", "P"),
        ("TIFF", "RGB", "RGB"),
        ("TIFF", "CMYK", "CMYK"),
        ("WEBP", "RGB", "RGB"),
        ("GIF", "P", "P"),
        ("BMP", "RGB", "RGB"),
        pytest.param("HEIF", "RGB", "RGB", marks=needs_heif),
        pytest.param("AVIF", "RGB", "RGB", marks=needs_avif),
    ],
)
def test_format_mode_and_size_are_read_from_the_header(fmt, mode, expected_mode):
    decoded = decode_bytes(samples.encode(fmt, SIZE, mode=mode))
    assert (decoded.format, decoded.mode, decoded.width, decoded.height) == (
        fmt, expected_mode, 64, 48
    )


def test_image_without_metadata_has_no_exif_and_no_warnings():
    decoded = decode_bytes(samples.encode("BMP", SIZE))
    assert decoded.exif == {}
    assert decoded.warnings == []
    assert decoded.typed.make is None


# -- EXIF in every container -------------------------------------------------------------------


# AVIF writers move Orientation into the container (irot/imir); Pillow puts it back only when
# it is not 1, so an upright AVIF has no Orientation tag.
@pytest.mark.parametrize(
    ("build", "orientation"),
    [
        pytest.param(lambda: samples.encode("JPEG", SIZE, exif=EXIF), 1, id="jpeg-app1"),
        pytest.param(lambda: samples.encode("PNG", SIZE, exif=EXIF), 1,
                     id="png-exif-before-idat"),
        pytest.param(lambda: samples.png_with_exif_after_idat(SIZE, EXIF), 1,
                     id="png-exif-after-idat"),
        pytest.param(lambda: samples.encode("TIFF", SIZE, exif=EXIF), 1, id="tiff-ifd0"),
        pytest.param(lambda: samples.encode("WEBP", SIZE, exif=EXIF), 1, id="webp-chunk"),
        pytest.param(lambda: samples.encode("HEIF", SIZE, exif=EXIF), 1, id="heif-item",
                     marks=needs_heif),
        pytest.param(lambda: samples.encode("AVIF", SIZE, exif=EXIF), None, id="avif-item",
                     marks=needs_avif),
    ],
)
def test_typed_exif_columns_match_what_was_written(build, orientation):
    decoded = decode_bytes(build())
    typed = decoded.typed
    assert (decoded.width, decoded.height) == SIZE
    assert (typed.make, typed.model, typed.lens_model, typed.software) == (
        "Canon", "EOS R5", "Example 24-70mm f/2.8", "image-metadata samples"
    )
    assert typed.datetime_original == datetime(2024, 5, 17, 12, 30)
    assert typed.orientation == orientation
    assert typed.gps_latitude == pytest.approx(-22.951917, abs=1e-6)
    assert typed.gps_longitude == pytest.approx(-43.210487, abs=1e-6)
    assert typed.gps_altitude == 700.0
    assert typed.gps_timestamp == datetime(2024, 5, 17, 15, 30, tzinfo=UTC)  # 12:30 in Rio
    assert decoded.exif["FNumber"] == "2.8"
    assert decoded.warnings == []


@pytest.mark.parametrize(
    "fmt",
    ["JPEG", "PNG", "WEBP", "TIFF", pytest.param("AVIF", marks=needs_avif)],
)
def test_rotated_image_reports_its_orientation_with_the_stored_size(fmt):
    decoded = decode_bytes(samples.encode(fmt, SIZE, exif=samples.exif_bytes(orientation=6)))
    assert (decoded.typed.orientation, decoded.width, decoded.height) == (6, 64, 48)


def test_broken_exif_keeps_the_image_and_reports_warnings():
    table = [entry(0x010F, 99, 1, 0), entry(0x0110, 2, 4, b"Xyz\x00")]
    decoded = decode_bytes(samples.encode("JPEG", SIZE, exif=header() + ifd(table)))
    assert (decoded.format, decoded.width) == ("JPEG", 64)
    assert decoded.typed.model == "Xyz"
    assert decoded.warnings == ["IFD0: tag 0x010F has unknown type 99; skipped"]


# -- what is not an image, or not a readable one ----------------------------------------------


def test_empty_bytes_are_not_an_image():
    with pytest.raises(NotAnImage, match="empty file"):
        decode_bytes(b"")


def test_text_is_not_an_image():
    with pytest.raises(NotAnImage, match="no image signature") as raised:
        decode_bytes(b"this is a text file, not a picture\n")
    assert raised.value.error_type == "not_an_image"


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04" + bytes(20), "ZIP archive"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "gzip data"),
        (b"<!DOCTYPE html><html><body>", "HTML page"),
        (b"  <html><body>", "HTML page"),
        (b'{"error": "not found"}', "JSON text"),
    ],
)
def test_known_non_image_files_are_not_images(data, what):
    with pytest.raises(NotAnImage, match=f"{what}, not an image"):
        decode_bytes(data)


def test_pdf_is_an_unsupported_format():
    with pytest.raises(UnsupportedFormat, match="PDF document") as raised:
        decode_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert raised.value.error_type == "unsupported_format"


def test_svg_is_an_unsupported_format():
    with pytest.raises(UnsupportedFormat, match="SVG drawing"):
        decode_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"/>')


@pytest.mark.parametrize(
    "prolog",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN">\n',
    ],
    ids=["xml-declaration", "doctype"],
)
def test_svg_after_an_xml_prolog_is_an_unsupported_format(prolog):
    with pytest.raises(UnsupportedFormat, match="SVG drawing"):
        decode_bytes(prolog + b'<svg xmlns="http://www.w3.org/2000/svg" width="10"/>')


def test_xml_that_is_not_svg_is_not_an_image():
    with pytest.raises(NotAnImage):
        decode_bytes(b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>')


def test_a_format_pillow_reads_is_read_as_pillow_reads_it():
    result = decode_bytes(b"P6\n2 3\n255\n" + bytes(18))
    assert (result.format, result.mode, result.width, result.height) == ("PPM", "RGB", 2, 3)


def test_a_format_pillow_knows_and_the_reader_does_not_support_is_named():
    from image_metadata.formats import pillow

    pillow.init_plugins()
    data = b"P6\n2 2\n255\n" + bytes(12)
    with pytest.raises(UnsupportedFormat, match="PPM files are not supported"):
        pillow.open_header(io.BytesIO(data), data[:16], supported={"JPEG"}, openers={})


def test_a_format_without_a_signature_is_tried_after_every_other():
    # TGA has no magic number: Pillow's plugin decides from the header, as Image.open does.
    out = io.BytesIO()
    Image.new("RGB", (5, 4)).save(out, "TGA")
    result = decode_bytes(out.getvalue())
    assert (result.format, result.mode, result.width, result.height) == ("TGA", "RGB", 5, 4)


def test_truncated_jpeg_is_corrupt():
    with pytest.raises(CorruptImage, match="cannot read the JPEG header") as raised:
        decode_bytes(samples.encode("JPEG", (320, 240))[:20])
    assert (raised.value.error_type, raised.value.stage) == ("corrupt_image", "decode")


def test_png_with_a_bad_header_checksum_is_read_with_a_warning():
    result = decode_bytes(png_declaring(10, 10, crc_ok=False))
    assert (result.format, result.width, result.height) == ("PNG", 10, 10)
    assert "PNG: the IHDR checksum does not match (a damaged header)" in result.warnings


def test_png_signature_alone_is_corrupt():
    with pytest.raises(CorruptImage):
        decode_bytes(b"\x89PNG\r\n\x1a\n")


# -- huge declared sizes stay metadata -------------------------------------------------------


def _decode_without_bomb_warnings(data: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return decode_bytes(data)


def test_png_declaring_100000_by_100000_is_read_as_metadata():
    decoded = _decode_without_bomb_warnings(png_declaring(100_000, 100_000))
    assert (decoded.format, decoded.width, decoded.height) == ("PNG", 100_000, 100_000)


def test_gif_declaring_the_largest_size_is_read_as_metadata():
    screen = struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    decoded = _decode_without_bomb_warnings(b"GIF89a" + screen + frame + b";")
    assert (decoded.format, decoded.width, decoded.height) == ("GIF", 65535, 65535)


def test_jpeg_declaring_the_largest_size_is_read_as_metadata():
    jpeg = bytearray(samples.encode("JPEG", (16, 16)))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 65500, 65500)
    decoded = _decode_without_bomb_warnings(bytes(jpeg))
    assert (decoded.width, decoded.height) == (65500, 65500)


# -- raw-style TIFF: a preview in IFD0, the full image in a SubIFD ----------------------------


def _image_ifd(subfile_type: int, width: int, height: int, strip_at: int,
               sub_ifds: int | None = None) -> list[bytes]:
    entries = [
        entry(0x00FE, LONG, 1, subfile_type),  # NewSubfileType: 1 = reduced resolution
        entry(0x0100, LONG, 1, width),
        entry(0x0101, LONG, 1, height),
        entry(0x0102, SHORT, 1, 8),  # BitsPerSample
        entry(0x0103, SHORT, 1, 1),  # Compression: none
        entry(0x0106, SHORT, 1, 1),  # PhotometricInterpretation: BlackIsZero
        entry(0x0111, LONG, 1, strip_at),  # StripOffsets
        entry(0x0115, SHORT, 1, 1),  # SamplesPerPixel
        entry(0x0116, LONG, 1, height),  # RowsPerStrip
        entry(0x0117, LONG, 1, width * height),  # StripByteCounts
    ]
    if sub_ifds is not None:
        entries.append(entry(0x014A, LONG, 1, sub_ifds))  # SubIFDs
    return entries


def raw_with_preview(preview: tuple[int, int], full: tuple[int, int]) -> bytes:
    sub_at = HEADER_SIZE + ifd_size(11)
    strip_at = sub_at + ifd_size(10)
    ifd0 = _image_ifd(1, *preview, strip_at, sub_ifds=sub_at)
    sub = _image_ifd(0, *full, strip_at)
    return header() + ifd(ifd0) + ifd(sub) + bytes(preview[0] * preview[1])


def test_tiff_with_a_preview_in_ifd0_reports_the_full_resolution_size_of_its_subifd():
    decoded = decode_bytes(raw_with_preview((160, 120), (6000, 4000)))
    assert (decoded.format, decoded.width, decoded.height) == ("TIFF", 6000, 4000)


def test_tiff_whose_ifd0_is_the_main_image_keeps_its_own_size():
    data = raw_with_preview((160, 120), (6000, 4000))
    data = data.replace(entry(0x00FE, LONG, 1, 1), entry(0x00FE, LONG, 1, 0), 1)
    decoded = decode_bytes(data)
    assert (decoded.width, decoded.height) == (160, 120)


# -- XMP fills what EXIF lacks ---------------------------------------------------------------


def test_xmp_position_is_used_when_exif_has_none_with_a_warning_naming_xmp():
    xmp = xmp_packet(exif_GPSLatitude="41,24.5N", exif_GPSLongitude="2,10.25E")
    decoded = decode_bytes(jpeg_with_xmp(xmp))
    assert decoded.typed.gps_latitude == pytest.approx(41 + 24.5 / 60)
    assert decoded.typed.gps_longitude == pytest.approx(2 + 10.25 / 60)
    assert decoded.warnings == ["gps_latitude/gps_longitude: from XMP"]


def test_xmp_position_south_and_west_is_negative():
    xmp = xmp_packet(exif_GPSLatitude="22,57,6.9S", exif_GPSLongitude="43,12,37.75W")
    decoded = decode_bytes(jpeg_with_xmp(xmp))
    assert decoded.typed.gps_latitude == pytest.approx(-(22 + 57 / 60 + 6.9 / 3600))
    assert decoded.typed.gps_longitude == pytest.approx(-(43 + 12 / 60 + 37.75 / 3600))


def test_xmp_altitude_comes_with_the_xmp_position():
    xmp = xmp_packet(exif_GPSLatitude="41,24.5N", exif_GPSLongitude="2,10.25E",
                     exif_GPSAltitude="4305/10", exif_GPSAltitudeRef="1")
    assert decode_bytes(jpeg_with_xmp(xmp)).typed.gps_altitude == -430.5


def test_xmp_capture_time_is_used_when_exif_has_none_with_a_warning_naming_xmp():
    xmp = xmp_packet(exif_DateTimeOriginal="2020-01-02T03:04:05+02:00")
    decoded = decode_bytes(jpeg_with_xmp(xmp))
    assert decoded.typed.datetime_original == datetime(2020, 1, 2, 3, 4, 5)
    assert decoded.warnings == ["datetime_original: from XMP exif:DateTimeOriginal"]


def test_exif_position_and_time_win_over_xmp():
    xmp = xmp_packet(exif_GPSLatitude="41,24.5N", exif_GPSLongitude="2,10.25E",
                     exif_DateTimeOriginal="2020-01-02T03:04:05")
    decoded = decode_bytes(jpeg_with_xmp(xmp, exif=EXIF))
    assert decoded.typed.gps_latitude == pytest.approx(-22.951917, abs=1e-6)
    assert decoded.typed.datetime_original == datetime(2024, 5, 17, 12, 30)
    assert decoded.warnings == []


def test_xmp_in_a_png_text_chunk_is_used():
    xmp = xmp_packet(exif_GPSLatitude="41,24.5N", exif_GPSLongitude="2,10.25E")
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode())
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    assert decode_bytes(out.getvalue()).typed.gps_latitude == pytest.approx(41 + 24.5 / 60)


def test_xmp_in_a_tiff_xmp_tag_is_used():
    xmp = xmp_packet(exif_GPSLatitude="41,24.5N", exif_GPSLongitude="2,10.25W")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "TIFF", tiffinfo={700: xmp})
    assert decode_bytes(out.getvalue()).typed.gps_longitude == pytest.approx(-(2 + 10.25 / 60))


@needs_avif
@pytest.mark.parametrize("orientation", range(1, 9))
def test_avif_orientation_comes_from_its_boxes_as_pillow_reports_it(orientation):
    """Read from the boxes (Pillow's AVIF plugin would read the whole file): the encoder
    moves EXIF Orientation into irot/imir, and it comes back the same."""
    data = samples.encode("AVIF", (40, 30), exif=samples.exif_bytes(orientation=orientation))
    with Image.open(io.BytesIO(data)) as image:
        expected = image.getexif().get(274)
        size, mode = image.size, image.mode
    decoded = decode_bytes(data)
    assert (decoded.format, (decoded.width, decoded.height), decoded.mode) == ("AVIF", size, mode)
    assert decoded.typed.orientation == expected
    assert decoded.exif.get("Orientation") == (str(expected) if expected else None)


def test_every_typed_value_the_decoder_fills_is_a_column_of_the_images_table():
    from dataclasses import fields

    from image_metadata.schema import IMAGES_COLUMNS
    from image_metadata.tags.exif import Typed
    from image_metadata.tags.properties import ImageProperties

    columns = {c.name for c in IMAGES_COLUMNS}
    assert {f.name for f in fields(Typed)} <= columns
    assert {f.name for f in fields(ImageProperties)} <= columns
    assert {"exif", "exif_labels"} <= columns


@pytest.mark.parametrize("kind", [b"XMP ", b"C2PA", b"EXIF"])
def test_a_webp_cut_inside_a_metadata_chunk_is_its_image_with_a_warning(kind):
    whole = samples.encode("WEBP", SIZE)
    chunk = kind + struct.pack("<L", 5000) + b"<x:xmpmeta"  # promises 5000, holds 10
    riff = whole[:4] + struct.pack("<L", len(whole) - 8 + 5008) + whole[8:]
    decoded = decode_bytes(riff + chunk)
    assert (decoded.format, decoded.width, decoded.height) == ("WEBP", *SIZE)
    assert f"WebP: the {kind.decode().strip()} chunk is cut short (10 of 5000 bytes); " \
        "left out" in decoded.warnings
