"""When ``imgmeta query`` cannot answer: each message is one line that says where the query went
wrong (or what the folder lacks) in words of SQL and of imgmeta, never a library's class name
or a dump. Real sqlglot and DuckDB on Parquet written from the contract, no Spark."""

from __future__ import annotations

import json

import pytest

from image_metadata.cli import main
from image_metadata.explore import localsql
from tests.support.contract_data import image_row, write_images

TABLES = ("images", "failures", "runs", "images_latest", "failures_latest")


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    root = tmp_path_factory.mktemp("output")
    write_images(root, [image_row(1, 48.85, 2.29)])
    return root


@pytest.fixture(scope="module")
def con(output):
    return localsql.connect(output)


def error(con, sql: str) -> str:
    with pytest.raises(localsql.QueryError) as caught:
        localsql.run(con, sql)
    return str(caught.value)


# --- syntax ------------------------------------------------------------------------------

def test_a_syntax_error_names_the_token_with_its_line_and_column(con):
    message = error(con, "SELECT url\nFROM images\nWHERE")
    assert "syntax error near 'WHERE' (line 3, column 1)" in message


def test_an_unexpected_token_is_named_where_it_starts(con):
    message = error(con, "SELEC url FROM images")
    assert "syntax error near 'FROM' (line 1, column 11): unexpected token" in message


def test_a_missing_parenthesis_says_what_was_expected(con):
    assert error(con, "SELECT (1 + 2 FROM images").endswith("expected )")


def test_a_syntax_error_says_the_query_is_read_as_athena_sql(con):
    assert error(con, "SELECT url FROM images WHERE").startswith(
        "cannot parse the query as Athena SQL: ")


def test_an_unclosed_string_says_so(con):
    assert "quoted string, quoted name or comment is not closed" in error(
        con, "SELECT url FROM images WHERE url = 'https://")


def test_an_empty_query_says_so(con):
    assert error(con, " ;\n ") == "the query is empty"


def test_two_statements_are_refused(con):
    assert error(con, "SELECT 1; SELECT 2") == "expected one SQL statement, found 2"


def test_a_statement_only_duckdb_refuses_shows_the_translation_it_refused(con):
    # sqlglot reads the second FROM as a subquery; the token DuckDB names is its own.
    message = error(con, "SELECT FROM FROM images")
    assert "syntax error at or near" in message
    assert "in its DuckDB translation: SELECT FROM SELECT * FROM images" in message


# --- names -------------------------------------------------------------------------------

def test_an_unknown_table_lists_the_tables_there_are(con):
    message = error(con, "SELECT * FROM photos")
    assert message.startswith("unknown table 'photos'; ")
    assert all(table in message for table in TABLES)


def test_a_misspelt_view_lists_the_views_too(con):
    message = error(con, "SELECT url FROM images_lates")
    assert "unknown table 'images_lates'" in message and "images_latest" in message


def test_a_table_in_an_unknown_schema_is_an_unknown_table(con):
    assert error(con, "SELECT * FROM athena.images").startswith("unknown table 'athena.images'")


def test_an_unknown_column_is_named(con):
    assert 'Referenced column "nosuch" not found' in error(con, "SELECT nosuch FROM images")


def test_an_unknown_function_is_named(con):
    assert "approx_set" in error(con, "SELECT approx_set(url) FROM images")


def test_a_value_that_cannot_be_converted_is_named(con):
    assert "'abc'" in error(con, "SELECT CAST('abc' AS integer)")


# --- the shape of every message --------------------------------------------------------------

BAD = ["SELECT url\nFROM images\nWHERE", "SELECT (1", "SELECT * FROM photos",
       "SELECT nosuch\nFROM images", "SELECT approx_set(url) FROM images",
       "SELECT FROM FROM images", "SELECT 'abc", "SELECT x = = 1", "SELECT CAST('a' AS int)"]


@pytest.mark.parametrize("sql", BAD)
def test_every_error_is_one_line(con, sql):
    assert "\n" not in error(con, sql)


@pytest.mark.parametrize("sql", BAD)
def test_no_error_names_a_library_class(con, sql):
    message = error(con, sql)
    for internal in ("sqlglot", "<class", "Exception", "Error:", "LINE 1", "^^^"):
        assert internal not in message


# --- the output folder -----------------------------------------------------------------------

def test_a_folder_that_does_not_exist_says_what_to_run(tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(localsql.QueryError) as caught:
        localsql.connect(missing)
    assert str(caught.value) == (
        f"output folder {missing} does not exist; write it with: imgmeta extract MANIFEST "
        f"--output {missing}")


def test_an_empty_folder_says_what_was_looked_for_and_what_to_run(tmp_path):
    with pytest.raises(localsql.QueryError) as caught:
        localsql.connect(tmp_path)
    message = str(caught.value)
    assert "holds no output of imgmeta extract" in message
    for looked_for in ("images/dt=*/*.parquet", "failures/dt=*/*.parquet", "runs/*.json"):
        assert looked_for in message
    assert message.endswith(f"imgmeta extract MANIFEST --output {tmp_path}")


def test_dataset_folders_without_files_are_an_empty_output(tmp_path):
    for name in ("images", "failures", "runs"):
        (tmp_path / name / "dt=2026-01-01").mkdir(parents=True)
    with pytest.raises(localsql.QueryError, match="holds no output of imgmeta extract"):
        localsql.connect(tmp_path)


def test_a_file_given_as_the_output_folder_is_refused(tmp_path):
    path = tmp_path / "output.parquet"
    path.write_bytes(b"")
    with pytest.raises(localsql.QueryError, match="is not a folder"):
        localsql.connect(path)


def test_the_suggested_command_quotes_a_folder_with_spaces(tmp_path):
    with pytest.raises(localsql.QueryError) as caught:
        localsql.connect(tmp_path / "my output")
    assert str(caught.value).endswith(f"--output '{tmp_path / 'my output'}'")


def test_a_run_summary_alone_is_an_output(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r1.json").write_text(json.dumps({"run_id": "r1"}) + "\n")
    con = localsql.connect(tmp_path)
    assert localsql.run(con, "SELECT run_id FROM runs")[1] == [("r1",)]
    assert localsql.run(con, "SELECT count(*) FROM images")[1] == [(0,)]


# --- on the command line ---------------------------------------------------------------------

def test_query_on_an_empty_folder_is_a_one_line_usage_error(tmp_path, capsys):
    assert main(["query", "camera_models", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"imgmeta: error: output folder {tmp_path} holds no output")
    assert err.count("\n") == 1


def test_query_with_a_syntax_error_is_a_one_line_usage_error(output, capsys):
    assert main(["query", "SELECT url\nFROM images\nWHERE", "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert err == ("imgmeta: error: cannot parse the query as Athena SQL: syntax error near "
                   "'WHERE' (line 3, column 1): incomplete expression\n")
