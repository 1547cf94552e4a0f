"""The project's own readers (formats Pillow does not open, and the tolerant paths of those it
does) on files made from each format's specification: size, mode, the metadata they carry, and
what a damaged header gives."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.exceptions import CorruptImage, ImageFailure, NotAnImage
from tests.support import made_formats
from tests.support.made_formats import MADE

SIZE = (16, 12)
EXIF = samples.exif_bytes(make="Canon", model="EOS R5")
FORMAT_OF = {"JXL codestream": "JXL", "BMP with PNG": "BMP"}


@pytest.mark.parametrize("name", sorted(MADE))
def test_a_made_file_has_its_format_and_size(name):
    make, _keeps_exif = MADE[name]
    result = decode_bytes(make(SIZE, EXIF))
    assert (result.format, result.width, result.height) == (FORMAT_OF.get(name, name), *SIZE)


@pytest.mark.parametrize("name", sorted(n for n, (_m, keeps) in MADE.items() if keeps))
def test_a_made_file_keeps_the_exif_it_carries(name):
    result = decode_bytes(MADE[name][0](SIZE, EXIF))
    assert (result.typed.make, result.typed.model) == ("Canon", "EOS R5")


@pytest.mark.parametrize("name", sorted(MADE))
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_cut_down_file_is_a_row_or_an_image_failure(name, keep):
    data = MADE[name][0](SIZE, EXIF)
    cut = data[:max(1, int(len(data) * keep))]
    try:
        result = decode_bytes(cut)
    except ImageFailure:
        return
    assert result.format  # a row: what could be read, damage named in warnings


# -- JPEG XL -------------------------------------------------------------------------------


def jxl_small(height_div8: int, ratio: int, width_div8: int = 0) -> bytes:
    bits = [1] + [(height_div8 - 1) >> i & 1 for i in range(5)] + [ratio >> i & 1 for i in range(3)]
    if not ratio:
        bits += [(width_div8 - 1) >> i & 1 for i in range(5)]
    bits += [1]  # all_default
    bits += [0] * (-len(bits) % 8)
    return b"\xff\x0a" + bytes(sum(b << i for i, b in enumerate(bits[k:k + 8]))
                               for k in range(0, len(bits), 8)) + bytes(8)


@pytest.mark.parametrize(("ratio", "width"), [(1, 64), (2, 76), (3, 85), (4, 96), (5, 113),
                                              (6, 80), (7, 128)])
def test_jpeg_xl_widths_follow_the_size_header_ratio(ratio, width):
    result = decode_bytes(jxl_small(8, ratio))  # height 64
    assert (result.width, result.height) == (width, 64)


def test_jpeg_xl_small_sizes_are_multiples_of_eight():
    result = decode_bytes(jxl_small(3, 0, 5))
    assert (result.width, result.height) == (40, 24)


def test_jpeg_xl_orientation_comes_from_the_codestream():
    bits = [1] + [0] * 5 + [1, 0, 0]  # 8x8
    bits += [0, 1] + [(6 - 1) >> i & 1 for i in range(3)]  # not all_default, extra fields, 6
    bits += [0] * (-len(bits) % 8)
    data = b"\xff\x0a" + bytes(sum(b << i for i, b in enumerate(bits[k:k + 8]))
                               for k in range(0, len(bits), 8)) + bytes(8)
    assert decode_bytes(data).typed.orientation == 6


def test_a_jpeg_xl_container_without_a_codestream_is_corrupt():
    data = made_formats.jxl_container(SIZE, EXIF)
    with pytest.raises(CorruptImage, match="no codestream box"):
        decode_bytes(data[:data.index(b"jxlc") - 4])


# -- camera raw ----------------------------------------------------------------------------


def test_a_crw_rotation_and_capture_time_come_from_its_records():
    result = decode_bytes(made_formats.crw(SIZE))
    assert (result.typed.make, result.typed.model) == ("Canon", "Canon EOS D30")
    assert result.typed.orientation == 6
    assert result.exif["DateTimeOriginal"] == "2001:09:09 01:46:40"


def test_a_rw2_size_is_the_area_inside_the_sensor_borders():
    result = decode_bytes(made_formats.rw2((3648, 2736)))
    assert (result.width, result.height) == (3648, 2736)


def test_a_raf_reports_its_cropped_size_and_the_embedded_jpegs_exif():
    result = decode_bytes(made_formats.raf((4256, 1424), EXIF))
    assert (result.width, result.height, result.typed.make) == (4256, 1424, "Canon")


def test_a_raf_whose_jpeg_is_unreadable_keeps_its_size_with_a_warning():
    data = bytearray(made_formats.raf(SIZE, EXIF))
    data[160:162] = b"\x00\x00"  # the embedded JPEG's SOI
    result = decode_bytes(bytes(data))
    assert (result.width, result.height) == SIZE
    assert any(w.startswith("RAF: the embedded JPEG is unreadable") for w in result.warnings)


def test_a_cr3_without_size_tags_takes_its_first_tracks_size():
    result = decode_bytes(made_formats.cr3((6000, 4000), None))
    assert (result.format, result.width, result.height) == ("CR3", 6000, 4000)


def test_a_cr2_reports_the_size_its_exif_records_over_its_preview():
    preview = io.BytesIO()
    exif = samples.exif_bytes(make="Canon", extra_exif={0xA002: 3456, 0xA003: 2304})
    Image.new("RGB", (48, 32)).save(preview, "TIFF", exif=exif)
    data = bytearray(preview.getvalue())
    data[8:10] = b"CR"  # Canon's mark after the TIFF header
    result = decode_bytes(bytes(data))
    assert (result.format, result.width, result.height) == ("TIFF", 3456, 2304)


def test_a_tiff_without_cr2s_mark_keeps_its_stored_size_whatever_exif_says():
    plain = io.BytesIO()
    exif = samples.exif_bytes(make="Canon", extra_exif={0xA002: 3456, 0xA003: 2304})
    Image.new("RGB", (48, 32)).save(plain, "TIFF", exif=exif)
    assert (decode_bytes(plain.getvalue()).width, decode_bytes(plain.getvalue()).height) == (48, 32)


# -- tolerant paths of formats Pillow reads ------------------------------------------------


def test_a_tiff_pillow_refuses_for_lack_of_dimensions_is_a_row_with_a_warning():
    # IFD0 with a photometric interpretation and strips, but no ImageWidth/ImageLength.
    entries = [(0x0106, 3, 1, 2), (0x0111, 4, 1, 8), (0x0117, 4, 1, 0)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    data = b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(4)
    result = decode_bytes(data)
    assert (result.format, result.width, result.height) == ("TIFF", None, None)
    assert "TIFF: no image size in any IFD" in result.warnings
    assert any(w.startswith("TIFF: Pillow cannot open it") for w in result.warnings)


def test_a_bmp_holding_a_png_has_the_pngs_mode_and_the_headers_size():
    result = decode_bytes(made_formats.bmp_with_png((7, 5)))
    assert (result.format, result.mode, result.width, result.height) == ("BMP", "RGB", 7, 5)


def fits_cards(*cards: tuple[str, str], end: bool = True) -> bytes:
    text = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards)
    return (text + ("END".ljust(80) if end else "")).encode()


def test_a_fits_file_cut_before_its_end_card_is_read_from_its_cards():
    data = fits_cards(("SIMPLE", "T"), ("BITPIX", "16"), ("NAXIS", "2"), ("NAXIS1", "30"),
                      ("NAXIS2", "20"), end=False)
    result = decode_bytes(data)
    assert (result.format, result.mode, result.width, result.height) == ("FITS", "I;16S", 30, 20)
    assert any(w.startswith("FITS: ") for w in result.warnings)


def test_fits_data_without_image_axes_is_not_an_image():
    with pytest.raises(NotAnImage, match=r"FITS data without an image \(NAXIS 0\)"):
        decode_bytes(fits_cards(("SIMPLE", "T"), ("BITPIX", "8"), ("NAXIS", "0"), end=False))


# -- weakly marked formats -----------------------------------------------------------------


def test_a_pict_after_its_512_byte_application_header_is_read():
    result = decode_bytes(bytes(512) + made_formats.pict((30, 20)))
    assert (result.format, result.width, result.height) == ("PICT", 30, 20)


def test_a_weak_mark_does_not_take_a_file_pillow_reads():
    # A TGA whose bytes 10-13 happen to hold PICT's version opcode stays a TGA.
    out = io.BytesIO()
    Image.new("RGB", (5, 4)).save(out, "TGA")
    data = bytearray(out.getvalue())
    assert decode_bytes(bytes(data)).format == "TGA"


def test_radiance_sizes_follow_the_resolution_lines_axis_order():
    data = b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n+X 30 +Y 20\n" + bytes(16)
    assert (decode_bytes(data).width, decode_bytes(data).height) == (30, 20)


def test_a_multi_page_djvu_reports_its_first_page():
    page = made_formats.djvu((30, 20))[12:]  # FORM body: "DJVU" + INFO
    inner = b"FORM" + struct.pack(">I", len(page)) + page
    dirm = b"DIRM" + struct.pack(">I", 3) + b"\x01\x00\x01\x00"
    body = b"DJVM" + dirm + inner
    result = decode_bytes(b"AT&TFORM" + struct.pack(">I", len(body)) + body)
    assert (result.format, result.width, result.height) == ("DJVU", 30, 20)


def test_a_weakly_marked_file_that_a_plugin_claims_and_refuses_is_still_read():
    # 64 columns make an MRC start like a DIB header (size 64); Pillow's DIB plugin refuses it.
    result = decode_bytes(made_formats.mrc((64, 48)))
    assert (result.format, result.width, result.height) == ("MRC", 64, 48)
