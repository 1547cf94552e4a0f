"""The Glue dependency bundle installs with no index and runs the job's code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "layers" / "dist" / "image_metadata.gluewheels.zip"
# Modules the Glue 5.1 runtime provides itself (its "Python modules already provided" list).
GLUE_PROVIDED = {"boto3", "botocore", "pyspark", "pyarrow", "numpy", "pandas"}

PROBE = """
import io, sys
import image_metadata.decode, image_metadata.extract, image_metadata.job.manifest  # noqa: F401
from image_metadata import samples
from image_metadata.decode import decode_bytes
jpeg = samples.encode("JPEG", (40, 30), exif=samples.exif_bytes(place=samples.PLACES["rio"]))
heif = samples.encode("HEIF", (16, 16))
decoded = decode_bytes(jpeg)
print(decoded.format, decoded.width, decoded.height, round(decoded.typed.gps_latitude, 4))
print(decoded.typed.time_zone, decoded.typed.country_code, decoded.typed.region)
print(decode_bytes(heif).format)
print(sys.modules["PIL"].__file__)
"""


def test_bundle_holds_a_wheels_folder_with_its_requirements():
    with zipfile.ZipFile(BUNDLE) as archive:
        names = archive.namelist()
        requirements = archive.read("wheels/requirements.txt").decode().split()
    assert all(name.startswith("wheels/") for name in names)
    assert any(n.startswith("wheels/image_metadata-") and n.endswith(".whl") for n in names)
    assert {"pillow==13.0.0", "pillow-heif==1.8.1", "piexif==1.1.3"} <= set(requirements)
    wheels = [n for n in names if n.endswith(".whl")]
    # Python 3.11's own wheels, pure ones, or the stable ABI of an older CPython (tzfpy's).
    assert all("cp311" in n or "py3" in n or "-abi3-" in n for n in wheels)


def install(tmp_path: Path) -> Path:
    with zipfile.ZipFile(BUNDLE) as archive:
        archive.extractall(tmp_path / "bundle")
    wheels = tmp_path / "bundle" / "wheels"
    target = tmp_path / "site"
    # --no-deps: the target stands for Glue's environment, where boto3 & co. already exist;
    # the next test checks that nothing else is missing.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
         "--find-links", str(wheels), "--target", str(target), "-r",
         str(wheels / "requirements.txt")],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return target


def test_bundle_plus_glue_provided_modules_satisfy_every_dependency(tmp_path):
    target = install(tmp_path)
    installed = {_canonical(d.metadata["Name"]) for d in metadata.distributions(path=[str(target)])}
    missing = set()
    for dist in metadata.distributions(path=[str(target)]):
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            name = _canonical(re.split(r"[ <>=!~;\[(]", requirement, maxsplit=1)[0])
            if name not in installed and name not in GLUE_PROVIDED:
                missing.add(f"{dist.metadata['Name']} needs {requirement}")
    assert {"image-metadata", "pillow", "pillow-heif", "piexif", "urllib3"} <= installed
    assert missing == set()


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_bundle_installs_without_an_index_and_decodes_images(tmp_path):
    target = install(tmp_path)
    # -S: no site-packages, so only the bundle (and the standard library) can be imported.
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-S", "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert lines[0] == "JPEG 40 30 -22.9519"
    # The time zone polygons and the gazetteer are data files: they must ship in the wheels.
    assert lines[1] == "America/Sao_Paulo BR Rio de Janeiro"
    assert lines[2] == "HEIF"
    assert lines[3].startswith(str(target))
