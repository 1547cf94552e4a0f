"""XMP's descriptive properties: title, description, keywords, creators, rights, rating,
label, and the IPTC digital source type (how the picture was made: a camera, or a trained
algorithm).

As in ``xmp``, the packet is searched, not parsed (no entity expansion, no nesting to
follow): each property is found by name, as an attribute or as an element, and its
``rdf:Alt``/``rdf:Bag``/``rdf:Seq`` items are read in one pass. Every search moves forward
only (an opening tag whose end never comes stops the search, it is not retried from the
next one), so a hostile packet costs time in proportion to its length. Comments are
dropped, CDATA is text, and a namespace bound to another prefix than the usual one
(``xmlns:d="http://purl.org/dc/elements/1.1/"``) is read under that prefix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from image_metadata.tags import text

MAX_ITEMS = 256
MAX_FIELD = 2_000
MAX_PROPERTY = 200_000  # characters of one property's element read; the rest is cut
_ITEM_OPEN = re.compile(r"<rdf:li\b([^>]{0,200})>")
_VALUE = re.compile(r"<rdf:value\b[^>]{0,200}>([^<]{0,4000})</rdf:value>")
_NAMESPACES = {"dc": "http://purl.org/dc/elements/1.1/", "xmp": "http://ns.adobe.com/xap/1.0/",
               "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"}
_LANG = re.compile(r"xml:lang\s*=\s*[\"']([^\"']{0,40})[\"']")
_RESOURCE = re.compile(r"rdf:resource\s*=\s*\"([^\"]{0,500})\"")


@lru_cache(maxsize=8)
def _binding(uri: str) -> re.Pattern[str]:
    return re.compile(rf"xmlns:([A-Za-z_][\w.-]{{0,40}})\s*=\s*[\"']{re.escape(uri)}[\"']")


@dataclass
class XmpText:
    title: str | None = None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)
    rights: str | None = None
    rating: float | None = None
    label: str | None = None
    digital_source_type: str | None = None


class Packet:
    """An XMP packet's text, and where each property asked for first appears in it: found
    once, shared by both readers, so that the pattern searches start there rather than
    rescanning tens of kilobytes of edit history from the top."""

    __slots__ = ("_first", "_prefixes", "text")

    def __init__(self, text: str) -> None:
        # The packet's padding (kilobytes of blanks after the closing tag) holds nothing.
        end = text.rfind("</x:xmpmeta>")
        text = text[: end + len("</x:xmpmeta>")] if end >= 0 else text
        self.text = _without_comments(text) if "<!--" in text else text
        self._first: dict[str, int] = {}
        self._prefixes: dict[str, str] = {}

    def name(self, usual: str) -> str:
        """``usual`` (``dc:title``) under the prefix this packet binds its namespace to."""
        prefix, _, local = usual.partition(":")
        bound = self._prefixes.get(prefix)
        if bound is None:
            bound = self._prefixes[prefix] = self._bound_prefix(prefix)
        return usual if bound == prefix else f"{bound}:{local}"

    def _bound_prefix(self, usual: str) -> str:
        uri = _NAMESPACES.get(usual)
        if uri is None or f"xmlns:{usual}" in self.text or uri not in self.text:
            return usual  # the usual binding (nearly every packet), or none to look for
        found = _binding(uri).search(self.text)
        return found.group(1) if found else usual

    def mentions(self, usual_prefix: str) -> bool:
        """Whether any property of the namespace usually prefixed ``usual_prefix`` can be in
        the packet: its usual prefix occurs, or the namespace is bound to another one that
        does. One scan of the text when the usual prefix is there (nearly always)."""
        prefix = usual_prefix + ":"
        at = self._first.get(prefix)
        if at is None:
            at = self._first[prefix] = self.text.find(prefix)
        if at >= 0:
            return True
        uri = _NAMESPACES.get(usual_prefix)
        if uri is None or uri not in self.text:
            return False
        bound = self.name(f"{usual_prefix}:_").partition(":")[0] + ":"
        return bound != prefix and bound in self.text

    def start(self, name: str) -> int | None:
        """Where a search for property ``name`` may start (None: it is not there): its first
        occurrence, less the ``<`` of an element."""
        at = self._first.get(name)
        if at is None:
            prefix = name[: name.find(":") + 1]
            # One scan for a namespace prefix answers for all its properties when it is
            # absent (exif: in an edited JPEG, Iptc4xmpExt: in most), and bounds them when not.
            from_ = self._first.get(prefix)
            if from_ is None:
                from_ = self._first[prefix] = self.text.find(prefix)
            at = self._first[name] = -1 if from_ < 0 else self.text.find(name, from_)
        return None if at < 0 else max(0, at - 1)


def locate(raw: bytes | str | Packet, limit: int = 1 << 20) -> Packet:
    if isinstance(raw, Packet):
        return raw
    return Packet(raw if isinstance(raw, str) else packet_text(raw[:limit]))


@lru_cache(maxsize=32)
def _opening(name: str) -> re.Pattern[str]:
    return re.compile(rf"<{re.escape(name)}\b([^>]{{0,500}})>")


def _element(packet: str, name: str, start: int) -> tuple[str, str] | None:
    """(attributes, body) of the first element ``name`` at or after ``start``; an empty
    element (``<dc:title/>``) has an empty body. None when there is none, or its end tag
    never comes."""
    opening = _opening(name).search(packet, start)
    if opening is None:
        return None
    attributes = opening.group(1)
    if attributes.endswith("/"):
        return attributes[:-1], ""
    body_start = opening.end()
    close = packet.find(f"</{name}>", body_start)
    if close < 0:
        return None
    return attributes, packet[body_start:min(close, body_start + MAX_PROPERTY)]


def _list_items(body: str) -> list[tuple[str, str]]:
    """(attributes, text) of each ``rdf:li`` in ``body``, in one forward pass."""
    found: list[tuple[str, str]] = []
    at = 0
    while len(found) < MAX_ITEMS:
        opening = _ITEM_OPEN.search(body, at)
        if opening is None:
            break
        attributes = opening.group(1)
        if attributes.endswith("/"):  # <rdf:li/>: an empty item
            found.append((attributes, ""))
            at = opening.end()
            continue
        close = body.find("</rdf:li>", opening.end())
        if close < 0:
            break
        found.append((attributes, body[opening.end():close]))
        at = close + len("</rdf:li>")
    return found


def _item_text(value: str) -> str | None:
    """An item's text: CDATA read as written, a structured item (``rdf:parseType="Resource"``
    or an ``rdf:Description``) by its ``rdf:value``; None for other markup."""
    if "<" not in value:
        return _clean(value)
    if "<![CDATA[" in value:
        return _clean(_cdata_as_text(value))
    inner = _VALUE.search(value)
    return _clean(inner.group(1)) if inner else None


@lru_cache(maxsize=32)
def _attribute(name: str) -> re.Pattern[str]:
    escaped = re.escape(name)
    return re.compile(rf"(?<![\w:]){escaped}\s*=\s*\"([^\"]{{0,4000}})\"")


def _clean(value: str) -> str:
    return text.clean(html.unescape(value.strip()))[:MAX_FIELD]


def _items(located: Packet, name: str) -> list[tuple[str, str]] | None:
    """(language, text) of each ``rdf:li`` of property ``name``; a simple value as one item;
    None when the property is not there."""
    name = located.name(name)
    start = located.start(name)
    if start is None:
        return None
    packet = located.text
    element = _element(packet, name, start)
    if element is not None:
        attributes, body = element
        if "<rdf:li" in body:
            found = []
            for item_attributes, value in _list_items(body):
                item = _item_text(value)
                if item is not None:
                    found.append((_lang(item_attributes), item))
            return found
        if "<rdf:" in body:  # an empty rdf:Bag/Seq/Alt
            return []
        resource = _RESOURCE.search(attributes)
        if resource:
            return [("", _clean(resource.group(1)))]
        item = _item_text(body)
        return [] if item is None else [("", item)]
    attribute = _attribute(name).search(packet, start)
    if attribute is not None:
        return [("", _clean(attribute.group(1)))]
    return None


def _without_comments(text: str) -> str:
    """``text`` less its ``<!-- -->`` comments (a comment that never ends runs to the end)."""
    return _replace_sections(text, "<!--", "-->", lambda _content: "")


def _cdata_as_text(value: str) -> str:
    """``value`` with each CDATA section replaced by its content, escaped as markup text so
    that the one unescaping of ``_clean`` gives it back as written (an unended section runs
    to the end)."""
    return _replace_sections(value, "<![CDATA[", "]]>",
                             lambda content: html.escape(content, quote=False))


def _replace_sections(text: str, opening: str, closing: str,
                      replace: Callable[[str], str]) -> str:
    """``text`` with each ``opening``…``closing`` section replaced by ``replace`` of its
    content: one forward pass, so that unended sections cost no rescans."""
    out: list[str] = []
    at = 0
    while True:
        begin = text.find(opening, at)
        if begin < 0:
            out.append(text[at:])
            return "".join(out)
        out.append(text[at:begin])
        end = text.find(closing, begin + len(opening))
        if end < 0:
            out.append(replace(text[begin + len(opening):]))
            return "".join(out)
        out.append(replace(text[begin + len(opening):end]))
        at = end + len(closing)


def _lang(attributes: str) -> str:
    match = _LANG.search(attributes)
    return match.group(1).lower() if match else ""


def _alternative(packet: Packet, name: str) -> str | None:
    """An ``rdf:Alt`` text: its x-default item, else its first."""
    items = [(lang, value) for lang, value in (_items(packet, name) or []) if value]
    if not items:
        return None
    return next((v for lang, v in items if lang == "x-default"), items[0][1])


def _list(packet: Packet, name: str) -> list[str]:
    return [value for _lang, value in (_items(packet, name) or []) if value]


def packet_text(raw: bytes) -> str:
    """An XMP packet's text: UTF-8, or UTF-16/32 as its byte order mark or its NUL bytes
    show (the XMP standard allows all of them)."""
    for mark, codec in ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                        (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")):
        if raw.startswith(mark):
            return raw[len(mark):].decode(codec, errors="replace")
    if len(raw) >= 4 and raw[0] == 0 and raw[1] != 0:
        return raw.decode("utf-16-be", errors="replace")
    if len(raw) >= 4 and raw[0] != 0 and raw[1] == 0 and raw[2] != 0:
        return raw.decode("utf-16-le", errors="replace")
    # The byte order mark that the xpacket header's begin="" holds is no text: without it an
    # ASCII packet decodes to a one-byte-per-character string, which searches twice as fast.
    bom = raw.find(b"\xef\xbb\xbf", 0, 64)
    if bom >= 0:
        raw = raw[:bom] + raw[bom + 3:]
    return raw.decode("utf-8", errors="replace")


def read_xmp_text(raw: bytes | str | Packet | None, limit: int = 1 << 20) -> XmpText:
    found = XmpText()
    if not raw:
        return found
    packet = locate(raw, limit)
    # A namespace the packet never mentions answers for all its properties at once (most
    # camera packets hold no dc:, nearly all no Iptc4xmpExt:).
    if packet.mentions("dc"):
        found.title = _alternative(packet, "dc:title")
        found.description = _alternative(packet, "dc:description")
        found.rights = _alternative(packet, "dc:rights")
        found.keywords = _list(packet, "dc:subject")
        found.creators = _list(packet, "dc:creator")
    if packet.mentions("xmp"):
        found.label = _alternative(packet, "xmp:Label")
        found.rating = _rating(_alternative(packet, "xmp:Rating"))
    if packet.mentions("Iptc4xmpExt"):
        source = _alternative(packet, "Iptc4xmpExt:DigitalSourceType")
        found.digital_source_type = source.rstrip("/").rsplit("/", 1)[-1] if source else None
    return found


def _rating(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if -1 <= value <= 5 else None
