"""Benchmark corpora: the shared real-camera samples and generated camera-like files.

The generated files are what dominates a real data lake: multi-megabyte images whose metadata
sits in the first kilobytes (JPEG, TIFF) or after the image data (PNG, WebP), and HEIC. They
are written once into a cache folder and reused.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

from PIL import Image

from image_metadata import samples

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus" / "exif-samples"
CACHE = ROOT / "bench" / ".cache"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif", ".png", ".webp"}


def shared_files() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def _photo(size: tuple[int, int], seed: int) -> Image.Image:
    """Camera-like content: smooth gradients plus sensor noise, so encoders work for real."""
    rng = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range(64 * 48)])
    base = small.resize(size, Image.Resampling.BICUBIC)
    noise = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(base, noise, 0.25)


def _exif(index: int) -> bytes:
    place = list(samples.PLACES.values())[index % len(samples.PLACES)]
    return samples.exif_bytes(make="BenchCam", model=f"BC-{index}", place=place)


def _png_with_exif_at_end(image: Image.Image, exif: bytes) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    data = out.getvalue()
    end = data.rindex(b"IEND") - 4
    chunk = struct.pack(">L", len(exif)) + b"eXIf" + exif
    chunk += struct.pack(">L", zlib.crc32(b"eXIf" + exif) & 0xFFFFFFFF)
    return data[:end] + chunk + data[end:]


def _encode(kind: str, index: int) -> tuple[str, bytes]:
    exif = _exif(index)
    if kind == "jpeg":
        size = (4000, 3000) if index % 2 == 0 else (6000, 4000)  # 12 MP and 24 MP
        out = io.BytesIO()
        _photo(size, index).save(out, format="JPEG", quality=92, exif=b"Exif\x00\x00" + exif)
        return f"camera-{index}.jpg", out.getvalue()
    if kind == "tiff":
        out = io.BytesIO()
        tags = Image.Exif()
        tags.load(b"Exif\x00\x00" + exif)
        _photo((3000, 2000), index).save(out, format="TIFF", exif=tags)
        return f"scan-{index}.tiff", out.getvalue()
    if kind == "png":
        return f"export-{index}.png", _png_with_exif_at_end(_photo((2000, 1500), index), exif)
    if kind == "webp":
        out = io.BytesIO()
        _photo((4000, 3000), index).save(out, format="WEBP", quality=90,
                                         exif=b"Exif\x00\x00" + exif)
        return f"web-{index}.webp", out.getvalue()
    if kind == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        out = io.BytesIO()
        _photo((4032, 3024), index).save(out, format="HEIF", quality=90,
                                         exif=b"Exif\x00\x00" + exif)
        return f"phone-{index}.heic", out.getvalue()
    raise ValueError(kind)


KINDS = ("jpeg", "tiff", "png", "webp", "heic")


def generated_files(per_kind: int = 3, folder: Path = CACHE / "generated") -> list[Path]:
    """Write (once) and list the generated camera-like files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS:
        for index in range(per_kind):
            marker = folder / f"{kind}-{index}.name"
            if marker.exists() and (folder / marker.read_text()).exists():
                paths.append(folder / marker.read_text())
                continue
            name, data = _encode(kind, index)
            (folder / name).write_bytes(data)
            marker.write_text(name)
            paths.append(folder / name)
    return paths


def kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".png": "PNG",
            ".webp": "WebP", ".heic": "HEIF", ".heif": "HEIF"}[suffix]
