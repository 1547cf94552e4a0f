"""Rows to text: an aligned table, CSV or JSON Lines (for query results on the terminal).

What each format writes, value by value:

- A table is for reading: floats to ``TABLE_DIGITS`` significant digits (enough for a GPS
  position to a centimetre), long cells cut at ``max_cell``, NULL spelt out.
- CSV and JSON are for other programs: floats in full (Python's shortest text that reads back
  as the same double, so ``0.1 + 0.2`` stays ``0.30000000000000004``: that is the value),
  DECIMALs exact in CSV and as JSON numbers.
- Everywhere: an instant (``TIMESTAMP WITH TIME ZONE``, as the tables type the UTC columns)
  in ISO 8601 UTC with ``Z``; a wall clock (``datetime_original``) in ISO 8601 without a
  zone, as it has none; a date as ``YYYY-MM-DD``; booleans ``true``/``false``; arrays, maps
  and structs as JSON text; BLOBs in base64 (escaped bytes in a table); an interval in CSV
  and JSON as an ISO 8601 duration. A table writes a space between date and time, as
  RFC 3339 allows, to read more easily.
- JSON Lines: one object per row. NaN and infinities, which JSON has no spelling for, are
  ``null``; CSV writes them ``nan``, ``inf``, ``-inf`` (what DuckDB and Python read back).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

FORMATS = ("table", "csv", "json")
MAX_CELL = 80
TABLE_DIGITS = 10


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table",
           max_cell: int | None = MAX_CELL, more: bool = False) -> str:
    """``max_cell``: a table's cells are cut to this many characters (None: never); ``more``:
    the rows are the first of a longer result, which the table's last line says."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([text(v) for v in row] for row in rows)
        return out.getvalue().rstrip("\n")
    if fmt == "json":
        keys = distinct_names(columns)
        return "\n".join(json.dumps({c: json_value(v) for c, v in zip(keys, row, strict=True)},
                                    ensure_ascii=False, allow_nan=False) for row in rows)
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    cells = [[_cell(v, max_cell) for v in row] for row in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(f"{c:<{w}}" for c, w in zip(columns, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True)).rstrip()
            for row in cells]
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''})" if not more else \
        f"(first {len(rows):,} rows shown; --max-rows N for more, --format csv for all)"
    return "\n".join([line, rule, *body, count])


def text(value: Any) -> str:
    """A value as a CSV field: full precision, ISO 8601 times, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # never 1E+2: a number a spreadsheet reads as written
    if isinstance(value, datetime | date | time):
        return iso(value)
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple | dict):
        return json.dumps(json_value(value), ensure_ascii=False, allow_nan=False)
    return str(value)  # a float's str is its shortest exact text


def json_value(value: Any) -> Any:
    """A value as ``json.dumps`` can write it, valid JSON whatever the column held."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {text(k): json_value(v) for k, v in value.items()}
    return text(value)


def iso(value: datetime | date | time, sep: str = "T") -> str:
    """ISO 8601: an aware datetime as the UTC instant with ``Z``, a naive one (a wall clock
    without a zone) as it is."""
    if isinstance(value, datetime):
        # Milliseconds when that is all there is (what most writers store), else microseconds.
        spec = "milliseconds" if value.microsecond and not value.microsecond % 1000 else "auto"
        if value.tzinfo is None:
            return value.isoformat(sep, spec)
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep, spec) + "Z"
    return value.isoformat()


def duration(value: timedelta) -> str:
    """An ISO 8601 duration: ``P1DT2H3M4.5S``, ``-PT30S``, ``PT0S``."""
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    second_text = f"{seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".")
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if seconds or value.microseconds or not (clock or value.days):
        clock += f"{second_text}S"
    return f"{sign}P{f'{value.days}D' if value.days else ''}{'T' + clock if clock else ''}"


def _rounded(value: float) -> str:
    """``value`` to TABLE_DIGITS significant digits, without an exponent unless the number is
    too large or small to read without one; whole digits are never rounded away."""
    if not math.isfinite(value) or value == 0 or not 1e-4 <= abs(value) < 1e15:
        return format(value, f".{TABLE_DIGITS}g")
    whole = math.floor(math.log10(abs(value))) + 1  # digits before the point; <= 0 below 1
    cell = f"{value:.{max(0, TABLE_DIGITS - whole)}f}"
    return cell.rstrip("0").rstrip(".") if "." in cell else cell


def stream(columns: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]],
           fmt: str) -> Iterator[str]:
    """CSV or JSON Lines text, a batch of rows at a time (as ``render`` writes them)."""
    if fmt == "csv":
        yield render(columns, [], "csv") + "\n"
        for rows in batches:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([text(v) for v in row]
                                                           for row in rows)
            yield out.getvalue()
    elif fmt == "json":
        for rows in batches:
            yield render(columns, rows, "json") + "\n"
    else:
        raise ValueError(f"stream writes csv or json, not {fmt!r}")


def distinct_names(columns: Sequence[str]) -> list[str]:
    """Column names as object keys: a name seen before gets _2, _3, ... (SELECT 1 AS a, 2 AS a
    keeps both values)."""
    seen: set[str] = set()
    names = []
    for name in columns:
        candidate, number = name, 1
        while candidate in seen:
            number += 1
            candidate = f"{name}_{number}"
        seen.add(candidate)
        names.append(candidate)
    return names


def _cell(value: Any, limit: int | None = MAX_CELL) -> str:
    if value is None:
        cell = "NULL"
    elif isinstance(value, float):
        cell = _rounded(value)
    elif isinstance(value, datetime):
        cell = iso(value, sep=" ")
    elif isinstance(value, timedelta):
        cell = str(value)
    elif isinstance(value, bytes | bytearray | memoryview):
        # Printable ASCII as itself, other bytes (and the backslash) as \xHH, as DuckDB shows.
        cell = "".join(chr(b) if 32 <= b < 127 and b != 0x5C else f"\\x{b:02X}"
                       for b in bytes(value))
    else:
        cell = text(value)
    cell = " ".join(cell.split())
    return cell if limit is None or len(cell) <= limit else cell[: limit - 1] + "…"
