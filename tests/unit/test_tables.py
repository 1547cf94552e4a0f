"""What ``imgmeta query`` prints: values as real DuckDB returns them for a small output
(Parquet written from the contract, no Spark), in the three formats, and the names of
result columns the query did not name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from image_metadata.explore import localsql
from image_metadata.explore.tables import render
from tests.support.contract_data import image_row, write_images

CAPTURED = datetime(2024, 5, 17, 12, 30, 15)  # the camera's clock, no zone
CAPTURED_UTC = datetime(2024, 5, 17, 10, 30, 15, tzinfo=UTC)
EXTRACTED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    output = tmp_path_factory.mktemp("output")
    write_images(output, [
        image_row(1, 48.858222, 2.294500, datetime_original=CAPTURED,
                  datetime_original_utc=CAPTURED_UTC, extracted_at=EXTRACTED,
                  exif={"Make": "ExampleCam"}, warnings=["odd tag"]),
        image_row(2, None, None, format="PNG", extracted_at=EXTRACTED),
    ])
    return localsql.connect(output)


def query(con, sql: str, fmt: str) -> str:
    return render(*localsql.run(con, sql), fmt)


def json_rows(con, sql: str) -> list[dict]:
    return [json.loads(line) for line in query(con, sql, "json").splitlines()]


def csv_values(con, sql: str) -> list[str]:
    """The data line of a one-row CSV result."""
    return query(con, sql, "csv").splitlines()[1].split(",")


def body(table: str) -> list[str]:
    """A table's data lines: without the header, the rule and the row count."""
    return table.splitlines()[2:-1]


# --- count(*) is n -----------------------------------------------------------------------

@pytest.mark.parametrize("count", ["count(*)", "COUNT(*)", "count(1)", "COUNT(1)"])
def test_an_unnamed_row_count_is_named_n(con, count):
    columns, rows = localsql.run(con, f"SELECT {count} FROM images")
    assert (columns, rows) == (["n"], [(2,)])


def test_a_row_count_next_to_a_group_is_named_n(con):
    columns, _ = localsql.run(con, "SELECT format, count(*) FROM images GROUP BY format "
                                   "ORDER BY count(*) DESC, format")
    assert columns == ["format", "n"]


def test_a_row_count_the_query_names_keeps_its_name(con):
    assert localsql.run(con, "SELECT count(*) AS images FROM images")[0] == ["images"]


def test_the_first_query_of_a_union_names_the_row_count(con):
    columns, rows = localsql.run(con, "SELECT count(*) FROM images UNION ALL "
                                      "SELECT count(*) FROM failures")
    assert (columns, sorted(rows)) == (["n"], [(0,), (2,)])


def test_a_row_count_inside_a_subquery_keeps_duckdbs_name(con):
    columns, _ = localsql.run(con, "SELECT * FROM (SELECT count(*) FROM images)")
    assert columns == ["count_star()"]


def test_two_row_counts_keep_duckdbs_names_rather_than_share_one(con):
    columns, _ = localsql.run(con, "SELECT count(*), count(1) FROM images")
    assert columns == ["count_star()", "count(1)"]


def test_a_row_count_next_to_a_column_named_n_keeps_duckdbs_name(con):
    columns, _ = localsql.run(con, "SELECT format AS n, count(*) FROM images GROUP BY 1")
    assert columns == ["n", "count_star()"]


def test_other_unnamed_expressions_keep_duckdbs_names(con):
    columns, _ = localsql.run(con, "SELECT count(url), max(width) FROM images")
    assert columns == ["count(url)", "max(width)"]


# --- floats --------------------------------------------------------------------------------

def test_a_table_rounds_float_noise_away(con):
    assert body(query(con, "SELECT 0.1e0 + 0.2e0 AS x", "table")) == ["0.3"]


def test_a_table_shows_ten_significant_digits(con):
    assert body(query(con, "SELECT 2e0 / 3 AS x", "table")) == ["0.6666666667"]


def test_a_table_keeps_a_gps_position_whole(con):
    rows = body(query(con, "SELECT gps_latitude, gps_longitude FROM images WHERE id = 'img-1'",
                      "table"))
    assert rows[0].split() == ["48.858222", "2.2945"]


def test_a_table_never_rounds_away_whole_digits(con):
    assert body(query(con, "SELECT 12345678901234.5e0 AS x", "table")) == ["12345678901234"]


def test_csv_and_json_keep_every_digit_of_a_float(con):
    sql = "SELECT 0.1e0 + 0.2e0 AS x"
    assert csv_values(con, sql) == ["0.30000000000000004"]
    assert json_rows(con, sql) == [{"x": 0.30000000000000004}]


def test_json_writes_nan_and_infinities_as_null(con):
    line = query(con, "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, '-inf'::DOUBLE AS c",
                 "json")
    assert line == '{"a": null, "b": null, "c": null}'


def test_csv_writes_nan_and_infinities_as_duckdb_reads_them(con):
    assert csv_values(con, "SELECT 'nan'::DOUBLE, 'inf'::DOUBLE, '-inf'::DOUBLE") == [
        "nan", "inf", "-inf"]


def test_json_writes_a_decimal_as_a_number(con):
    assert json_rows(con, "SELECT 0.1 + 0.2 AS d, CAST(7 AS DECIMAL(10, 2)) AS whole") == [
        {"d": 0.3, "whole": 7}]


def test_csv_writes_a_decimal_exactly(con):
    assert csv_values(con, "SELECT CAST(1e-7 AS DECIMAL(18, 9)) AS d") == ["0.000000100"]


# --- times ---------------------------------------------------------------------------------

def test_csv_writes_an_instant_in_iso_8601_utc_with_z(con):
    assert csv_values(con, "SELECT extracted_at FROM images LIMIT 1") == [
        "2026-01-02T03:04:05.678Z"]


def test_json_writes_an_instant_in_iso_8601_utc_with_z(con):
    rows = json_rows(con, "SELECT datetime_original_utc FROM images WHERE id = 'img-1'")
    assert rows == [{"datetime_original_utc": "2024-05-17T10:30:15Z"}]


def test_an_instant_from_another_zone_is_written_as_utc(con):
    assert json_rows(con, "SELECT from_iso8601_timestamp('2026-01-01T10:00:00+02:00') AS t") == [
        {"t": "2026-01-01T08:00:00Z"}]


def test_a_wall_clock_is_written_without_a_zone(con):
    rows = json_rows(con, "SELECT datetime_original FROM images WHERE id = 'img-1'")
    assert rows == [{"datetime_original": "2024-05-17T12:30:15"}]


def test_a_date_stays_a_date(con):
    assert json_rows(con, "SELECT CAST(extracted_at AS DATE) AS day FROM images LIMIT 1") == [
        {"day": "2026-01-02"}]


def test_a_table_shows_an_instant_with_z_and_a_space(con):
    table = query(con, "SELECT extracted_at, datetime_original FROM images "
                       "WHERE id = 'img-1'", "table")
    assert body(table)[0].split("  ") == ["2026-01-02 03:04:05.678Z", "2024-05-17 12:30:15"]


def test_an_interval_is_written_as_an_iso_8601_duration(con):
    assert json_rows(con, "SELECT INTERVAL '1 day 2 hours 30 seconds' AS i") == [
        {"i": "P1DT2H30S"}]


# --- JSON Lines ----------------------------------------------------------------------------

def test_json_is_one_object_per_line(con):
    lines = query(con, "SELECT id, format FROM images ORDER BY id", "json").splitlines()
    assert [json.loads(line) for line in lines] == [{"id": "img-1", "format": "JPEG"},
                                                    {"id": "img-2", "format": "PNG"}]


def test_json_of_no_rows_is_empty(con):
    assert query(con, "SELECT id FROM images WHERE false", "json") == ""


def test_json_keeps_maps_and_arrays_as_json(con):
    rows = json_rows(con, "SELECT exif, warnings FROM images WHERE id = 'img-1'")
    assert rows == [{"exif": {"Make": "ExampleCam"}, "warnings": ["odd tag"]}]


def test_json_writes_bytes_in_base64(con):
    assert json_rows(con, "SELECT from_hex('00ff41') AS b") == [{"b": "AP9B"}]


def test_json_writes_text_as_utf_8(con):
    assert query(con, "SELECT 'Île-de-France' AS region", "json") == (
        '{"region": "Île-de-France"}')


def test_json_writes_nested_values_as_json_too(con):
    rows = json_rows(con, "SELECT {'at': TIMESTAMPTZ '2026-01-01 00:00:00', "
                          "'x': ['nan'::DOUBLE, 1.5::DOUBLE]} AS s")
    assert rows == [{"s": {"at": "2026-01-01T00:00:00Z", "x": [None, 1.5]}}]


# --- other values ----------------------------------------------------------------------------

def test_csv_writes_booleans_and_nulls_as_sql_does(con):
    assert csv_values(con, "SELECT true, false, NULL") == ["true", "false", ""]


def test_a_table_spells_null_and_shows_maps_as_json(con):
    table = query(con, "SELECT exif, gps_latitude FROM images WHERE id = 'img-1' "
                       "UNION ALL SELECT MAP {}, NULL", "table")
    assert [row.split("  ")[0] for row in body(table)] == ['{"Make": "ExampleCam"}', "{}"]
    assert body(table)[1].split()[-1] == "NULL"


def test_a_table_shows_bytes_escaped(con):
    assert body(query(con, "SELECT from_hex('00415c') AS b", "table")) == ["\\x00A\\x5C"]


def test_json_keeps_both_values_of_two_columns_of_one_name():
    assert render(["a", "a", "a_2"], [(1, 2, 3)], "json") == '{"a": 1, "a_2": 2, "a_2_2": 3}'
