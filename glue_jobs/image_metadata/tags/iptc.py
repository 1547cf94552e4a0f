"""IPTC-IIM (the captions, keywords, creator and rights news agencies write) and the Photoshop
image resources that carry it (JPEG APP13, TIFF's tags, PSD's resource section).

Bytes in, values out: every length is checked against the data, repeated fields are capped,
and text is decoded as the record's coded character set says (UTF-8 after ``ESC % G``,
else Windows-1252, as the readers of IPTC's era wrote it).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

from image_metadata.tags import text

PHOTOSHOP_SIGNATURE = b"Photoshop 3.0\x00"
IPTC_RESOURCE, DIGEST_RESOURCE = 0x0404, 0x0425
MAX_REPEATS = 256  # keywords and creators kept per image
MAX_FIELD = 2_000  # characters, as every other text column
_UTF8_MARK = b"\x1b%G"
# (record, dataset) -> field name
_DATASETS = {(2, 5): "title", (2, 120): "description", (2, 25): "keywords",
             (2, 80): "creators", (2, 116): "copyright", (2, 10): "urgency"}


@dataclass
class IptcData:
    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)
    copyright: str | None = None
    digest_matches: bool | None = None  # the stored IPTCDigest agrees (None: none stored)

    @property
    def present(self) -> bool:
        return any((self.title, self.description, self.keywords, self.creators,
                    self.copyright))


def image_resources(blob: bytes) -> dict[int, bytes]:
    """Photoshop image resources ("8BIM" blocks) by id; the first of each id is kept."""
    out: dict[int, bytes] = {}
    at = 0
    while at + 12 <= len(blob):
        if blob[at:at + 4] not in (b"8BIM", b"PHUT", b"AgHg", b"DCSR"):
            break
        (resource,) = struct.unpack(">H", blob[at + 4:at + 6])
        name_length = blob[at + 6]
        name_end = at + 7 + name_length
        name_end += (name_end - at) % 2  # the name is padded to an even length
        if name_end + 4 > len(blob):
            break
        (size,) = struct.unpack(">I", blob[name_end:name_end + 4])
        start = name_end + 4
        data = blob[start:start + size]
        out.setdefault(resource, data)
        at = start + size + (size % 2)
    return out


def from_app13(payload: bytes) -> bytes | None:
    """The resource block of a JPEG APP13 segment, or None when it is not Photoshop's."""
    if payload.startswith(PHOTOSHOP_SIGNATURE):
        return payload[len(PHOTOSHOP_SIGNATURE):]
    return None


def read_iptc(iim: bytes | None, digest: bytes | None = None) -> IptcData:
    """The IIM records in ``iim``; ``digest`` is the IPTCDigest resource stored beside them."""
    found = IptcData()
    if not iim:
        return found
    raw: dict[str, list[bytes]] = {}
    utf8 = False
    at = 0
    while at + 5 <= len(iim):
        if iim[at] != 0x1C:
            break
        record, dataset = iim[at + 1], iim[at + 2]
        (length,) = struct.unpack(">H", iim[at + 3:at + 5])
        at += 5
        if length & 0x8000:  # an extended length: its low bits count the bytes that hold it
            size_bytes = length & 0x7FFF
            if size_bytes > 4 or at + size_bytes > len(iim):
                break
            length = int.from_bytes(iim[at:at + size_bytes], "big")
            at += size_bytes
        value = iim[at:at + length]
        at += length
        if (record, dataset) == (1, 90):
            utf8 = value.startswith(_UTF8_MARK)
            continue
        name = _DATASETS.get((record, dataset))
        if name is not None:
            values = raw.setdefault(name, [])
            if len(values) < MAX_REPEATS:
                values.append(value)

    def decoded(value: bytes) -> str:
        if utf8:
            result = value.decode("utf-8", errors="replace")
        else:
            try:
                result = value.decode("utf-8")  # many writers use UTF-8 and never say so
            except UnicodeDecodeError:
                result = value.decode("cp1252", errors="replace")
        return text.clean(result)[:MAX_FIELD]

    def first(name: str) -> str | None:
        values = [decoded(v) for v in raw.get(name, [])]
        return next((v for v in values if v), None)

    found.title, found.description = first("title"), first("description")
    found.copyright = first("copyright")
    found.keywords = [k for k in (decoded(v) for v in raw.get("keywords", [])) if k]
    found.creators = [c for c in (decoded(v) for v in raw.get("creators", [])) if c]
    if digest is not None and len(digest) == 16:
        found.digest_matches = hashlib.md5(iim, usedforsecurity=False).digest() == digest
    return found


def from_resources(blob: bytes | None) -> IptcData:
    """IPTC from a Photoshop resource block (APP13's, a PSD's, TIFF tag 34377's)."""
    if not blob:
        return IptcData()
    resources = image_resources(blob)
    return read_iptc(resources.get(IPTC_RESOURCE), resources.get(DIGEST_RESOURCE))
