"""One reading of a manifest's rows, for detection and for the run: lines, records, fields,
trimming and encoding defined once (manifest.read_rows over manifest_rows)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import inspect, read_rows
from image_metadata.job.manifest_rows import (
    MAX_QUOTED_LINES,
    decoded,
    fields_of,
    lines,
    list_value,
    records,
)


def rows_of(tmp_path: Path, data: bytes, name: str = "m.csv", **kwargs) -> list[tuple]:
    path = tmp_path / name
    path.write_bytes(data)
    (file,) = inspect(str(path), **kwargs)
    return [(r.url, r.id, r.problem) for r in read_rows(file)]


def test_unicode_line_separators_are_data_not_line_ends(tmp_path):
    """NEL and U+2028 end lines for str.splitlines(), not for RFC 4180 or this reader."""
    data = "url\nhttp://h/1.jpg\u0085http://h/2.jpg\nhttp://h/3.jpg\u2028x\n".encode()
    assert [u for u, _, _ in rows_of(tmp_path, data)] == [
        "http://h/1.jpg\u0085http://h/2.jpg", "http://h/3.jpg\u2028x"]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_lines_end_at_lf_crlf_or_cr(tmp_path, end):
    data = end.join(["id,url", "1,http://h/1.jpg", "2,http://h/2.jpg"]).encode() + end.encode()
    assert rows_of(tmp_path, data) == [("http://h/1.jpg", "1", None), ("http://h/2.jpg", "2", None)]


def test_a_form_feed_after_the_header_is_trimmed_not_a_line_end(tmp_path):
    data = b"url\n\x0chttp://h/1.jpg\nhttp://h/2.jpg\n"
    assert [u for u, _, _ in rows_of(tmp_path, data)] == ["http://h/1.jpg", "http://h/2.jpg"]


def test_a_quoted_field_may_hold_a_line_break(tmp_path):
    data = b'id,url\n"two\nlines",http://h/1.jpg\n2,http://h/2.jpg\n'
    assert rows_of(tmp_path, data) == [("http://h/1.jpg", "two\nlines", None),
                                       ("http://h/2.jpg", "2", None)]


def test_a_row_with_thirty_thousand_fields_is_one_failure_row(tmp_path):
    data = b"url,id\nhttp://h/1.jpg,7" + b",x" * 30_000 + b"\nhttp://h/2.jpg,8\n"
    (wide, after) = rows_of(tmp_path, data)
    assert "has 30002 fields where the header names 2" in wide[2]
    assert after == ("http://h/2.jpg", "8", None)


def test_unicode_white_space_is_trimmed_from_urls_and_ids(tmp_path):
    data = "id,url\n\u202fa\u00a0,\u202fhttp://h/1.jpg\u3000\n".encode()
    assert rows_of(tmp_path, data) == [("http://h/1.jpg", "a", None)]


def test_commas_in_a_query_keep_a_plain_list_a_list(tmp_path):
    data = b"https://h/a.jpg?crop=faces,edges\nhttps://h/b.jpg?crop=top,left&w=1\n"
    assert [u for u, i, _ in rows_of(tmp_path, data, "urls.txt")] == [
        "https://h/a.jpg?crop=faces,edges", "https://h/b.jpg?crop=top,left&w=1"]


def test_a_comma_before_the_query_still_makes_a_url_id_csv(tmp_path):
    data = b"https://h/a.jpg,id-1\nhttps://h/b.jpg,id-2\n"
    assert rows_of(tmp_path, data) == [("https://h/a.jpg", "id-1", None),
                                       ("https://h/b.jpg", "id-2", None)]


def test_latin1_is_refused_naming_the_byte_and_read_when_named(tmp_path):
    data = "url\nhttp://h/caf\u00e9.jpg\nhttp://h/caf\u00e8.jpg\n".encode("latin-1")
    with pytest.raises(ManifestError, match=r"not valid utf-8 at byte 16 \(line 2"):
        rows_of(tmp_path, data)
    assert [u for u, _, _ in rows_of(tmp_path, data, encoding="latin-1")] == [
        "http://h/caf\u00e9.jpg", "http://h/caf\u00e8.jpg"]


def test_a_bad_byte_deep_in_the_file_is_found_before_the_run(tmp_path):
    data = b"url\n" + b"http://h/a.jpg\n" * 200_000 + b"http://h/\xff.jpg\n"
    path = tmp_path / "m.txt"
    path.write_bytes(data)
    (file,) = inspect(str(path))  # the head is fine
    with pytest.raises(ManifestError, match=r"at byte 3,000,013 \(line 200,002"):
        list(read_rows(file))


def test_a_list_row_equal_to_the_header_word_is_a_row(tmp_path):
    data = b"url\nhttp://h/1.jpg\nurl\n"
    assert [u for u, _, _ in rows_of(tmp_path, data)] == ["http://h/1.jpg", "url"]


def test_a_headerless_list_starting_with_a_schemeless_line_keeps_it_as_a_row(tmp_path):
    data = b"example.com/a.jpg\nhttp://h/1.jpg\n"
    assert [u for u, _, _ in rows_of(tmp_path, data, "urls.txt")] == [
        "example.com/a.jpg", "http://h/1.jpg"]


def test_a_quote_that_never_closes_costs_its_line_only(tmp_path):
    data = b'id,url\n1,"http://h/1.jpg\n2,http://h/2.jpg\n3,http://h/3.jpg\n'
    found = rows_of(tmp_path, data)
    assert found[0][2] == "manifest line 2: a quoted field opened here is never closed"
    assert found[1:] == [("http://h/2.jpg", "2", None), ("http://h/3.jpg", "3", None)]


def test_fields_of_a_record_whose_quote_never_closes_end_with_the_record():
    # csv asks for one more line to close the quote: it gets the end, never the record again
    # nor the next one.
    fields = fields_of(",")
    assert fields('1,"http://h/1.jpg') == ["1", "http://h/1.jpg"]
    assert fields("2,http://h/2.jpg") == ["2", "http://h/2.jpg"]


def test_fields_of_an_empty_record_are_none():
    assert fields_of(",")("") == []


def test_a_quoted_field_spanning_too_many_lines_is_taken_as_unclosed(tmp_path):
    body = "".join(f"{i},http://h/{i}.jpg\n" for i in range(2, MAX_QUOTED_LINES + 50))
    data = ('id,url\n1,"http://h/1.jpg\n' + body + '9,"closing"\n').encode()
    found = rows_of(tmp_path, data)
    assert found[0][2].endswith("a quoted field opened here is never closed")
    assert len(found) == 1 + (MAX_QUOTED_LINES + 48) + 1


@pytest.mark.parametrize(("line", "problem"), [
    (b"3,http://h/\x00.jpg", "the line holds a NUL character"),
    (b"3,http://h/" + b"a" * 70_000, "the line is 70,011 characters long"),
])
def test_a_record_that_cannot_be_a_row_is_one_row_with_its_problem(tmp_path, line, problem):
    """(past the first 8,000 bytes: a NUL there marks a binary file, refused as a whole)"""
    filler = b"".join(b"0,http://h/f%d.jpg\n" % i for i in range(600))
    data = b"id,url\n" + filler + line + b"\n4,http://h/4.jpg\n"
    found = rows_of(tmp_path, data)
    assert [u for u, _, p in found if p is None][-1] == "http://h/4.jpg"
    assert len(found) == 602
    (bad,) = [p for _, _, p in found if p is not None]
    assert bad.startswith("manifest line 602: " + problem)


def test_blank_lines_are_blank_rows_and_a_bom_is_not_data(tmp_path):
    data = b"\xef\xbb\xbfurl\nhttp://h/1.jpg\n\n   \nhttp://h/2.jpg\n"
    assert [u for u, _, _ in rows_of(tmp_path, data)] == [
        "http://h/1.jpg", "", "", "http://h/2.jpg"]


def test_a_short_row_has_a_blank_url(tmp_path):
    data = b"id,url\n1,http://h/1.jpg\n2\n"
    assert rows_of(tmp_path, data) == [("http://h/1.jpg", "1", None), ("", "2", None)]


def test_a_broken_first_record_is_a_row_and_the_header_after_it_is_the_header(tmp_path):
    data = b'"https://h/broken.jpg,1\nurl,id\nhttps://h/a.jpg,a\n'
    found = rows_of(tmp_path, data)
    assert found[0][2].startswith("manifest line 1: a quoted field")
    assert found[1:] == [("https://h/a.jpg", "a", None)]


def test_a_tab_inside_a_quoted_field_does_not_make_a_csv_a_tsv(tmp_path):
    data = b'https://h/a.jpg,"red\tcar"\nhttps://h/b.jpg,"blue"\n'
    assert rows_of(tmp_path, data) == [("https://h/a.jpg", "red\tcar", None),
                                       ("https://h/b.jpg", "blue", None)]


def test_one_endless_line_costs_neither_memory_nor_quadratic_time(tmp_path):
    import time

    from image_metadata.job.manifest_rows import lines

    started = time.perf_counter()
    chunk = "x" * (1 << 20)
    found = list(lines(chunk for _ in range(200)))  # 200 MiB without a line end
    # Generous: a quadratic scan of 200 MiB would take hours; speed itself is for bench/.
    assert time.perf_counter() - started < 60.0
    assert len(found) == 1 and len(found[0].text) == 65_537


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_an_encoding_error_names_its_line_whatever_the_line_ends(tmp_path, end):
    data = end.join([b"url", b"https://h/1.jpg", b"https://h/\xff.jpg"]) + end
    with pytest.raises(ManifestError, match=r"\(line 3,"):
        rows_of(tmp_path, data, "urls.txt")


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_utf8_byte_order_mark_is_no_data_in_any_encoding(tmp_path, encoding):
    data = b"\xef\xbb\xbfurl\nhttps://h/caf\xe9.jpg\n"
    assert rows_of(tmp_path, data, encoding=encoding) == [("https://h/caf\u00e9.jpg", None, None)]


def test_two_byte_order_marks_are_no_data(tmp_path):
    data = "\ufeff\ufeffurl\nhttps://h/a.jpg\n".encode()
    assert rows_of(tmp_path, data) == [("https://h/a.jpg", None, None)]


# -- decoding bytes and ending records, below the manifest reader --------------------------

BOM = b"\xef\xbb\xbf"


def text_of(chunks: list[bytes], **kwargs) -> str:
    return "".join(decoded(chunks, "m.csv", **kwargs))


def refusal(chunks: list[bytes], **kwargs) -> str:
    with pytest.raises(ManifestError) as refused:
        text_of(chunks, **kwargs)
    return str(refused.value)


def hint() -> str:
    return "save it as UTF-8, or name its encoding with --encoding (e.g. --encoding latin-1)"


def test_utf8_is_the_default_encoding():
    assert text_of([b"caf\xc3\xa9\n"]) == "café\n"
    assert "is not valid utf-8 at byte 3" in refusal([b"caf\xe9\n"])


def test_a_bad_byte_is_named_with_its_offset_line_and_the_bytes_from_it():
    assert refusal([b"url\nok\n\xff\xfe\xfd\xfc\xfb\n"]) == (
        "manifest m.csv is not valid utf-8 at byte 7 (line 3, bytes b'\\xff\\xfe\\xfd\\xfc'): "
        + hint())


def test_a_bad_first_byte_is_at_byte_zero_of_line_one():
    assert refusal([b"\xff"]).startswith("manifest m.csv is not valid utf-8 at byte 0 (line 1, ")


def test_a_character_split_between_chunks_is_one_character():
    assert text_of([b"ab\xc3", b"\xa9c"]) == "abéc"


def test_a_bad_byte_after_a_split_character_is_found_at_its_offset():
    assert "at byte 4 (line 1, bytes b'\\xff')" in refusal([b"ab\xc3", b"\xa9\xff"])


def test_a_file_that_ends_inside_a_character_is_refused_at_that_character():
    assert refusal([b"abc\n\xe2\x82"]) == (
        "manifest m.csv is not valid utf-8 at byte 4 (line 2, bytes b'\\xe2\\x82'): " + hint())


def test_the_head_of_a_file_may_end_inside_a_character():
    assert text_of([b"abc\n\xe2\x82"], complete=False) == "abc\n"


def test_a_byte_order_mark_before_a_letter_x_leaves_the_x():
    assert text_of([BOM + b"Xurl\n"]) == "Xurl\n"
    assert text_of([BOM + b"Xurl\n"], encoding="cp1252") == "Xurl\n"


def test_a_bad_byte_after_a_byte_order_mark_counts_the_mark_in_its_offset():
    assert "is not valid cp1252 at byte 5 " in refusal([BOM + b"ab\x81"], encoding="cp1252")


def test_a_byte_order_mark_inside_the_file_is_data():
    assert text_of([b"a", "\ufeffb".encode()]) == "a\ufeffb"


def test_a_multibyte_encoding_of_east_asia_is_read_when_named():
    assert text_of(["url\nhttps://h/カメラ.jpg\n".encode("shift_jis")],
                   encoding="shift_jis") == "url\nhttps://h/カメラ.jpg\n"


def test_a_crlf_split_between_chunks_is_one_line_end_in_an_error_line():
    assert "(line 3, " in refusal([b"a\r", b"\nb\r", b"\n\xff"])


@pytest.mark.parametrize(("chunks", "line"), [
    ([b"\nx\xff"], 2),  # a first line end with no \r before it
    ([b"a\n", b"\nb\xff"], 3),  # a \n after a \n is a line end of its own
    ([b"a\xc3", b"\xa9\xff\n\n"], 1),  # line ends after the bad byte are not counted
    ([b"ab\xe2\x82", b"\nc"], 1),  # a character cut by a line end: the error is before it
])
def test_an_encoding_error_names_the_line_it_is_on(chunks, line):
    assert f"(line {line}, " in refusal(chunks)


def test_an_encoding_error_in_a_multibyte_encoding_names_its_line():
    data = "url\nhttps://h/カ".encode("shift_jis") + b"\xff\xff"
    assert "(line 2, " in refusal([data], encoding="shift_jis")


def test_an_error_in_a_later_chunk_of_big_endian_utf16_names_its_line():
    text = "url\r\nhttps://h/1.jpg\r\nhttps://h/2.jpg\r\n".encode("utf-16-be")
    data = codecs.BOM_UTF16_BE + text + "https://h/".encode("utf-16-be") + b"\xdc\x00"
    chunks = [data[:20], data[20:]]
    message = refusal(chunks, encoding="utf-16")
    assert f"at byte {len(data) - 2} (line 4, " in message


def test_an_unknown_encoding_is_refused_naming_the_file():
    assert refusal([b"x"], encoding="klingon") == "unknown encoding 'klingon' for manifest m.csv"


def test_an_encoding_that_holds_text_back_gives_it_at_the_end():
    assert text_of([b"+AGEAYgBj"], encoding="utf-7") == "abc"


@pytest.mark.parametrize(("line", "value"), [
    ('"https://h/a.jpg"', "https://h/a.jpg"), (' "x" ', "x"), ('""', ""),
    ('"a""b"', 'a"b'), ('"', '"'), ('a"', 'a"'), ('"a', '"a'), ('x"y"', 'x"y"'),
    ("plain", "plain"), ('"ab"c"', 'ab"c')])
def test_a_list_value_is_taken_out_of_surrounding_quotes(line, value):
    assert list_value(line) == value


def found(text: str, delimiter: str | None = ","):
    return list(records(lines([text]), delimiter))


def test_a_list_line_with_quotes_is_one_record():
    assert [(r.line, r.text, r.problem) for r in found('"https://h/a.jpg"\nb\n', None)] == [
        (1, '"https://h/a.jpg"', None), (2, "b", None)]


def test_a_line_whose_quotes_close_is_one_record_with_its_number():
    assert [(r.line, r.text) for r in found('u\n"a",1\n')] == [(1, "u"), (2, '"a",1')]


def test_a_bad_line_holding_a_quote_is_one_record_with_its_problem():
    (record,) = found('a,"b\x00\n')
    assert (record.line, record.problem) == (1, "the line holds a NUL character")


def test_a_bad_line_inside_a_quoted_field_ends_it_and_is_a_record_of_its_own():
    result = [(r.line, r.text, r.problem) for r in found('"a\nb\x00\nc\n')]
    assert result == [(1, '"a', "a quoted field opened here is never closed"),
                      (2, "b\x00", "the line holds a NUL character"), (3, "c", None)]


def test_a_bad_line_ends_a_quoted_field_even_when_a_later_line_closes_the_quote():
    result = [(r.line, r.text, r.problem) for r in found('"a\nb\x00\nc"\nd\n')]
    assert result == [(1, '"a', "a quoted field opened here is never closed"),
                      (2, "b\x00", "the line holds a NUL character"), (3, 'c"', None),
                      (4, "d", None)]


def test_a_quoted_field_may_span_100_lines_and_no_more():
    closing = "\n".join(["x"] * 99) + '"\nnext\n'
    assert [r.problem for r in found('"a\n' + closing)] == [None, None]
    too_long = "\n".join(["x"] * 100) + '"\nnext\n'
    result = found('"a\n' + too_long)
    assert (result[0].line, result[0].problem) == (1, "a quoted field opened here is never closed")
    assert result[1].line == 2


def test_the_lines_after_a_quote_left_open_at_the_end_are_read_as_records_again():
    # 'a","' closes the open field and opens another; read again, it opens one itself.
    result = [(r.line, r.text, r.problem) for r in found('u\n"p\na","\n')]
    assert result == [(1, "u", None), (2, '"p', "a quoted field opened here is never closed"),
                      (3, 'a","', "a quoted field opened here is never closed")]


def test_a_crlf_split_between_chunks_is_one_line_end():
    assert [tuple(x) for x in lines(["a\r", "\nb"])] == [(1, "a"), (2, "b")]


def test_a_file_ending_in_a_carriage_return_ends_its_last_line_there():
    assert [tuple(x) for x in lines(["x\na\r"])] == [(1, "x"), (2, "a")]


def test_the_last_line_without_an_end_has_its_number():
    assert [tuple(x) for x in lines(["x\ny"])] == [(1, "x"), (2, "y")]
