"""HEIF/HEIC and AVIF headers (ISO base media file format), read without touching image data.

Only the top-level boxes up to 'meta' are read (an 'mdat' in front of it is seeked over), then
the Exif and XMP items at their 'iloc' extents. The values agree with what the project got from
pillow-heif (libheif) for HEIF and from Pillow's AVIF plugin (libavif): HEIF reports the
displayed size ('clap' crop and 'irot' rotation applied, as libheif does), AVIF the stored
'ispe' size, because libavif leaves the rotation to the EXIF Orientation it synthesises.
Every malformed input raises ValueError; read errors of ``fp`` itself pass through.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from image_metadata.exceptions import CorruptImage
from image_metadata.formats.header import Header
from image_metadata.tags import c2pa

MAX_BOXES = 10_000
MAX_DERIVATIONS = 8  # grid of iden of ... before the coded item
MAX_ITEMS = 65_535
MAX_EXTENTS = 1_024  # per item
MAX_ASSOCIATIONS = 1 << 16  # item-property links in all; one image has a few dozen
# All items together: with 0-byte offset and length fields an extent costs no bytes to
# declare, so a few KB of 'iloc' could otherwise list millions.
MAX_TOTAL_EXTENTS = 1 << 15  # libheif stops at 1,000 items of 32 extents
MAX_META_BYTES = 1 << 20  # cameras write a few KB
MAX_FTYP_BYTES = 4_096
MAX_PAYLOAD_BYTES = 4 << 20  # a larger Exif/XMP item is left out, not read
MAX_C2PA_BYTES = 4 << 20  # a manifest with thumbnails runs to a few hundred KB

AVIF_BRANDS = {b"avif", b"avis"}
HEVC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
FAMILY_BRANDS = AVIF_BRANDS | HEVC_BRANDS | {b"mif1", b"msf1", b"miaf"}
ALPHA_URNS = {"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", "urn:mpeg:hevc:2015:auxid:1",
              "urn:mpeg:avc:2015:auxid:1"}
DERIVED_TYPES = {b"grid", b"iden", b"iovl"}  # their coding is that of the first 'dimg' input
TIFF_MARKERS = (b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class HeifHeader:
    """What the project reported through pillow-heif (HEIF) and Pillow (AVIF), from the boxes.

    ``mode`` is theirs too: RGB, RGBA (an alpha auxiliary image), L (monochrome coding) and,
    for HEIF only, RGBa (premultiplied alpha) and I;16 (monochrome deeper than 8 bits).
    ``exif`` is the primary item's Exif item from its TIFF header on, as stored (its
    Orientation is not rewritten); ``xmp`` its application/rdf+xml 'mime' item.
    """

    format: str  # "AVIF" when the brands say avif/avis, else "HEIF"
    mode: str
    width: int  # HEIF: after 'clap' and 'irot'; AVIF: the stored 'ispe' size
    height: int
    exif: bytes | None
    xmp: bytes | None
    # AVIF: the EXIF Orientation libavif derives from 'irot'/'imir' (1 without them), which
    # Pillow reports in place of the Exif item's own; None for HEIF.
    orientation: int | None = None
    bits: int | None = None
    icc: bytes | None = None
    color_space: str | None = None  # from an 'nclx' colour box
    sequence: bool = False  # the brands announce an image sequence (animation)
    has_thumbnail: bool = False
    c2pa: bytes | None = None  # the JUMBF store of a C2PA 'uuid' box before 'meta'


@dataclass
class _Meta:
    handler: bytes = b""
    primary: int | None = None
    items: dict[int, tuple[bytes, str]] = field(default_factory=dict)  # type, content type
    locations: dict[int, tuple[int, int, int, list[tuple[int, int]]]] = field(
        default_factory=dict)  # method, data reference, base offset, extents
    properties: list[tuple[bytes, Any]] = field(default_factory=list)  # 'ipco' order
    associations: dict[int, list[int]] = field(default_factory=dict)  # item -> property index
    refs: dict[tuple[bytes, int], list[int]] = field(default_factory=dict)  # (type, from) -> to
    idat: bytes = b""
    sequence: bool = False
    c2pa: bytes | None = None
    boxes: int = 0
    extents: int = 0

    def count_box(self) -> None:
        self.boxes += 1
        if self.boxes > MAX_BOXES:
            raise ValueError(f"more than {MAX_BOXES} boxes")

    def count_extents(self, count: int) -> None:
        self.extents += count
        if self.extents > MAX_TOTAL_EXTENTS:
            raise ValueError(f"more than {MAX_TOTAL_EXTENTS} item extents")

    def props(self, item: int) -> list[tuple[bytes, Any]]:
        out = []
        for index in self.associations.get(item, []):
            if index > len(self.properties):
                raise ValueError(f"item {item} is associated with missing property {index}")
            if index:  # 0 means "no property"
                out.append(self.properties[index - 1])
        return out

    def targets(self, kind: bytes, source: int) -> list[int]:
        return self.refs.get((kind, source), [])


class Excessive(ValueError):
    """A count beyond any real file's: the file is refused, not handed to another reader."""


class _Cursor:
    """Bounds-checked big-endian reads over one box payload."""

    def __init__(self, data: bytes, kind: bytes) -> None:
        self.data, self.what, self.pos = data, _name(kind), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(f"{self.what} box is truncated ({len(self.data)} bytes)")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def full_box(self) -> tuple[int, int]:
        return self.uint(1), self.uint(3)

    def cstring(self) -> str:
        end = self.data.find(b"\x00", self.pos)
        end = len(self.data) if end < 0 else end  # some writers omit the last terminator
        text = self.data[self.pos : end].decode("utf-8", errors="replace")
        self.pos = min(end + 1, len(self.data))
        return text

    def bounded_count(self, size: int, limit: int, what: str) -> int:
        count = self.uint(size)
        if count > limit:
            raise Excessive(f"{self.what} declares {count} {what} (at most {limit})")
        return count


def _name(kind: bytes) -> str:
    return repr(kind.decode("latin-1"))


def read_heif(fp: BinaryIO) -> HeifHeader:
    """Format, mode, size, Exif and XMP of the HEIF/AVIF file in ``fp``."""
    try:
        return _read(fp)
    except (struct.error, IndexError, OverflowError) as e:  # a safety net: _Cursor checks
        raise ValueError(f"malformed HEIF/AVIF header: {e}") from e


def _read(fp: BinaryIO) -> HeifHeader:
    fp.seek(0, io.SEEK_END)
    file_size = fp.tell()
    meta = _Meta()
    fmt, payload = _top_level(fp, file_size, meta)
    _parse_meta(payload, meta)
    if meta.handler != b"pict":
        raise ValueError(f"'meta' handler is {_name(meta.handler)}, not 'pict' (not an image)")
    primary = meta.primary
    if primary is None or primary not in meta.items:
        raise ValueError(f"primary item {primary} is missing ('pitm'/'iinf')")
    width, height = _size(meta.props(primary), fmt)
    exif = _metadata(fp, file_size, meta, lambda t, _c: t == b"Exif")
    xmp = _metadata(fp, file_size, meta,
                    lambda t, c: t == b"mime" and c.strip().lower() == "application/rdf+xml")
    orientation = _orientation(meta.props(primary)) if fmt == "AVIF" else None
    colours = [v for k, v in meta.props(primary) if k == b"colr" and v]
    icc = next((v for v in colours if isinstance(v, bytes)), None)
    space = next((v for v in colours if isinstance(v, str)), None)
    thumbnail = any(k == b"thmb" and primary in tos for (k, _f), tos in meta.refs.items())
    return HeifHeader(fmt, _mode(meta, primary, fmt), width, height,
                      _tiff_part(exif) if exif else None, xmp or None, orientation,
                      _coding(meta, primary)[1], icc, space, meta.sequence, thumbnail,
                      meta.c2pa)


# (quarter turns counter-clockwise, mirror axis) -> EXIF Orientation, as libavif maps them
# (checked against Pillow for the eight orientations its encoder writes); the other pairs
# are the same picture as one of those.
_ORIENTATIONS = {
    (0, None): 1, (0, 1): 2, (2, None): 3, (0, 0): 4, (1, 0): 5, (3, None): 6, (3, 0): 7,
    (1, None): 8, (2, 0): 2, (2, 1): 4, (1, 1): 7, (3, 1): 5,
}


def _orientation(props: list[tuple[bytes, Any]]) -> int:
    turns = next((v for k, v in props if k == b"irot" and v is not None), 0)
    axis = next((v for k, v in props if k == b"imir" and v is not None), None)
    return _ORIENTATIONS[(turns, axis)]


def _box_header(head: bytes, pos: int, end: int, meta: _Meta) -> tuple[bytes, int, int]:
    """(type, header length, box size) of the box at ``pos`` whose parent ends at ``end``."""
    meta.count_box()
    if end - pos < 8 or len(head) < 8:
        raise ValueError(f"truncated box header at offset {pos}")
    size, kind = struct.unpack_from(">I4s", head)
    header = 8
    if size == 1:  # 64-bit largesize follows
        if len(head) < 16 or end - pos < 16:
            raise ValueError(f"truncated 64-bit box header at offset {pos}")
        (size,) = struct.unpack_from(">Q", head, 8)
        header = 16
    elif size == 0:  # the box runs to the end of its parent
        size = end - pos
    if size < header or pos + size > end:
        raise ValueError(f"box {_name(kind)} at offset {pos} declares {size} bytes; its parent "
                         f"ends at {end}")
    return kind, header, size


def _top_level(fp: BinaryIO, file_size: int, meta: _Meta) -> tuple[str, bytes]:
    """The format the 'ftyp' brands name and the 'meta' payload; boxes in between (an
    'mdat') are seeked over, except a C2PA 'uuid' box (C2PA writers put it right after
    'ftyp'), whose manifest store is kept."""
    pos, fmt = 0, ""
    while pos < file_size:
        fp.seek(pos)
        head = fp.read(8)
        if head[:4] == b"\x00\x00\x00\x01":  # only a largesize header is read further, so
            head += fp.read(8)  # the first bytes of an 'mdat' payload stay untouched
        kind, header, size = _box_header(head, pos, file_size, meta)
        if not fmt and kind != b"ftyp":
            raise ValueError(f"first box is {_name(kind)}, not 'ftyp': not an ISO media file")
        if kind in (b"ftyp", b"meta"):
            limit = MAX_FTYP_BYTES if kind == b"ftyp" else MAX_META_BYTES
            if size - header > limit:  # refused before a byte of it is read
                raise Excessive(f"{_name(kind)} box of {size} bytes (at most {limit} read)")
            fp.seek(pos + header)
            payload = fp.read(size - header)
            if len(payload) < size - header:
                raise ValueError(f"{_name(kind)} box at offset {pos} is truncated")
            if kind == b"meta":
                return fmt, payload
            fmt = _format(payload)
            meta.sequence = bool(_brands(payload) & SEQUENCE_BRANDS)
        elif kind == b"uuid" and meta.c2pa is None:
            meta.c2pa = _c2pa_store(fp, pos + header, size - header)
        pos += size
    raise ValueError("no 'meta' box before the end of the file")


def _c2pa_store(fp: BinaryIO, start: int, length: int) -> bytes | None:
    """The manifest store of the 'uuid' box whose payload is at ``start``, when its user type
    is C2PA's; a larger store than MAX_C2PA_BYTES is left out unread."""
    if length < 16 or length - 16 > MAX_C2PA_BYTES:
        return None
    fp.seek(start)
    if fp.read(16) != c2pa.BMFF_UUID:
        return None
    payload = fp.read(length - 16)
    if len(payload) < length - 16:
        raise ValueError(f"C2PA 'uuid' box at offset {start} is truncated")
    return c2pa.from_bmff_uuid(payload)


# Brands of image sequences (HEIF 'msf1'/'hevs', AVIF 'avis'): animations.
SEQUENCE_BRANDS = frozenset({b"msf1", b"hevs", b"avis"})


def _brands(ftyp: bytes) -> set[bytes]:
    return {ftyp[:4]} | {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}


def _format(ftyp: bytes) -> str:
    if len(ftyp) < 8:
        raise ValueError("'ftyp' box is truncated")
    major = ftyp[:4]
    compatible = {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}
    if major in AVIF_BRANDS or (major not in HEVC_BRANDS and compatible & AVIF_BRANDS):
        return "AVIF"
    if ({major} | compatible) & FAMILY_BRANDS:
        return "HEIF"
    names = ", ".join(_name(b) for b in [major, *sorted(compatible)])
    raise ValueError(f"brands {names} are not HEIF or AVIF")


def _children(data: bytes, meta: _Meta) -> Iterator[tuple[bytes, bytes]]:
    """Child boxes of a container. Nesting is bounded by the parsers: only meta, iinf, iref,
    iprp and ipco are descended into, whatever the file declares."""
    pos = 0
    while pos < len(data):
        kind, header, size = _box_header(data[pos : pos + 16], pos, len(data), meta)
        yield kind, data[pos + header : pos + size]
        pos += size


def _parse_meta(payload: bytes, meta: _Meta) -> None:
    for kind, body in _children(payload[4:], meta):  # after the full-box version/flags
        parser = _META_BOXES.get(kind)
        if parser is not None:
            parser(_Cursor(body, kind), meta)


def _hdlr(c: _Cursor, meta: _Meta) -> None:
    c.full_box()
    c.take(4)  # pre_defined
    meta.handler = c.take(4)


def _pitm(c: _Cursor, meta: _Meta) -> None:
    version, _ = c.full_box()
    meta.primary = c.uint(2 if version == 0 else 4)


def _iinf(c: _Cursor, meta: _Meta) -> None:
    version, _ = c.full_box()
    c.bounded_count(2 if version == 0 else 4, MAX_ITEMS, "items")
    for kind, body in _children(c.data[c.pos :], meta):
        if kind == b"infe":
            _infe(_Cursor(body, b"infe"), meta)


def _infe(c: _Cursor, meta: _Meta) -> None:
    version, _ = c.full_box()
    if version < 2:  # pre-HEIF item entries carry no item type; no image uses them
        return
    item = c.uint(2 if version == 2 else 4)
    c.take(2)  # item_protection_index
    item_type = c.take(4)
    c.cstring()  # item_name
    content_type = c.cstring() if item_type == b"mime" else ""
    if len(meta.items) >= MAX_ITEMS:
        raise ValueError(f"more than {MAX_ITEMS} items")
    meta.items.setdefault(item, (item_type, content_type))


def _iloc(c: _Cursor, meta: _Meta) -> None:
    version, _ = c.full_box()
    if version > 2:
        raise ValueError(f"unsupported 'iloc' version {version}")
    sizes = c.uint(1), c.uint(1)
    offset_size, length_size, base_size = sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4
    index_size = sizes[1] & 15 if version else 0
    if any(s not in (0, 4, 8) for s in (offset_size, length_size, base_size, index_size)):
        raise ValueError(f"'iloc' field sizes {sizes[0]:02x}{sizes[1]:02x} are not 0, 4 or 8")
    for _ in range(c.bounded_count(2 if version < 2 else 4, MAX_ITEMS, "items")):
        item = c.uint(2 if version < 2 else 4)
        method = c.uint(2) & 15 if version else 0
        data_ref, base = c.uint(2), c.uint(base_size)
        extents = []
        count = c.bounded_count(2, MAX_EXTENTS, "extents")
        meta.count_extents(count)
        for _ in range(count):
            c.uint(index_size)
            extents.append((c.uint(offset_size), c.uint(length_size)))
        meta.locations.setdefault(item, (method, data_ref, base, extents))


def _iprp(c: _Cursor, meta: _Meta) -> None:
    for kind, body in _children(c.data, meta):
        if kind == b"ipco" and not meta.properties:
            for prop, data in _children(body, meta):
                parser = _PROPERTIES.get(prop)
                meta.properties.append((prop, parser(_Cursor(data, prop))
                                        if parser else None))
        elif kind == b"ipma":
            _ipma(_Cursor(body, b"ipma"), meta)


def _ipma(c: _Cursor, meta: _Meta) -> None:
    version, flags = c.full_box()
    wide = flags & 1
    total = 0
    for _ in range(c.bounded_count(4, MAX_ITEMS, "entries")):
        item = c.uint(2 if version < 1 else 4)
        count = c.uint(1)
        total += count
        if total > MAX_ASSOCIATIONS:  # counted before anything is built from them
            raise Excessive(f"'ipma' links more than {MAX_ASSOCIATIONS} item properties")
        size, mask = (2, 0x7FFF) if wide else (1, 0x7F)
        raw = c.take(count * size)
        indexes = [int.from_bytes(raw[i:i + size], "big") & mask
                   for i in range(0, len(raw), size)]
        meta.associations.setdefault(item, []).extend(indexes)


def _iref(c: _Cursor, meta: _Meta) -> None:
    version, _ = c.full_box()
    size = 2 if version == 0 else 4
    for kind, body in _children(c.data[c.pos :], meta):
        r = _Cursor(body, kind)
        source = r.uint(size)
        meta.refs.setdefault((kind, source), []).extend(r.uint(size) for _ in range(r.uint(2)))


def _idat(c: _Cursor, meta: _Meta) -> None:
    meta.idat = c.data


_META_BOXES: dict[bytes, Callable[[_Cursor, _Meta], None]] = {
    b"hdlr": _hdlr, b"pitm": _pitm, b"iinf": _iinf, b"iloc": _iloc, b"iprp": _iprp,
    b"iref": _iref, b"idat": _idat,
}


def _ispe(c: _Cursor) -> tuple[int, int]:
    c.full_box()
    return c.uint(4), c.uint(4)


def _irot(c: _Cursor) -> int:
    return c.uint(1) & 3  # counter-clockwise quarter turns


def _imir(c: _Cursor) -> int:
    return c.uint(1) & 1  # the mirror axis


def _clap(c: _Cursor) -> tuple[int, int] | None:
    wn, wd, hn, hd = (c.uint(4) for _ in range(4))
    if not (wd and hd and 0 < wn < 1 << 31 and 0 < hn < 1 << 31):
        return None  # an unusable crop is ignored rather than failing the image
    return (wn + wd // 2) // wd, (hn + hd // 2) // hd  # libheif's rounding


def _auxc(c: _Cursor) -> str:
    c.full_box()
    return c.cstring()


def _pixi(c: _Cursor) -> tuple[bool, int] | None:
    c.full_box()
    depths = [c.uint(1) for _ in range(c.uint(1))]
    return (len(depths) == 1, depths[0]) if depths else None


def _hvcc(c: _Cursor) -> tuple[bool, int]:
    data = c.take(18)
    return data[16] & 3 == 0, (data[17] & 7) + 8  # chroma_format_idc 0 is monochrome


def _av1c(c: _Cursor) -> tuple[bool, int]:
    flags = c.take(3)[2]  # high_bitdepth, twelve_bit, mono_chrome, ...
    depth = (12 if flags & 0x20 else 10) if flags & 0x40 else 8
    return bool(flags & 0x10), depth


# nclx colour primaries (ITU-T H.273) -> name; with the sRGB transfer, BT.709's are sRGB.
_PRIMARIES = {1: "BT.709", 9: "BT.2020", 11: "DCI-P3", 12: "Display P3"}
_SRGB_TRANSFER = 13


def _colr(c: _Cursor) -> bytes | str | None:
    """An ICC profile (bytes) or the name of the 'nclx' primaries (str); None for a box cut
    short, which costs the colour facts only."""
    if len(c.data) < 8:
        return None
    kind = c.take(4)
    if kind in (b"prof", b"rICC"):
        return c.data[c.pos:]
    if kind == b"nclx":
        primaries, transfer = c.uint(2), c.uint(2)
        if primaries == 1 and transfer == _SRGB_TRANSFER:
            return "sRGB"
        return _PRIMARIES.get(primaries)
    return None


_PROPERTIES: dict[bytes, Callable[[_Cursor], Any]] = {
    b"ispe": _ispe, b"irot": _irot, b"imir": _imir, b"clap": _clap, b"auxC": _auxc,
    b"pixi": _pixi, b"colr": _colr,
    b"hvcC": _hvcc, b"av1C": _av1c,
}


def _size(props: list[tuple[bytes, Any]], fmt: str) -> tuple[int, int]:
    size: tuple[int, int] | None = None
    for kind, value in props:
        if kind == b"ispe":
            size = value
        elif size is None or fmt == "AVIF" or value is None:
            continue  # libheif ignores transforms before 'ispe'; libavif applies none
        elif kind == b"clap":
            size = value
        elif kind == b"irot" and value in (1, 3):
            size = size[1], size[0]
    if size is None or not all(size):
        raise ValueError(f"primary item has no usable 'ispe' size ({size})")
    return size


def _mode(meta: _Meta, primary: int, fmt: str) -> str:
    alpha = [frm for (kind, frm), tos in meta.refs.items() if kind == b"auxl" and primary in tos
             and any(k == b"auxC" and v in ALPHA_URNS for k, v in meta.props(frm))]
    if alpha:
        premultiplied = fmt == "HEIF" and set(meta.targets(b"prem", primary)) & set(alpha)
        return "RGBa" if premultiplied else "RGBA"
    mono, depth = _coding(meta, primary)
    if not mono:
        return "RGB"
    return "I;16" if fmt == "HEIF" and depth > 8 else "L"


def _coding(meta: _Meta, item: int) -> tuple[bool, int]:
    """(monochrome, luma bit depth) from the codec configuration, as the decoders take it."""
    for _ in range(MAX_DERIVATIONS):  # a derived image is coded as its first input
        inputs = meta.targets(b"dimg", item)
        if meta.items.get(item, (b"",))[0] not in DERIVED_TYPES or not inputs:
            break
        item = inputs[0]
    props = meta.props(item)
    coded = [v for k, v in props if k in (b"hvcC", b"av1C")]  # what the decoder goes by
    pixi = [v for k, v in props if k == b"pixi" and v]
    return (coded or pixi or [(False, 8)])[0]


def _metadata(fp: BinaryIO, file_size: int, meta: _Meta,
              wanted: Callable[[bytes, str], bool]) -> bytes | None:
    """The first non-empty wanted item describing the primary item ('cdsc'), else one that
    describes no item; one describing another item (an iPhone's gain map XMP) is not ours."""
    found = [i for i, (kind, content) in meta.items.items() if wanted(kind, content)]
    linked = [i for i in found if meta.primary in meta.targets(b"cdsc", i)]
    for item in linked or [i for i in found if not meta.targets(b"cdsc", i)]:
        data = _item_data(fp, file_size, meta, item)
        if data:
            return data
    return None


def _item_data(fp: BinaryIO, file_size: int, meta: _Meta, item: int) -> bytes | None:
    """An item's extents concatenated; None when stored where this reader does not look."""
    method, data_ref, base, extents = meta.locations.get(item, (-1, 0, 0, []))
    if method not in (0, 1) or data_ref:  # item-based extents, or data in another file
        return None
    source, where = (file_size, "file") if method == 0 else (len(meta.idat), "'idat'")
    spans = []
    for offset, length in extents:
        start = base + offset
        length = length or source - start  # length 0: to the end of the file or 'idat'
        if length < 0 or start + length > source:
            raise ValueError(f"item {item} extent at {start} (+{length} bytes) lies beyond "
                             f"the end of the {where} ({source} bytes)")
        spans.append((start, length))
    if sum(length for _, length in spans) > MAX_PAYLOAD_BYTES:
        return None
    if method == 1:
        return b"".join(meta.idat[s : s + n] for s, n in spans)
    parts = []
    for start, length in spans:
        fp.seek(start)
        parts.append(fp.read(length))
        if len(parts[-1]) < length:
            raise ValueError(f"item {item} extent at {start} is truncated")
    return b"".join(parts)


def _tiff_part(payload: bytes) -> bytes | None:
    """Skip the Exif item's tiff_header_offset prefix; like pillow-heif, a bad offset falls
    back to just the 4 prefix bytes, and a TIFF marker close ahead is still found."""
    skip = 4 + int.from_bytes(payload[:4], "big")
    if len(payload) - skip <= 4:
        skip = 4
    body = payload[skip:]
    if not body.startswith(TIFF_MARKERS):
        found = [at for at in (body.find(m, 0, 16) for m in TIFF_MARKERS) if at >= 0]
        body = body[min(found):] if found else body
    return body or None


_HEIF_BRANDS = HEVC_BRANDS | AVIF_BRANDS | {b"mif1", b"msf1"}


def accepts(prefix: bytes) -> bool:
    return prefix[4:8] == b"ftyp" and prefix[8:12] in _HEIF_BRANDS


def header(fp: BinaryIO) -> Header | None:
    """None for a layout the box reader does not cover: pillow-heif/libavif decide."""
    try:
        found = read_heif(fp)
    except Excessive as e:  # libheif would spend on it what the reader refused
        raise CorruptImage(f"cannot read the HEIF header: {e}") from None
    except ValueError:
        return None
    # AVIF's orientation: Pillow's plugin would read the whole file for it.
    return Header(found.format, found.mode, found.width, found.height, found.exif, found.xmp,
                  orientation=found.orientation, bits_per_sample=found.bits, icc=found.icc,
                  color_space=found.color_space, animated=found.sequence,
                  frames=None if found.sequence else 1, has_thumbnail=found.has_thumbnail,
                  c2pa=found.c2pa)
