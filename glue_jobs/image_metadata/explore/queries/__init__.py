"""Named queries in the Athena (Trino) dialect, one ``.sql`` file each.

The file name is the query name; its first line, a ``--`` comment, is the description. The
Athena workgroup gets these files as named queries, and local runs execute the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sql: str


def load_all() -> list[NamedQuery]:
    """Every named query, sorted by name."""
    found = []
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".sql"):
            found.append(parse(entry.name[: -len(".sql")], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda q: q.name)


def get(name: str) -> NamedQuery:
    queries = {q.name: q for q in load_all()}
    if name not in queries:
        raise KeyError(f"no named query {name!r}; known: {', '.join(sorted(queries))}")
    return queries[name]


def parse(name: str, text: str) -> NamedQuery:
    first, _, body = text.partition("\n")
    if not first.startswith("--"):
        raise ValueError(f"query {name}: the first line must be a '-- description' comment")
    return NamedQuery(name, first[2:].strip(), body.strip())
