"""Manifest bytes to rows: the one definition of a line, a record, a field and a value.

Format detection reads a file's first records with these functions, and the run reads every
row with them, so both see the same rows. A line ends at ``\\n``, ``\\r\\n`` or ``\\r`` and
nowhere else (U+2028, U+0085, form feeds are data); a CSV/TSV record is RFC 4180's (a quoted
field may hold line breaks); values are trimmed of Unicode white space. Text is decoded
strictly: a byte that is not valid in the encoding stops the read, naming its offset.
A record that cannot be a row (a quote that never closes, a NUL, an absurd length) becomes one
row with a ``problem`` that the run reports as an ``invalid_url`` failure; no record is lost.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from image_metadata.exceptions import ManifestError

MAX_LINE = 64 * 1024  # characters of one line (URLs are at most 8,192)
MAX_QUOTED_LINES = 100  # lines one quoted field may span before it is taken as unclosed
_LINE_END = re.compile(r"\r\n|\r|\n")


class Line(NamedTuple):
    number: int  # 1-based physical line number
    text: str  # without its line end


class Record(NamedTuple):
    line: int  # where it starts
    text: str  # one line, or several joined by their line ends when a quoted field spans them
    problem: str | None = None


def decoded(chunks: Iterable[bytes], path: str, encoding: str = "utf-8",
            complete: bool = True) -> Iterator[str]:
    """Text of ``chunks``, decoded strictly; a leading byte order mark is dropped.
    ``complete`` False: the bytes are a file's head, which may end inside a character."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise ManifestError(f"unknown encoding {encoding!r} for manifest {path}") from None
    consumed = 0
    lines_before = 0  # line ends in the text decoded so far
    after_cr = False  # that text ends with \r: a \n next is the same line end
    first = True
    for chunk in chunks:
        if first and chunk.startswith(codecs.BOM_UTF8) and encoding_is_not_utf8(encoding):
            chunk = chunk[len(codecs.BOM_UTF8):]  # a UTF-8 mark is no data in any encoding
            consumed += len(codecs.BOM_UTF8)
        state = decoder.getstate()
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as e:
            pending = len(e.object) - len(chunk)  # bytes held back from the chunk before
            before = _text_before(encoding, state, chunk[:max(e.start - pending, 0)])
            _bad_bytes(path, encoding, consumed - pending + e.start,
                       lines_before + _line_ends(before, after_cr) + 1, e)
        consumed += len(chunk)
        if first and text:
            text = text.lstrip("\ufeff")  # a byte order mark (or two) is no data
            first = False
        lines_before += _line_ends(text, after_cr)
        if text:
            after_cr = text.endswith("\r")
            yield text
    if not complete:
        return
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        _bad_bytes(path, encoding, consumed - len(e.object) + e.start, lines_before + 1, e)
    if tail:
        yield tail


def _text_before(encoding: str, state: tuple, valid: bytes) -> str:
    """The text of the bytes before a bad one, decoded from where the decoder stood (a
    UTF-16 file's byte order is in that state, not in the bytes)."""
    probe = codecs.getincrementaldecoder(encoding)("strict")
    probe.setstate(state)
    try:
        return probe.decode(valid)
    except UnicodeDecodeError:  # pragma: no cover - the bytes before the error are valid
        return valid.decode(encoding, errors="ignore")


def encoding_is_not_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig")


def _line_ends(text: str, after_cr: bool) -> int:
    """Line ends in ``text``; ``after_cr``: the text before it ended with \r, so a \n
    first is the end of a line already counted."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends - 1 if after_cr and text.startswith("\n") else ends


def _bad_bytes(path: str, encoding: str, offset: int, line: int,
               error: UnicodeDecodeError) -> None:
    shown = error.object[error.start:error.start + 4] if error.object else b""
    raise ManifestError(
        f"manifest {path} is not valid {encoding} at byte {max(offset, 0):,} (line {line:,}, "
        f"bytes {bytes(shown)!r}): save it as UTF-8, or name its encoding with --encoding "
        "(e.g. --encoding latin-1)"
    )


def lines(texts: Iterable[str]) -> Iterator[Line]:
    """Physical lines: ends are \\n, \\r\\n and \\r only."""
    carry = ""
    number = 0
    for text in texts:
        text = carry + text
        if text.endswith("\r"):  # perhaps the first half of \r\n
            text, carry = text[:-1], "\r"
        else:
            carry = ""
        parts = _LINE_END.split(text) if "\r" in text else text.split("\n")
        # A line longer than MAX_LINE is a problem whatever its length: its start is kept,
        # not all of it (a file of one 250 MB line would cost memory and quadratic time).
        carry = parts.pop()[: MAX_LINE + 1] + carry
        for part in parts:
            number += 1
            yield Line(number, part)
    if carry.endswith("\r"):
        carry = carry[:-1]
    if carry:
        yield Line(number + 1, carry)


def records(source: Iterable[Line], delimiter: str | None) -> Iterator[Record]:
    """Records of a CSV/TSV (``delimiter``) or of a list (None: one line, one record)."""
    queue: deque[Line] = deque()
    feed = iter(source)
    pending: list[Line] = []
    inside = False
    while True:
        if queue:
            line = queue.popleft()
        else:
            line = next(feed, None)
            if line is None:
                break
        if not pending:
            problem = _line_problem(line.text)
            if problem or delimiter is None or '"' not in line.text:
                yield Record(line.number, line.text, problem)
                continue
            inside = _ends_quoted(line.text, delimiter, False)
            if not inside:
                yield Record(line.number, line.text)
                continue
            pending = [line]
            continue
        problem = _line_problem(line.text)
        if problem is None:
            pending.append(line)
            inside = _ends_quoted(line.text, delimiter, True)
            if not inside:
                yield Record(pending[0].number, "\n".join(p.text for p in pending))
                pending = []
                continue
        if problem is not None or len(pending) >= MAX_QUOTED_LINES:
            yield _unclosed(pending[0])
            queue.extendleft(reversed([*pending[1:], *([line] if problem else [])]))
            pending = []
    if pending:  # the file ended inside a quoted field
        yield _unclosed(pending[0])
        yield from records(pending[1:], delimiter)


def _unclosed(line: Line) -> Record:
    return Record(line.number, line.text, "a quoted field opened here is never closed")


def _line_problem(text: str) -> str | None:
    if len(text) > MAX_LINE:
        return f"the line is {len(text):,} characters long; the limit is {MAX_LINE:,}"
    if "\x00" in text:
        return "the line holds a NUL character"
    return None


def _ends_quoted(text: str, delimiter: str, inside: bool) -> bool:
    """Whether ``text`` ends inside a quoted field, read as the csv module reads it: a field
    is quoted when it starts with '"'; '""' in it is a quote; after the closing quote the rest
    of the field is taken as it is."""
    pos, end = 0, len(text)
    while True:
        if inside:
            close = text.find('"', pos)
            if close < 0:
                return True
            if text.startswith('""', close):
                pos = close + 2
                continue
            inside = False
            pos = close + 1
        elif pos < end and text[pos] == '"':
            inside = True
            pos += 1
            continue
        nxt = text.find(delimiter, pos)
        if nxt < 0:
            return False
        pos = nxt + 1


class _Feed:
    """One record at a time for a single csv reader (a reader per record costs more). It
    hands each record out once: a reader asking for more gets the end, never a repeat."""

    def __init__(self) -> None:
        self.text: str | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.text is None:
            raise StopIteration
        text, self.text = self.text, None
        return text


def fields_of(delimiter: str) -> Callable[[str], list[str]]:
    """A function from one record's text to its fields, as RFC 4180 reads them."""
    feed = _Feed()
    reader = csv.reader(feed, delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)

    def fields(text: str) -> list[str]:
        feed.text = text  # csv reads an empty record as [], so the feed is never empty here
        return next(reader)

    return fields


def list_value(text: str) -> str:
    """The one value of a list line: trimmed, and taken out of surrounding double quotes."""
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"')
    return value
