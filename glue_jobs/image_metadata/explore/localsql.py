"""The Athena tables and queries on a local output folder, with DuckDB.

``images``, ``failures`` (with ``dt`` as a string column) and ``runs`` are views over the
Parquet and JSON files the job wrote, typed from ``schema.py``. SQL is written in Athena's
(Trino) dialect, as the named queries are, and translated to DuckDB's with sqlglot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

from image_metadata.exceptions import ImageMetadataError
from image_metadata.explore import views
from image_metadata.schema import (
    FAILURES_COLUMNS,
    IMAGES_COLUMNS,
    PARTITION_COLUMN,
    RUNS_COLUMNS,
    Column,
)

_DUCK_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
               "boolean": "BOOLEAN",
               "timestamp": "TIMESTAMP",  # UTC wall clock, as Athena shows it
               "timestamp_ntz": "TIMESTAMP"}  # a wall clock as it was recorded


class QueryError(ImageMetadataError):
    """A query that cannot be translated or run; the message names the construct."""


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


def connect(output: str | Path, *, all_runs: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the three tables as views over ``output``, and the
    ``*_latest`` views the stack creates in Athena (with ``all_runs``, those show every run's
    row, so that every query that reads them sees the whole history)."""
    root = Path(output)
    if not root.is_dir():
        raise QueryError(f"output folder {root} does not exist (run imgmeta extract first)")
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for name, columns in (("images", IMAGES_COLUMNS), ("failures", FAILURES_COLUMNS)):
        files = sorted((root / name).glob("dt=*/*.parquet"))
        all_columns = (*columns, PARTITION_COLUMN)
        if files:
            casts = ", ".join(f'CAST("{c.name}" AS {duck_type(c.type)}) AS "{c.name}"'
                              for c in all_columns)
            source = (f"read_parquet({_literal(str(root / name / 'dt=*' / '*.parquet'))}, "
                      "hive_partitioning = true, hive_types = {'dt': VARCHAR}, "
                      "union_by_name = true)")
            con.execute(f"CREATE VIEW {name} AS SELECT {casts} FROM {source}")
        else:
            con.execute(_empty_view(name, all_columns))
    runs = sorted((root / "runs").glob("*.json"))
    if runs:
        spec = ", ".join(f"{_literal(c.name)}: {_literal(duck_type(c.type))}"
                         for c in RUNS_COLUMNS)
        con.execute(
            f"CREATE VIEW runs AS SELECT * FROM read_json("
            f"{_literal(str(root / 'runs' / '*.json'))}, format = 'newline_delimited', "
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
    """Athena (Trino) SQL in DuckDB's dialect; QueryError names what cannot be translated."""
    try:
        statements = sqlglot.transpile(sql, read="trino", write="duckdb",
                                       unsupported_level=ErrorLevel.RAISE)
    except ParseError as e:
        details = e.errors[0] if e.errors else {}
        where = f" near {details.get('highlight')!r}" if details.get("highlight") else ""
        raise QueryError(f"cannot parse the query as Athena SQL{where}: "
                         f"{details.get('description', e)}") from None
    except UnsupportedError as e:
        raise QueryError(f"the query uses something DuckDB cannot run: {e}") from None
    statements = [s for s in statements if s.strip()]
    if len(statements) != 1:
        raise QueryError(f"expected one SQL statement, found {len(statements)}")
    return statements[0]


def run(con: duckdb.DuckDBPyConnection, sql: str,
        max_rows: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Translate and run ``sql``; return column names and rows."""
    translated = translate(sql)
    try:
        cursor = con.execute(translated)
    except duckdb.Error as e:
        first = str(e).splitlines()[0]
        raise QueryError(f"the query failed: {first}") from None
    columns = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
    return columns, rows
