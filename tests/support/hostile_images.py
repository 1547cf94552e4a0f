"""Small files that cost a careless reader a lot: each a few KB to a few MB on disk.

* ``ico_with_text_bomb_png``: an ICO whose icon is a PNG with many zTXt chunks, each
  inflating to megabytes (Pillow's PNG plugin inflates them all when opening).
* ``heif_ipma_bomb``: a HEIF whose 'ipma' links millions of item properties.
* ``heif_meta_bomb``: a HEIF with a 16 MB 'meta' box of such links.
* ``jpeg_fill_bomb``: a JPEG with 32 MB of 0xFF fill bytes before its frame header.
"""

from __future__ import annotations

import struct
import zlib

from image_metadata import samples


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_with_text_bomb(chunks: int = 48, inflated: int = 4 << 20) -> bytes:
    text = zlib.compress(b"\x00" * inflated, 9)
    plain = samples.encode("PNG", (16, 16))
    body = b"".join(_png_chunk(b"zTXt", b"Comment%d\x00\x00" % i + text) for i in range(chunks))
    return plain[:33] + body + plain[33:]  # after the signature and IHDR


def ico_with_text_bomb_png() -> bytes:
    png = png_with_text_bomb()
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", version << 24 | flags) + payload)


def _heif_with_ipma(entries: int, per_entry: int = 255) -> bytes:
    ftyp = _box(b"ftyp", b"heic" + bytes(4) + b"mif1heic")
    links = bytes([0x81]) * per_entry
    ipma = _full(b"ipma", struct.pack(">I", entries) + b"".join(
        struct.pack(">HB", 1 + i % 60_000, per_entry) + links for i in range(entries)))
    ipco = _box(b"ipco", _full(b"ispe", struct.pack(">II", 64, 48)))
    infe = _full(b"infe", struct.pack(">H", 1) + bytes(2) + b"hvc1\x00", 2)
    meta = _full(b"meta", b"".join([
        _full(b"hdlr", bytes(4) + b"pict" + bytes(13)),
        _full(b"pitm", struct.pack(">H", 1)),
        _full(b"iinf", struct.pack(">H", 1) + infe),
        _box(b"iprp", ipco + ipma),
    ]))
    return ftyp + meta + _box(b"mdat", bytes(100))


def heif_ipma_bomb() -> bytes:
    """About 900 KB: under the meta box limit, 890,000 links inside it."""
    return _heif_with_ipma(3_500)


def heif_meta_bomb() -> bytes:
    """About 16.7 MB of 'meta': 65,535 entries of 255 links each."""
    return _heif_with_ipma(65_535)


def jpeg_fill_bomb(fill: int = 32 << 20) -> bytes:
    jpeg = samples.encode("JPEG", (16, 16))
    return jpeg[:2] + b"\xff" * fill + jpeg[2:]


def tiff_tag_bomb(path, tags: int = 1500, declared: int = 4 << 30) -> None:
    """A TIFF whose IFD0 has ``tags`` tags each pointing at the same 1 MiB, in a sparse file
    of ``declared`` bytes (so a reader's 'value within the file' check passes)."""
    entries = [(256, 3, 1, 16), (257, 3, 1, 16), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, 16), (279, 4, 1, 256)]
    value_at, size = 65536, 1 << 20
    entries += [(40000 + i, 7, size, value_at) for i in range(tags)]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in sorted(entries):
        short = kind == 3 and count == 1
        ifd += struct.pack("<HHLHH" if short else "<HHLL", tag, kind, count,
                           *((value, 0) if short else (value,)))
    with open(path, "wb") as handle:
        handle.write(b"II*\x00" + struct.pack("<L", 8) + ifd + struct.pack("<L", 0))
        handle.seek(value_at)
        handle.write(b"\x01" * size)
        handle.truncate(declared)


def jp2_with_a_30_mb_header_box() -> bytes:
    junk = 30 << 20
    ihdr = _box(b"ihdr", struct.pack(">IIHBBBB", 100, 200, 3, 7, 7, 0, 0))
    jp2h = struct.pack(">I", 8 + len(ihdr) + 8 + junk) + b"jp2h" + ihdr
    jp2h += struct.pack(">I", 8 + junk) + b"xxxx" + bytes(junk)
    codestream = b"\xff\x4f\xff\x51" + struct.pack(">HHIIIIIIIIH", 41, 0, 100, 200, 0, 0, 100,
                                                   200, 0, 0, 1) + bytes([7, 1, 1]) + b"\xff\xd9"
    return (b"\x00\x00\x00\x0cjP  \r\n\x87\n" + _box(b"ftyp", b"jp2 " + bytes(4) + b"jp2 ")
            + jp2h + _box(b"jp2c", codestream))


def gif_with_a_30_mb_comment() -> bytes:
    gif = samples.encode("GIF", (16, 16), mode="P")
    flags = gif[10]
    table = 3 << ((flags & 7) + 1) if flags & 0x80 else 0
    comment = b"!\xfe" + (b"\xff" + b"c" * 255) * ((30 << 20) // 256) + b"\x00"
    return gif[:13 + table] + comment + gif[13 + table:]  # after the global colour table


def avif_with_a_30_mb_free_box() -> bytes:
    avif = samples.encode("AVIF", (16, 16))
    ftyp_size = struct.unpack(">I", avif[:4])[0]
    return avif[:ftyp_size] + _box(b"free", bytes(30 << 20)) + avif[ftyp_size:]
