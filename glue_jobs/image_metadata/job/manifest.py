"""Manifest discovery, format detection and reading, on the driver before any Spark work.

The first bytes of each manifest tell CSV, TSV or a plain URL list apart, and its header and
URL/id columns; ``read_rows`` then streams every row. Both read records with
``manifest_rows``, so detection and the run agree on what a row is. A manifest that cannot be
used raises ManifestError naming the file and what was found in it.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from image_metadata.exceptions import ManifestError
from image_metadata.job import manifest_rows as rows_mod

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
SAMPLE_LINES = 50
_URL_PREFIXES = ("s3://", "http://", "https://", "file://", "/")
# Spark reads manifests as UTF-8 text; these open text it would read as junk.
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
BINARY_PROBE = 8000  # a NUL this early means binary data, as git decides
SHOWN_CHARS = 48  # of each header field or line quoted in an error, so messages stay short
_HEADER_WORD = re.compile(r"[^\W\d][\w .()#-]*")  # a column name, not a value
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_EXCEL_SEPARATOR = re.compile(r"sep=([,;|\t])")


@dataclass(frozen=True)
class ManifestFormat:
    kind: str  # csv | tsv | list
    header: bool
    url_index: int
    id_index: int | None
    columns: tuple[str, ...]  # header names, or c0, c1, ... without a header
    # The header's line: records before it (blank, or broken) are not the header.
    header_line: int | None = field(default=None, compare=False)
    # With bucket and key columns (Athena exports, inventories) instead of URLs: the bucket's
    # column; url_index is then the key's, and the URL is s3://bucket/key.
    bucket_index: int | None = None
    # A CSV's separator when it is not a comma (Excel writes ';' where ',' is the decimal mark).
    separator: str = ""
    # Excel's "sep=;" line before everything: no record.
    preamble_line: int | None = field(default=None, compare=False)

    @property
    def delimiter(self) -> str:
        return "\t" if self.kind == "tsv" else self.separator or ","


@dataclass(frozen=True)
class ManifestFile:
    path: str
    format: ManifestFormat
    encoding: str = "utf-8"


def looks_like_url(value: str) -> bool:
    value = value.strip().strip('"')
    if value.lower().startswith(("s3://", "/")):
        return True  # S3 keys and local paths may hold spaces
    return value.lower().startswith(_URL_PREFIXES) and " " not in value


def discover(path: str, *, s3_client: Any = None) -> list[str]:
    """The manifest files at ``path``: one file, or every visible file under a folder/prefix."""
    if path.startswith("s3://"):
        return _discover_s3(path, s3_client)
    local = path[len("file://"):] if path.startswith("file://") else path
    if os.path.isdir(local):
        found = []

        def refuse(error: OSError) -> None:  # a folder skipped would lose its rows
            raise ManifestError(f"cannot list manifest folder {error.filename}: "
                                f"{error.strerror or error}")

        for root, dirs, files in os.walk(local, onerror=refuse):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            found += [os.path.join(root, f) for f in sorted(files) if not f.startswith((".", "_"))]
        if not found:
            raise ManifestError(f"manifest folder {path} holds no files")
        return sorted(found)  # by path, as S3 lists keys: the first duplicate is the same one
    if not os.path.exists(local):
        raise ManifestError(f"manifest {path} does not exist")
    if not os.access(local, os.R_OK):
        raise ManifestError(f"manifest {path} is not readable (check its permissions)")
    return [local]


def _discover_s3(path: str, s3_client: Any) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = s3_location(path)
    client = s3_client or _default_s3()
    denied = None
    if prefix and not prefix.endswith("/"):
        # One object, or a folder named without its '/': ask for the object first, then list
        # 'prefix/'. Listing 'prefix' itself would need ListBucket beyond the folder (a role
        # limited to 'manifests/*' may not list 'manifests') and would match 'manifests-old/'.
        try:
            client.head_object(Bucket=bucket, Key=prefix)
            return [path]
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 403:
                denied = e
            elif status != 404:
                raise ManifestError(f"cannot read manifest location {path}: {e}") from None
        except BotoCoreError as e:
            raise ManifestError(f"cannot read manifest location {path}: {e}") from None
        prefix += "/"
    found: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                hidden = any(part.startswith((".", "_")) for part in key[len(prefix):].split("/"))
                if not key.endswith("/") and not hidden:
                    found.append(f"s3://{bucket}/{key}")
    except (ClientError, BotoCoreError) as e:
        raise ManifestError(f"cannot list manifest location {path}: {e}") from None
    if not found:
        if denied is not None:
            raise ManifestError(f"manifest {path} cannot be read ({denied}) and "
                                f"s3://{bucket}/{prefix} holds no manifest objects")
        raise ManifestError(f"no manifest objects at {path}")
    return sorted(found)


def s3_location(path: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``, the key raw: '?' and '#' are legal in keys."""
    bucket, _, key = path[len("s3://"):].partition("/")
    return bucket, key


def _default_s3() -> Any:
    import boto3

    return boto3.session.Session().client("s3")


def read_head(path: str, *, s3_client: Any = None, size: int = HEAD_BYTES) -> bytes:
    head = bytearray()
    for chunk in chunks(path, s3_client=s3_client, limit=size):
        head += chunk
    return bytes(head[:size])


def chunks(path: str, *, s3_client: Any = None, limit: int | None = None,
           size: int = 1 << 20) -> Iterator[bytes]:
    """The text bytes of a manifest file, streamed (the first ``limit`` of them, if given);
    a gzip-compressed manifest (known by its first bytes, whatever its name) is inflated as
    it streams."""
    raw = _raw_chunks(path, s3_client=s3_client, limit=limit, size=size)
    first = next(raw, b"")
    while 0 < len(first) < len(GZIP_MAGIC):  # a source may hand out one byte at a time
        more = next(raw, b"")
        if not more:
            break
        first += more
    if not first:
        return
    if not first.startswith(GZIP_MAGIC):
        yield first
        yield from raw
        return
    if limit is not None:
        # The head of the text, not of the file: read on (and inflate) until it is had.
        raw.close()
        first, raw = b"", _raw_chunks(path, s3_client=s3_client, size=size)
    yield from _inflated(itertools.chain([first], raw), path, limit=limit, size=size)


def _inflated(stream: Iterator[bytes], path: str, *, limit: int | None,
              size: int) -> Iterator[bytes]:
    """Every member of a gzip stream (``gzip -c a b > m.gz`` writes two), inflated in pieces
    of at most ``size`` bytes, so that a manifest which compressed a thousandfold costs memory
    by the piece, not by the file. With ``limit`` (the head read to sniff the format, whose
    compressed range may end midway) the first ``limit`` bytes; without, a stream that ends
    inside a member is an error, as ``gzip -t`` says."""
    inflater = zlib.decompressobj(wbits=31)
    in_member = False
    given = 0
    pending = b""
    for chunk in stream:
        pending += chunk
        while True:
            if not in_member:
                if len(pending) < len(GZIP_MAGIC):
                    if pending.strip(b"\x00"):
                        break  # the next chunk tells
                    pending = b""  # zero padding after the last member is allowed
                    break
                if not pending.startswith(GZIP_MAGIC):
                    if not pending.strip(b"\x00"):
                        pending = b""
                        break
                    raise ManifestError(f"manifest {path} has data after its gzip stream that "
                                        "is not gzip; check it with gzip -t")
                in_member = True
            try:
                out = inflater.decompress(pending, size)
            except zlib.error as e:
                raise ManifestError(f"manifest {path} is not valid gzip data ({e}); check it "
                                    "with gzip -t") from None
            pending = inflater.unconsumed_tail
            if inflater.eof:
                pending = inflater.unused_data + pending
                inflater, in_member = zlib.decompressobj(wbits=31), False
            if out:
                if limit is not None and given + len(out) >= limit:
                    yield out[: limit - given]
                    return
                given += len(out)
                yield out
            # A full piece may leave output inside the inflater: ask again even with no input.
            if not pending and len(out) < size and in_member:
                break
            if not pending and not in_member:
                break
    if limit is None and in_member:
        raise ManifestError(f"manifest {path} is cut short: its gzip stream ends inside a "
                            "member (an interrupted upload or download?); check it with "
                            "gzip -t")
    if limit is None and pending.strip(b"\x00"):
        raise ManifestError(f"manifest {path} has data after its gzip stream that is not "
                            "gzip; check it with gzip -t")


def _raw_chunks(path: str, *, s3_client: Any = None, limit: int | None = None,
                size: int = 1 << 20) -> Iterator[bytes]:
    """The stored bytes of a manifest file, streamed (the first ``limit`` of them)."""
    try:
        if path.startswith("s3://"):
            bucket, key = s3_location(path)
            client = s3_client or _default_s3()
            if limit is not None:
                if client.head_object(Bucket=bucket, Key=key)["ContentLength"] == 0:
                    return
                body = client.get_object(Bucket=bucket, Key=key,
                                         Range=f"bytes=0-{limit - 1}")["Body"]
            else:
                body = client.get_object(Bucket=bucket, Key=key)["Body"]
            yield from body.iter_chunks(size)
            return
        with open(path, "rb") as handle:
            left = limit
            while left is None or left > 0:
                chunk = handle.read(size if left is None else min(size, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
    except OSError as e:
        raise ManifestError(f"cannot read manifest {path}: {e.strerror or e}") from None
    except Exception as e:  # botocore errors: keep the message, drop the stack
        raise ManifestError(f"cannot read manifest {path}: {e}") from None


def sniff(
    head: bytes, path: str, *, url_column: str = "url", id_column: str | None = None,
    encoding: str = "utf-8", delimiter: str = "",
) -> ManifestFormat:
    """Detect the manifest format from its first bytes (content, not file extension); the
    column separator among tab, ',', ';' and '|' unless ``delimiter`` names it."""
    cut = len(head) >= HEAD_BYTES
    head = head[:HEAD_BYTES]  # what inspect reads
    _require_text(head, path, encoding)
    found = list(rows_mod.lines(rows_mod.decoded([head], path, encoding, complete=not cut)))
    if cut and len(found) > 1:
        found.pop()  # a possibly cut last line (a first line longer than the head is kept)
    sample = [line for line in found if line.text.strip()][:SAMPLE_LINES + 1]
    excel = _EXCEL_SEPARATOR.fullmatch(sample[0].text.strip()) if sample else None
    preamble = None
    if excel:  # Excel's "sep=;" first line names the separator and is no record
        given = delimiter
        delimiter = excel.group(1)
        if given and given != delimiter:
            raise ManifestError(f"manifest {path} says sep={delimiter} in its first line, "
                                f"not {_named(given)}; leave out --delimiter")
        preamble, sample = sample[0].number, sample[1:]
    fmt = _format_of(sample[:SAMPLE_LINES], path, url_column, id_column, delimiter, cut)
    return replace(fmt, preamble_line=preamble) if preamble is not None else fmt


def _format_of(sample: list[rows_mod.Line], path: str, url_column: str, id_column: str | None,
               delimiter: str, cut: bool) -> ManifestFormat:
    if not sample:
        raise ManifestError(f"manifest {path} is empty (no rows)")
    first = _QUOTED.sub("", sample[0].text)  # a separator inside quotes delimits nothing
    found = _separator(first, [line.text for line in sample])
    if delimiter and delimiter not in first:
        if found:
            raise ManifestError(
                f"manifest {path}: its first line holds no {_named(delimiter)} but looks "
                f"separated by {_named(found)}; leave out --delimiter (Glue job argument "
                "--delimiter) or correct it")
        delimiter = ""  # one column: the list reader reads it as well
    elif not delimiter:
        delimiter = found
    if not delimiter:
        return _list_format(sample, path, url_column, cut)
    kind = "tsv" if delimiter == "\t" else "csv"
    separator = delimiter if delimiter in ";|" else ""
    fields_of = rows_mod.fields_of(delimiter)
    # A broken record (an unclosed quote, a runaway line) says nothing about the columns: it
    # becomes a failure row of its own, and the format is read from the records that parse.
    good = [r for r in rows_mod.records(sample, delimiter) if r.problem is None]
    if not good:
        raise ManifestError(f"manifest {path} has no record that parses in its first "
                            f"{len(sample)} lines (a quote that never closes?)")
    first = good[0].text
    rows = [fields_of(r.text) for r in good]
    fields = [f.strip() for f in rows[0]]
    lowered = [f.lower() for f in fields]
    has_header = url_column.lower() in lowered or (
        not any(looks_like_url(f) for f in fields) and all(_HEADER_WORD.fullmatch(f)
                                                           for f in fields if f))
    bucket_index = None
    if has_header and "bucket" in lowered and "key" in lowered and (
            url_column.lower() == "key" or (url_column == "url" and "url" not in lowered)):
        # An export of bucket and key columns: the URL is s3://bucket/key (with the default
        # URL column absent, or the key named as the URL column).
        bucket_index, url_column = lowered.index("bucket"), "key"
    if has_header:
        if url_column.lower() not in lowered:
            raise ManifestError(
                f"manifest {path} has no {url_column!r} column; its header has "
                f"{_shown(fields)}. "
                "Name the URL column with --url-column (Glue job argument --url_column)."
            )
        if len(rows) == 1 and not cut:
            raise ManifestError(
                f"manifest {path} has a header ({_cut(repr(first.strip()))}) but no rows")
        url_index = lowered.index(url_column.lower())
        id_name = (id_column or "id").lower()
        id_index = lowered.index(id_name) if id_name in lowered else None
        if id_column and id_index is None:
            raise ManifestError(
                f"manifest {path} has no {id_column!r} id column; its header has "
                f"{_shown(fields)}"
            )
        return ManifestFormat(kind, True, url_index, id_index, tuple(fields), good[0].line,
                              bucket_index, separator)
    width = max(len(r) for r in rows)
    url_index = next((i for i in range(width) if any(
        looks_like_url(r[i]) for r in rows if i < len(r))), 0)
    others = [i for i in range(len(fields)) if i != url_index]
    id_index = others[0] if others else None
    return ManifestFormat(kind, False, url_index, id_index,
                          tuple(f"c{i}" for i in range(len(fields))), separator=separator)


SEPARATORS = ("\t", ",", ";", "|")


def _named(separator: str) -> str:
    return "tab" if separator == "\t" else repr(separator)


def _separator(first: str, lines: list[str]) -> str:
    """The column separator of a sample whose first line is ``first`` (quoted parts taken
    out), or '' for a list of URLs. A tab always separates; of ',' ';' '|', the one that
    splits the most lines into as many fields as the first line, in that order on a tie.
    Inside URLs these characters are no separators (see _is_url_list)."""
    if "\t" in first:
        return "\t"
    best, best_score = "", 0
    for candidate in SEPARATORS[1:]:
        count = first.count(candidate)
        if not count or _is_url_list(lines, candidate):
            continue
        score = sum(_QUOTED.sub("", line).count(candidate) == count for line in lines)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _list_format(sample: list[rows_mod.Line], path: str, url_column: str,
                 cut: bool) -> ManifestFormat:
    """One URL per line. The first line is a header only when it is a single word (no URL, no
    path): a first line such as 'example.com/a.jpg' is a row, which fails as invalid_url."""
    value = rows_mod.list_value(sample[0].text)
    if value.lower() != url_column.lower() and not (
            _HEADER_WORD.fullmatch(value) and not looks_like_url(value) and "." not in value):
        return ManifestFormat("list", False, 0, None, ("c0",))
    if value.lower() != url_column.lower():
        raise ManifestError(
            f"manifest {path} has no {url_column!r} column; its header has {_shown([value])}. "
            "Name the URL column with --url-column (Glue job argument --url_column).")
    if len(sample) == 1 and not cut:
        raise ManifestError(f"manifest {path} has a header ({_cut(repr(value))}) but no rows")
    return ManifestFormat("list", True, 0, None, (value,), sample[0].number)


def _require_text(head: bytes, path: str, encoding: str) -> None:
    """Refuse what would read as junk rows: UTF-16/32 text named as UTF-8, and binary files
    (an image given as the manifest), which hold NUL bytes where text never does."""
    try:
        name = codecs.lookup(encoding).name  # its one name, whatever alias was given
    except LookupError:
        raise ManifestError(f"unknown encoding {encoding!r} for manifest {path}") from None
    if not rows_mod.encoding_is_not_utf8(name) and head.startswith(_WIDE_BOMS):
        raise ManifestError(f"manifest {path} is UTF-16 or UTF-32 text (it starts with a byte "
                            "order mark); save it as UTF-8, or name its encoding with "
                            "--encoding")
    if b"\x00" in head[:BINARY_PROBE] and not name.startswith(("utf-16", "utf-32")):
        raise ManifestError(f"manifest {path} is not a manifest: it holds NUL bytes (binary data "
                            "such as an image, or UTF-16/32 text); expected CSV, TSV or a URL "
                            "list in UTF-8")


def _shown(fields: list[str]) -> str:
    return ", ".join(_cut(repr(f)) for f in fields[:20])


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _is_url_list(lines: list[str], separator: str = ",") -> bool:
    """Commas (or ';', '|') inside URLs do not make a CSV: a list has one URL-like token per
    line. A comma in a URL's query ('?crop=faces,edges') is part of it; one before any '?'
    followed by a value without '/' or '.' ('https://h/a.jpg,id-7') is a column."""
    if not lines or not looks_like_url(lines[0]):
        return False  # a header holding a comma names CSV columns; a list's header is one name
    for line in lines:
        token = line.strip()
        if not looks_like_url(token):
            continue  # a blank or broken line decides nothing: it is a row of its own
        query = token.find("?")
        head = token if query < 0 else token[:query]
        tail = head.split(separator)[1:]
        if tail and all("/" not in part and "." not in part for part in tail):
            return False  # url,id shaped
    return True


def inspect(
    path: str, *, url_column: str = "url", id_column: str | None = None, s3_client: Any = None,
    encoding: str = "utf-8", delimiter: str = "",
) -> list[ManifestFile]:
    """Discover and sniff every manifest file at ``path``; raise ManifestError on any problem."""
    files = discover(path, s3_client=s3_client)
    _refuse_images(path, files)
    result = []
    for file in files:
        head = read_head(file, s3_client=s3_client)
        fmt = sniff(head, file, url_column=url_column, id_column=id_column, encoding=encoding,
                    delimiter=delimiter)
        log.info("manifest %s: %s, header=%s, url column %d", file, fmt.kind, fmt.header,
                 fmt.url_index)
        result.append(ManifestFile(file, fmt, encoding))
    return result


def _refuse_images(path: str, files: list[str]) -> None:
    """A folder of images given where a manifest goes: say how to read its images."""
    from image_metadata.job.listing import IMAGE_EXTENSIONS

    images = [f for f in files if f.rpartition(".")[2].lower() in IMAGE_EXTENSIONS]
    if not images or len(images) * 2 < len(files):
        return  # mostly manifests: an odd image among them fails as a manifest of its own
    example = images[0].rsplit("/", 1)[-1]
    if len(files) == 1 and files[0] == path.removeprefix("file://"):
        raise ManifestError(f"{path} is an image, not a manifest; list image URLs in a CSV, "
                            "TSV or text file, or read a folder of images with --images FOLDER")
    raise ManifestError(f"{path} holds images ({example}, ...), not manifests; to read every "
                        f"image under it use --images {path} (Glue job argument --images)")


class Row(NamedTuple):
    url: str  # trimmed; '' is a blank row
    id: str | None
    problem: str | None  # why the record is no row (it is reported as invalid_url)
    line: int


def read_rows(file: ManifestFile, *, s3_client: Any = None) -> Iterator[Row]:
    """Every row of ``file``, streamed: the header skipped, values trimmed, each record one row
    (a record that cannot be parsed is a row with a ``problem``)."""
    fmt = file.format
    delimiter = None if fmt.kind == "list" else fmt.delimiter
    fields_of = rows_mod.fields_of(delimiter) if delimiter else None
    text = rows_mod.decoded(chunks(file.path, s3_client=s3_client), file.path, file.encoding)
    header_line = fmt.header_line if fmt.header else None
    guess = fmt.header and header_line is None  # a format made by hand: the first record
    for record in rows_mod.records(rows_mod.lines(text), delimiter):
        if record.line == fmt.preamble_line:
            continue
        if guess:  # blank lines before the header are no rows, as when it was sniffed
            if not record.text.strip():
                continue
            header_line, guess = record.line, False
        if header_line is not None:
            if record.line == header_line:
                header_line = None
                continue
            if not record.text.strip():
                continue  # blank lines before the header are no rows
        if record.problem is not None:
            yield Row(_cut_value(record.text), None, f"manifest line {record.line}: "
                      f"{record.problem}", record.line)
            continue
        if fields_of is None:
            yield Row(rows_mod.list_value(record.text), None, None, record.line)
            continue
        try:
            fields = fields_of(record.text)
        except csv.Error as e:
            yield Row(_cut_value(record.text), None, f"manifest line {record.line}: {e}",
                      record.line)
            continue
        if fmt.header and len(fields) > len(fmt.columns) and any(
                f.strip() for f in fields[len(fmt.columns):]):
            # More values than the header names: most likely a URL holding the separator
            # unquoted ('?crop=a,b'), whose cut-off start must not be fetched as the URL.
            yield Row(_cut_value(record.text), None, f"manifest line {record.line} has "
                      f"{len(fields)} fields where the header names {len(fmt.columns)}; quote "
                      f"a value holding {_named(fmt.delimiter)}", record.line)
            continue
        url = fields[fmt.url_index].strip() if fmt.url_index < len(fields) else ""
        image_id = fields[fmt.id_index].strip() if fmt.id_index is not None and \
            fmt.id_index < len(fields) else ""
        if fmt.bucket_index is not None:
            row = _bucket_key_row(fields, fmt, image_id or None, record.line)
            if row is not None:
                yield row
                continue
        yield Row(url, image_id or None, None, record.line)


def _bucket_key_row(fields: list[str], fmt: ManifestFormat, image_id: str | None,
                    line: int) -> Row | None:
    """The row of a bucket,key record; None for a blank one (both cells empty). The key is
    kept as written (S3 keys may begin or end with spaces); the bucket is trimmed."""
    key = fields[fmt.url_index] if fmt.url_index < len(fields) else ""
    bucket = fields[fmt.bucket_index].strip() if fmt.bucket_index < len(fields) else ""
    if not key.strip():
        if not bucket:
            return None
        return Row(f"s3://{bucket}/", image_id, f"manifest line {line}: a bucket without a "
                   "key", line)
    if not bucket:
        return Row(_cut_value(key), image_id, f"manifest line {line}: a key without a bucket",
                   line)
    return Row(f"s3://{bucket}/{key}", image_id, None, line)


def _cut_value(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 2000 else text[:1999] + "…"
