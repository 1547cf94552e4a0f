"""isobmff.py: HEIF/AVIF headers from the boxes, never the image data, agreeing with Pillow."""

from __future__ import annotations

import io
import random
import struct
from pathlib import Path

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.formats.isobmff import MAX_BOXES, MAX_PAYLOAD_BYTES, HeifHeader, read_heif
from image_metadata.tags import exif as exif_mod
from tests.support.formats import heif_encoder_available, needs_avif, needs_heif

EXIF = samples.exif_bytes(make="Canon", model="EOS R5", place=samples.PLACES["rio"])
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "exif-samples" / "heic"


HEIF = pytest.param("HEIF", marks=needs_heif)
AVIF = pytest.param("AVIF", marks=needs_avif)


def encoded(fmt: str, mode: str = "RGB", size: tuple[int, int] = (64, 48),
            exif: bytes | None = EXIF, **params) -> bytes:
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    if exif is not None:
        params["exif"] = b"Exif\x00\x00" + exif
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt, **params)  # alpha 0: an opaque one is dropped
    return out.getvalue()


def tags_without_orientation(blob: bytes | None) -> dict[str, str]:
    """EXIF tags as the project reads them; Orientation differs by design (see module doc)."""
    if not blob:
        return {}
    tags = exif_mod.read_exif(io.BytesIO(exif_mod.strip_exif_header(blob))).tags
    tags.pop("Orientation", None)
    return tags


def assert_agrees_with_decoder(data: bytes) -> HeifHeader:
    header = read_heif(io.BytesIO(data))
    decoded = decode_bytes(data)
    assert (header.format, header.mode, header.width, header.height) == (
        decoded.format, decoded.mode, decoded.width, decoded.height)
    assert tags_without_orientation(header.exif) == {
        k: v for k, v in decoded.exif.items() if k != "Orientation"}
    return header


class CountingFile(io.BytesIO):
    """A file over bytes that records every (offset, length) actually read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[tuple[int, int]] = []

    def read(self, size: int | None = -1) -> bytes:
        start = self.tell()
        data = super().read(size)
        self.reads.append((start, len(data)))
        return data

    @property
    def bytes_read(self) -> int:
        return sum(length for _, length in self.reads)


# -- hand-built boxes ----------------------------------------------------------------------------


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", version << 24 | flags) + payload)


def ftyp(major: bytes = b"heic", *compatible: bytes) -> bytes:
    return box(b"ftyp", major + bytes(4) + b"".join(compatible or (b"mif1", b"heic")))


def infe(item: int, kind: bytes, content_type: bytes = b"", version: int = 2) -> bytes:
    ident = struct.pack(">H" if version == 2 else ">I", item)
    tail = content_type + b"\x00" if kind == b"mime" else b""
    return full(b"infe", ident + bytes(2) + kind + b"\x00" + tail, version)


def ispe(width: int, height: int) -> bytes:
    return full(b"ispe", struct.pack(">II", width, height))


def irot(quarter_turns: int) -> bytes:
    return box(b"irot", bytes([quarter_turns]))


def clap(width: int, height: int) -> bytes:
    """A centred clean aperture of ``width`` x ``height`` (fractions over 1)."""
    return box(b"clap", struct.pack(">8I", width, 1, height, 1, 0, 1, 0, 1))


def aux_c(urn: bytes) -> bytes:
    return full(b"auxC", urn + b"\x00")


def ipma(associations: dict[int, list[int]]) -> bytes:
    body = struct.pack(">I", len(associations))
    for item, indexes in associations.items():
        body += struct.pack(">HB", item, len(indexes)) + bytes(0x80 | i for i in indexes)
    return full(b"ipma", body)


def iref(*refs: tuple[bytes, int, list[int]], version: int = 0) -> bytes:
    code = ">H" if version == 0 else ">I"
    body = b"".join(
        box(kind, struct.pack(code, source) + struct.pack(">H", len(to))
            + b"".join(struct.pack(code, t) for t in to))
        for kind, source, to in refs)
    return full(b"iref", body, version)


def iloc(places: dict[int, tuple[int, list[tuple[int, int]]]], version: int = 1) -> bytes:
    """Item -> (construction method, [(offset, length)]), 4-byte offsets and lengths."""
    body = bytes([0x44, 0x00]) + struct.pack(">H", len(places))
    for item, (method, extents) in places.items():
        body += struct.pack(">HHH", item, method, 0) if version else struct.pack(">HH", item, 0)
        body += struct.pack(">H", len(extents))
        body += b"".join(struct.pack(">II", offset, length) for offset, length in extents)
    return full(b"iloc", body, version)


def heif(*, items: list[bytes] | None = None, props: list[bytes] | None = None,
         assoc: dict[int, list[int]] | None = None, refs: list[bytes] | None = None,
         data: dict[int, list[bytes]] | None = None, idat: dict[int, bytes] | None = None,
         brands: bytes | None = None, primary: int = 1, mdat_first: bool = False,
         replace: dict[bytes, bytes] | None = None) -> bytes:
    """A HEIF file: ftyp, meta, mdat (mdat before meta when ``mdat_first``). Item 1 is a
    64x48 'hvc1' image; ``data`` items lie in mdat (one extent per chunk), ``idat`` items in
    idat; ``replace`` swaps a generated box of meta (or ipma) for a given one."""
    head, data, replace = brands or ftyp(), {1: [bytes(100)], **(data or {})}, replace or {}
    mdat = box(b"mdat", b"".join(b"".join(chunks) for chunks in data.values()))

    def meta_box(mdat_start: int) -> bytes:
        places, idat_body = locations(data, idat or {}, mdat_start + 8)
        iprp = box(b"ipco", b"".join(props or [ispe(64, 48)]))
        iprp += replace.get(b"ipma", ipma(assoc or {1: [1]}))
        children = {
            b"hdlr": full(b"hdlr", bytes(4) + b"pict" + bytes(13)),
            b"pitm": full(b"pitm", struct.pack(">H", primary)),
            b"iinf": full(b"iinf", struct.pack(">H", len(items or [1])) + b"".join(
                items or [infe(1, b"hvc1")])),
            b"iloc": iloc(places), b"iprp": box(b"iprp", iprp), b"iref": b"".join(refs or []),
            b"idat": box(b"idat", idat_body) if idat else b"",
        }
        return full(b"meta", b"".join(replace.get(k, v) for k, v in children.items()))

    if mdat_first:
        return head + mdat + meta_box(len(head))
    return head + meta_box(len(head) + len(meta_box(0))) + mdat


def locations(data: dict[int, list[bytes]], idat: dict[int, bytes], mdat_payload: int
              ) -> tuple[dict[int, tuple[int, list[tuple[int, int]]]], bytes]:
    """iloc entries for items laid out one after another in mdat, then in idat."""
    places, at = {}, mdat_payload
    for item, chunks in data.items():
        places[item] = (0, [])
        for chunk in chunks:
            places[item][1].append((at, len(chunk)))
            at += len(chunk)
    idat_body = b""
    for item, payload in idat.items():
        places[item] = (1, [(len(idat_body), len(payload))])
        idat_body += payload
    return places, idat_body


def exif_item(tiff: bytes = EXIF, offset: int = 0) -> bytes:
    """An Exif item payload: tiff_header_offset, then that many bytes, then the TIFF data."""
    return struct.pack(">I", offset) + b"Exif\x00\x00"[:offset] + tiff


WITH_EXIF = dict(items=[infe(1, b"hvc1"), infe(2, b"Exif")], data={2: [exif_item()]},
                 refs=[iref((b"cdsc", 2, [1]))])


# -- agreement with pillow-heif and Pillow's AVIF plugin --------------------------------------


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "I;16"])
def test_format_mode_and_size_agree_with_the_decoder(fmt, mode):
    assert_agrees_with_decoder(encoded(fmt, mode))


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
def test_exif_tags_agree_with_the_decoder(fmt):
    header = assert_agrees_with_decoder(encoded(fmt))
    assert tags_without_orientation(header.exif)["Model"] == "EOS R5"


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
def test_exif_starts_at_the_tiff_header(fmt):
    assert read_heif(io.BytesIO(encoded(fmt))).exif[:4] == EXIF[:4] == b"MM\x00*"


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
def test_image_with_alpha_is_rgba(fmt):
    assert read_heif(io.BytesIO(encoded(fmt, "RGBA"))).mode == "RGBA"


@needs_heif
def test_premultiplied_alpha_heif_is_rgba_lowercase_a_like_pillow_heif():
    assert assert_agrees_with_decoder(encoded("HEIF", "RGBa")).mode == "RGBa"


@needs_heif
def test_heif_size_is_the_displayed_size_after_irot():
    data = encoded("HEIF", exif=samples.exif_bytes(orientation=6))
    header = assert_agrees_with_decoder(data)
    assert (header.width, header.height) == (48, 64)


@needs_avif
def test_avif_size_is_the_stored_size_as_pillow_reports_it():
    data = encoded("AVIF", exif=samples.exif_bytes(orientation=6))
    header = assert_agrees_with_decoder(data)
    assert (header.width, header.height) == (64, 48)


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
def test_xmp_item_is_returned_as_the_decoder_sees_it(fmt):
    data = encoded(fmt, xmp=XMP)
    with Image.open(io.BytesIO(data)) as image:
        assert read_heif(io.BytesIO(data)).xmp == image.info["xmp"] == XMP


@pytest.mark.parametrize("fmt", [HEIF, AVIF])
def test_file_without_metadata_has_no_exif_or_xmp(fmt):
    header = read_heif(io.BytesIO(encoded(fmt, exif=None)))
    assert (header.exif, header.xmp) == (None, None)


@pytest.mark.corpus
@pytest.mark.parametrize(
    "path", sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".heic", ".heif"))
    if CORPUS.is_dir() else [pytest.param(None, marks=pytest.mark.skip("no corpus"))],
    ids=lambda p: p.name if p else "absent")
def test_corpus_files_agree_with_the_decoder(path):
    assert_agrees_with_decoder(path.read_bytes())


# -- what is read ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_heif() -> bytes:
    if not heif_encoder_available():
        pytest.skip("no HEIF encoder in pillow_heif")
    import pillow_heif

    pillow_heif.register_heif_opener()
    noise = Image.frombytes("RGB", (2400, 1600), random.Random(7).randbytes(2400 * 1600 * 3))
    out = io.BytesIO()
    noise.save(out, format="HEIF", quality=90, exif=b"Exif\x00\x00" + EXIF, xmp=XMP)
    return out.getvalue()


def test_large_heif_is_read_through_under_two_percent_of_its_bytes(large_heif):
    fp = CountingFile(large_heif)
    header = read_heif(fp)
    assert (header.width, header.height, header.exif, header.xmp) == (2400, 1600, EXIF, XMP)
    assert len(large_heif) > 3_000_000
    assert fp.bytes_read < 0.02 * len(large_heif)


def test_image_data_in_an_mdat_before_meta_is_never_read():
    image = b"\xab" * 1_000_000
    data = heif(**{**WITH_EXIF, "data": {1: [image], 2: [exif_item()]}}, mdat_first=True)
    fp = CountingFile(data)
    assert read_heif(fp).exif == EXIF
    image_start = data.index(image)
    image_end = image_start + len(image)
    assert [(start, n) for start, n in fp.reads
            if start < image_end and start + n > image_start] == []


# -- box layouts ---------------------------------------------------------------------------------


def test_grid_primary_takes_the_size_of_the_grid_item_not_its_tiles():
    data = heif(items=[infe(1, b"grid"), infe(2, b"hvc1"), infe(3, b"hvc1")],
                props=[ispe(512, 512), ispe(1000, 400)], assoc={1: [2], 2: [1], 3: [1]},
                refs=[iref((b"dimg", 1, [2, 3]))])
    header = read_heif(io.BytesIO(data))
    assert (header.width, header.height) == (1000, 400)


def test_irot_after_ispe_swaps_width_and_height():
    data = heif(props=[ispe(64, 48), irot(1)], assoc={1: [1, 2]})
    header = read_heif(io.BytesIO(data))
    assert (header.width, header.height) == (48, 64)


@pytest.mark.parametrize(("brands", "size"), [
    (ftyp(), (60, 40)), (ftyp(b"avif", b"avif", b"mif1"), (64, 48))])
def test_clap_crops_the_heif_size_but_not_the_avif_size(brands, size):
    data = heif(brands=brands, props=[ispe(64, 48), clap(60, 40)], assoc={1: [1, 2]})
    header = read_heif(io.BytesIO(data))
    assert (header.width, header.height) == size


def test_alpha_is_an_auxl_image_with_an_alpha_urn():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"hvc1")],
                props=[ispe(64, 48), aux_c(b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")],
                assoc={1: [1], 2: [1, 2]}, refs=[iref((b"auxl", 2, [1]))])
    assert read_heif(io.BytesIO(data)).mode == "RGBA"


def test_auxiliary_image_that_is_not_alpha_leaves_rgb():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"hvc1")],
                props=[ispe(64, 48), aux_c(b"urn:com:apple:photo:2020:aux:hdrgainmap")],
                assoc={1: [1], 2: [1, 2]}, refs=[iref((b"auxl", 2, [1]))])
    assert read_heif(io.BytesIO(data)).mode == "RGB"


def test_exif_item_in_idat_is_read():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"Exif")], idat={2: exif_item()},
                refs=[iref((b"cdsc", 2, [1]))])
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_exif_extents_are_concatenated():
    payload = exif_item()
    data = heif(**{**WITH_EXIF, "data": {2: [payload[:10], payload[10:30], payload[30:]]}})
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_exif_tiff_header_offset_is_skipped():
    data = heif(**{**WITH_EXIF, "data": {2: [exif_item(offset=6)]}})
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_exif_item_over_the_size_cap_is_left_out():
    big = exif_item(EXIF + bytes(MAX_PAYLOAD_BYTES))
    assert read_heif(io.BytesIO(heif(**{**WITH_EXIF, "data": {2: [big]}}))).exif is None


def test_exif_describing_another_item_is_not_the_primary_items():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"hvc1"), infe(3, b"Exif")],
                data={3: [exif_item()]}, refs=[iref((b"cdsc", 3, [2]))])
    assert read_heif(io.BytesIO(data)).exif is None


def test_exif_item_describing_nothing_is_used():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"Exif")], data={2: [exif_item()]})
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_xmp_is_the_mime_item_of_type_rdf_xml():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"mime", b"text/plain"),
                       infe(3, b"mime", b"application/rdf+xml")],
                data={2: [b"not xmp"], 3: [XMP]})
    assert read_heif(io.BytesIO(data)).xmp == XMP


def test_32_bit_item_ids_of_infe_v3_pitm_v1_and_iref_v1_are_read():
    data = heif(items=[infe(1, b"hvc1", version=3), infe(2, b"Exif", version=3)],
                data={2: [exif_item()]}, refs=[iref((b"cdsc", 2, [1]), version=1)],
                replace={b"pitm": full(b"pitm", struct.pack(">I", 1), version=1)})
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_iloc_version_2_with_8_byte_fields_and_extent_indexes_is_read():
    image_at = len(ftyp()) + 8  # mdat first: the item 1 image, then the Exif item
    body = bytes([0x88, 0x84]) + struct.pack(">I", 2)  # offset/length 8, base 8, index 4
    for item, offset, length in ((1, image_at, 100), (2, image_at + 100, len(exif_item()))):
        body += struct.pack(">IHHQH", item, 0, 0, offset - 7, 1)  # base offset ...
        body += struct.pack(">IQQ", 0, 7, length)  # ... plus the extent offset
    data = heif(**WITH_EXIF, mdat_first=True,
                replace={b"iloc": full(b"iloc", body, version=2)})
    assert read_heif(io.BytesIO(data)).exif == EXIF


def test_64_bit_largesize_box_is_read():
    plain = heif()
    meta_at = len(ftyp())
    (size,) = struct.unpack_from(">I", plain, meta_at)
    large = plain[:meta_at] + struct.pack(">I4sQ", 1, b"meta", size + 8) + plain[meta_at + 8:]
    assert read_heif(io.BytesIO(large)).width == 64


def test_meta_of_size_zero_runs_to_the_end_of_the_file():
    plain = heif(mdat_first=True)
    meta_at = plain.index(b"meta") - 4
    data = plain[:meta_at] + struct.pack(">I", 0) + plain[meta_at + 4:]
    assert read_heif(io.BytesIO(data)).height == 48


@pytest.mark.parametrize(("brands", "fmt"), [
    (ftyp(b"avif", b"avif", b"mif1"), "AVIF"),
    (ftyp(b"mif1", b"mif1", b"avif"), "AVIF"),
    (ftyp(b"heic", b"mif1", b"heic"), "HEIF"),
    (ftyp(b"mif1", b"mif1", b"miaf"), "HEIF"),
])
def test_format_follows_the_brands(brands, fmt):
    assert read_heif(io.BytesIO(heif(brands=brands))).format == fmt


# -- malformed input is a ValueError -----------------------------------------------------------


def rejected(data: bytes) -> str:
    with pytest.raises(ValueError) as info:
        read_heif(io.BytesIO(data))
    return str(info.value)


def test_truncated_box_is_rejected():
    data = heif()
    assert "truncated" in rejected(data[: len(ftyp()) + 5])


def test_box_larger_than_the_file_is_rejected():
    data = heif()
    meta_at = len(ftyp())
    assert "declares" in rejected(data[:meta_at] + struct.pack(">I", len(data)) + data[
        meta_at + 4:])


def test_boxes_of_size_zero_nested_in_each_other_end_with_their_parent():
    nested = (struct.pack(">I4s", 0, b"meta") + bytes(4) + struct.pack(">I4s", 0, b"iprp")
              + struct.pack(">I4s", 0, b"ipco") + struct.pack(">I4s", 0, b"iprp"))
    assert "not 'pict'" in rejected(ftyp() + nested)


@pytest.mark.parametrize("absurd", [
    full(b"iloc", bytes([0x44, 0x00]) + struct.pack(">I", 0xFFFFFFFF), version=2),
    full(b"iinf", struct.pack(">I", 0xFFFFFFFF), version=1),
    full(b"ipma", struct.pack(">I", 0xFFFFFFFF)),
], ids=["iloc", "iinf", "ipma"])
def test_absurd_item_count_is_rejected(absurd):
    assert "declares 4294967295" in rejected(heif(replace={absurd[4:8]: absurd}))


def test_absurd_extent_count_is_rejected():
    absurd = full(b"iloc", bytes([0x44, 0x00]) + struct.pack(">HHHHH", 1, 1, 0, 0, 0xFFFF), 1)
    assert "declares 65535 extents" in rejected(heif(replace={b"iloc": absurd}))


def test_iloc_extent_beyond_the_end_of_the_file_is_rejected():
    beyond = iloc({1: (0, [(0, 100)]), 2: (0, [(10**6, 50)])})
    data = heif(**WITH_EXIF, replace={b"iloc": beyond})
    assert "item 2 extent at 1000000 (+50 bytes) lies beyond the end of the file" in rejected(
        data)


def test_more_boxes_than_the_limit_is_rejected():
    data = ftyp() + box(b"free") * (MAX_BOXES + 1) + heif()[len(ftyp()):]
    assert "boxes" in rejected(data)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "no 'meta'"),
    (box(b"moov") + heif(), "not 'ftyp'"),
    (ftyp(b"isom", b"isom", b"mp41") + box(b"mdat"), "not HEIF or AVIF"),
    (ftyp() + box(b"mdat"), "no 'meta'"),
])
def test_files_that_are_not_heif_are_rejected(data, words):
    assert words in rejected(data)


def test_primary_item_without_ispe_is_rejected():
    assert "ispe" in rejected(heif(props=[irot(1)], assoc={1: [1]}))


def test_missing_primary_item_is_rejected():
    assert "primary item 9" in rejected(heif(primary=9))


def test_property_index_beyond_ipco_is_rejected():
    assert "missing property 5" in rejected(heif(assoc={1: [5]}))


def test_corrupted_files_raise_only_value_error():
    """Every truncation and 2,000 random byte changes: a header or a ValueError, nothing else."""
    data = heif(items=[infe(1, b"grid"), infe(2, b"hvc1"), infe(3, b"hvc1"), infe(4, b"Exif"),
                       infe(5, b"mime", b"application/rdf+xml")],
                props=[ispe(64, 48), irot(3), aux_c(b"urn:mpeg:hevc:2015:auxid:1")],
                assoc={1: [1, 2], 2: [1], 3: [1, 3]}, data={4: [exif_item()], 5: [XMP]},
                refs=[iref((b"dimg", 1, [2]), (b"auxl", 3, [1]), (b"cdsc", 4, [1]))])
    rng = random.Random(1)
    variants = [data[:n] for n in range(len(data))]
    for _ in range(2000):
        changed = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        variants.append(bytes(changed))
    outcomes = set()
    for variant in variants:
        try:
            read_heif(io.BytesIO(variant))
            outcomes.add("header")
        except ValueError:
            outcomes.add("ValueError")
    assert outcomes == {"header", "ValueError"}



def _colr(kind: bytes, body: bytes) -> bytes:
    return box(b"colr", kind + body)


def test_an_nclx_colour_box_with_the_srgb_transfer_is_srgb():
    nclx = _colr(b"nclx", struct.pack(">HHHB", 1, 13, 6, 0x80))
    found = read_heif(io.BytesIO(heif(props=[ispe(64, 48), nclx], assoc={1: [1, 2]})))
    assert found.color_space == "sRGB"


def test_display_p3_primaries_are_named():
    nclx = _colr(b"nclx", struct.pack(">HHHB", 12, 13, 6, 0x80))
    found = read_heif(io.BytesIO(heif(props=[ispe(64, 48), nclx], assoc={1: [1, 2]})))
    assert found.color_space == "Display P3"


def test_an_icc_colour_box_hands_over_the_profile():
    found = read_heif(io.BytesIO(heif(props=[ispe(64, 48), _colr(b"prof", b"PROFILE")],
                                      assoc={1: [1, 2]})))
    assert found.icc == b"PROFILE"


def test_a_colour_box_cut_short_costs_only_the_colour():
    found = read_heif(io.BytesIO(heif(props=[ispe(64, 48), box(b"colr", b"nc")],
                                      assoc={1: [1, 2]})))
    assert (found.width, found.icc, found.color_space) == (64, None, None)


def test_a_thumbnail_item_of_the_primary_image_is_found():
    data = heif(items=[infe(1, b"hvc1"), infe(2, b"hvc1")], props=[ispe(64, 48), ispe(8, 6)],
                assoc={1: [1], 2: [2]}, refs=[iref((b"thmb", 2, [1]))],
                data={2: [bytes(10)]})
    assert read_heif(io.BytesIO(data)).has_thumbnail is True
    assert read_heif(io.BytesIO(heif())).has_thumbnail is False


def test_sequence_brands_mean_an_animation():
    assert read_heif(io.BytesIO(heif(brands=ftyp(b"msf1", b"heic")))).sequence is True
    assert read_heif(io.BytesIO(heif())).sequence is False
