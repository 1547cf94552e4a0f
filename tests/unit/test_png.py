"""PNG headers from chunk headers agree with Pillow, and text chunks cannot inflate unbounded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from image_metadata import samples
from image_metadata.formats import png


def saved(mode: str, **params) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (7, 5)).save(out, format="PNG", **params)
    return out.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


@pytest.mark.parametrize("mode", ["1", "L", "I;16", "RGB", "RGBA", "P", "LA"])
def test_mode_and_size_match_pillow(mode):
    data = saved(mode)
    header = png.read_png(io.BytesIO(data))
    with Image.open(io.BytesIO(data)) as image:
        assert (header.width, header.height, header.mode) == (*image.size, image.mode)


def test_exif_before_the_image_data_is_returned():
    data = saved("RGB", exif=b"Exif\x00\x00" + samples.exif_bytes(make="Canon"))
    assert png.read_png(io.BytesIO(data)).exif.startswith((b"II*\x00", b"MM\x00*"))


@pytest.mark.parametrize("compressed", [True, False])
def test_xmp_text_is_returned_whether_compressed_or_not(compressed):
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", '<x exif:GPSLatitude="1,2N"/>', zip=compressed)
    header = png.read_png(io.BytesIO(saved("RGB", pnginfo=info)))
    assert header.xmp == b'<x exif:GPSLatitude="1,2N"/>'


def test_compressed_xmp_is_inflated_only_up_to_the_bound():
    bomb = zlib.compress(b" " * (64 * 1024 * 1024), 9)  # 64 MiB of spaces, ~64 KiB packed
    body = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + bomb
    plain = saved("RGB")
    data = plain[:33] + chunk(b"iTXt", body) + plain[33:]
    assert len(png.read_png(io.BytesIO(data)).xmp) == png.MAX_XMP


def test_other_text_chunks_are_skipped_unread():
    bomb = zlib.compress(b"x" * (32 * 1024 * 1024), 9)
    plain = saved("RGB")
    data = plain[:33] + chunk(b"zTXt", b"Comment\x00\x00" + bomb) + plain[33:]
    assert png.read_png(io.BytesIO(data)).mode == "RGB"


@pytest.mark.parametrize(("data", "message"), [
    (png.SIGNATURE + chunk(b"tEXt", b"a\x00b"), "first chunk is not IHDR"),
    (png.SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 5, 3, 2, 0, 0, 0)),
     "not a PNG mode"),
    (png.SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 5, 8, 2, 0, 0, 0)), "is 0"),
    (png.SIGNATURE + b"\x00\x00\x00\x0dIHDR" + bytes(12), "truncated"),
])
def test_malformed_headers_raise_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        png.read_png(io.BytesIO(data))


def test_a_header_whose_checksum_is_wrong_keeps_its_values_with_a_warning():
    damaged = chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 5, 8, 2, 0, 0, 0))[:-4] + bytes(4)
    found = png.read_png(io.BytesIO(png.SIGNATURE + damaged))
    assert (found.width, found.height, found.mode) == (7, 5, "RGB")
    assert found.warnings == ("PNG: the IHDR checksum does not match (a damaged header)",)


def test_a_sound_header_has_no_warning():
    assert png.read_png(io.BytesIO(saved("RGB"))).warnings == ()
