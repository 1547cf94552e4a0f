"""One small, valid file of every format Pillow opens: written by Pillow where it has an
encoder, put together from the format's specification where it has none.

``one_of_each(size)`` maps a format name (Pillow's) to its bytes; ``WITHOUT_SAMPLE`` names the
formats left out and why.
"""

from __future__ import annotations

import io
import struct

from PIL import Image

WRITTEN = {  # format -> the mode Pillow's encoder takes
    "BLP": "P", "DDS": "RGB", "DIB": "RGB", "EPS": "RGB", "ICNS": "RGBA", "IM": "RGB",
    "MSP": "1", "PCX": "RGB", "PPM": "RGB", "QOI": "RGB", "SGI": "RGB", "SPIDER": "F",
    "TGA": "RGB", "XBM": "1",
}
WITHOUT_SAMPLE = {
    "FPX": "an OLE2 compound file: no encoder, and olefile only reads them",
    "MIC": "an OLE2 compound file: no encoder, and olefile only reads them",
    "IPTC": "IPTC/NAA image records, a format no tool writes any more",
    "IMT": "IM Tools' text header; Pillow reads it, nothing writes it",
    "FTEX": "a game texture container with no encoder",
    "PCD": "Kodak Photo CD images need the disc's 2048-byte overview structure",
    "MCIDAS": "McIDAS area files need the 256-word area directory",
}


def written(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new(WRITTEN[fmt], size).save(out, fmt)
    return out.getvalue()


def psd(size: tuple[int, int]) -> bytes:
    width, height = size
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    sections = struct.pack(">III", 0, 0, 0)  # colour mode data, image resources, layers
    return header + sections + struct.pack(">H", 0) + bytes(3 * width * height)


def fits(size: tuple[int, int]) -> bytes:
    width, height = size
    cards = [("SIMPLE", "T"), ("BITPIX", "8"), ("NAXIS", "2"), ("NAXIS1", str(width)),
             ("NAXIS2", str(height))]
    text = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
    block = text.encode().ljust(2880, b" ")
    data = bytes(width * height)
    return block + data + bytes(-len(data) % 2880)


def cur(size: tuple[int, int]) -> bytes:
    icon = io.BytesIO()
    Image.new("RGBA", size).save(icon, "ICO", sizes=[size], bitmap_format="bmp")
    data = bytearray(icon.getvalue())
    data[2] = 2  # the resource type: a cursor, with a hot spot where an icon has planes
    return bytes(data)


def dcx(size: tuple[int, int]) -> bytes:
    page = written("PCX", size)
    return struct.pack("<III", 987654321, 12, 0) + page


def fli(size: tuple[int, int]) -> bytes:
    width, height = size
    frame = struct.pack("<IHH8x", 16, 0xF1FA, 0)
    header = struct.pack("<IHHHHHH", 128 + len(frame), 0xAF12, 1, width, height, 8, 0)
    return header.ljust(128, b"\x00") + frame


def gbr(size: tuple[int, int]) -> bytes:
    width, height = size
    name = b"brush\x00"
    header = struct.pack(">IIIII4sI", 28 + len(name), 2, width, height, 1, b"GIMP", 25)
    return header + name + bytes(width * height)


def sun(size: tuple[int, int]) -> bytes:
    width, height = size
    stride = (width * 3 + 1) // 2 * 2
    return struct.pack(">8I", 0x59A66A95, width, height, 24, stride * height, 1, 0, 0) + \
        bytes(stride * height)


def pixar(size: tuple[int, int]) -> bytes:
    width, height = size
    header = bytearray(512)
    header[0:4] = b"\x80\xe8\x00\x00"
    header[416:420] = struct.pack("<HH", height, width)  # Pillow reads (height, width) here
    header[424:428] = struct.pack("<HH", 14, 2)  # 8-bit, 3 channels: RGB
    return bytes(header) + bytes(3 * width * height)


def xpm(size: tuple[int, int]) -> bytes:
    width, height = size
    rows = "".join(f'"{"." * width}",\n' for _ in range(height))
    return (f'/* XPM */\nstatic char *x[] = {{\n"{width} {height} 1 1",\n". c #000000",\n'
            f"{rows}}};\n").encode()


def xvthumb(size: tuple[int, int]) -> bytes:
    width, height = size
    return f"P7 332\n#END_OF_COMMENTS\n{width} {height} 255\n".encode() + bytes(width * height)


def mpeg(size: tuple[int, int]) -> bytes:
    width, height = size
    return b"\x00\x00\x01\xb3" + struct.pack(">I", (width << 20) | (height << 8) | 0x13) + \
        bytes(8)


def wmf(size: tuple[int, int]) -> bytes:
    width, height = size
    placeable = struct.pack("<IHhhhhHI", 0x9AC6CDD7, 0, 0, 0, width, height, 72, 0)
    checksum = 0
    for (word,) in struct.iter_unpack("<H", placeable):
        checksum ^= word
    standard = struct.pack("<HHHIHIH", 1, 9, 0x300, 9, 0, 0, 0)  # the metafile's own header
    return placeable + struct.pack("<H", checksum) + standard


def stub(magic: bytes) -> bytes:
    return magic + bytes(64)


HAND_MADE = {
    "PSD": psd, "FITS": fits, "CUR": cur, "DCX": dcx, "FLI": fli, "GBR": gbr, "SUN": sun,
    "PIXAR": pixar, "XPM": xpm, "XVTHUMB": xvthumb, "MPEG": mpeg, "WMF": wmf,
    "BUFR": lambda _size: stub(b"BUFR"), "GRIB": lambda _size: stub(b"GRIB\x00\x00\x00\x01"),
    "HDF5": lambda _size: stub(b"\x89HDF\r\n\x1a\n"),
}


def one_of_each(size: tuple[int, int]) -> dict[str, bytes]:
    files = {fmt: written(fmt, size) for fmt in WRITTEN}
    files.update({fmt: make(size) for fmt, make in HAND_MADE.items()})
    return files
