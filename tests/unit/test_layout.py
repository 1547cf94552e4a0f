"""The library's layout holds what DESIGN.md's "Layout" promises: arrows point one way,
only job/ touches Spark, and a format is one module in formats/ plus a line in its registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "glue_jobs" / "image_metadata"
SHARED = {"schema", "exceptions"}  # the contract and the named errors: everyone may read them
# What each part may import besides SHARED and itself.
MAY_IMPORT = {
    "schema": set(), "exceptions": set(), "samples": set(),
    "tags": set(),
    "formats": {"tags"},
    "decode": {"formats", "tags"},
    "fetch": set(),
    "extract": {"fetch", "decode"},
    "job": {"extract", "fetch"},
    "explore": set(),
    "aws": set(),
    "terminal": set(),  # the command's progress bar: a view the job is handed, never imports
    "cli": {"job", "extract", "fetch", "explore", "aws", "terminal"},
}
# Modules of formats/ that are no format's reader.
FORMAT_SUPPORT = {"__init__", "bits", "header", "pillow", "registry"}


def part_of(path: Path) -> str:
    """The top-level module or package a library file belongs to."""
    return path.relative_to(LIBRARY).with_suffix("").parts[0]


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path.name}: relative import (the layout uses absolute)"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


LIBRARY_FILES = sorted(LIBRARY.rglob("*.py"))


def test_every_part_of_the_library_has_its_place_in_the_layout():
    assert {part_of(path) for path in LIBRARY_FILES} - {"__init__"} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_imports_point_one_way(path):
    part = part_of(path)
    allowed = MAY_IMPORT.get(part, set()) | SHARED | {part}
    used = {m.split(".")[1] for m in imports_of(path)
            if m.startswith("image_metadata.") and m.count(".") >= 1}
    assert used <= allowed, f"{part} may not import {sorted(used - allowed)}"


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_only_the_job_imports_spark(path):
    spark = {m for m in imports_of(path) if m.split(".")[0] in ("pyspark", "py4j", "awsglue")}
    assert part_of(path) == "job" or not spark, spark


def test_every_format_module_is_in_the_registry():
    readers = {p.stem for p in (LIBRARY / "formats").glob("*.py")} - FORMAT_SUPPORT
    registry = imports_of(LIBRARY / "formats" / "registry.py")
    assert {m.rsplit(".", 1)[1] for m in registry if m.startswith("image_metadata.formats.")} \
        >= readers
