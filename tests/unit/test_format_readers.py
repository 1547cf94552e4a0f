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


# -- hostile headers (each once made decoding hang, blow up or fail the wrong way) ---------


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def test_ciff_heaps_pointing_back_at_themselves_are_read_once():
    fan = 512  # each record a heap that is the whole heap again: fan**depth reads
    table = struct.pack("<H", fan) + struct.pack("<HII", 0x2805, 2 + 10 * fan + 4, 0) * fan
    data = b"II" + struct.pack("<I", 26) + b"HEAPCCDR" + bytes(12) + table + struct.pack("<I", 0)
    with pytest.raises(CorruptImage, match="no image information record"):
        decode_bytes(data)


def test_cr3_boxes_nested_without_end_are_corrupt_not_a_crash():
    inner = b""
    for _ in range(1000):
        inner = box(b"mdia", inner)
    data = box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + box(b"moov", box(b"trak", inner))
    with pytest.raises(CorruptImage):
        decode_bytes(data)


def test_a_cr3_box_whose_64_bit_size_leaves_no_body_stops_the_walk():
    tail = struct.pack(">I4sQ", 1, b"uuid", 1 << 40)  # 16 bytes of header, nothing after
    data = box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + box(b"moov", tail) + bytes(4096)
    with pytest.raises(CorruptImage):
        decode_bytes(data)


def test_an_x3f_prop_section_of_unterminated_text_is_read_in_one_pass():
    pairs = 1024
    text = ("x" * 500_000).encode("utf-16-le")
    prop = b"SECp" + struct.pack("<IIIII", 0x00020000, pairs, 0, 0, 500_000) \
        + struct.pack("<II", 0, 0) * pairs + text
    body = made_formats.x3f((64, 48))
    head = body[:body.index(b"SECp")]
    directory = b"SECd" + struct.pack("<II", 0x00020000, 1) + struct.pack(
        "<II4s", len(head), len(prop), b"PROP")
    data = head + prop + directory + struct.pack("<I", len(head) + len(prop))
    result = decode_bytes(data)
    assert (result.format, result.width, result.typed.make) == ("X3F", 64, None)


def test_an_x3f_time_that_is_no_time_leaves_the_capture_time_out():
    data = made_formats.x3f((64, 48)).replace("1000000000".encode("utf-16-le"),
                                              "9999999999".encode("utf-16-le"))
    data = data.replace("9999999999".encode("utf-16-le"), "٣٣٣٣٣٣٣٣٣٣".encode("utf-16-le"))
    result = decode_bytes(data)
    assert (result.width, result.typed.datetime_original) == (64, None)


@pytest.mark.parametrize("value", ["inf", "1e400"])
def test_an_eps_bounding_box_beyond_any_integer_is_an_image_failure(value):
    data = f"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 {value} {value}\n%%EndComments\n"
    with pytest.raises(ImageFailure):
        decode_bytes(data.encode())


@pytest.mark.parametrize("text", [
    # %ImageData inside the header comments, after the header, and after an end of file mark
    "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%ImageData: 20 30 8 1 0 1 1 \"x\"\n"
    "%%EndComments\n",
    "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n"
    "%ImageData: 20 30 8 1 0 1 1 \"x\"\n",
    "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n%%EOF\n"
    "%ImageData: 20 30 8 1 0 1 1 \"x\"\n",
], ids=["in-the-header", "after-the-header", "after-eof"])
def test_eps_comments_count_where_pillow_counts_them(text):
    data = text.encode()
    with Image.open(io.BytesIO(data)) as image:
        expected = (image.mode, *image.size)
    result = decode_bytes(data)
    assert (result.mode, result.width, result.height) == expected


def test_a_cr2_without_any_size_is_a_row_not_a_crash():
    entries = [(0x0106, 3, 1, 2)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    data = b"II*\x00" + struct.pack("<I", 16) + b"CR\x02\x00" + bytes(4) + ifd + bytes(4)
    result = decode_bytes(data)
    assert (result.format, result.width, result.height) == ("TIFF", None, None)


def test_a_size_from_a_signed_field_that_is_negative_is_dropped_with_a_warning():
    tags = [(0x0100, 9, 1, (-100) & 0xFFFFFFFF), (0x0101, 9, 1, (-50) & 0xFFFFFFFF)]
    table = b"".join(struct.pack("<HHII", *t) for t in tags)
    data = b"IIRO" + struct.pack("<I", 8) + struct.pack("<H", 2) + table + bytes(4)
    result = decode_bytes(data)
    assert (result.format, result.width, result.height) == ("ORF", None, None)
    assert "ORF: width -100 is not a size; dropped" in result.warnings


def test_a_page_naming_itself_is_not_taken_by_a_weak_mark():
    html = bytearray(b"<!DOCTYPE html><html>" + b" " * 400)
    html[208:216] = b"MAP DD\x00\x00"
    with pytest.raises(NotAnImage, match="HTML page"):
        decode_bytes(bytes(html))


def test_a_tga_carrying_a_cr3_mark_by_chance_is_read_as_pillow_reads_it():
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, "TGA")
    data = bytearray(out.getvalue())
    data[3:12] = b"\x00ftypcrx "  # colour-map and origin fields an RGB TGA does not use
    result = decode_bytes(bytes(data))
    assert (result.format, result.mode, result.width, result.height) == ("TGA", "RGB", 64, 48)


def test_a_short_file_a_plugin_asks_much_of_is_not_too_large():
    with pytest.raises(NotAnImage):
        decode_bytes(b"\x1c\x02\x00\x84\x00\x7f\xff\xff\xff" + bytes(10))


def test_a_jpeg_xl_codestream_box_too_short_for_a_size_header_is_corrupt():
    data = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a" + box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ") \
        + box(b"jxlc", b"\xff\x0a") + box(b"free", b"\xff" * 64)
    with pytest.raises(CorruptImage, match="truncated"):
        decode_bytes(data)


def test_a_fits_file_with_its_end_card_keeps_pillows_refusal():
    data = fits_cards(("SIMPLE", "T"), ("BITPIX", "8"), ("NAXIS", "2"), ("NAXIS1", "'x'"),
                      ("NAXIS2", "20"))
    with pytest.raises(CorruptImage, match="cannot read the FITS header"):
        decode_bytes(data.ljust(2880, b" "))


def test_megabytes_of_stuffed_bytes_in_a_jpeg_header_are_corrupt():
    with pytest.raises(CorruptImage, match="ends inside the header"):
        decode_bytes(b"\xff\xd8" + b"\xff\x00" * (1 << 20))
