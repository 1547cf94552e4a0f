"""A table shows the first rows of a big result and says so; csv and json write every row,
batch by batch, so memory does not grow with the result."""

from __future__ import annotations

import pytest

from image_metadata.cli import TABLE_ROWS, main
from tests.support.contract_data import image_row, write_images

MANY = "SELECT i FROM range(25000) t(i)"


@pytest.fixture
def data(tmp_path):
    write_images(tmp_path / "out", [image_row(1, None, None)])
    return str(tmp_path / "out")


def test_a_table_shows_the_first_rows_and_says_there_are_more(data, capsys):
    assert main(["query", MANY, data]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + TABLE_ROWS + 1
    assert lines[-1] == (f"(first {TABLE_ROWS:,} rows shown; --max-rows N for more, "
                         "--format csv for all)")


def test_max_rows_sets_how_many_a_table_shows(data, capsys):
    assert main(["query", MANY, data, "--max-rows", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:7] == ["0", "1", "2", "3", "4"] and lines[-1].startswith("(first 5 rows")


def test_a_result_that_fits_is_counted_as_before(data, capsys):
    assert main(["query", "SELECT 1 AS x", data]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "(1 row)"


@pytest.mark.parametrize("fmt,first", [("csv", "i"), ("json", '{"i": 0}')])
def test_csv_and_json_write_every_row_of_a_result_larger_than_a_batch(data, capsys, fmt, first):
    assert main(["query", MANY, data, "--format", fmt]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == first
    assert len(lines) == 25000 + (fmt == "csv")
