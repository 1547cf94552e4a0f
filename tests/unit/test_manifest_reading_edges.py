"""Reading manifest rows where the file or the format is unusual: a format made by hand, blank
lines before the header, a field beyond the CSV module's limit, a file that is gone by the
time it is read."""

from __future__ import annotations

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import ManifestFile, ManifestFormat, chunks, inspect, read_rows


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
    assert (first.line, first.problem) == (
        2, "manifest line 2: field larger than field limit (131072)")
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
    ["https://h/a,b/c"],  # a comma in the path, a "/" after it
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
    from image_metadata.job.manifest import HEAD_BYTES

    path = tmp_path / "m.csv"
    path.write_bytes(b"url\n" + b"http://h/a.jpg\n" * (HEAD_BYTES // 15 + 10) + b"\xff\n")
    (found,) = inspect(str(path))
    with pytest.raises(ManifestError, match=rf"^manifest {path} is not valid utf-8"):
        list(read_rows(found))


def test_inspection_is_logged_with_the_format_it_found(tmp_path, caplog):
    import logging

    path = write(tmp_path, "a,url\nx,http://h/a.jpg\n")
    with caplog.at_level(logging.INFO, logger="image_metadata.job.manifest"):
        inspect(str(path))
    assert f"manifest {path}: csv, header=True, url column 1" in caplog.messages


def test_a_header_naming_columns_makes_a_csv_even_when_values_hold_commas(tmp_path):
    text = "name,link\nx,https://h/a.jpg?crop=1,2\ny,https://h/b.jpg\n"
    (found,) = inspect(str(write(tmp_path, text)), url_column="link")
    assert (found.format.kind, found.format.url_index) == ("csv", 1)


# -- format detection, rule by rule -------------------------------------------------------


def fmt_of(tmp_path, text: str, **kwargs):
    (found,) = inspect(str(write(tmp_path, text)), **kwargs)
    return found


def refused(tmp_path, data: bytes | str, **kwargs) -> str:
    path = tmp_path / "m.csv"
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    with pytest.raises(ManifestError) as refusal:
        inspect(str(path), **kwargs)
    return str(refusal.value).replace(str(path), "M")


def test_an_s3_key_with_spaces_looks_like_a_url_in_any_case():
    from image_metadata.job.manifest import looks_like_url

    assert looks_like_url("s3://b/a b.jpg") and looks_like_url("S3://b/a b.jpg")
    assert not looks_like_url("X/data/a.jpg")


def test_a_missing_manifest_and_an_empty_folder_are_named(tmp_path):
    from image_metadata.job.manifest import discover

    with pytest.raises(ManifestError, match=r"^manifest .*nothing\.csv does not exist$"):
        discover(str(tmp_path / "nothing.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ManifestError, match=r"^manifest folder .*empty holds no files$"):
        discover(str(tmp_path / "empty"))


def test_the_head_of_an_endless_file_is_read_up_to_its_size_only():
    from image_metadata.job.manifest import read_head

    assert read_head("/dev/zero", size=100) == bytes(100)
    assert sum(len(c) for c in chunks("/dev/zero", limit=1000, size=333)) == 1000


def test_a_small_manifest_ending_inside_a_character_is_refused_before_the_run(tmp_path):
    message = refused(tmp_path, b"url\nhttp://h/caf\xc3")
    assert message.startswith("manifest M is not valid utf-8 at byte 16 (line 2, ")


def test_a_large_manifest_whose_head_ends_inside_a_character_is_read(tmp_path):
    from image_metadata.job.manifest import HEAD_BYTES

    # The 'é' starts at the head's last byte: the head is cut inside it.
    data = b"url\n" + b"h" * (HEAD_BYTES - 5) + "é".encode() + b"\nhttps://h/b.jpg\n"
    assert data[HEAD_BYTES - 1:HEAD_BYTES] == b"\xc3"
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    (found,) = inspect(str(path))
    assert (found.format.kind, found.format.header) == ("list", True)


@pytest.mark.parametrize("kind", ["list", "csv"])
def test_a_header_followed_only_by_a_line_longer_than_the_head_has_rows(tmp_path, kind):
    from image_metadata.job.manifest import HEAD_BYTES

    header = "url\n" if kind == "list" else "url,id\n"
    found = fmt_of(tmp_path, header + "https://h/" + "a" * HEAD_BYTES + "\n")
    assert (found.format.kind, found.format.header) == (kind, True)


@pytest.mark.parametrize(("text", "shown"), [("url,id\n", "'url,id'"), ("url\n", "'url'")])
def test_a_header_without_rows_is_refused_quoting_it(tmp_path, text, shown):
    assert refused(tmp_path, text) == f"manifest M has a header ({shown}) but no rows"


def test_a_header_naming_the_url_column_is_a_header_whatever_its_other_fields(tmp_path):
    found = fmt_of(tmp_path, "url,2024\nhttp://h/a.jpg,x\n")
    assert (found.format.header, found.format.url_index) == (True, 0)


def test_a_csv_without_urls_or_header_words_is_headerless_with_the_first_column_as_url(tmp_path):
    found = fmt_of(tmp_path, "img-1,2024\nimg-2,2025\n")
    assert (found.format.kind, found.format.header, found.format.url_index,
            found.format.id_index) == ("csv", False, 0, 1)


def test_the_id_column_is_found_by_its_default_name(tmp_path):
    found = fmt_of(tmp_path, "url,ID\nhttp://h/a.jpg,k1\n")
    assert found.format.id_index == 1
    assert [r.id for r in read_rows(found)] == ["k1"]


@pytest.mark.parametrize(("first", "header"), [
    ("URL", True), ("url", True), ("a.jpg", False), ("https://h/a.jpg", False),
    ("/data/a", False), ("1234", False), ("example.com/a.jpg", False)])
def test_the_first_line_of_a_list_is_a_header_only_when_it_names_the_url_column(
        tmp_path, first, header):
    found = fmt_of(tmp_path, f"{first}\nhttps://h/b.jpg\n")
    assert (found.format.kind, found.format.header) == ("list", header)


def test_a_list_whose_header_names_another_column_is_refused_with_the_fix(tmp_path):
    assert refused(tmp_path, "photos\nhttps://h/b.jpg\n") == (
        "manifest M has no 'url' column; its header has 'photos'. Name the URL column with "
        "--url-column (Glue job argument --url_column).")


def test_a_list_header_may_be_named_as_the_url_column(tmp_path):
    found = fmt_of(tmp_path, "Link\nhttps://h/b.jpg\n", url_column="link")
    assert found.format.header is True


@pytest.mark.parametrize("encoding", ["utf-8", "UTF_8", "utf8", "U8", "utf-8-sig"])
def test_utf16_text_named_as_utf8_by_any_alias_is_refused(tmp_path, encoding):
    message = refused(tmp_path, "url\n".encode("utf-16"), encoding=encoding)
    assert message == ("manifest M is UTF-16 or UTF-32 text (it starts with a byte order mark); "
                       "save it as UTF-8, or name its encoding with --encoding")


@pytest.mark.parametrize("encoding", ["utf-16", "UTF16", "utf_32"])
def test_utf16_and_utf32_text_is_read_when_named_by_any_alias(tmp_path, encoding):
    path = tmp_path / "m.csv"
    path.write_bytes("url\nhttps://h/a.jpg\n".encode(encoding.replace("_", "-")))
    (found,) = inspect(str(path), encoding=encoding)
    assert [r.url for r in read_rows(found)] == ["https://h/a.jpg"]


def test_binary_data_given_as_a_manifest_is_refused(tmp_path):
    assert refused(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == (
        "manifest M is not a manifest: it holds NUL bytes (binary data such as an image, or "
        "UTF-16/32 text); expected CSV, TSV or a URL list in UTF-8")


def test_an_unknown_encoding_is_refused_before_reading_rows(tmp_path):
    assert refused(tmp_path, "url\n", encoding="klingon") == (
        "unknown encoding 'klingon' for manifest M")


def test_a_broken_line_does_not_end_the_check_of_a_url_list(tmp_path):
    text = "https://h/a.jpg?crop=1,2\n\nhttps://h/b.jpg,id-7\n"
    assert fmt_of(tmp_path, text).format.kind == "csv"


def test_problem_rows_name_their_lines(tmp_path):
    found = fmt_of(tmp_path, 'url,id\nhttp://h/a.jpg,1\n"http://h/b.jpg,2\n')
    rows = list(read_rows(found))
    assert (rows[1].line, rows[1].problem) == (
        3, "manifest line 3: a quoted field opened here is never closed")


def test_a_url_column_name_holding_a_dot_is_a_list_header(tmp_path):
    found = fmt_of(tmp_path, "image.url\nhttps://h/b.jpg\n", url_column="image.url")
    assert (found.format.kind, found.format.header) == ("list", True)


def test_a_broken_line_between_urls_does_not_end_the_check_of_a_url_list(tmp_path):
    text = "https://h/a.jpg?crop=1,2\nnot a url\nhttps://h/b.jpg,id-7\n"
    assert fmt_of(tmp_path, text).format.kind == "csv"
