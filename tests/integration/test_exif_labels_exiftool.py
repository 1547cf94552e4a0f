"""Every label the project prints for an enumerated tag is what the real exiftool prints.

JPEG files are written with every code of every enumeration (and one code no standard
defines), then read by ``exiftool -json -G1`` (without ``-n``: its labels) and by the project.
Skipped where exiftool is not installed (``make test`` installs Debian's).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import piexif
import pytest
from PIL import Image

from image_metadata.decode import decode_bytes
from image_metadata.tags import exif_labels
from image_metadata.tags.exif_names import NAMES
from tests.conftest import CORPUS

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")

# Where each enumerated tag is written, and its TIFF type (3 SHORT, 1 BYTE, 2 ASCII, 4 LONG,
# 7 UNDEFINED).
_IFD_OF = {"GPS": "GPS", "Interop": "Interop"}
_TYPES = {"GPSAltitudeRef": 1, "GPSDifferential": 3, "GPSMeasureMode": 2, "FileSource": 7,
          "SceneType": 7, "NewSubfileType": 4, "ComponentsConfiguration": 7}
# Tags exiftool names otherwise than the standard (and so than ``exif``).
_EXIFTOOL_NAME = {
    "NewSubfileType": "SubfileType", "SubfileType": "OldSubfileType",
    "InteroperabilityIndex": "InteropIndex", "Threshholding": "Thresholding",
}
# Codes named on purpose where exiftool 12.57 prints "Unknown": Panasonic's raw compressions
# (exiftool names them only inside an RW2, whose IFD0 it reads with its own table) and DNG
# 1.7's JPEG XL compression (newer than that release).
BEYOND_EXIFTOOL = {("Compression", "34316"), ("Compression", "34826"), ("Compression", "34828"),
                   ("Compression", "34830"), ("Compression", "52546")}
_EXIF_GROUPS = {"IFD0", "ExifIFD", "GPS", "InteropIFD"}
_PIEXIF_IFD = {"IFD0": "0th", "Exif": "Exif", "GPS": "GPS", "Interop": "Interop"}


def _where(name: str) -> tuple[str, int]:
    for ifd in ("GPS", "Interop", "Exif", "IFD0"):
        for tag, tag_name in NAMES[ifd].items():
            if tag_name == name and (ifd in ("GPS", "Interop") or tag in _piexif_table(ifd)):
                return ifd, tag
    for tag, tag_name in NAMES["Exif"].items():
        if tag_name == name:
            return "Exif", tag
    raise KeyError(name)


def _piexif_table(ifd: str) -> dict:
    return piexif.TAGS["Image" if ifd == "IFD0" else ifd]


def _type(ifd: str, tag: int, name: str) -> int:
    if name in _TYPES:
        return _TYPES[name]
    return _piexif_table(ifd).get(tag, {}).get("type", 3)


def _encode(type_id: int, code: int | str | list[int]) -> object:
    if type_id == 2:
        return str(code).encode()
    if type_id == 7:
        codes = code if isinstance(code, list) else [code]
        return bytes(codes)
    return tuple(code) if isinstance(code, list) else code


def _cases() -> dict[str, list]:
    """Tag name -> the codes to write: every defined one, then one no standard defines."""
    cases: dict[str, list] = {}
    for name, table in exif_labels.ENUMERATIONS.items():
        codes = list(table)
        unknown = "X" if isinstance(codes[0], str) else 77
        cases[name] = [*codes, unknown]
    cases["ComponentsConfiguration"] = [[1, 2, 3, 0], [0, 3, 2, 1], [4, 5, 6, 0]]
    cases["SampleFormat"] = [[1, 2, 3], [4, 5, 6]]
    cases["ExtraSamples"] = [[0], [1], [2]]
    cases["NewSubfileType"] += [18, 0x20]
    cases["ColorSpace"].append(0)
    cases["FileSource"].append([3, 0, 0, 0])  # as Sigma cameras write it
    return cases


def _jpeg(tags: dict[str, object]) -> bytes:
    data: dict[str, dict] = {"0th": {}, "Exif": {}, "GPS": {}, "Interop": {}, "1st": {}}
    for name, code in tags.items():
        ifd, tag = _where(name)
        type_id = _type(ifd, tag, name)
        data[_PIEXIF_IFD[ifd]][tag] = _encode(type_id, code)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=_dump(data))
    return buffer.getvalue()


def _dump(data: dict[str, dict]) -> bytes:
    # piexif checks values against its own type table: tags it does not know (EXIF 3.0's,
    # the Interop IFD's) are added to a copy of that table for the dump only.
    saved = {key: dict(piexif.TAGS[key]) for key in ("Image", "Exif", "GPS", "Interop")}
    try:
        for ifd, table in (("0th", "Image"), ("Exif", "Exif"), ("Interop", "Interop")):
            for tag, value in data[ifd].items():
                if tag not in piexif.TAGS[table]:
                    type_id = 2 if isinstance(value, bytes) else 3
                    piexif.TAGS[table][tag] = {"name": f"T{tag}", "type": type_id}
        return piexif.dump(data)
    finally:
        for key, table in saved.items():
            piexif.TAGS[key] = table


@pytest.fixture(scope="module")
def readings(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, dict, dict]]:
    """(what was written, what exiftool prints, what the project labels) per file."""
    folder: Path = tmp_path_factory.mktemp("labels")
    cases = _cases()
    files = []
    for index in range(max(len(codes) for codes in cases.values())):
        written = {name: codes[index] for name, codes in cases.items() if index < len(codes)}
        path = folder / f"codes_{index:03d}.jpg"
        path.write_bytes(_jpeg(written))
        files.append((path, written))
    result = subprocess.run([EXIFTOOL, "-json", "-G1", *[str(p) for p, _ in files]],
                            capture_output=True, text=True, check=True)
    by_file = {Path(entry["SourceFile"]).name: entry for entry in json.loads(result.stdout)}
    out = []
    for path, written in files:
        decoded = decode_bytes(path.read_bytes())
        out.append((written, by_file[path.name], exif_labels.labels(decoded.exif)))
    return out


def _exiftool_value(reading: dict, name: str) -> str | None:
    wanted = _EXIFTOOL_NAME.get(name, name)
    for key, value in reading.items():
        group, _, tag = key.partition(":")
        if tag == wanted and group in _EXIF_GROUPS:
            return str(value)
    return None


@pytest.mark.parametrize("name", sorted(_cases()))
def test_every_code_of_a_tag_is_labelled_as_exiftool_labels_it(readings, name: str) -> None:
    differences = []
    for written, exiftool_says, ours in readings:
        if name not in written or (name, str(written[name])) in BEYOND_EXIFTOOL:
            continue
        theirs = _exiftool_value(exiftool_says, name)
        if theirs is None:
            differences.append(f"{name} {written[name]!r}: exiftool printed nothing")
        elif ours.get(name) != theirs:
            differences.append(
                f"{name} {written[name]!r}: exiftool {theirs!r}, ours {ours.get(name)!r}")
    assert not differences, differences


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*")
                  if p.is_file() and p.suffix not in (".json", ".md", ".rst", ".txt"))


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not present")
def test_labels_of_the_shared_corpus_are_exiftools() -> None:
    """Real camera files: every label the project gives agrees with exiftool's for the same
    tag of the same file."""
    files = _corpus_files()
    result = subprocess.run([EXIFTOOL, "-json", "-G1", "-q", "-q", *map(str, files)],
                            capture_output=True, text=True)
    by_file = {entry["SourceFile"]: entry for entry in json.loads(result.stdout or "[]")}
    compared, differences = 0, []
    for path in files:
        try:
            decoded = decode_bytes(path.read_bytes())
        except Exception:  # files the project rejects are the compatibility tests' business
            continue
        theirs = by_file.get(str(path), {})
        for name, ours in exif_labels.labels(decoded.exif).items():
            expected = _exiftool_value(theirs, name)
            if expected is None or (name == "Orientation" and decoded.format == "HEIF"):
                # HEIF: the project reports Orientation 1 (the container's rotation is
                # already applied to the size, as libheif does); exiftool the stored tag.
                continue
            compared += 1
            if expected != ours:
                differences.append(f"{path.name} {name}: exiftool {expected!r}, ours {ours!r}")
    assert compared > 500
    assert not differences, differences
