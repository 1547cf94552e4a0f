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
