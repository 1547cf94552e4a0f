"""JPEG headers from marker segments agree with Pillow, and malformed headers say why."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.formats import jpeg
from tests.conftest import CORPUS


def pillow_view(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as image:
        return (image.format, image.mode, *image.size, image.info.get("exif"),
                image.info.get("xmp"))


def ours(data: bytes) -> tuple:
    header = jpeg.read_jpeg(io.BytesIO(data))
    return (header.format, header.mode, header.width, header.height, header.exif, header.xmp)


def encoded(mode: str, **params) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (40, 30)).save(out, format="JPEG", **params)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data"), [
    ("grey", encoded("L")),
    ("rgb with exif", encoded("RGB", exif=b"Exif\x00\x00" + samples.exif_bytes())),
    ("cmyk", encoded("CMYK")),
    ("progressive", encoded("RGB", progressive=True)),
    ("with xmp", encoded("RGB", xmp=b"<x:xmpmeta>exif:GPSLatitude=\"1,2N\"</x:xmpmeta>")),
])
def test_header_matches_pillow(name, data):
    assert ours(data) == pillow_view(data)


def test_multi_picture_file_is_mpo():
    out = io.BytesIO()
    frames = [Image.new("RGB", (32, 24), (i * 80, 0, 0)) for i in range(2)]
    frames[0].save(out, format="MPO", save_all=True, append_images=frames[1:])
    assert ours(out.getvalue())[:4] == pillow_view(out.getvalue())[:4] == ("MPO", "RGB", 32, 24)


def test_fill_bytes_between_segments_are_skipped():
    data = encoded("RGB")
    padded = data[:2] + b"\xff\xff\xff" + data[2:]
    assert ours(padded)[1:4] == ("RGB", 40, 30)


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xda",
     "no start-of-frame"),
    (b"\xff\xd8\xff\xe0\x00\x01", "impossible length"),
    (b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x10", "truncated"),
    (b"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x10\x00\x10\x02\x00\x00\x00", "colour components"),
    (b"\xff\xd8\x00\x00", "ends inside the header"),
    (b"\xff\xd8", "ends inside the header"),
])
def test_malformed_header_raises_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        jpeg.read_jpeg(io.BytesIO(data))


CORPUS_JPEGS = sorted((CORPUS / "exif-samples" / "jpg").rglob("*.jp*g")) \
    if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CORPUS_JPEGS, ids=lambda p: p.name)
def test_corpus_jpeg_matches_pillow(path):
    data = path.read_bytes()
    assert ours(data) == pillow_view(data)


@pytest.mark.parametrize(("junk", "skipped"), [(b"junk!", 5), (b"\x00", 1), (b"\xff\x00\x12", 3)])
def test_junk_before_a_marker_is_skipped_with_a_warning(junk, skipped):
    # Pillow and libjpeg read past it too ("extraneous bytes before marker").
    data = encoded("RGB")
    header = jpeg.read_jpeg(io.BytesIO(data[:2] + junk + data[2:]))
    assert (header.mode, header.width, header.height) == ("RGB", 40, 30)
    assert header.warnings == (f"JPEG: {skipped} bytes of junk before marker FFE0 (skipped)",)


def test_junk_between_segments_is_read_as_pillow_reads_it():
    data = encoded("RGB", exif=b"Exif\x00\x00" + samples.exif_bytes())
    app0_end = 4 + int.from_bytes(data[4:6], "big")
    damaged = data[:app0_end] + b"\x00\x01\x02" + data[app0_end:]
    assert ours(damaged) == pillow_view(damaged)


def test_long_fill_runs_are_no_junk():
    data = encoded("RGB")
    assert jpeg.read_jpeg(io.BytesIO(data[:2] + b"\xff" * 100_000 + data[2:])).warnings == ()


def test_a_file_cut_after_its_frame_header_keeps_its_size_with_a_warning():
    data = encoded("RGB")
    sos = data.index(b"\xff\xda")
    header = jpeg.read_jpeg(io.BytesIO(data[:sos - 10]))
    assert (header.width, header.height) == (40, 30)
    assert header.warnings == ("JPEG: the file ends before the image data (truncated)",)


def test_a_file_cut_before_its_frame_header_is_malformed():
    data = encoded("RGB")
    with pytest.raises(ValueError, match="ends inside the header"):
        jpeg.read_jpeg(io.BytesIO(data[:data.index(b"\xff\xc0")]))
