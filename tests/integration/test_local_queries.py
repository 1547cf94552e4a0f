"""The named Athena queries, run locally with DuckDB against the demo output."""

from __future__ import annotations

import json
import re

import pytest

from image_metadata.cli import main
from image_metadata.explore import localsql, queries
from tests.support.contract_data import image_row, write_images

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def con(demo_output):
    return localsql.connect(demo_output)


def named(con, name: str) -> list[dict]:
    columns, rows = localsql.run(con, queries.get(name).sql)
    return [dict(zip(columns, row, strict=True)) for row in rows]


@pytest.mark.parametrize("query", queries.load_all(), ids=lambda q: q.name)
def test_every_named_query_runs_locally(con, query):
    columns, _rows = localsql.run(con, query.sql)
    assert columns


def test_tables_carry_dt_as_a_string_column(con):
    _, rows = localsql.run(con, "SELECT DISTINCT typeof(dt), length(dt) FROM images")
    assert rows == [("VARCHAR", 10)]


def test_camera_models_counts_each_camera(con):
    rows = {(r["make"], r["model"]): r for r in named(con, "camera_models")}
    assert rows[("Canon", "EOS R5")]["images"] == 1
    assert rows[("Canon", "EOS R5")]["with_gps"] == 1
    assert rows[("Panasonic", "DC-GH6")]["with_gps"] == 0
    assert rows[("(unknown)", "(unknown)")]["images"] == 2  # the GIF and the BMP
    assert sum(r["images"] for r in rows.values()) == 8


def test_bounding_box_finds_the_sample_inside_it(con):
    rows = named(con, "images_in_bbox")
    assert [r["id"] for r in rows] == ["img-001"]  # Paris; Rio, Sydney, NY, Dead Sea are not
    assert rows[0]["gps_latitude"] == pytest.approx(48.858222, abs=1e-6)


def test_images_by_country_counts_each_positioned_image_once_with_its_region(con):
    rows = {(r["country_code"], r["region"]): r for r in named(con, "images_by_country")}
    assert sum(r["images"] for r in rows.values()) == 5  # every sample with a position
    assert rows[("FR", "Île-de-France")]["images"] == 1
    assert rows[("AU", "New South Wales")]["top_place"] == "The Rocks"
    assert {"FR", "BR", "AU", "US"} <= {country for country, _ in rows}


def test_images_without_gps_are_listed(con):
    names = sorted(r["url"].rsplit("/", 1)[1] for r in named(con, "images_without_gps"))
    assert names == ["no_gps.jpg", "plain.bmp", "plain.gif"]


def test_failures_are_grouped_by_error_type(con):
    counts = {(r["error_type"], r["stage"]): r["failures"]
              for r in named(con, "failures_by_error_type")}
    assert counts == {("not_an_image", "decode"): 2, ("corrupt_image", "decode"): 1,
                      ("unsupported_format", "decode"): 1, ("not_found", "fetch"): 1,
                      ("blocked_address", "fetch"): 1, ("unsupported_scheme", "manifest"): 1}


def test_latest_row_per_url_has_one_row_per_distinct_url(con):
    rows = named(con, "latest_row_per_url")
    assert len(rows) == len({r["url"] for r in rows}) == 15
    assert {r["outcome"] for r in rows} == {"ok", "failed"}


def test_run_summaries_show_the_demo_run(con):
    (row,) = named(con, "run_summaries")
    assert (row["run_id"], row["input_rows"], row["succeeded"], row["failed"]) == (
        "demo", 17, 8, 7)
    assert row["accounted"] is True


def test_unknown_function_is_reported_by_name(con):
    with pytest.raises(localsql.QueryError, match="approx_set"):
        localsql.run(con, "SELECT approx_set(url) FROM images")


def test_unparseable_sql_names_the_place(con):
    with pytest.raises(localsql.QueryError, match=r"cannot parse .* near 'WHERE' \(line 1"):
        localsql.run(con, "SELECT url FROM images WHERE")


def test_query_command_prints_csv_and_json(demo_output, capsys):
    assert main(["query", "images_in_bbox", "--output", str(demo_output), "--format",
                 "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("url,id,make,model") and len(lines) == 2
    assert main(["query", "SELECT count(*) AS n FROM failures", "--output", str(demo_output),
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"n": 7}


def test_query_command_prints_json_lines_with_an_unnamed_count_as_n(demo_output, capsys):
    assert main(["query", "SELECT stage, count(*) FROM failures GROUP BY 1 ORDER BY 1",
                 "--output", str(demo_output), "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"stage": "decode", "n": 4}, {"stage": "fetch", "n": 2}, {"stage": "manifest", "n": 1}]


def test_query_command_writes_the_jobs_instants_in_utc_with_z(demo_output, capsys):
    assert main(["query", "SELECT DISTINCT extracted_at FROM images", "--output",
                 str(demo_output), "--format", "csv"]) == 0
    header, *values = capsys.readouterr().out.splitlines()
    assert header == "extracted_at" and values
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", v) for v in values)


def test_query_list_shows_every_named_query(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for query in queries.load_all():
        assert query.name in out


def test_unknown_query_name_is_a_usage_error(demo_output, capsys):
    assert main(["query", "camera_modles", "--output", str(demo_output)]) == 2
    assert "no named query 'camera_modles'" in capsys.readouterr().err


def test_an_output_without_failures_or_runs_gives_empty_tables_not_errors(tmp_path):
    write_images(tmp_path, [image_row(1, 48.85, 2.29)])
    con = localsql.connect(tmp_path)
    for query in queries.load_all():
        localsql.run(con, query.sql)
    assert localsql.run(con, "SELECT count(*) FROM failures")[1] == [(0,)]
