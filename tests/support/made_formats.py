"""Small files of the formats the project reads with its own readers, put together from each
format's specification (no encoder for them runs here). Each maker takes the size, and where
the format carries EXIF, the EXIF block (a TIFF structure) to embed."""

from __future__ import annotations

import io
import struct

from PIL import Image


def _jpeg(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    params = {"exif": b"Exif\x00\x00" + exif} if exif else {}
    Image.new("RGB", size).save(out, "JPEG", **params)
    return out.getvalue()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def bpg(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return b"BPG\xfb" + bytes([0x20, 0x00]) + _ue7(width) + _ue7(height) + bytes(8)


def _ue7(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def dpx(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    data = bytearray(2048)
    data[0:4] = b"SDPX"
    data[768:780] = struct.pack(">HHII", 0, 1, width, height)
    data[800] = 50  # RGB
    return bytes(data)


def exr(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size

    def attribute(name: bytes, kind: bytes, value: bytes) -> bytes:
        return name + b"\x00" + kind + b"\x00" + struct.pack("<I", len(value)) + value
    channels = b"".join(n + b"\x00" + struct.pack("<iBxxxii", 1, 0, 1, 1)
                        for n in (b"B", b"G", b"R")) + b"\x00"
    window = struct.pack("<4i", 0, 0, width - 1, height - 1)
    return (b"\x76\x2f\x31\x01" + struct.pack("<I", 2) + attribute(b"channels", b"chlist", channels)
            + attribute(b"compression", b"compression", b"\x00")
            + attribute(b"dataWindow", b"box2i", window)
            + attribute(b"displayWindow", b"box2i", window) + b"\x00" + bytes(16))


def hdr(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return (b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\nEXPOSURE=1.0\n\n"
            + f"-Y {height} +X {width}\n".encode() + bytes(4 * width * height))


def pfm(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return f"PF\n{width} {height}\n-1.0\n".encode() + bytes(12 * width * height)


def psp(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    attributes = struct.pack("<Iii", 46, width, height) + bytes(34)
    block = b"~BK\x00" + struct.pack("<HI", 0, len(attributes)) + attributes
    return (b"Paint Shop Pro Image File\n\x1a\x00\x00\x00\x00\x00" + struct.pack("<HH", 5, 0)
            + block)


def xcf(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return b"gimp xcf file\x00" + struct.pack(">III", width, height, 0) + bytes(16)


def pict(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return struct.pack(">H4h", 0, 0, 0, height, width) + b"\x00\x11\x02\xff" + bytes(32)


def flif(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return b"FLIF" + bytes([0x33, 0x01]) + _ue7(width - 1) + _ue7(height - 1) + bytes(8)


def pgf(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    return b"PGF6" + struct.pack("<I", 16) + struct.pack("<IIBBBB", width, height, 1, 0, 24, 3) \
        + bytes(16)


def djvu(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    info = struct.pack(">HHBBHB", width, height, 24, 0, 300, 22)
    chunk = b"INFO" + struct.pack(">I", len(info)) + info + b"\x00"
    body = b"DJVU" + chunk
    return b"AT&TFORM" + struct.pack(">I", len(body)) + body


def mrc(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    data = bytearray(1024)
    data[0:16] = struct.pack("<4i", width, height, 1, 0)
    data[208:212] = b"MAP "
    data[212:216] = b"\x44\x44\x00\x00"
    return bytes(data) + bytes(width * height)


def _jxl_size_header(width: int, height: int) -> bytes:
    """A codestream size header in the general form (U32 selector 3: 30 bits each), then
    all_default set, packed from the least significant bit on."""
    bits: list[int] = []

    def put(value: int, count: int) -> None:
        bits.extend((value >> i) & 1 for i in range(count))
    put(0, 1)  # not small
    put(3, 2)
    put(height - 1, 30)
    put(0, 3)  # no ratio: an explicit width
    put(3, 2)
    put(width - 1, 30)
    put(1, 1)  # all_default metadata
    bits += [0] * (-len(bits) % 8)
    return bytes(sum(b << i for i, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))


def jxl_codestream(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    return b"\xff\x0a" + _jxl_size_header(*size) + bytes(32)


def jxl_container(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    boxes = b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a" + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    if exif:
        boxes += _box(b"Exif", struct.pack(">I", 0) + exif)
    return boxes + _box(b"jxlc", jxl_codestream(size))


def raw_tiff(magic: int, size: tuple[int, int], exif: bytes | None = None,
             panasonic_borders: bool = False) -> bytes:
    """A little-endian TIFF structure with ``magic``, IFD0 giving the size (or Panasonic's
    sensor borders around it) and Make/Model."""
    width, height = size
    make, model = b"Panasonic\x00", b"DMC-LX3\x00"
    if panasonic_borders:
        tags = [(0x0004, 3, 1, 6), (0x0005, 3, 1, 8), (0x0006, 3, 1, 6 + height),
                (0x0007, 3, 1, 8 + width)]
    else:
        tags = [(0x0100, 4, 1, width), (0x0101, 4, 1, height)]
    offset = 8 + 2 + 12 * (len(tags) + 2) + 4
    table = b"".join(struct.pack("<HHII", *t) for t in tags)
    table += struct.pack("<HHII", 0x010F, 2, len(make), offset)
    table += struct.pack("<HHII", 0x0110, 2, len(model), offset + len(make))
    return (b"II" + struct.pack("<HI", magic, 8) + struct.pack("<H", len(tags) + 2) + table
            + bytes(4) + make + model)


def rw2(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    return raw_tiff(0x55, size, panasonic_borders=True)


def orf(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    return raw_tiff(0x4F52, size)


def cr3(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    canon = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
    parts = _box(b"CMT1", exif) if exif else b""
    visual = bytes(6) + struct.pack(">H", 1) + bytes(16) + struct.pack(">HH", width, height) \
        + bytes(50)
    stsd = _box(b"stsd", struct.pack(">II", 0, 1) + _box(b"CRAW", visual))
    trak = _box(b"trak", _box(b"mdia", _box(b"minf", _box(b"stbl", stsd))))
    moov = _box(b"moov", _box(b"uuid", canon + parts) + trak)
    return _box(b"ftyp", b"crx \x00\x00\x00\x01crx isom") + moov + _box(b"mdat", bytes(64))


def crw(size: tuple[int, int], exif: bytes | None = None, data: bytes = b"") -> bytes:
    """``data`` (the raw image) comes first in the heap, as cameras write it: the records and
    their table are at the end of the file."""
    width, height = size
    make_model = b"Canon\x00Canon EOS D30\x00"
    info = struct.pack("<IIfi", width, height, 1.0, 90) + bytes(12)
    stamp = struct.pack("<III", 1_000_000_000, 0, 0)
    values = data + make_model + info + stamp
    at = len(data)
    records = [(0x080A, len(make_model), at), (0x1810, len(info), at + len(make_model)),
               (0x180E, len(stamp), at + len(make_model) + len(info))]
    table = struct.pack("<H", len(records)) + b"".join(struct.pack("<HII", *r) for r in records)
    heap = values + table + struct.pack("<I", len(values))
    return b"II" + struct.pack("<I", 26) + b"HEAPCCDR" + bytes(12) + heap


def raf(size: tuple[int, int], exif: bytes | None = None, preview: int = 0) -> bytes:
    """``preview`` bytes of image data make the embedded JPEG as long as a camera's (the
    RAF directory follows it)."""
    width, height = size
    embedded = _jpeg((16, 12), exif)
    embedded = embedded[:-2] + bytes(preview) + embedded[-2:]
    directory = struct.pack(">I", 1) + struct.pack(">HHHH", 0x0111, 4, height, width)
    header = bytearray(160)
    header[0:16] = b"FUJIFILMCCD-RAW "
    header[84:100] = struct.pack(">IIII", 160, len(embedded), 160 + len(embedded),
                                 len(directory))
    return bytes(header) + embedded + directory


def mrw(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    width, height = size
    prd = struct.pack(">8s4H", b"21810002", height + 8, width + 8, height, width) + bytes(8)
    blocks = b"\x00PRD" + struct.pack(">I", len(prd)) + prd
    if exif:
        blocks += b"\x00TTW" + struct.pack(">I", len(exif)) + exif
    return b"\x00MRM" + struct.pack(">I", len(blocks)) + blocks


def x3f(size: tuple[int, int], exif: bytes | None = None, data: bytes = b"") -> bytes:
    """The header, ``data`` (the image sections), a PROP section with the camera's make,
    model and time, and the directory whose offset ends the file."""
    width, height = size
    head = b"FOVb" + struct.pack("<I", 0x00020002) + bytes(16) + struct.pack("<I", 0) \
        + struct.pack("<III", width, height, 0) + bytes(32)
    names = [("CAMMANUF", "SIGMA"), ("CAMMODEL", "SIGMA SD10"), ("TIME", "1000000000")]
    text, pairs = "", b""
    for name, value in names:
        pairs += struct.pack("<II", len(text), len(text) + len(name) + 1)
        text += f"{name}\x00{value}\x00"
    strings = text.encode("utf-16-le")
    prop = b"SECp" + struct.pack("<IIIII", 0x00020000, len(names), 0, 0, len(text)) + pairs \
        + strings
    prop_at = len(head) + len(data)
    directory = b"SECd" + struct.pack("<II", 0x00020000, 1) + struct.pack("<II4s", prop_at,
                                                                           len(prop), b"PROP")
    return head + data + prop + directory + struct.pack("<I", prop_at + len(prop))


def bmp_with_png(size: tuple[int, int], exif: bytes | None = None) -> bytes:
    inner = io.BytesIO()
    Image.new("RGB", size).save(inner, "PNG")
    data = inner.getvalue()
    width, height = size
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 0, 5, len(data), 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(data), 0, 0, 54) + info + data


# Format name -> (maker, whether the EXIF given is kept)
MADE = {
    "BPG": (bpg, False), "DPX": (dpx, False), "EXR": (exr, False), "HDR": (hdr, False),
    "PFM": (pfm, False), "PSP": (psp, False), "XCF": (xcf, False), "PICT": (pict, False),
    "FLIF": (flif, False), "PGF": (pgf, False), "DJVU": (djvu, False), "MRC": (mrc, False),
    "JXL": (jxl_container, True), "JXL codestream": (jxl_codestream, False),
    "RW2": (rw2, False), "ORF": (orf, False), "CR3": (cr3, True), "CRW": (crw, False),
    "RAF": (raf, True), "MRW": (mrw, True), "X3F": (x3f, False),
    "BMP with PNG": (bmp_with_png, False),
}


def made(size: tuple[int, int], exif: bytes) -> dict[str, bytes]:
    return {name: make(size, exif) for name, (make, _keeps) in MADE.items()}

