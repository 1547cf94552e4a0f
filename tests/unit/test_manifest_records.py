"""Where one CSV record ends: held against Python's csv module reading the same text, for the
quoting cases that decide it (a quote that opens a field or is only a character, doubled
quotes, a closing quote at the start of a line, a delimiter at the start of a line)."""

from __future__ import annotations

import csv
import io

import pytest

from image_metadata.job.manifest_rows import encoding_is_not_utf8, fields_of, lines, records

CASES = [
    'a,"b\nc",d\ne,f\n',  # a quoted field over two lines
    'a,"b""\nc",d\ne\n',  # a doubled quote, then the line end still inside
    'a,"b"""\nc,d\n',  # b" closes before the line end
    'a,b"c\nd,e\n',  # a quote inside an unquoted field is a character
    '"a"x,"b\nc"\nz\n',  # after a closing quote the field goes on; the next one opens
    '"",x\ny\n',  # an empty quoted field
    'x,"\n"\ny\n',  # a field that is one line end
    'a,"b\n",c\nd\n',  # the closing quote starts the next line
    ',"a\nb"\nc\n',  # a delimiter at the start of the line
    '"a""b","c\n""d"""\ne\n',  # doubled quotes on both lines
    'p,"q\n\nr"\ns\n',  # a blank line inside a quoted field
    'x,"a,"\ny\n',  # a delimiter inside a quoted field that closes
]


def our_records(text: str, delimiter: str = ",") -> list[str]:
    return [r.text for r in records(lines([text]), delimiter) if r.problem is None]


def csv_records(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("text", CASES)
def test_records_end_where_the_csv_module_ends_them(text):
    ours = our_records(text)
    assert [fields_of(",")(r) for r in ours] == csv_records(text)


@pytest.mark.parametrize("text", [t.replace(",", "\t") for t in CASES])
def test_tab_separated_records_end_where_the_csv_module_ends_them(text):
    ours = our_records(text, "\t")
    assert [fields_of("\t")(r) for r in ours] == csv_records(text, "\t")


def test_a_quote_never_closed_makes_the_record_a_problem_and_the_lines_after_are_read():
    found = list(records(lines(['a,b\n"c\nd\n']), ","))
    assert found[0].text == "a,b" and found[0].problem is None
    assert found[1].problem == "a quoted field opened here is never closed"


@pytest.mark.parametrize(("text", "fields"), [
    ('a,"b""c",d', ["a", 'b"c', "d"]),  # a doubled quote is one quote
    ("a, b ,c", ["a", " b ", "c"]),  # spaces are data
    ('a,b"c,d', ["a", 'b"c', "d"]),  # a quote inside a field is a character
    ("", []),
])
def test_fields_are_read_as_rfc_4180_says(text, fields):
    assert fields_of(",")(text) == fields


@pytest.mark.parametrize(("encoding", "other"), [("utf-8", False), ("UTF8", False),
                                                 ("utf-8-sig", False), ("utf_8_sig", False),
                                                 ("latin-1", True), ("cp1252", True)])
def test_whether_an_encoding_is_utf8_by_any_of_its_names(encoding, other):
    assert encoding_is_not_utf8(encoding) is other
