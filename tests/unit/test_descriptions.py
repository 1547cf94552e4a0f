"""IPTC-IIM and XMP's descriptive properties read from bytes, and their reconciliation."""

from __future__ import annotations

import hashlib
import struct

from image_metadata.tags import descriptions, iptc, xmp_text


def dataset(record: int, number: int, value: bytes) -> bytes:
    return bytes([0x1C, record, number]) + struct.pack(">H", len(value)) + value


def resource(number: int, data: bytes, name: bytes = b"") -> bytes:
    pascal = bytes([len(name)]) + name
    pascal += b"\x00" * (len(pascal) % 2)
    return b"8BIM" + struct.pack(">H", number) + pascal + struct.pack(">I", len(data)) + \
        data + b"\x00" * (len(data) % 2)


def test_iim_records_give_caption_keywords_creators_and_rights():
    iim = (dataset(2, 120, b"A caption") + dataset(2, 25, b"one") + dataset(2, 25, b"two")
           + dataset(2, 80, b"Ann") + dataset(2, 116, b"(c) Ann") + dataset(2, 5, b"Title"))
    found = iptc.read_iptc(iim)
    assert (found.description, found.keywords, found.creators, found.copyright, found.title) \
        == ("A caption", ["one", "two"], ["Ann"], "(c) Ann", "Title")


def test_the_coded_character_set_says_utf8():
    iim = dataset(1, 90, b"\x1b%G") + dataset(2, 120, "Zürich ☀".encode())
    assert iptc.read_iptc(iim).description == "Zürich ☀"


def test_without_a_character_set_windows_1252_is_read():
    assert iptc.read_iptc(dataset(2, 120, "Café".encode("cp1252"))).description == "Café"


def test_an_extended_length_dataset_is_read():
    value = b"x" * 40_000
    iim = bytes([0x1C, 2, 120]) + struct.pack(">H", 0x8004) + struct.pack(">I", len(value)) \
        + value
    caption = iptc.read_iptc(iim).description
    assert caption.startswith("x" * 1000) and len(caption) <= iptc.MAX_FIELD


def test_a_record_cut_short_keeps_what_came_before():
    iim = dataset(2, 25, b"kept") + bytes([0x1C, 2, 25]) + struct.pack(">H", 500) + b"short"
    assert iptc.read_iptc(iim).keywords == ["kept", "short"]


def test_photoshop_resources_carry_the_iptc_and_its_digest():
    iim = dataset(2, 120, b"caption")
    block = resource(0x0425, hashlib.md5(iim).digest(), b"n") + resource(0x0404, iim)
    found = iptc.from_resources(block)
    assert (found.description, found.digest_matches) == ("caption", True)
    stale = resource(0x0425, b"\x00" * 16) + resource(0x0404, iim)
    assert iptc.from_resources(stale).digest_matches is False


def _packet(body: str) -> str:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
            f'{body}</rdf:Description></rdf:RDF></x:xmpmeta>')


def test_xmp_alternatives_take_the_default_language():
    packet = _packet('><dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li>'
                     '<rdf:li xml:lang="x-default">Title &amp; more</rdf:li></rdf:Alt></dc:title>')
    assert xmp_text.read_xmp_text(packet).title == "Title & more"


def test_xmp_bags_and_sequences_are_lists():
    packet = _packet('><dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag>'
                     '</dc:subject><dc:creator><rdf:Seq><rdf:li>Ann</rdf:li><rdf:li>Bob'
                     '</rdf:li></rdf:Seq></dc:creator>')
    found = xmp_text.read_xmp_text(packet)
    assert (found.keywords, found.creators) == (["a", "b"], ["Ann", "Bob"])


def test_rating_label_and_digital_source_type_as_attributes():
    packet = _packet('xmp:Rating="5" xmp:Label="Red" Iptc4xmpExt:DigitalSourceType='
                     '"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia">')
    found = xmp_text.read_xmp_text(packet)
    assert (found.rating, found.label, found.digital_source_type) == (
        5.0, "Red", "trainedAlgorithmicMedia")


def test_a_rating_outside_the_scale_is_no_rating():
    assert xmp_text.read_xmp_text(_packet('xmp:Rating="9">')).rating is None


def test_a_utf16_packet_is_read():
    packet = _packet('><dc:subject><rdf:Bag><rdf:li>Zürich</rdf:li></rdf:Bag></dc:subject>')
    assert xmp_text.read_xmp_text(packet.encode("utf-16-be")).keywords == ["Zürich"]
    assert xmp_text.read_xmp_text(b"\xff\xfe" + packet.encode("utf-16-le")).keywords == \
        ["Zürich"]


def test_exif_wins_then_xmp_unless_the_iptc_is_newer():
    found_iptc = iptc.IptcData(description="iptc", keywords=["i"], digest_matches=None)
    found_xmp = xmp_text.XmpText(description="xmp", keywords=["x"])
    both = descriptions.reconcile({}, found_iptc, found_xmp)
    assert (both.description, both.keywords) == ("xmp", ["x"])
    with_exif = descriptions.reconcile({"ImageDescription": "exif"}, found_iptc, found_xmp)
    assert with_exif.description == "exif"
    found_iptc.digest_matches = False  # edited after the XMP was written
    newer = descriptions.reconcile({}, found_iptc, found_xmp)
    assert (newer.description, newer.keywords) == ("iptc", ["i"])


def test_several_creators_are_joined_as_the_mwg_says():
    found = descriptions.reconcile({}, iptc.IptcData(creators=["Ann", "Bob"]),
                                   xmp_text.XmpText())
    assert found.creator == "Ann; Bob"


def test_a_blank_exif_value_gives_way():
    found = descriptions.reconcile({"Copyright": "   "}, iptc.IptcData(),
                                   xmp_text.XmpText(rights="(c) X"))
    assert found.copyright == "(c) X"


def test_the_title_falls_back_to_exif():
    found = descriptions.reconcile({"XPTitle": "win title"}, iptc.IptcData(),
                                   xmp_text.XmpText())
    assert found.title == "win title"


def _psd(resources: bytes) -> bytes:
    """A 1×1 RGB Photoshop file: header, no colour table, the resources, no layers, raw
    pixels."""
    head = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 1, 1, 8, 3)
    return (head + struct.pack(">I", 0) + struct.pack(">I", len(resources)) + resources
            + struct.pack(">I", 0) + struct.pack(">H", 0) + b"\x80\x80\x80")


def test_a_psd_gives_its_iptc_exif_and_xmp_from_its_image_resources():
    from image_metadata.decode import decode_bytes

    iim = dataset(2, 120, b"psd caption") + dataset(2, 80, b"Ann")
    exif_tiff = (b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
                 + struct.pack("<HHII", 0x0131, 2, 4, ord("P") | ord("S") << 8 | ord("D") << 16)
                 + struct.pack("<I", 0))
    packet = _packet('xmp:Rating="4">').encode()
    decoded = decode_bytes(_psd(resource(0x0404, iim) + resource(1058, exif_tiff)
                                + resource(1060, packet)))
    assert (decoded.format, decoded.width) == ("PSD", 1)
    assert (decoded.descriptions.description, decoded.descriptions.creator) == (
        "psd caption", "Ann")
    assert decoded.typed.software == "PSD"
    assert decoded.descriptions.rating == 4.0
