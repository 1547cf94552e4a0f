"""The named queries that pick a URL's latest result, over two runs of hand-written output
(Parquet written with pyarrow as the job lays it out, read by DuckDB as ``imgmeta query``
does): the newer run's row wins, whichever table holds it."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from image_metadata.explore import localsql, queries
from image_metadata.schema import FAILURES_COLUMNS, IMAGES_COLUMNS

OLDER = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
NEWER = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _write(root, table: str, columns, rows: list[dict], dt: str, name: str) -> None:
    folder = root / table / f"dt={dt}"
    folder.mkdir(parents=True, exist_ok=True)
    data = {c.name: [r.get(c.name) for r in rows] for c in columns}
    arrays = {}
    for c in columns:
        if c.type == "timestamp":
            arrays[c.name] = pa.array(data[c.name], pa.timestamp("ms", tz="UTC"))
        elif c.type in ("string", "bigint", "int", "double", "boolean"):
            kind = {"string": pa.string(), "bigint": pa.int64(), "int": pa.int32(),
                    "double": pa.float64(), "boolean": pa.bool_()}[c.type]
            arrays[c.name] = pa.array(data[c.name], kind)
        else:
            arrays[c.name] = pa.nulls(len(rows))
    pq.write_table(pa.table(arrays), folder / f"{name}.parquet")


@pytest.fixture(scope="module")
def two_runs_output(tmp_path_factory):
    root = tmp_path_factory.mktemp("output")
    ok = {"status": "ok", "format": "JPEG"}
    failed = {"status": "failed", "error_type": "not_found", "stage": "fetch"}
    # u1: read, then gone; u2: missing, then read; u3: only in the older run;
    # u4: both runs at the same instant (the later run id wins).
    _write(root, "images", IMAGES_COLUMNS, [
        {**ok, "url": "u1", "run_id": "r1", "extracted_at": OLDER},
        {**ok, "url": "u3", "run_id": "r1", "extracted_at": OLDER},
        {**ok, "url": "u4", "run_id": "r1", "extracted_at": NEWER, "format": "PNG"},
    ], "2026-11-30", "r1")
    _write(root, "failures", FAILURES_COLUMNS, [
        {**failed, "url": "u2", "run_id": "r1", "extracted_at": OLDER},
    ], "2026-11-30", "r1")
    _write(root, "images", IMAGES_COLUMNS, [
        {**ok, "url": "u2", "run_id": "r2", "extracted_at": NEWER},
        {**ok, "url": "u4", "run_id": "r2", "extracted_at": NEWER},
    ], "2026-12-01", "r2")
    _write(root, "failures", FAILURES_COLUMNS, [
        {**failed, "url": "u1", "run_id": "r2", "extracted_at": NEWER},
    ], "2026-12-01", "r2")
    return root


@pytest.fixture(scope="module")
def two_runs(two_runs_output):
    return localsql.connect(two_runs_output)


def latest(con) -> dict[str, dict]:
    columns, rows = localsql.run(con, queries.get("latest_row_per_url").sql)
    return {r["url"]: r for r in (dict(zip(columns, row, strict=True)) for row in rows)}


def test_a_url_that_failed_after_it_was_read_is_latest_a_failure(two_runs):
    row = latest(two_runs)["u1"]
    assert (row["outcome"], row["detail"], row["run_id"]) == ("failed", "not_found", "r2")


def test_a_url_read_after_it_failed_is_latest_a_success(two_runs):
    row = latest(two_runs)["u2"]
    assert (row["outcome"], row["detail"], row["run_id"]) == ("ok", "JPEG", "r2")


def test_a_url_only_the_older_run_saw_keeps_its_row(two_runs):
    assert latest(two_runs)["u3"]["run_id"] == "r1"


def test_rows_of_the_same_instant_are_decided_by_the_later_run_id(two_runs):
    row = latest(two_runs)["u4"]
    assert (row["run_id"], row["detail"]) == ("r2", "JPEG")


def test_each_url_appears_once(two_runs):
    columns, rows = localsql.run(two_runs, queries.get("latest_row_per_url").sql)
    urls = [row[columns.index("url")] for row in rows]
    assert sorted(urls) == ["u1", "u2", "u3", "u4"]


def _rows(con, sql: str) -> list[tuple]:
    return localsql.run(con, sql)[1]


def test_images_latest_holds_each_url_whose_latest_read_succeeded_once(two_runs):
    rows = _rows(two_runs, "SELECT url, run_id, format FROM images_latest ORDER BY url")
    assert rows == [("u2", "r2", "JPEG"), ("u3", "r1", "JPEG"), ("u4", "r2", "JPEG")]


def test_failures_latest_holds_each_url_whose_latest_read_failed(two_runs):
    assert _rows(two_runs, "SELECT url, run_id FROM failures_latest") == [("u1", "r2")]


def test_a_url_is_in_one_latest_view_only(two_runs):
    rows = _rows(two_runs, "SELECT url FROM images_latest UNION ALL SELECT url FROM "
                           "failures_latest ORDER BY url")
    assert rows == [("u1",), ("u2",), ("u3",), ("u4",)]


def test_named_queries_count_an_image_read_twice_once(two_runs):
    columns, rows = localsql.run(two_runs, queries.get("camera_models").sql)
    assert rows[0][columns.index("images")] == 3


def test_all_runs_shows_every_runs_row(two_runs_output):
    con = localsql.connect(two_runs_output, all_runs=True)
    assert _rows(con, "SELECT count(*) FROM images_latest") == [(5,)]
    assert _rows(con, "SELECT count(*) FROM failures_latest") == [(2,)]


def test_the_latest_views_keep_every_column_of_their_table(two_runs):
    for view, table in (("images_latest", "images"), ("failures_latest", "failures")):
        view_columns = localsql.run(two_runs, f"SELECT * FROM {view} LIMIT 0")[0]
        assert view_columns == localsql.run(two_runs, f"SELECT * FROM {table} LIMIT 0")[0]
