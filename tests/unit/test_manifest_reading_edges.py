"""Reading manifest rows where the file or the format is unusual: a format made by hand, blank
lines before the header, a field beyond the CSV module's limit, a file that is gone by the
time it is read."""

from __future__ import annotations

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.manifest import ManifestFile, ManifestFormat, chunks, inspect, read_rows


def write(tmp_path, text: str):
    path = tmp_path / "m.csv"
    path.write_text(text)
    return path


def test_blank_lines_before_the_header_are_no_rows(tmp_path):
    (found,) = inspect(str(write(tmp_path, "\n\nurl,id\nhttp://h/a.jpg,1\n")))
    assert found.format.header_line == 3
    assert [(r.url, r.id, r.line) for r in read_rows(found)] == [("http://h/a.jpg", "1", 4)]


def test_a_format_made_by_hand_takes_the_first_non_blank_record_as_its_header(tmp_path):
    path = write(tmp_path, "\n  \nlink,key\nhttp://h/a.jpg,1\n\nhttp://h/b.jpg,2\n")
    fmt = ManifestFormat("csv", True, 0, 1, ("link", "key"))  # no header_line: not sniffed
    rows = list(read_rows(ManifestFile(str(path), fmt)))
    assert [(r.url, r.id) for r in rows] == [("http://h/a.jpg", "1"), ("", None),
                                             ("http://h/b.jpg", "2")]


def test_a_field_beyond_the_csv_limit_is_one_row_with_the_reason_and_reading_goes_on(tmp_path):
    big = "\n".join(["y" * 60_000] * 3)  # one quoted field of 180 kB over three lines
    (found,) = inspect(str(write(tmp_path, f'url,id\nhttp://h/a.jpg,"{big}"\nhttp://h/b.jpg,2\n')))
    first, second = read_rows(found)
    assert first.problem == "manifest line 2: field larger than field limit (131072)"
    assert len(first.url) == 2000  # the record, cut for the failure row
    assert (second.url, second.id, second.problem) == ("http://h/b.jpg", "2", None)


def test_a_manifest_removed_after_it_was_inspected_is_a_clear_error(tmp_path):
    path = write(tmp_path, "url\nhttp://h/a.jpg\n")
    (found,) = inspect(str(path))
    path.unlink()
    with pytest.raises(ManifestError) as refused:
        list(read_rows(found))
    assert str(refused.value) == f"cannot read manifest {path}: No such file or directory"


def test_the_head_of_a_file_is_read_up_to_its_limit_only(tmp_path):
    path = write(tmp_path, "x" * 5000)
    assert sum(len(c) for c in chunks(str(path), limit=1000, size=300)) == 1000


def test_an_s3_location_without_a_key_is_a_clear_error():
    with pytest.raises(ManifestError, match=r"^cannot read manifest s3://bucket-only: Parameter "
                                            r"validation failed"):
        list(chunks("s3://bucket-only"))


@pytest.mark.parametrize("urls", [
    ["https://h/a.jpg?crop=faces,edges", "", "https://h/b.jpg?crop=a,b"],  # a blank line
    ["https://h/a.jpg?crop=faces,edges", "not a url", "https://h/b.jpg"],  # a broken line
    ["https://h/a.jpg?crop=faces,edges?v"],  # a second '?' is part of the query
    ["https://h/a,b/c.jpg"],  # a comma in the path, a '/' after it
    ["https://h/a,b."],  # a comma in the path, a '.' after it
])
def test_lines_with_commas_inside_urls_stay_whole_urls(tmp_path, urls):
    (found,) = inspect(str(write(tmp_path, "\n".join(urls) + "\n")))
    assert found.format.kind == "list"
    assert [r.url for r in read_rows(found)] == [u.strip() for u in urls]


def test_a_url_then_a_plain_value_per_line_is_a_headerless_csv(tmp_path):
    (found,) = inspect(str(write(tmp_path, "https://h/a.jpg,id-7\nhttps://h/b.jpg,id-8\n")))
    assert (found.format.kind, found.format.header) == ("csv", False)
    assert [(r.url, r.id) for r in read_rows(found)] == [("https://h/a.jpg", "id-7"),
                                                         ("https://h/b.jpg", "id-8")]


def test_a_named_id_column_gives_each_row_its_id_and_a_short_row_none(tmp_path):
    text = "url,key\nhttp://h/a.jpg,k1\nhttp://h/b.jpg\nhttp://h/c.jpg,\n"
    (found,) = inspect(str(write(tmp_path, text)), id_column="key")
    assert found.format.id_index == 1
    assert [(r.url, r.id, r.line) for r in read_rows(found)] == [
        ("http://h/a.jpg", "k1", 2), ("http://h/b.jpg", None, 3), ("http://h/c.jpg", None, 4)]


def test_without_an_id_column_rows_have_no_id(tmp_path):
    (found,) = inspect(str(write(tmp_path, "url,other\nhttp://h/a.jpg,x\n")))
    assert [(r.id, r.line) for r in read_rows(found)] == [(None, 2)]


def test_a_broken_record_row_names_its_line(tmp_path):
    (found,) = inspect(str(write(tmp_path, 'url\nhttp://h/a.jpg\n"http://h/b.jpg\n')))
    rows = list(read_rows(found))
    assert (rows[1].line, rows[1].id) == (3, None)


def test_a_bad_byte_beyond_the_sniffed_head_names_the_file(tmp_path):
    from image_metadata.manifest import HEAD_BYTES

    path = tmp_path / "m.csv"
    path.write_bytes(b"url\n" + b"http://h/a.jpg\n" * (HEAD_BYTES // 15 + 10) + b"\xff\n")
    (found,) = inspect(str(path))
    with pytest.raises(ManifestError, match=rf"^manifest {path} is not valid utf-8"):
        list(read_rows(found))


def test_inspection_is_logged_with_the_format_it_found(tmp_path, caplog):
    import logging

    path = write(tmp_path, "a,url\nx,http://h/a.jpg\n")
    with caplog.at_level(logging.INFO, logger="image_metadata.manifest"):
        inspect(str(path))
    assert f"manifest {path}: csv, header=True, url column 1" in caplog.messages


def test_a_header_naming_columns_makes_a_csv_even_when_values_hold_commas(tmp_path):
    text = "name,link\nx,https://h/a.jpg?crop=1,2\ny,https://h/b.jpg\n"
    (found,) = inspect(str(write(tmp_path, text)), url_column="link")
    assert (found.format.kind, found.format.url_index) == ("csv", 1)
