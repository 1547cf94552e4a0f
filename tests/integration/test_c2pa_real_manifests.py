"""Content credentials written by the C2PA reference implementation (c2pa-rs, through its
Python bindings) read as that implementation reads them, in every container it signs.

The signing certificate is made here (a test CA and an ES256 leaf): the manifests are real,
their trust is not, which does not matter to a reader that reports claims unverified."""

from __future__ import annotations

import datetime
import io
import json

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.tags.c2pa import SOURCE_TYPE_PREFIX

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic",
        "AVIF": "image/avif"}
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _name(common: str):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "image-metadata tests")])


def _usage(**on: bool):
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


@pytest.fixture(scope="module")
def signer():
    now = datetime.datetime.now(datetime.UTC)
    valid = {"not_valid_before": now - datetime.timedelta(days=1),
             "not_valid_after": now + datetime.timedelta(days=30)}
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder(**valid).subject_name(_name("Test CA"))
          .issuer_name(_name("Test CA")).public_key(ca_key.public_key()).serial_number(1)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder(**valid).subject_name(_name("Test signer"))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(2)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca))
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private,
                                                     None))


def _sign(signer, fmt: str, source: bytes, generator: str, action: str, source_type: str,
          parent: bytes | None = None) -> bytes:
    name, version = generator.rsplit(" ", 1)
    # An edit's first action opens its parent (the specification's rule for actions).
    actions = [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}
               ] if parent is not None else []
    actions.append({"action": action, "digitalSourceType": IPTC + source_type})
    manifest = {"claim_generator_info": [{"name": name, "version": version}],
                "title": f"test.{fmt.lower()}",
                "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}]}
    builder = c2pa.Builder(json.dumps(manifest))
    if parent is not None:
        builder.add_ingredient(json.dumps({"title": "parent", "relationship": "parentOf",
                                           "label": "parent"}),
                               MIME[fmt], io.BytesIO(parent))
    signed = io.BytesIO()
    builder.sign(signer, MIME[fmt], io.BytesIO(source), signed)
    return signed.getvalue()


def _reference_reading(fmt: str, data: bytes) -> tuple[str, list[str]]:
    """The active manifest's generator and declared source types, as c2pa-rs reads them."""
    store = json.loads(c2pa.Reader(MIME[fmt], io.BytesIO(data)).json())
    active = store["manifests"][store["active_manifest"]]
    info = active["claim_generator_info"][0]
    types = [a["digitalSourceType"].rsplit(SOURCE_TYPE_PREFIX, 1)[-1]
             for assertion in active["assertions"] if assertion["label"].startswith("c2pa.actions")
             for a in assertion["data"]["actions"] if "digitalSourceType" in a]
    return f"{info['name']} {info['version']}", types


@pytest.mark.parametrize("fmt", sorted(MIME))
def test_a_manifest_the_reference_implementation_signed_reads_as_it_reads_it(signer, fmt):
    signed = _sign(signer, fmt, samples.encode(fmt, (64, 48)), "Example Generator 2.1",
                   "c2pa.created", "trainedAlgorithmicMedia")
    decoded = decode_bytes(signed)
    assert (decoded.format, decoded.width, decoded.height) == (fmt, 64, 48)
    assert decoded.provenance.present is True
    assert (decoded.provenance.claim_generator, decoded.provenance.digital_source_types) == (
        _reference_reading(fmt, signed))
    assert decoded.provenance.digital_source_types == ["trainedAlgorithmicMedia"]


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_an_edit_of_a_signed_image_reports_the_editors_manifest(signer, fmt):
    made = _sign(signer, fmt, samples.encode(fmt, (64, 48)), "Example Generator 2.1",
                 "c2pa.created", "trainedAlgorithmicMedia")
    edited = _sign(signer, fmt, made, "Example Editor 7.0", "c2pa.edited",
                   "compositeWithTrainedAlgorithmicMedia", parent=made)
    decoded = decode_bytes(edited)
    assert (decoded.provenance.claim_generator, decoded.provenance.digital_source_types) == (
        "Example Editor 7.0", ["compositeWithTrainedAlgorithmicMedia"])
    assert _reference_reading(fmt, edited) == ("Example Editor 7.0",
                                               ["compositeWithTrainedAlgorithmicMedia"])
