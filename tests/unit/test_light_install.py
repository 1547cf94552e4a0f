"""pip install "image-metadata[local]" holds everything the library imports, and none of the
development tools (the CDK, moto, Playwright, the test runners)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LIBRARY = ROOT / "glue_jobs" / "image_metadata"
# The distribution that provides each module the library imports.
PROVIDER = {"PIL": "pillow", "pillow_heif": "pillow-heif", "piexif": "piexif",
            "olefile": "olefile", "urllib3": "urllib3", "boto3": "boto3", "botocore": "boto3",
            "tzfpy": "tzfpy", "pyspark": "pyspark", "py4j": "pyspark", "pyarrow": "pyarrow",
            "duckdb": "duckdb", "sqlglot": "sqlglot", "rich": "rich"}
GLUE_ONLY = {"awsglue"}  # imported only when Glue provides it
DEVELOPMENT = {"aws-cdk-lib", "constructs", "cdk-nag", "cfn-lint", "moto", "playwright",
               "pytest", "coverage", "mutmut", "hypothesis", "ruff", "c2pa-python"}


def names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def third_party_imports() -> set[str]:
    found = set()
    for path in LIBRARY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "image_metadata"}


def test_the_light_install_provides_every_module_the_library_imports():
    installed = names(PROJECT["dependencies"]) | names(PROJECT["optional-dependencies"]["local"])
    imported = third_party_imports() - GLUE_ONLY
    assert imported <= set(PROVIDER), f"name the provider of {sorted(imported - set(PROVIDER))}"
    assert {PROVIDER[m] for m in imported} <= installed


def test_the_light_install_leaves_the_development_tools_out():
    installed = names(PROJECT["dependencies"]) | names(PROJECT["optional-dependencies"]["local"])
    assert not installed & DEVELOPMENT
