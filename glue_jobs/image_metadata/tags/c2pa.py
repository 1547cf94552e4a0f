"""C2PA content credentials: is a manifest there, what made it, and what its actions say the
picture is (a capture, an edit, an AI generation).

The manifest store is a JUMBF box tree (ISO 19566-5); its claim and its action assertions
are CBOR. Both are read with explicit bounds (depth, items, sizes), never trusting a length.
Signatures are not verified: a manifest says what its signer claims, and this module reports
the claim, not its validity.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 16
MAX_ITEMS = 65_536  # per CBOR document: thousands of actions fit, memory stays a few MB
MAX_BOXES = 2048
SOURCE_TYPE_PREFIX = "digitalsourcetype/"


@dataclass
class C2paFacts:
    present: bool = False
    claim_generator: str | None = None
    digital_source_types: list[str] = field(default_factory=list)


class _Cbor:
    """A bounded CBOR decoder: the subset C2PA claims and assertions use."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.items = data, 0, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("CBOR item runs past its box")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def _argument(self, info: int) -> int:
        if info < 24:
            return info
        sizes = {24: 1, 25: 2, 26: 4, 27: 8}
        if info not in sizes:
            raise ValueError("indefinite or reserved CBOR length")
        return int.from_bytes(self.take(sizes[info]), "big")

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("CBOR nested too deep")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise ValueError("too many CBOR items")
        head = self.take(1)[0]
        major, info = head >> 5, head & 0x1F
        if major == 7:
            return self._simple(info)
        argument = self._argument(info)
        if major == 0:
            return argument
        if major == 1:
            return -1 - argument
        if major == 2:
            return self.take(argument)
        if major == 3:
            return self.take(argument).decode("utf-8", errors="replace")
        if major == 4:
            return [self.value(depth + 1) for _ in range(self._count(argument))]
        if major == 5:
            out = {}
            for _ in range(self._count(argument)):
                key = self.value(depth + 1)
                out[key if isinstance(key, str | int) else repr(key)] = self.value(depth + 1)
            return out
        return self.value(depth + 1)  # major 6: a tag; its content is what matters here

    def _count(self, count: int) -> int:
        if count > MAX_ITEMS or count > len(self.data) - self.pos:
            raise ValueError("CBOR container claims more items than its box holds")
        return count

    def _simple(self, info: int) -> Any:
        if info in (20, 21):
            return info == 21
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", self.take(2))[0]
        if info == 26:
            return struct.unpack(">f", self.take(4))[0]
        if info == 27:
            return struct.unpack(">d", self.take(8))[0]
        raise ValueError(f"unsupported CBOR simple value {info}")


def cbor(data: bytes) -> Any:
    return _Cbor(data).value()


@dataclass
class _Box:
    kind: bytes
    payload: bytes


def _boxes(data: bytes, budget: list[int]) -> list[_Box]:
    out = []
    at = 0
    while at + 8 <= len(data):
        budget[0] -= 1
        if budget[0] < 0:
            raise ValueError(f"more than {MAX_BOXES} JUMBF boxes")
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1:
            if at + 16 > len(data):
                break
            (size,) = struct.unpack(">Q", data[at + 8:at + 16])
            header = 16
        elif size == 0:
            size = len(data) - at
        if size < header or at + size > len(data):
            size = len(data) - at  # a box cut short: what is there is read
        out.append(_Box(kind, data[at + header:at + size]))
        at += size
    return out


def _label(superbox: _Box) -> tuple[str | None, list[_Box]]:
    """A 'jumb' superbox's label (from its 'jumd' description) and its content boxes."""
    children = _boxes(superbox.payload, [MAX_BOXES])
    if not children or children[0].kind != b"jumd":
        return None, children
    description = children[0].payload
    label = None
    if len(description) > 17 and description[16] & 0x02:  # toggles: a label follows
        label = description[17:].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    return label, children[1:]


def read_c2pa(store: bytes | None) -> C2paFacts:
    """What the JUMBF manifest store in ``store`` says; the active manifest is the last."""
    facts = C2paFacts()
    if not store:
        return facts
    try:
        top = [b for b in _boxes(store, [MAX_BOXES]) if b.kind == b"jumb"]
        if not top:
            return facts
        label, manifests = _label(top[0])
        if label != "c2pa":
            return facts
        facts.present = True
        manifests = [m for m in manifests if m.kind == b"jumb"]
        if manifests:
            _read_manifest(manifests[-1], facts)
    except (ValueError, struct.error, IndexError, UnicodeDecodeError, RecursionError):
        pass  # a damaged store is still a store: present, with what could be read
    return facts


def _read_manifest(manifest: _Box, facts: C2paFacts) -> None:
    parts = _label(manifest)[1]
    for part in parts:
        if part.kind != b"jumb":
            continue
        name, content = _label(part)
        if name in ("c2pa.claim", "c2pa.claim.v2"):
            claim = _cbor_content(content)
            if isinstance(claim, dict):
                facts.claim_generator = _generator(claim)
        elif name == "c2pa.assertions":
            for assertion in content:
                if assertion.kind != b"jumb":
                    continue
                assertion_label, body = _label(assertion)
                if assertion_label and assertion_label.split("__")[0] in (
                        "c2pa.actions", "c2pa.actions.v2"):
                    _actions(_cbor_content(body), facts)


def _cbor_content(boxes: list[_Box]) -> Any:
    for box in boxes:
        if box.kind == b"cbor":
            return cbor(box.payload)
    return None


def _generator(claim: dict) -> str | None:
    generator = claim.get("claim_generator")
    if isinstance(generator, str) and generator.strip():
        return generator.strip()[:500]
    info = claim.get("claim_generator_info")
    if isinstance(info, list):
        info = info[0] if info else None
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        version = info.get("version")
        return f"{info['name']} {version}".strip()[:500] if isinstance(version, str) \
            else info["name"][:500]
    return None


def _actions(assertion: Any, facts: C2paFacts) -> None:
    if not isinstance(assertion, dict) or not isinstance(assertion.get("actions"), list):
        return
    for action in assertion["actions"]:
        if not isinstance(action, dict):
            continue
        source = action.get("digitalSourceType")
        if isinstance(source, str) and source:
            term = source.rstrip("/").rsplit("/", 1)[-1]
            if term not in facts.digital_source_types:
                facts.digital_source_types.append(term[:200])


# The 'uuid' box's user type for C2PA in ISO BMFF files (HEIF, AVIF, MP4).
BMFF_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")


def from_bmff_uuid(payload: bytes) -> bytes | None:
    """The JUMBF store in a C2PA 'uuid' box's payload (after its user type): a full box
    header, the purpose as a C string, for "manifest" the 8-byte offset of an auxiliary
    box, then the store. Other purposes ("merkle" in fragmented files) hold no store."""
    if len(payload) < 5:
        return None
    end = payload.find(b"\x00", 4)
    if end < 0 or payload[4:end] != b"manifest":
        return None
    store = payload[end + 1 + 8:]
    return store or None


def _is_manifest_store(content: bytes) -> bool:
    """Whether a JUMBF superbox's content opens with the C2PA store's description: the label
    ``c2pa``, or without a label the store's type (``c2pa`` and the ISO suffix)."""
    if content[4:8] != b"jumd" or len(content) < 25:
        return False
    if not content[24] & 0x02:  # no label
        return content[8:12] == b"c2pa"
    end = content.find(b"\x00", 25, 25 + 256)
    return end >= 0 and content[25:end] == b"c2pa"


def join_app11(segments: list[bytes]) -> bytes | None:
    """The C2PA JUMBF store from JPEG APP11 segments ("JP", box instance, sequence number,
    then the box; every segment after the first repeats the box's header)."""
    parts: dict[int, dict[int, bytes]] = {}
    for payload in segments:
        if len(payload) < 16 or payload[:2] != b"JP":
            continue
        instance = struct.unpack(">H", payload[2:4])[0]
        sequence = struct.unpack(">I", payload[4:8])[0]
        parts.setdefault(instance, {}).setdefault(sequence, payload[8:])
    stores = []
    for pieces in parts.values():
        ordered = [pieces[k] for k in sorted(pieces)]
        first = ordered[0]
        if first[4:8] != b"jumb":
            continue
        header = 16 if struct.unpack(">I", first[:4])[0] == 1 else 8
        store = first + b"".join(piece[header:] for piece in ordered[1:])
        # Other JUMBF boxes (JPEG 360, JPEG Trust, a pre-C2PA "cai" store) may come first:
        # the C2PA store is the one its description names so.
        if _is_manifest_store(first[header:]):
            return store
        stores.append(store)
    return stores[0] if stores else None
