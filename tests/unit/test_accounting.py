"""The run summary's accounting: every manifest row is a result, a duplicate or a blank, and
the summary says so only when the counts prove it."""

from __future__ import annotations

import pytest

from image_metadata.job.accounting import ManifestCounts, ResultGroup, is_accounted, run_summary
from image_metadata.schema import RUNS_COLUMNS, names

# 10 rows: 1 blank, 2 duplicates, 7 distinct URLs (5 read, 2 failed).
COUNTS = ManifestCounts(input_rows=10, blank=1, distinct=7, read_back_rows=10, read_back_blank=1)
GROUPS = [
    ResultGroup("ok", None, 5, bytes_read=500, file_bytes=5000),
    ResultGroup("failed", "not_found", 1, bytes_read=0, file_bytes=None),
    ResultGroup("failed", "timeout", 1, bytes_read=20, file_bytes=None),
]


def summary(groups=GROUPS, counts=COUNTS, **run):
    return run_summary(groups, counts, run={"run_id": "r1", **run})


def test_a_run_whose_counts_add_up_is_accounted():
    result = summary()
    assert result["accounted"] is True
    assert (result["succeeded"], result["failed"], result["duplicates"], result["blank"]) == (
        5, 2, 2, 1)


def test_a_distinct_url_without_a_result_row_is_not_accounted():
    assert summary(GROUPS[:2])["accounted"] is False


def test_a_url_with_two_result_rows_is_not_accounted():
    assert summary([*GROUPS, ResultGroup("ok", None, 1)])["accounted"] is False


@pytest.mark.parametrize("read_back", [(9, 1), (11, 1), (10, 0), (10, 2)],
                         ids=["a-row-lost", "a-row-added", "a-blank-lost", "a-blank-added"])
def test_spark_reading_other_rows_than_the_parser_counted_is_not_accounted(read_back):
    counts = ManifestCounts(10, 1, 7, *read_back)
    assert summary(counts=counts)["accounted"] is False


def test_more_distinct_urls_than_rows_is_not_accounted_even_if_results_match():
    # 3 rows, 0 blank, 4 distinct: duplicates would be -1; results for 4 URLs must not hide it.
    counts = ManifestCounts(3, 0, 4, 3, 0)
    assert is_accounted(counts, succeeded=4, failed=0) is False


def test_an_empty_manifest_is_accounted():
    assert summary([], ManifestCounts(0, 0, 0, 0, 0))["accounted"] is True


def test_only_blank_rows_are_accounted_with_no_results():
    assert summary([], ManifestCounts(4, 4, 0, 4, 4))["accounted"] is True


def test_failures_are_counted_per_error_type_in_name_order():
    groups = [ResultGroup("failed", "timeout", 2), ResultGroup("failed", "corrupt_image", 3),
              ResultGroup("ok", None, 2)]
    result = summary(groups)
    assert list(result["failed_by_error_type"].items()) == [("corrupt_image", 3), ("timeout", 2)]
    assert result["failed"] == 5 and result["accounted"] is True


def test_bytes_read_count_every_result_and_file_bytes_only_successes():
    groups = [ResultGroup("ok", None, 6, bytes_read=100, file_bytes=1000),
              ResultGroup("failed", "too_large", 1, bytes_read=7, file_bytes=99)]
    result = summary(groups)
    assert (result["bytes_read"], result["file_bytes_of_successes"]) == (107, 1000)


def test_missing_byte_sums_count_as_zero():
    result = summary([ResultGroup("ok", None, 7, bytes_read=None, file_bytes=None)])
    assert (result["bytes_read"], result["file_bytes_of_successes"]) == (0, 0)


def test_the_summary_has_exactly_the_runs_table_columns_in_order():
    assert list(summary()) == names(RUNS_COLUMNS)


def test_run_values_are_carried_and_the_rest_left_empty():
    result = summary(dt="2026-12-01", concurrency=8)
    assert (result["run_id"], result["dt"], result["concurrency"]) == ("r1", "2026-12-01", 8)
    assert result["seconds"] is None and result["manifest"] is None


def test_a_run_value_that_is_no_runs_column_is_refused():
    with pytest.raises(ValueError, match="not columns of the runs table"):
        summary(elapsed=3)


def test_a_result_status_other_than_ok_failed_or_unchanged_is_refused():
    with pytest.raises(ValueError, match="is not 'ok', 'failed' or 'unchanged'"):
        summary([ResultGroup("skipped", None, 7)])


def _reads_as(value, hive_type: str) -> bool:
    """Whether a JSON value of the summary reads as the runs table's declared column type."""
    if value is None:
        return True
    if hive_type in ("bigint", "int"):
        return isinstance(value, int) and not isinstance(value, bool)
    if hive_type == "double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hive_type == "boolean":
        return isinstance(value, bool)
    if hive_type == "string":
        return isinstance(value, str)
    if hive_type == "map<string,bigint>":
        return isinstance(value, dict) and all(
            isinstance(k, str) and _reads_as(v, "bigint") for k, v in value.items())
    raise AssertionError(f"no rule for {hive_type}")


def test_every_summary_value_reads_as_its_runs_column_type():
    # As the pipeline completes it: the run's own values, its duration and end time.
    result = summary(dt="2026-12-01", manifest="s3://m/manifests/", output="s3://o/",
                     concurrency=32, partitions=4, max_bytes=33554432, incremental=False)
    result.update(seconds=12.345, finished_at="2026-12-01T10:00:00+00:00")
    assert all(value is not None for value in result.values())
    wrong = {c.name: (c.type, result[c.name]) for c in RUNS_COLUMNS
             if not _reads_as(result[c.name], c.type)}
    assert not wrong


def test_a_failed_row_without_an_error_type_is_counted_under_none():
    result = summary([ResultGroup("ok", None, 6), ResultGroup("failed", None, 1)])
    assert result["failed_by_error_type"] == {"(none)": 1}


def test_groups_of_one_error_type_are_added_up():
    groups = [ResultGroup("ok", None, 4), ResultGroup("failed", "timeout", 2),
              ResultGroup("failed", "timeout", 1)]
    assert summary(groups)["failed_by_error_type"] == {"timeout": 3}


def test_an_incremental_run_accounts_unchanged_and_skipped_urls_without_result_rows():
    groups = [ResultGroup("ok", None, 2), ResultGroup("unchanged", None, 1)]
    result = run_summary(groups, COUNTS, run={"run_id": "r2", "incremental": True},
                         planned_unchanged=3, skipped=1)
    assert (result["succeeded"], result["unchanged"], result["skipped"]) == (2, 4, 1)
    assert result["accounted"] is True and result["incremental"] is True


def test_unchanged_urls_counted_twice_are_not_accounted():
    groups = [ResultGroup("ok", None, 3), ResultGroup("unchanged", None, 4)]
    assert run_summary(groups, COUNTS, run={}, planned_unchanged=4)["accounted"] is False
