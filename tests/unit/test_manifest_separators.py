"""Manifests as spreadsheets and databases export them: the column separator is found among
tab, ',', ';' and '|' (or named), with Excel's byte order mark and CRLF line ends."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import inspect, read_rows, sniff


def rows(tmp_path: Path, data: bytes, **kwargs) -> list[tuple[str, str | None]]:
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    (file,) = inspect(str(path), **kwargs)
    return [(row.url, row.id) for row in read_rows(file)]


def test_excels_semicolon_csv_with_bom_and_crlf_reads_every_row(tmp_path):
    data = codecs.BOM_UTF8 + (
        b"url;id;price\r\nhttps://h/a.jpg;1;3,50\r\nhttps://h/b.jpg;2;4,00\r\n")
    assert rows(tmp_path, data) == [("https://h/a.jpg", "1"), ("https://h/b.jpg", "2")]


def test_a_pipe_separated_export_reads_every_row(tmp_path):
    data = b"id|url\n7|https://h/a.jpg\n8|https://h/b.jpg\n"
    assert rows(tmp_path, data) == [("https://h/a.jpg", "7"), ("https://h/b.jpg", "8")]


def test_a_headerless_semicolon_file_is_url_and_id(tmp_path):
    assert rows(tmp_path, b"https://h/a.jpg;id-1\nhttps://h/b.jpg;id-2\n") == [
        ("https://h/a.jpg", "id-1"), ("https://h/b.jpg", "id-2")]


def test_a_semicolon_inside_a_url_path_does_not_make_a_csv():
    fmt = sniff(b"https://h/p;jsessionid=1/a.jpg\nhttps://h/b;v=2/c.jpg\n", "m.txt")
    assert fmt.kind == "list"


def test_a_quoted_semicolon_separates_nothing(tmp_path):
    data = b'url;caption\nhttps://h/a.jpg;"one; two"\n'
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    (file,) = inspect(str(path))
    assert file.format.columns == ("url", "caption")
    assert [r.url for r in read_rows(file)] == ["https://h/a.jpg"]


def test_the_separator_splitting_the_lines_alike_wins_over_one_in_a_value():
    # ',' is the decimal mark in the values; ';' splits every line into three fields.
    fmt = sniff(b"url;id;price\nhttps://h/a.jpg;1;3,50\nhttps://h/b.jpg;2;4,25\n", "m.csv")
    assert fmt.delimiter == ";"


def test_a_comma_csv_stays_a_comma_csv():
    fmt = sniff(b"url,id\nhttps://h/a.jpg,1\n", "m.csv")
    assert (fmt.kind, fmt.delimiter) == ("csv", ",")


@pytest.mark.parametrize("given", [";", "|"])
def test_a_named_separator_is_used(tmp_path, given):
    data = f"url{given}id\nhttps://h/a.jpg{given}9\n".encode()
    assert rows(tmp_path, data, delimiter=given) == [("https://h/a.jpg", "9")]


def test_a_named_separator_the_file_does_not_use_says_which_it_found():
    with pytest.raises(ManifestError, match="holds no ',' but looks separated by ';'"):
        sniff(b"url;id\nhttps://h/a.jpg;1\n", "m.csv", delimiter=",")


def test_a_named_separator_on_a_one_column_file_reads_it_as_a_list(tmp_path):
    assert rows(tmp_path, b"url\nhttps://h/a.jpg\n", delimiter=";") == [
        ("https://h/a.jpg", None)]


def test_a_folder_of_images_given_as_the_manifest_points_at_images(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "b.png").write_bytes(b"\x89PNG")
    with pytest.raises(ManifestError, match=f"use --images {tmp_path}"):
        inspect(str(tmp_path))


def test_a_manifest_folder_with_one_stray_image_is_read_as_manifests(tmp_path):
    (tmp_path / "a.csv").write_text("url\nhttps://h/a.jpg\n")
    (tmp_path / "b.csv").write_text("url\nhttps://h/b.jpg\n")
    (tmp_path / "c.txt").write_text("https://h/c.jpg\n")
    (tmp_path / "cover.jpg").write_bytes(b"\xff\xd8\xff\x00")
    with pytest.raises(ManifestError, match="not a manifest: it holds NUL bytes"):
        inspect(str(tmp_path))  # the image itself is refused as a manifest, by its content


def test_a_row_with_more_values_than_the_header_is_a_failure_not_a_cut_url(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id,url\n1,https://h/a.jpg?crop=a,b\n2,https://h/b.jpg\n")
    (file,) = inspect(str(path))
    first, second = read_rows(file)
    assert first.problem == ("manifest line 2 has 3 fields where the header names 2; quote a "
                             "value holding ','")
    assert (second.url, second.problem) == ("https://h/b.jpg", None)


def test_empty_trailing_values_beyond_the_header_are_no_problem(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("url,id\nhttps://h/a.jpg,1,,\n")
    (file,) = inspect(str(path))
    assert [(r.url, r.id, r.problem) for r in read_rows(file)] == [("https://h/a.jpg", "1", None)]


def test_excels_sep_line_names_the_separator_and_is_no_row(tmp_path):
    data = codecs.BOM_UTF8 + b"sep=;\r\nurl;id\r\nhttps://h/a.jpg;1\r\n"
    assert rows(tmp_path, data) == [("https://h/a.jpg", "1")]


def test_a_delimiter_given_against_excels_sep_line_is_refused():
    with pytest.raises(ManifestError, match="says sep=; in its first line"):
        sniff(b"sep=;\nurl;id\nhttps://h/a.jpg;1\n", "m.csv", delimiter=",")
