"""Build the Glue dependency bundle: a zip of wheels for Glue 5.1 (CPython 3.11, x86_64 Linux).

It holds the project's own wheel and every wheel ``layers/requirements.txt`` needs, so the job
installs from S3 with ``--no-index`` and never reaches PyPI. The zip is deterministic (fixed
entry times and order): an unchanged bundle keeps its asset hash and is not re-uploaded.

    python layers/build_bundle.py          # writes layers/dist/image_metadata.gluewheels.zip
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "layers" / "requirements.txt"
DIST = ROOT / "layers" / "dist"
BUNDLE_NAME = "image_metadata.gluewheels.zip"
# Glue 5.1 runs Amazon Linux 2023 (glibc 2.34) on x86_64 with CPython 3.11.
PLATFORMS = ("manylinux_2_34_x86_64", "manylinux_2_28_x86_64", "manylinux2014_x86_64",
             "manylinux_2_17_x86_64", "linux_x86_64")
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def pinned_requirements() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _pip(*args: str) -> None:
    # A fixed SOURCE_DATE_EPOCH makes our wheel byte-identical across checkouts.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1704067200"}
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
                   check=True, env=env)


def build(output: Path = DIST) -> Path:
    """Download the pinned wheels for Glue's platform, build ours, zip them; return the zip."""
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        wheels = Path(scratch)
        platform_args = [arg for p in PLATFORMS for arg in ("--platform", p)]
        _pip("download", "--dest", str(wheels), "--only-binary=:all:", "--python-version", "3.11",
             "--implementation", "cp", *platform_args, "-r", str(REQUIREMENTS))
        _pip("wheel", "--no-deps", "--wheel-dir", str(wheels), str(ROOT))
        ours = sorted(wheels.glob("image_metadata-*.whl"))
        if len(ours) != 1:
            raise RuntimeError(f"expected one image_metadata wheel, found {ours}")
        version = ours[0].name.split("-")[1]
        listing = "\n".join([*pinned_requirements(), f"image-metadata=={version}"]) + "\n"
        bundle = output / BUNDLE_NAME
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # Glue's documented layout: one top-level wheels/ folder holding every wheel and
            # the requirements.txt naming what to install from them.
            for wheel in sorted(wheels.glob("*.whl")):
                entry = zipfile.ZipInfo(f"wheels/{wheel.name}", date_time=_FIXED_TIME)
                entry.compress_type = zipfile.ZIP_STORED  # wheels are zips already
                archive.writestr(entry, wheel.read_bytes())
            entry = zipfile.ZipInfo("wheels/requirements.txt", date_time=_FIXED_TIME)
            archive.writestr(entry, listing)
    return bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DIST)
    args = parser.parse_args(argv)
    print(build(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
