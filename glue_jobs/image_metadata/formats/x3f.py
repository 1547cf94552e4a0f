"""Sigma X3F: columns, rows and rotation from the file header; the make, model and capture
time from the PROP section, and the EXIF of the JPEG preview later versions embed."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from typing import BinaryIO

from image_metadata.formats import jpeg
from image_metadata.formats.bits import read_exactly
from image_metadata.formats.header import Header, Window
from image_metadata.tags import exif as exif_mod
from image_metadata.tags.ifd import Entry

_ROTATION = {0: 1, 90: 6, 180: 3, 270: 8}
MAX_SECTIONS = 64
MAX_PROPERTIES = 1024
MAX_PROPERTY_BYTES = 1 << 20
_JPEG_FORMAT = 18


def accepts(head: bytes) -> bool:
    return head.startswith(b"FOVb")


def header(fp: BinaryIO) -> Header:
    fp.seek(28)
    columns, rows, rotation = struct.unpack("<III", read_exactly(fp, 12, "X3F header"))
    if columns == 0 or rows == 0:
        raise ValueError("image width or height is 0")
    properties, exif = _sections(fp)
    ifd0 = {0x0112: Entry(0x0112, 3, 1, (_ROTATION.get(rotation % 360, 1),))}
    entries: dict[str, dict[int, Entry]] = {"IFD0": ifd0}
    for tag, name in ((0x010F, "CAMMANUF"), (0x0110, "CAMMODEL")):
        if properties.get(name):
            value = properties[name].encode() + b"\x00"
            ifd0[tag] = Entry(tag, 2, len(value), value)
    stamp = _time(properties.get("TIME", ""))
    if stamp is not None:
        value = stamp.strftime("%Y:%m:%d %H:%M:%S").encode() + b"\x00"
        entries["Exif"] = {0x9003: Entry(0x9003, 2, len(value), value)}
    if exif:  # the preview's EXIF block is the camera's own record of the same values
        return Header("X3F", "RGB", columns, rows, exif=exif,
                      orientation=ifd0[0x0112].value[0])  # type: ignore[index]
    return Header("X3F", "RGB", columns, rows, exif_data=exif_mod.from_entries(entries))


def _sections(fp: BinaryIO) -> tuple[dict[str, str], bytes | None]:
    """The PROP section's properties and the EXIF of a JPEG preview, from the directory
    whose offset ends the file."""
    end = fp.seek(0, 2)
    if end < 8:
        return {}, None
    fp.seek(end - 4)
    (directory,) = struct.unpack("<I", fp.read(4))
    fp.seek(directory)
    head = fp.read(12)
    if len(head) < 12 or head[:4] != b"SECd":
        return {}, None
    (count,) = struct.unpack("<I", head[8:12])
    sections = [struct.unpack("<II4s", fp.read(12)) for _ in range(min(count, MAX_SECTIONS))]
    properties: dict[str, str] = {}
    exif = None
    tried_jpeg = False
    for offset, length, kind in sections:
        if kind == b"PROP" and not properties and length <= MAX_PROPERTY_BYTES:
            fp.seek(offset)
            properties = _properties(fp.read(length))
        elif kind == b"IMA2" and not tried_jpeg:
            fp.seek(offset)
            info = fp.read(28)
            if len(info) == 28 and info[:4] == b"SECi" \
                    and struct.unpack("<I", info[12:16])[0] == _JPEG_FORMAT:
                tried_jpeg = True  # the preview: one, read once, whatever it holds
                window = Window(fp, offset + 28, max(length - 28, 0))
                window.seek(0)
                if jpeg.is_jpeg(window.read(3)):
                    try:
                        exif = jpeg.read_jpeg(window).exif
                    except ValueError:
                        exif = None
    return properties, exif


def _time(value: str) -> datetime | None:
    """The PROP section's TIME, seconds since 1970 in ASCII digits; None if it is none."""
    if not (value.isascii() and value.isdigit() and len(value) <= 12):
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


_WANTED = ("CAMMANUF", "CAMMODEL", "TIME")
MAX_VALUE_CHARS = 256


def _properties(section: bytes) -> dict[str, str]:
    """The wanted properties: the text is decoded once, and each string found by its NUL
    (at most MAX_VALUE_CHARS characters), so a section of unterminated text costs one pass."""
    if len(section) < 24 or section[:4] != b"SECp":
        return {}
    count, text_format = struct.unpack("<II", section[8:16])
    if text_format != 0:  # 0: UTF-16LE, the only one defined
        return {}
    count = min(count, MAX_PROPERTIES)
    pairs = section[24:24 + 8 * count]
    text = section[24 + 8 * count:]
    chars = text[:len(text) & ~1].decode("utf-16-le", "replace")

    def string(at: int) -> str:
        end = chars.find("\x00", at, at + MAX_VALUE_CHARS)
        return chars[at:end if end >= 0 else at + MAX_VALUE_CHARS]
    found: dict[str, str] = {}
    for i in range(len(pairs) // 8):
        name_at, value_at = struct.unpack("<II", pairs[8 * i:8 * i + 8])
        name = string(name_at)
        if name in _WANTED and name not in found:
            found[name] = string(value_at)
            if len(found) == len(_WANTED):
                break
    return found
