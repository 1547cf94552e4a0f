"""The ``*_latest`` views: one row per URL, its latest outcome, in the Athena (Trino) dialect.

Runs accumulate: a URL read by three runs has three rows. These views keep, for each URL, the
row of the run that read it last (``extracted_at``, then ``run_id``), from whichever table it
landed in: ``images_latest`` holds the URLs whose latest read succeeded, ``failures_latest``
those whose latest read failed. The stack creates them in Athena and local queries define them
in DuckDB from the same text.
"""

from __future__ import annotations

from importlib import resources

VIEWS = ("images_latest", "failures_latest")
BASE_TABLE = {"images_latest": "images", "failures_latest": "failures"}


_OUTCOME = {"images": "succeeded", "failures": "failed"}


def _text(name: str) -> str:
    if name not in VIEWS:
        raise KeyError(f"no view {name!r}; known: {', '.join(VIEWS)}")
    template = resources.files(__name__).joinpath("latest.sql").read_text(encoding="utf-8")
    table = BASE_TABLE[name]
    return template.format(table=table, outcome=_OUTCOME[table])


def sql(name: str) -> str:
    """The SELECT that defines view ``name``: both views rank the same outcomes and keep the
    rows of their own table."""
    return _text(name).partition("\n")[2].strip()


def description(name: str) -> str:
    return _text(name).partition("\n")[0].lstrip("-").strip()
