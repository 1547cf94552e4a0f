"""Rows Spark cannot hold, odd server headers and manifests with spaces."""

from __future__ import annotations

from image_metadata.extract import _fit_columns
from image_metadata.fetch.http import _http_date
from image_metadata.job.manifest import sniff


def test_values_beyond_a_column_become_null_with_a_warning():
    row = _fit_columns({"width": 2**31, "height": 10, "file_size": 10**23, "warnings": []})
    assert (row["width"], row["height"], row["file_size"]) == (None, 10, None)
    assert len(row["warnings"]) == 2 and "width: 2147483648" in row["warnings"][0]


def test_last_modified_beyond_the_calendar_is_ignored():
    assert _http_date("Fri, 31 Dec 9999 23:59:59 -0100") is None


def test_headerless_list_of_s3_keys_with_spaces_is_a_list():
    fmt = sniff(b"s3://bucket/my photo.jpg\ns3://bucket/b.jpg\n", "m.txt")
    assert (fmt.kind, fmt.header) == ("list", False)
