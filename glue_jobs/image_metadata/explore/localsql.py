"""The Athena tables and queries on a local output folder, with DuckDB.

``images``, ``failures`` (with ``dt`` as a string column) and ``runs`` are views over the
Parquet and JSON files the job wrote, typed from ``schema.py``. SQL is written in Athena's
(Trino) dialect, as the named queries are, and translated to DuckDB's with sqlglot. Errors
come back as one-line QueryErrors that say where the query went wrong, in words of SQL
rather than of either library.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import expressions as exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError, TokenError, UnsupportedError

from image_metadata.exceptions import ImageMetadataError
from image_metadata.explore import views
from image_metadata.schema import (
    DATASET_PREFIXES,
    FAILURES_COLUMNS,
    IMAGES_COLUMNS,
    PARTITION_COLUMN,
    RUNS_COLUMNS,
    Column,
)

_DUCK_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
               "boolean": "BOOLEAN",
               # An instant: kept zoned so that results can say it is UTC; the session is
               # UTC, so it reads and compares as the wall clock Athena shows.
               "timestamp": "TIMESTAMPTZ",
               "timestamp_ntz": "TIMESTAMP"}  # a wall clock as it was recorded
# Where each dataset's files lie under the output root, as job.pipeline writes them.
_FILES = {"images": "dt=*/*.parquet", "failures": "dt=*/*.parquet", "runs": "*.json"}
COUNT_NAME = "n"


class QueryError(ImageMetadataError):
    """A query that cannot be translated or run; the message names the construct."""

    def __init__(self, message: str) -> None:
        # One line, whatever the quoted SQL or the engine's message spanned.
        super().__init__(" ".join(message.split()))


def duck_type(spark_type: str) -> str:
    """A contract type (``map<string,string>``, ``array<string>``, ...) in DuckDB's spelling."""
    spark_type = spark_type.strip()
    if spark_type in _DUCK_TYPES:
        return _DUCK_TYPES[spark_type]
    match = re.fullmatch(r"map<(\w+),(\w+)>", spark_type)
    if match:
        return f"MAP({duck_type(match.group(1))}, {duck_type(match.group(2))})"
    match = re.fullmatch(r"array<(\w+)>", spark_type)
    if match:
        return f"{duck_type(match.group(1))}[]"
    raise ValueError(f"no DuckDB type for {spark_type!r}")


def require_output(output: str | Path) -> Path:
    """``output`` as a Path if the job wrote anything there (Parquet under images/ or
    failures/, a summary under runs/); otherwise QueryError saying what was looked for and
    what writes it."""
    root = Path(output)
    if root.is_dir() and any(_files(root, name) for name in DATASET_PREFIXES):
        return root
    if not root.exists():
        problem = "does not exist"
    elif not root.is_dir():
        problem = "is not a folder"
    else:
        looked_for = ", ".join(f"{name}/{pattern}" for name, pattern in _FILES.items())
        problem = f"holds no output of imgmeta extract (looked for {looked_for})"
    raise QueryError(f"output folder {root} {problem}; write it with: imgmeta extract "
                     f"MANIFEST --output {shlex.quote(str(root))}")


def _files(root: Path, dataset: str) -> list[Path]:
    return sorted((root / dataset).glob(_FILES[dataset]))


def connect(output: str | Path, *, all_runs: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the three tables as views over ``output``, and the
    ``*_latest`` views the stack creates in Athena (with ``all_runs``, those show every run's
    row, so that every query that reads them sees the whole history). A dataset the output
    lacks is an empty table; an output with none of them is a QueryError."""
    root = require_output(output)
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for name, columns in (("images", IMAGES_COLUMNS), ("failures", FAILURES_COLUMNS)):
        all_columns = (*columns, PARTITION_COLUMN)
        if _files(root, name):
            casts = ", ".join(f'CAST("{c.name}" AS {duck_type(c.type)}) AS "{c.name}"'
                              for c in all_columns)
            source = (f"read_parquet({_literal(str(root / name / _FILES[name]))}, "
                      "hive_partitioning = true, hive_types = {'dt': VARCHAR}, "
                      "union_by_name = true)")
            con.execute(f"CREATE VIEW {name} AS SELECT {casts} FROM {source}")
        else:
            con.execute(_empty_view(name, all_columns))
    if _files(root, "runs"):
        spec = ", ".join(f"{_literal(c.name)}: {_literal(duck_type(c.type))}"
                         for c in RUNS_COLUMNS)
        con.execute(
            f"CREATE VIEW runs AS SELECT * FROM read_json("
            f"{_literal(str(root / 'runs' / _FILES['runs']))}, format = 'newline_delimited', "
            f"columns = {{{spec}}})"
        )
    else:
        con.execute(_empty_view("runs", RUNS_COLUMNS))
    for view in views.VIEWS:
        body = (f"SELECT * FROM {views.BASE_TABLE[view]}" if all_runs
                else translate(views.sql(view)))
        con.execute(f"CREATE VIEW {view} AS {body}")
    return con


def _empty_view(name: str, columns: tuple[Column, ...]) -> str:
    nulls = ", ".join(f'CAST(NULL AS {duck_type(c.type)}) AS "{c.name}"' for c in columns)
    return f"CREATE VIEW {name} AS SELECT {nulls} WHERE false"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def translate(sql: str) -> str:
    """Athena (Trino) SQL in DuckDB's dialect, with an unnamed row count named ``n``;
    QueryError names what cannot be parsed or translated."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except ParseError as e:
        raise _parse_error(e) from None
    except TokenError as e:
        near = re.search(r"'(.*)'", str(e), re.DOTALL)
        raise QueryError("cannot parse the query as Athena SQL: a quoted string, quoted name "
                         "or comment is not closed" + (f" (near {near.group(1)!r})" if near
                                                       else "")) from None
    if not statements:
        raise QueryError("the query is empty")
    if len(statements) != 1:
        raise QueryError(f"expected one SQL statement, found {len(statements)}")
    tree = name_row_count(statements[0])
    try:
        return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as e:
        raise QueryError(f"the query uses something DuckDB cannot run: {_plain(e)}") from None
    except SqlglotError as e:
        raise QueryError(f"cannot translate the query to DuckDB: {_plain(e)}") from None


def name_row_count(tree: exp.Expression) -> exp.Expression:
    """``tree`` with its one unnamed ``count(*)`` (or ``count(1)``) column aliased ``n``, as a
    reader would name it; a query that names it, counts twice or has an ``n`` already keeps
    its names."""
    select = tree
    while isinstance(select, exp.Subquery | exp.SetOperation):
        # A set operation's columns are named by its first query.
        select = select.this if isinstance(select, exp.Subquery) else select.left
    if not isinstance(select, exp.Select):
        return tree
    counts = [e for e in select.expressions if _is_row_count(e)]
    taken = {e.alias_or_name for e in select.expressions}
    if len(counts) == 1 and COUNT_NAME not in taken:
        counts[0].replace(exp.alias_(counts[0].copy(), COUNT_NAME))
    return tree


def _is_row_count(node: exp.Expression) -> bool:
    if not isinstance(node, exp.Count) or node.args.get("distinct"):
        return False
    argument = node.this
    return isinstance(argument, exp.Star) or (
        isinstance(argument, exp.Literal) and not argument.is_string and argument.this == "1")


_HINTS = (("Expecting ", "expected "), ("Required keyword", "incomplete expression"),
          ("Invalid expression / Unexpected token", "unexpected token"))


def _parse_error(e: ParseError) -> QueryError:
    details = e.errors[0] if e.errors else {}
    token = details.get("highlight") or ""
    if not token.strip():
        return QueryError(f"cannot parse the query as Athena SQL: {_plain(e)}")
    # sqlglot counts the column of the token's last character.
    column = max(1, int(details.get("col") or 1) - len(token.splitlines()[-1]) + 1)
    description = str(details.get("description") or "")
    hint = next((new + description[len(old):] if old.endswith(" ") else new
                 for old, new in _HINTS if description.startswith(old)), _plain(description))
    return QueryError(f"cannot parse the query as Athena SQL: syntax error near {token!r} "
                      f"(line {details.get('line')}, column {column})"
                      + (f": {hint}" if hint else ""))


def _plain(error: Exception | str) -> str:
    """The first line of a library's message, without its class names or terminal colours."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return re.sub(r"<class '(?:[\w.]+\.)?(\w+)'>", r"\1", text)


def run(con: duckdb.DuckDBPyConnection, sql: str,
        max_rows: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Translate and run ``sql``; return column names and rows."""
    translated = translate(sql)
    try:
        cursor = con.execute(translated)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
    except duckdb.Error as e:
        raise _engine_error(e, translated) from None
    return columns, rows


def run_in_batches(con: duckdb.DuckDBPyConnection, sql: str, batch: int = 10_000,
           ) -> tuple[list[str], Iterator[list[tuple[Any, ...]]]]:
    """Translate and run ``sql``; column names and the rows in batches, fetched as they are
    read, so a result of millions of rows is never held whole."""
    translated = translate(sql)
    try:
        cursor = con.execute(translated)
        columns = [d[0] for d in cursor.description or []]
    except duckdb.Error as e:
        raise _engine_error(e, translated) from None

    def batches() -> Iterator[list[tuple[Any, ...]]]:
        while True:
            try:
                rows = cursor.fetchmany(batch)
            except duckdb.Error as e:
                raise _engine_error(e, translated) from None
            if not rows:
                return
            yield rows

    return columns, batches()


def _engine_error(error: duckdb.Error, translated: str) -> QueryError:
    # DuckDB's message: "<Kind> Error: what", maybe a hint, then a LINE/caret dump.
    head = str(error).split("\nLINE ", 1)[0]
    head = re.sub(r"^\s*\w+ Error:\s*", "", head)
    unknown = re.match(r"Table with name (.+?) does not exist", head)
    if unknown:
        name = unknown.group(1).strip('"')  # DuckDB quotes a qualified name
        return QueryError(f"unknown table {name!r}; the tables are "
                          f"{', '.join(DATASET_PREFIXES)} and the views {', '.join(views.VIEWS)}")
    if isinstance(error, duckdb.ParserException):
        # Its position is in DuckDB's translation, which the reader never wrote.
        return QueryError(f"cannot run the query: {head} (in its DuckDB translation: "
                          f"{translated})")
    return QueryError(f"the query failed: {head}")
