"""decode_bytes on hostile bytes: valid images of every format, mutated, and hand-made traps.

Whatever the bytes, decoding returns a record whose EXIF map and warnings are bounded text, or
raises an ImageFailure subclass: never another exception, never a pixel buffer, and never more
than MEMORY_LIMIT of Python allocations. The fuzz runs are derandomized (and use no example
database), so CI sees the same examples on every run.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import warnings
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

import piexif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, features

from image_metadata import samples
from image_metadata.decode import SUPPORTED_FORMATS, Decoded, decode_bytes
from image_metadata.exceptions import CorruptImage, ImageFailure
from image_metadata.tags.text import MAX_TEXT
from tests.support import made_formats, pillow_formats

from .test_isobmff import full, heif
from .tiff_bytes import ASCII, HEADER_SIZE, LONG, RATIONAL, SHORT, entry, header, ifd, ifd_size

MEMORY_LIMIT = 64 << 20  # Python allocations of one decode call, at their peak
# One hostile file: a generous bound that only a blow-up (a quadratic loop, a read without a
# cap) can pass; real files take milliseconds, and speed is measured in bench/, not here.
SECONDS_LIMIT = 20.0
SIZE = (16, 12)
EXIF = samples.exif_bytes(
    make="Canon", model="EOS R5", place=samples.PLACES["sydney"],
    extra_exif={
        piexif.ExifIFD.UserComment: b"UNICODE\x00" + "Opera ☀".encode("utf-16-be"),
        piexif.ExifIFD.SubSecTimeOriginal: b"042",
    },
    extra_ifd0={piexif.ImageIFD.XPTitle: "Harbour".encode("utf-16-le")},
)
EXTREME_INTS = (0, 1, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)

FUZZ = settings(
    deadline=timedelta(seconds=SECONDS_LIMIT),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _heif_encoder() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    return bool(pillow_heif.libheif_info().get("HEIF"))


def _mpo(exif: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZE).save(out, "MPO", save_all=True,
                                append_images=[Image.new("RGB", SIZE)],
                                exif=b"Exif\x00\x00" + exif)
    return out.getvalue()


def _ico_with_bitmap_icon() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZE).save(out, "ICO", sizes=[SIZE], bitmap_format="bmp")
    return out.getvalue()


def _seeds() -> dict[str, bytes]:
    """One valid image per supported format (two for PNG and ICO), each with the EXIF block
    when its format can carry one; formats this Pillow build cannot write are left out."""
    seeds = {fmt: samples.encode(fmt, SIZE, exif=EXIF) for fmt in ("JPEG", "PNG", "TIFF", "WEBP")}
    seeds["PNG, eXIf after IDAT"] = samples.png_with_exif_after_idat(SIZE, EXIF)
    seeds["MPO"] = _mpo(EXIF)
    seeds["GIF"] = samples.encode("GIF", SIZE, mode="P")
    seeds["BMP"] = samples.encode("BMP", SIZE)
    seeds["ICO"] = samples.encode("ICO", SIZE)
    seeds["ICO, bitmap icon"] = _ico_with_bitmap_icon()
    if _heif_encoder():
        seeds["HEIF"] = samples.encode("HEIF", SIZE, exif=EXIF)
    if features.check("avif"):
        seeds["AVIF"] = samples.encode("AVIF", SIZE, exif=EXIF)
    if features.check("jpg_2000"):
        seeds["JPEG2000"] = samples.encode("JPEG2000", SIZE)
    seeds.update(pillow_formats.one_of_each(SIZE))
    seeds.update({f"made {name}": data for name, data in made_formats.made(SIZE, EXIF).items()})
    return seeds


SEEDS = _seeds()
# Sizes that are not the size asked for, as Pillow reports them too: ICNS stores its standard
# icon sizes; the stub formats (scientific data Pillow only names) have none.
SEED_SIZES = {"ICNS": (1024, 1024), "BUFR": (0, 0), "GRIB": (0, 0), "HDF5": (0, 0)}
WITH_EXIF = {"JPEG", "PNG", "PNG, eXIf after IDAT", "TIFF", "WEBP", "MPO", "HEIF", "AVIF",
             *(f"made {name}" for name, (_make, keeps) in made_formats.MADE.items() if keeps)}


def _warm_up() -> None:
    """Decode every seed once: loading Pillow's plugins allocates an image buffer, once per
    process, which must not count against the first example that happens to run."""
    for data in SEEDS.values():
        decode_bytes(data)


_warm_up()


# -- the property ------------------------------------------------------------------------------


def pixel_buffers_created() -> int:
    """Image buffers Pillow has allocated in this process (its C allocator, which tracemalloc
    does not see)."""
    return Image.core.get_stats()["new_count"]


@contextmanager
def python_allocations() -> Iterator[Callable[[], int]]:
    """Trace Python allocations in the block; yields a function giving their peak."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    peak = 0
    try:
        yield lambda: peak
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        if started:
            tracemalloc.stop()


def decode_safely(data: bytes) -> Decoded | ImageFailure:
    """decode_bytes under watch: an ImageFailure is returned, any other exception propagates;
    no pixel buffer may be allocated and Python allocations must stay under MEMORY_LIMIT."""
    buffers = pixel_buffers_created()
    with warnings.catch_warnings(), python_allocations() as peak:
        warnings.simplefilter("ignore")  # Pillow warns about the damage it tolerates
        try:
            result: Decoded | ImageFailure = decode_bytes(data)
        except ImageFailure as failure:
            result = failure
    assert peak() < MEMORY_LIMIT, f"{peak() / 2**20:.1f} MiB allocated at the peak"
    assert pixel_buffers_created() == buffers, "a pixel buffer was allocated"
    if isinstance(result, Decoded):
        assert_bounded_text(result)
    return result


def assert_bounded_text(decoded: Decoded) -> None:
    for name, value in decoded.exif.items():
        assert isinstance(name, str) and isinstance(value, str), (name, value)
        name.encode("utf-8")
        value.encode("utf-8")  # raises on lone surrogates
        assert "\x00" not in value, name
        assert len(value) <= MAX_TEXT, name
    assert all(isinstance(warning, str) for warning in decoded.warnings)


def decoded(data: bytes) -> Decoded:
    result = decode_safely(data)
    assert isinstance(result, Decoded), result
    return result


def failure(data: bytes) -> ImageFailure:
    result = decode_safely(data)
    assert isinstance(result, ImageFailure), result
    return result


# -- mutations ---------------------------------------------------------------------------------


def _offset(draw: st.DrawFn, data: bytearray) -> int:
    return draw(st.integers(0, max(len(data) - 1, 0)))


def flip_byte(draw: st.DrawFn, data: bytearray) -> bytearray:
    if data:
        data[_offset(draw, data)] ^= draw(st.integers(1, 255))
    return data


def truncate(draw: st.DrawFn, data: bytearray) -> bytearray:
    return data[: draw(st.integers(0, len(data)))]


def duplicate_slice(draw: st.DrawFn, data: bytearray) -> bytearray:
    start = _offset(draw, data)
    piece = data[start : start + draw(st.integers(1, 64))] * draw(st.integers(1, 3))
    at = draw(st.integers(0, len(data)))
    return data[:at] + piece + data[at:]


def insert_bytes(draw: st.DrawFn, data: bytearray) -> bytearray:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=32)) + data[at:]


def overwrite_integer(draw: st.DrawFn, data: bytearray) -> bytearray:
    """A length, count, offset or dimension field set to an extreme value."""
    width = draw(st.sampled_from((2, 4)))
    value = draw(st.sampled_from(EXTREME_INTS)) & ((1 << 8 * width) - 1)
    at = _offset(draw, data)
    data[at : at + width] = value.to_bytes(width, draw(st.sampled_from(("big", "little"))))
    return data


MUTATIONS = (flip_byte, truncate, duplicate_slice, insert_bytes, overwrite_integer)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(MUTATIONS))(draw, data)
    return bytes(data)


@st.composite
def mutated_seed(draw: st.DrawFn) -> bytes:
    return draw(mutated(SEEDS[draw(st.sampled_from(sorted(SEEDS)))]))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">L", len(data)) + kind + data + struct.pack(">L", crc)


def riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<L", len(data)) + data + b"\x00" * (len(data) & 1)


def webp(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<L", len(body)) + body


def vp8x(width: int, height: int, flags: int = 0) -> bytes:
    size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + size)


@cache
def plain(fmt: str) -> bytes:
    """A small image without metadata, encoded once."""
    return samples.encode(fmt, SIZE)


def jpeg_with_segments(*segments: bytes) -> bytes:
    """A real JPEG with ``segments`` (each framed: marker, length, payload) after its SOI."""
    return plain("JPEG")[:2] + b"".join(segments) + plain("JPEG")[2:]


def app_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif_in(container: str, exif: bytes) -> bytes:
    """``exif`` (a TIFF structure) inside an otherwise valid JPEG, PNG or WebP file."""
    if container == "JPEG":
        return jpeg_with_segments(app_segment(0xE1, b"Exif\x00\x00" + exif[:65000]))
    if container == "PNG":
        after_ihdr = 8 + 25
        return plain("PNG")[:after_ihdr] + png_chunk(b"eXIf", exif) + plain("PNG")[after_ihdr:]
    return webp(plain("WEBP")[12:] + riff_chunk(b"EXIF", exif))  # its chunks, then EXIF


SIGNATURES = (
    b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"GIF87a", b"II*\x00", b"MM\x00*", b"BM",
    b"\x00\x00\x01\x00", b"RIFF\x00\x10\x00\x00WEBP", b"\x00\x00\x00\x18ftypheic",
    b"\x00\x00\x00\x18ftypavif", b"\x00\x00\x00\x18ftypmif1",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51",
)


# -- fuzzing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_is_a_valid_image_with_its_metadata(name):
    result = decoded(SEEDS[name])
    assert (result.width, result.height) == SEED_SIZES.get(name, SIZE)
    if name in WITH_EXIF:
        assert result.exif["Make"] == "Canon"


def test_seeds_cover_every_supported_format_this_pillow_build_can_write():
    formats = {decode_bytes(data).format.upper() for data in SEEDS.values()}
    writable = {"HEIF"} if _heif_encoder() else set()
    writable |= {"AVIF"} if features.check("avif") else set()
    writable |= {"JPEG2000"} if features.check("jpg_2000") else set()
    expected = set(SUPPORTED_FORMATS) - ({"HEIF", "AVIF", "JPEG2000"} - writable)
    own = {decode_bytes(data).format for name, data in SEEDS.items()
           if name.startswith("made ")} - set(SUPPORTED_FORMATS)
    assert formats - own == expected - set(pillow_formats.WITHOUT_SAMPLE)


@settings(FUZZ, max_examples=5000)
@given(mutated_seed())
def test_mutated_images_decode_to_bounded_text_or_an_image_failure(data):
    decode_safely(data)


@settings(FUZZ, max_examples=2500)
@given(st.sampled_from(("JPEG", "PNG", "WEBP")), mutated(EXIF))
def test_mutated_exif_in_a_valid_container_decodes_to_bounded_text_or_a_failure(container, exif):
    decode_safely(exif_in(container, exif))


@settings(FUZZ, max_examples=1500)
@given(st.sampled_from(SIGNATURES), st.binary(max_size=512))
def test_random_bytes_after_an_image_signature_decode_or_fail_cleanly(signature, tail):
    decode_safely(signature + tail)


# -- TIFF structures that loop, overflow or point outside the data --------------------------


def looping_tiff(*, subfile_type: int = 0) -> bytes:
    """A TIFF whose IFD0 names itself as the next IFD, as its Exif IFD and as its SubIFD."""
    make_at = HEADER_SIZE + ifd_size(13)
    entries = [
        entry(0x00FE, LONG, 1, subfile_type),  # NewSubfileType: bit 0 marks a preview
        entry(0x0100, SHORT, 1, 2),  # ImageWidth
        entry(0x0101, SHORT, 1, 2),  # ImageLength
        entry(0x0102, SHORT, 1, 8),  # BitsPerSample
        entry(0x0103, SHORT, 1, 1),  # Compression: none
        entry(0x0106, SHORT, 1, 1),  # PhotometricInterpretation: BlackIsZero
        entry(0x010F, ASCII, 6, make_at),  # Make
        entry(0x0111, LONG, 1, make_at + 6),  # StripOffsets
        entry(0x0115, SHORT, 1, 1),  # SamplesPerPixel
        entry(0x0116, SHORT, 1, 2),  # RowsPerStrip
        entry(0x0117, LONG, 1, 4),  # StripByteCounts
        entry(0x014A, LONG, 1, HEADER_SIZE),  # SubIFDs: IFD0 again
        entry(0x8769, LONG, 1, HEADER_SIZE),  # Exif IFD: IFD0 again
    ]
    return header() + ifd(entries, next_ifd=HEADER_SIZE) + b"Canon\x00" + bytes(4)


def test_tiff_whose_ifd0_links_to_itself_is_read_once_with_a_loop_warning():
    result = decoded(looping_tiff())
    assert (result.format, result.width, result.height) == ("TIFF", 2, 2)
    assert result.exif["Make"] == "Canon"
    assert any("loop" in warning for warning in result.warnings)


def test_preview_tiff_whose_subifds_loop_back_to_ifd0_keeps_its_own_size():
    result = decoded(looping_tiff(subfile_type=1))
    assert (result.width, result.height) == (2, 2)


def exif_jpeg(entries: list[bytes], tail: bytes = b"") -> bytes:
    """A JPEG whose EXIF block is IFD0 with ``entries`` followed by ``tail``."""
    return exif_in("JPEG", header() + ifd(entries) + tail)


def test_tag_with_count_0xffffffff_is_summarised_by_size_without_being_read():
    make_at = HEADER_SIZE + ifd_size(3)
    result = decoded(exif_jpeg([
        entry(0x010F, ASCII, 6, make_at),
        entry(0x0112, SHORT, 0xFFFFFFFF, make_at),  # Orientation
        entry(0xC000, RATIONAL, 0xFFFFFFFF, make_at),
    ], b"Canon\x00"))
    assert result.exif["Make"] == "Canon"
    assert result.exif["Tag0xC000"] == f"<binary, {0xFFFFFFFF * 8} bytes>"
    assert result.typed.orientation is None


def test_value_offset_beyond_the_end_drops_that_tag_with_a_warning():
    make_at = HEADER_SIZE + ifd_size(2)
    result = decoded(exif_jpeg([
        entry(0x010F, ASCII, 6, make_at),
        entry(0x0110, ASCII, 32, 0xFFFFFF00),  # Model, far past the block
    ], b"Canon\x00"))
    assert result.exif["Make"] == "Canon"
    assert "Model" not in result.exif
    assert any("0x0110" in w and "truncated" in w for w in result.warnings)


def test_exif_ifd_pointer_beyond_the_end_is_skipped_with_a_warning():
    result = decoded(exif_jpeg([entry(0x8769, LONG, 1, 0x7FFFFFFF)]))
    assert any("beyond the data" in warning for warning in result.warnings)


def test_many_tags_sharing_one_megabyte_value_stay_within_the_memory_budget():
    # 1,000 tags each declare the same 1 MiB of LONGs: read in full, that is 260 million ints.
    tags = 1000
    value_at = HEADER_SIZE + ifd_size(tags + 1)
    entries = [entry(0x0100, SHORT, 1, 1)] + [
        entry(0xC000 + i, LONG, (1 << 20) // 4, value_at) for i in range(tags)
    ]
    started = time.perf_counter()
    result = decoded(exif_in("PNG", header() + ifd(entries) + bytes(range(256)) * 4096))
    assert time.perf_counter() - started < SECONDS_LIMIT
    assert result.exif["Tag0xC000"] == f"<{(1 << 20) // 4} values>"
    assert any("summarised" in warning for warning in result.warnings)


def test_tags_pointing_at_one_block_of_rationals_stay_within_the_memory_budget():
    # Within one 64 KB APP1 segment: 1,000 tags of 6,000 rationals each, all the same bytes.
    tags, count = 1000, 6000
    value_at = HEADER_SIZE + ifd_size(tags)
    entries = [entry(0xC000 + i, RATIONAL, count, value_at) for i in range(tags)]
    block = header() + ifd(entries)
    started = time.perf_counter()
    result = decoded(exif_jpeg(entries, bytes(65000 - len(block))))
    assert time.perf_counter() - started < SECONDS_LIMIT
    assert result.exif["Tag0xC000"] == f"<{count} values>"


# -- text that is not valid UTF-8 ----------------------------------------------------------


def test_exif_ascii_is_cut_at_its_first_nul_and_invalid_utf8_read_as_cp1252():
    make_at = HEADER_SIZE + ifd_size(2)
    raw_make = b"Can\xffon\x00hidden text"
    result = decoded(exif_jpeg([
        entry(0x010F, ASCII, len(raw_make), make_at),
        entry(0x0110, ASCII, 4, b"\x00\x00\x00\x00"),  # Model: nothing before the NUL
    ], raw_make))
    assert result.exif["Make"] == "Canÿon"
    assert result.typed.make == "Canÿon"
    assert result.exif["Model"] == ""
    assert result.typed.model is None


def test_exif_bytes_undefined_in_cp1252_become_replacement_characters():
    make_at = HEADER_SIZE + ifd_size(1)
    raw_make = b"\x81\x8d\x8f\x90\x9d"  # the five bytes cp1252 leaves undefined
    result = decoded(exif_jpeg([entry(0x010F, ASCII, len(raw_make), make_at)], raw_make))
    assert result.exif["Make"] == "\ufffd" * 5


def test_unicode_user_comment_with_a_lone_surrogate_is_valid_utf8_text():
    exif_at = HEADER_SIZE + ifd_size(1)
    comment_at = exif_at + ifd_size(1)
    comment = b"UNICODE\x00" + "ok".encode("utf-16-be") + b"\xd8\x00" + "!".encode("utf-16-be")
    result = decoded(exif_jpeg(
        [entry(0x8769, LONG, 1, exif_at)],
        ifd([entry(0x9286, 7, len(comment), comment_at)]) + comment,
    ))
    assert result.exif["UserComment"] == "ok\ufffd!"


def test_exif_ascii_longer_than_the_text_limit_is_cut_with_an_ellipsis():
    make_at = HEADER_SIZE + ifd_size(1)
    result = decoded(exif_jpeg([entry(0x010F, ASCII, 5000, make_at)], b"M" * 5000))
    assert result.exif["Make"] == "M" * (MAX_TEXT - 1) + "…"


# -- huge declared sizes stay metadata ------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    ihdr = png_chunk(b"IHDR", struct.pack(">LLBBBBB", width, height, 8, 2, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4))
            + png_chunk(b"IEND", b""))


def gif_declaring(screen: tuple[int, int], frame_at: tuple[int, int],
                  frame: tuple[int, int]) -> bytes:
    palette = bytes([255, 0, 0, 0, 0, 255])  # two colours: mode P
    return (b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + palette
            + b"," + struct.pack("<HHHHB", *frame_at, *frame, 0) + b"\x02\x02\x44\x01\x00;")


def ico_holding(icon: bytes) -> bytes:
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHLL", 0, 0, 0, 0, 1, 32,
                                                             len(icon), 22)
    return directory + icon


def jpeg_declaring(width: int, height: int) -> bytes:
    jpeg = bytearray(plain("JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(jpeg)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(png_declaring(65535, 65535), ("PNG", 65535, 65535), id="PNG 65535²"),
        pytest.param(png_declaring(2**31 - 1, 2**31 - 1), ("PNG", 2**31 - 1, 2**31 - 1),
                     id="PNG at its limit"),
        pytest.param(gif_declaring((65535, 65535), (0, 0), (65535, 65535)),
                     ("GIF", 65535, 65535), id="GIF 65535²"),
        pytest.param(gif_declaring((16, 16), (65535, 65535), (65535, 65535)),
                     ("GIF", 131070, 131070), id="GIF frame beyond its screen"),
        pytest.param(webp(vp8x(2**24, 2**24)), ("WEBP", 2**24, 2**24), id="WEBP 2^24²"),
        pytest.param(jpeg_declaring(65535, 65535), ("JPEG", 65535, 65535), id="JPEG 65535²"),
        pytest.param(ico_holding(png_declaring(65535, 65535)), ("ICO", 65535, 65535),
                     id="ICO with a 65535² PNG icon"),
        pytest.param(ico_holding(png_declaring(8000, 8000)), ("ICO", 8000, 8000),
                     id="ICO with an 8000² PNG icon, under Pillow's bomb limit"),
    ],
)
def test_huge_declared_size_is_reported_as_metadata_without_a_pixel_buffer(data, expected):
    result = decoded(data)  # checks that no pixel buffer was allocated
    assert (result.format, result.width, result.height) == expected


def test_gif_frame_beyond_its_screen_takes_the_mode_of_its_palette():
    assert decoded(gif_declaring((16, 16), (0, 0), (65535, 65535))).mode == "P"


def test_ico_with_a_bitmap_icon_reports_the_icon_size_without_its_mask():
    result = decoded(SEEDS["ICO, bitmap icon"])
    assert (result.format, result.mode, result.width, result.height) == ("ICO", "RGBA", *SIZE)


# -- floods of segments, chunks and boxes ----------------------------------------------------


def test_jpeg_with_2500_app_segments_before_its_frame_fails_naming_the_segment_limit():
    data = jpeg_with_segments(*[app_segment(0xE5, b"x")] * 2500)
    assert "more than 2000 segments" in str(failure(data))


def test_jpeg_with_1900_app_segments_before_its_frame_is_read():
    result = decoded(jpeg_with_segments(*[app_segment(0xE5, b"x")] * 1900))
    assert (result.format, result.width, result.height) == ("JPEG", *SIZE)


def test_jpeg_with_megabytes_of_fill_bytes_is_read_in_bounded_time():
    started = time.perf_counter()
    result = decoded(jpeg_with_segments(b"\xff" * (4 << 20)))
    assert time.perf_counter() - started < SECONDS_LIMIT
    assert (result.width, result.height) == SIZE


def test_webp_with_12000_tiny_chunks_after_its_header_keeps_its_size():
    result = decoded(webp(vp8x(640, 480), *[riff_chunk(b"JUNK", b"")] * 12000))
    assert (result.format, result.width, result.height) == ("WEBP", 640, 480)


def test_webp_with_12000_tiny_chunks_before_its_header_fails_naming_the_chunk_limit():
    data = webp(*[riff_chunk(b"JUNK", b"")] * 12000, vp8x(640, 480))
    assert "more than 10000 chunks" in str(failure(data))


def test_heif_iloc_listing_a_million_empty_extents_fails_fast():
    # 0-byte offset and length fields: each extent costs nothing to declare.
    items, extents = 1000, 1024
    body = bytes([0x00, 0x00]) + struct.pack(">H", items)
    body += b"".join(struct.pack(">HHHH", 2 + i, 0, 0, extents) for i in range(items))
    started = time.perf_counter()
    failure(heif(replace={b"iloc": full(b"iloc", body, 1)}))
    assert time.perf_counter() - started < SECONDS_LIMIT


@pytest.mark.skipif("AVIF" not in SEEDS, reason="Pillow cannot write AVIF")
def test_avif_whose_primary_item_does_not_exist_is_corrupt():
    # libavif reports this with a RuntimeError, which must become an ImageFailure.
    pitm = b"pitm\x00\x00\x00\x00\x00"  # full box header; the 2-byte item id follows
    data = SEEDS["AVIF"].replace(pitm + b"\x01", pitm + b"\x09")
    assert data != SEEDS["AVIF"]
    assert isinstance(failure(data), CorruptImage)


def test_png_text_chunks_decompressing_to_64_mb_stay_within_the_memory_budget():
    text = zlib.compress(b"A" * ((1 << 20) - 100), 9)  # 1 KB that inflates to 1 MB
    chunks = b"".join(png_chunk(b"zTXt", b"k%d\x00\x00" % i + text) for i in range(70))
    decode_safely(plain("PNG")[:33] + chunks + plain("PNG")[33:])
