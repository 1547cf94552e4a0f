"""The project against Pillow: every file Pillow's ``Image.open`` gives a format and size for
is decoded with the same format, mode and size, or a documented better size (a raw file's full
resolution where Pillow reports its preview). Files under ../shared/corpus (skipped when it is
absent) and one of every format the test suite makes."""

from __future__ import annotations

import io
import warnings

import pytest
from PIL import Image

from image_metadata.decode import decode_bytes
from image_metadata.formats.pillow import init_plugins
from tests.conftest import CORPUS
from tests.support import pillow_formats

# Raw files Pillow opens as TIFF, reporting a preview's size (IFD0), where the project reports
# the full-resolution image: the SubIFD not marked reduced (DNG, NEF), or the size recorded
# in EXIF for files whose IFDs hold only previews (Canon CR2, Phase One IIQ).
FULL_RESOLUTION = {"DNG.dng": (3516, 2328), "Nikon.nef": (3040, 2014),
                   "CanonRaw.cr2": (3456, 2304), "PhaseOne.iiq": (7320, 5484),
                   # Pillow reads a Photo CD's Base image; its image pack holds 16Base.
                   "PhotoCD.pcd": (2048, 3072)}


def pillow_view(data: bytes) -> tuple | None:
    init_plugins()  # the same plugins (pillow-heif's among them) on both sides
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.format, image.mode, image.size
        except Exception:  # whatever Pillow refuses is outside this test
            return None


def ours(data: bytes) -> tuple:
    result = decode_bytes(data)
    return result.format, result.mode, (result.width, result.height)


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()
                      and p.suffix not in (".json", ".md", ".rst")) if CORPUS.is_dir() else []


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_a_corpus_file_pillow_opens_is_read_as_pillow_reads_it(path):
    data = path.read_bytes()
    expected = pillow_view(data)
    if expected is None:
        pytest.skip("Pillow does not open it")
    if path.name in FULL_RESOLUTION:
        expected = (*expected[:2], FULL_RESOLUTION[path.name])
    assert ours(data) == expected


GENERATED = pillow_formats.one_of_each((16, 12))


@pytest.mark.parametrize("fmt", sorted(GENERATED))
def test_a_file_of_every_pillow_format_is_read_as_pillow_reads_it(fmt):
    data = GENERATED[fmt]
    assert pillow_view(data) is not None
    assert ours(data) == pillow_view(data)


def test_every_format_pillow_opens_is_supported():
    from image_metadata.decode import SUPPORTED_FORMATS

    init_plugins()
    assert set(Image.OPEN) | {"MPO", "HEIF"} <= set(SUPPORTED_FORMATS)
    assert {"FPX", "MIC"} <= set(Image.OPEN)  # olefile is in the bundle: FlashPix is read
