"""Captions, keywords, creators and rights are reconciled as exiftool's MWG module reconciles
them: files written by the real exiftool (EXIF, IPTC and XMP in every combination, a stale
IPTC digest, UTF-8 IPTC), and the shared corpus, read by both. Skipped without exiftool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from image_metadata.decode import decode_bytes
from tests.conftest import CORPUS

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")

EXIF = ["-EXIF:ImageDescription=exif caption", "-EXIF:Copyright=exif rights",
        "-EXIF:Artist=exif artist"]
IPTC = ["-IPTC:Caption-Abstract=iptc caption", "-IPTC:CopyrightNotice=iptc rights",
        "-IPTC:By-line=iptc one", "-IPTC:By-line=iptc two", "-IPTC:Keywords=k1",
        "-IPTC:Keywords=k2", "-IPTC:ObjectName=iptc title"]
XMP = ["-XMP-dc:Description=xmp caption", "-XMP-dc:Rights=xmp rights",
       "-XMP-dc:Creator=xmp creator", "-XMP-dc:Subject=x1", "-XMP-dc:Subject=x2",
       "-XMP-dc:Title=xmp title", "-XMP-xmp:Rating=4", "-XMP-xmp:Label=Red"]
STALE_DIGEST = ["-IPTCDigest=00112233445566778899aabbccddeeff"]
SYNCED_DIGEST = ["-IPTCDigest<CurrentIPTCDigest"]
UTF8 = ["-IPTC:CodedCharacterSet=UTF8", "-IPTC:Caption-Abstract=Café ☀ Zürich"]
CASES = {
    "exif-iptc-xmp": EXIF + IPTC + XMP,
    "exif-iptc": EXIF + IPTC,
    "iptc-xmp": IPTC + XMP,
    "iptc-xmp-synced": IPTC + XMP,
    "iptc-xmp-stale": IPTC + XMP,
    "iptc": IPTC,
    "xmp": XMP,
    "iptc-utf8": UTF8,
}
_MWG = ("Description", "Copyright", "Creator", "Keywords", "Rating")


def _exiftool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXIFTOOL, *args], capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mwg")
    files = {}
    for name, args in CASES.items():
        path = folder / f"{name}.jpg"
        Image.new("RGB", (8, 8)).save(path)
        _exiftool("-q", "-overwrite_original", "-charset", "iptc=UTF8", *args, str(path))
        if name.endswith("-synced"):
            _exiftool("-q", "-overwrite_original", *SYNCED_DIGEST, str(path))
        if name.endswith("-stale"):
            _exiftool("-q", "-overwrite_original", *STALE_DIGEST, str(path))
        files[name] = path
    return files


def _mwg(paths: list[Path]) -> dict[str, dict]:
    result = _exiftool("-json", "-use", "MWG", "-charset", "iptc=UTF8",
                       *[f"-MWG:{tag}" for tag in _MWG], *map(str, paths))
    return {Path(entry["SourceFile"]).name: entry for entry in json.loads(result.stdout)}


def _ours(path: Path) -> dict:
    found = decode_bytes(path.read_bytes()).descriptions
    return {"Description": found.description, "Copyright": found.copyright,
            "Creator": found.creator, "Keywords": found.keywords or None,
            "Rating": found.rating}


def _text(value: object) -> str | None:
    """exiftool's text as the project's columns hold text: trimmed, blank as null."""
    if value is None:
        return None
    return str(value).strip() or None


def _theirs(entry: dict) -> dict:
    creator = entry.get("Creator")
    keywords = entry.get("Keywords")
    return {
        "Description": _text(entry.get("Description")),
        "Copyright": _text(entry.get("Copyright")),
        "Creator": "; ".join(creator) if isinstance(creator, list) else _text(creator),
        "Keywords": [str(k) for k in ([keywords] if isinstance(keywords, str | int)
                                      else keywords or [])] or None,
        "Rating": float(entry["Rating"]) if "Rating" in entry else None,
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_descriptions_are_reconciled_as_exiftools_mwg_module_does(written, case: str):
    theirs = _mwg([written[case]])[written[case].name]
    assert _ours(written[case]) == _theirs(theirs)


def test_iptc_in_utf8_keeps_its_characters(written):
    assert _ours(written["iptc-utf8"])["Description"] == "Café ☀ Zürich"


def test_title_rating_and_label_come_from_xmp(written):
    found = decode_bytes(written["iptc-xmp"].read_bytes()).descriptions
    assert (found.title, found.rating, found.label) == ("xmp title", 4.0, "Red")
    assert decode_bytes(written["iptc"].read_bytes()).descriptions.title == "iptc title"


_DESCRIBED = (".jpg", ".jpeg", ".tif", ".tiff", ".psd")  # the containers IPTC lives in


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not present")
def test_the_shared_corpus_reads_as_exiftools_mwg_module_reads_it():
    files = sorted(p for p in CORPUS.rglob("*")
                   if p.is_file() and p.suffix.lower() in _DESCRIBED)
    theirs = _mwg(files)
    compared, differences = 0, []
    for path in files:
        try:
            ours = _ours(path)
        except Exception:  # rejected files are the compatibility tests' business
            continue
        expected = _theirs(theirs.get(path.name, {}))
        for key, value in expected.items():
            if value is None and ours[key] is None:
                continue
            compared += 1
            if value != ours[key]:
                differences.append(f"{path.name} {key}: exiftool {value!r}, ours {ours[key]!r}")
    assert compared > 20
    assert not differences, differences
