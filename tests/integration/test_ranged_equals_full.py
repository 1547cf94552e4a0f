"""Reading only some byte ranges gives exactly what reading the whole file gives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from image_metadata import samples
from image_metadata.decode import decode_bytes
from image_metadata.exceptions import ImageFailure
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
from tests.conftest import CORPUS
from tests.support import made_formats, pillow_formats
from tests.support.http_server import ImageServer

SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif", ".png", ".webp"}
# A small first read makes every format go back for more ranges than it would by default.
SETTINGS = ExtractSettings(first_read=16 * 1024,
                           fetch=FetchSettings(allow_private_networks=True))
FIELDS = ("format", "mode", "width", "height", "exif", "warnings")


def _fixtures() -> dict[str, bytes]:
    exif = samples.exif_bytes(make="Canon", model="EOS R5", place=samples.PLACES["rio"])
    padding = bytes(300_000)
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = {
        "jpeg": samples.encode("JPEG", (640, 480), exif=exif) + padding,
        "png-exif-after-idat": samples.png_with_exif_after_idat((640, 480), exif),
        "png-exif-before-idat": samples.encode("PNG", (64, 48), exif=exif),
        "webp": samples.encode("WEBP", (640, 480), exif=exif),
        "tiff": samples.encode("TIFF", (640, 480), exif=exif),
        "heif": samples.encode("HEIF", (640, 480), exif=exif),
        "avif": samples.encode("AVIF", (64, 48), exif=exif),
        "gif": samples.encode("GIF", (64, 48), mode="P"),
        "bmp": samples.encode("BMP", (64, 48)),
    }
    big_png = io.BytesIO()
    Image.effect_noise((1200, 900), 40).convert("RGB").save(big_png, "PNG")
    out["png-large-no-exif"] = big_png.getvalue()
    out.update({f"made-{name.replace(' ', '-')}": data
                for name, data in made_formats.made((64, 48), exif).items()})
    out.update({f"pillow-{name}": data
                for name, data in pillow_formats.one_of_each((64, 48)).items()})
    return out


FIXTURES = _fixtures()
CORPUS_FILES = sorted([*(p for p in (CORPUS / "exif-samples").rglob("*")
                         if p.suffix.lower() in SUFFIXES),
                       *(p for p in (CORPUS / "exiftool-t-images").glob("*")
                         if p.suffix not in (".json", ".md"))]) if CORPUS.is_dir() else []


@pytest.fixture(scope="module")
def server():
    instance = ImageServer(root=CORPUS if CORPUS.is_dir() else None).start()
    for name, data in FIXTURES.items():
        instance.files[f"/fixtures/{name}"] = data
    yield instance
    instance.stop()


def assert_same(row: dict, full) -> None:
    assert row["status"] == "ok", row
    for name in FIELDS:
        assert row[name] == getattr(full, name), name
    for name, value in full.typed.__dict__.items():
        assert row[name] == value, name


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_generated_fixture_reads_the_same_over_ranges(server, name):
    row = extract_one(server.url(f"fixtures/{name}"), None, Clients(SETTINGS.fetch), SETTINGS, "r")
    assert_same(row, decode_bytes(FIXTURES[name]))
    assert row["bytes_read"] <= row["file_size"]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_reads_the_same_over_ranges(server, path: Path):
    from urllib.parse import quote

    url = server.url(quote(path.relative_to(CORPUS).as_posix()))
    row = extract_one(url, None, Clients(SETTINGS.fetch), SETTINGS, "r")
    try:
        whole = decode_bytes(path.read_bytes())
    except ImageFailure as failure:  # refused whole: refused the same way over ranges
        assert (row["status"], row["error_type"]) == ("failed", failure.error_type), row
        return
    assert_same(row, whole)


def test_large_png_without_exif_is_not_read_whole(server):
    url = server.url("fixtures/png-large-no-exif")
    row = extract_one(url, None, Clients(SETTINGS.fetch), SETTINGS, "r")
    assert row["status"] == "ok"
    assert row["bytes_read"] < 0.1 * row["file_size"]
