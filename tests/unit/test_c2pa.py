"""C2PA manifests: found in JPEG, PNG, WebP, HEIF and AVIF, their claim generator and the
digital source types of their actions read from the JUMBF boxes and CBOR, within bounds."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.tags import c2pa


def cbor(value) -> bytes:
    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        if n < 256:
            return bytes([major << 5 | 24, n])
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if isinstance(value, str):
        data = value.encode()
        return head(3, len(data)) + data
    if isinstance(value, int):
        return head(0, value)
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(value)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def superbox(label: str, *children: bytes) -> bytes:
    description = bytes(16) + b"\x03" + label.encode() + b"\x00"
    return box(b"jumb", box(b"jumd", description) + b"".join(children))


SOURCE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def store(generator: str = "Example AI 1.0", source: str = SOURCE) -> bytes:
    actions = superbox("c2pa.actions.v2", box(b"cbor", cbor(
        {"actions": [{"action": "c2pa.created", "digitalSourceType": source}]})))
    claim = superbox("c2pa.claim.v2", box(b"cbor", cbor(
        {"claim_generator_info": {"name": generator}, "alg": "sha256"})))
    manifest = superbox("urn:c2pa:1234", superbox("c2pa.assertions", actions), claim)
    return superbox("c2pa", manifest)


def test_a_manifest_store_gives_its_generator_and_source_types():
    found = c2pa.read_c2pa(store())
    assert (found.present, found.claim_generator, found.digital_source_types) == (
        True, "Example AI 1.0", ["trainedAlgorithmicMedia"])


def test_the_active_manifest_is_the_last_in_the_store():
    older = superbox("urn:c2pa:old", superbox("c2pa.claim", box(b"cbor", cbor(
        {"claim_generator": "Old Editor"}))))
    newer = superbox("urn:c2pa:new", superbox("c2pa.claim", box(b"cbor", cbor(
        {"claim_generator": "New Editor 2"}))))
    assert c2pa.read_c2pa(superbox("c2pa", older, newer)).claim_generator == "New Editor 2"


def test_a_jumbf_box_that_is_not_c2pa_is_no_manifest():
    assert c2pa.read_c2pa(superbox("jpeg360", box(b"json", b"{}"))).present is False


def test_damaged_cbor_still_says_a_manifest_is_there():
    damaged = superbox("c2pa", superbox("urn:c2pa:1", superbox("c2pa.claim", box(
        b"cbor", b"\xbf\xff\xff"))))
    found = c2pa.read_c2pa(damaged)
    assert (found.present, found.claim_generator) == (True, None)


def test_cbor_that_claims_more_items_than_it_holds_is_refused():
    found = c2pa.read_c2pa(superbox("c2pa", superbox("urn:c2pa:1", superbox(
        "c2pa.claim", box(b"cbor", b"\x9b" + b"\xff" * 8)))))
    assert found.present and found.claim_generator is None


def _jpeg_with_app11(data: bytes, split: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    segments = []
    header = data[:8]
    for number, start in enumerate(range(0, len(data), split), start=1):
        piece = data[start:start + split]
        body = b"JP" + struct.pack(">HI", 1, number) + (piece if start == 0 else header + piece)
        segments.append(b"\xff\xeb" + struct.pack(">H", len(body) + 2) + body)
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def test_a_jpeg_manifest_split_over_app11_segments_is_joined():
    decoded = decode_bytes(_jpeg_with_app11(store(), split=60))
    assert decoded.provenance.claim_generator == "Example AI 1.0"
    assert decoded.provenance.digital_source_types == ["trainedAlgorithmicMedia"]


def test_in_a_jpeg_the_c2pa_store_is_found_behind_another_jumbf_box():
    jpeg = _jpeg_with_app11(superbox("jpeg360", box(b"json", b"{}")), split=1000)
    second = _jpeg_with_app11(store(), split=1000)
    segment = second[2:second.index(b"\xff\xeb", 2) + 4 + struct.unpack(
        ">H", second[4:6])[0] - 2]
    segment = segment[:6] + struct.pack(">H", 2) + segment[8:]  # box instance 2
    after_other = 2 + 2 + struct.unpack(">H", jpeg[4:6])[0]  # the other box's segment first
    decoded = decode_bytes(jpeg[:after_other] + segment + jpeg[after_other:])
    assert decoded.provenance.claim_generator == "Example AI 1.0"


def test_an_actions_assertion_of_thousands_of_actions_keeps_its_source_types():
    many = [{"action": "c2pa.edited"}] * 3000 + [{"action": "c2pa.created",
                                                  "digitalSourceType": SOURCE}]
    actions = superbox("c2pa.actions.v2", box(b"cbor", cbor({"actions": many})))
    claim = superbox("c2pa.claim.v2", box(b"cbor", cbor({"claim_generator": "G"})))
    found = c2pa.read_c2pa(superbox("c2pa", superbox("urn:c2pa:1", superbox(
        "c2pa.assertions", actions), claim)))
    assert found.digital_source_types == ["trainedAlgorithmicMedia"]


def test_a_png_cabx_chunk_is_a_manifest():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    png = buffer.getvalue()
    body = store()
    chunk = struct.pack(">I", len(body)) + b"caBX" + body + struct.pack(
        ">I", zlib.crc32(b"caBX" + body))
    assert decode_bytes(png[:33] + chunk + png[33:]).provenance.present is True


def _heif_with_uuid(payload: bytes, fmt: str = "HEIF", user_type: bytes = c2pa.BMFF_UUID
                    ) -> bytes:
    """A HEIF/AVIF file with a 'uuid' box right after 'ftyp', where C2PA writers put it."""
    image = samples.encode(fmt, (16, 16))
    ftyp_end = struct.unpack(">I", image[:4])[0]
    uuid = struct.pack(">I", 8 + 16 + len(payload)) + b"uuid" + user_type + payload
    return image[:ftyp_end] + uuid + image[ftyp_end:]


def _c2pa_uuid_payload(purpose: bytes, body: bytes) -> bytes:
    return b"\x00\x00\x00\x00" + purpose + b"\x00" + (bytes(8) if purpose == b"manifest"
                                                       else b"") + body


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_a_heif_or_avif_c2pa_uuid_box_before_meta_is_a_manifest(fmt):
    decoded = decode_bytes(_heif_with_uuid(_c2pa_uuid_payload(b"manifest", store()), fmt))
    assert (decoded.format, decoded.width) == (fmt, 16)
    assert decoded.provenance.claim_generator == "Example AI 1.0"
    assert decoded.provenance.digital_source_types == ["trainedAlgorithmicMedia"]


def test_a_uuid_box_of_another_user_type_is_no_manifest():
    decoded = decode_bytes(_heif_with_uuid(_c2pa_uuid_payload(b"manifest", store()),
                                           user_type=bytes(16)))
    assert (decoded.format, decoded.provenance.present) == ("HEIF", False)


def test_a_merkle_uuid_box_holds_no_manifest_store():
    decoded = decode_bytes(_heif_with_uuid(_c2pa_uuid_payload(b"merkle", b"\xa0")))
    assert (decoded.format, decoded.provenance.present) == ("HEIF", False)


def test_a_uuid_purpose_without_its_end_is_no_manifest():
    assert c2pa.from_bmff_uuid(b"\x00\x00\x00\x00manifest") is None
    assert c2pa.from_bmff_uuid(b"\x00\x00") is None


def test_an_image_without_credentials_says_so():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    assert decode_bytes(buffer.getvalue()).provenance.present is False
