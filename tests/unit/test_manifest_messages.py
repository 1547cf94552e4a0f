"""What a manifest error quotes: enough of the file to find the problem, never the whole of
it (a header of a thousand columns or a line of a megabyte stays one short message)."""

from __future__ import annotations

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import SHOWN_CHARS, inspect, looks_like_url, read_rows


def refusal(tmp_path, text: str) -> str:
    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(ManifestError) as refused:
        inspect(str(path))
    return str(refused.value).replace(str(path), "M")


def test_a_header_without_the_url_column_is_quoted_up_to_20_fields(tmp_path):
    columns = [f"col{i}" for i in range(25)]
    message = refusal(tmp_path, ",".join(columns) + "\n" + ",".join("x" * 25) + "\n")
    quoted = ", ".join(repr(c) for c in columns[:20])
    assert message == (f"manifest M has no 'url' column; its header has {quoted}. Name the URL "
                       "column with --url-column (Glue job argument --url_column).")


def test_a_field_of_exactly_the_shown_length_is_quoted_whole(tmp_path):
    name = "n" * (SHOWN_CHARS - 2)  # its repr, quotes included, is SHOWN_CHARS long
    message = refusal(tmp_path, f"name,{name}\nx,y\n")
    assert f"'name', '{name}'." in message


def test_a_longer_field_is_cut_to_the_shown_length_with_an_ellipsis(tmp_path):
    name = "n" * (SHOWN_CHARS - 1)
    message = refusal(tmp_path, f"name,{name}\nx,y\n")
    cut = repr(name)[: SHOWN_CHARS - 1] + "…"
    assert f"'name', {cut}." in message and len(cut) == SHOWN_CHARS


def _broken_row(tmp_path, length: int):
    path = tmp_path / "m.csv"
    value = '"http://h/' + "a" * (length - 10)
    path.write_text(f"url,id\n{value}\nhttp://h/b.jpg,2\n")
    (files,) = [inspect(str(path))]
    rows = list(read_rows(files[0]))
    assert rows[1].url == "http://h/b.jpg"  # the lines after a broken record are read
    return value, rows[0]


def test_a_broken_record_of_2000_characters_is_kept_whole_in_its_row(tmp_path):
    value, row = _broken_row(tmp_path, 2000)
    assert row.url == value and row.problem == (
        "manifest line 2: a quoted field opened here is never closed")


def test_a_longer_broken_record_is_cut_to_2000_characters(tmp_path):
    value, row = _broken_row(tmp_path, 2001)
    assert row.url == value[:1999] + "…" and len(row.url) == 2000


@pytest.mark.parametrize(("value", "url"), [
    ('"https://h/a.jpg"', True), ('  "s3://b/k.jpg" ', True), ('"/data/a b.jpg"', True),
    ("https://h/a b.jpg", False), ('"url"', False)])
def test_a_quoted_url_looks_like_a_url(value, url):
    assert looks_like_url(value) is url
