"""manifest.py on hostile input: broken quoting, runaway lines, other encodings, binary files.

Whatever the bytes, sniffing gives a usable format or a ManifestError that names the file in a
message short enough to read (under MESSAGE_LIMIT characters); never another exception.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from image_metadata import samples
from image_metadata.exceptions import ManifestError
from image_metadata.job.manifest import HEAD_BYTES, ManifestFormat, inspect, sniff

MESSAGE_LIMIT = 2000
PATH = "s3://bucket/in/manifest.csv"


def outcome(head: bytes, path: str = PATH) -> ManifestFormat | ManifestError:
    """The sniffed format, or the ManifestError, checked to name the file in few words."""
    try:
        return sniff(head, path)
    except ManifestError as error:
        assert path in str(error)
        assert len(str(error)) < MESSAGE_LIMIT, f"{len(str(error))} characters"
        return error


def detected(head: bytes) -> ManifestFormat:
    result = outcome(head)
    assert isinstance(result, ManifestFormat), result
    return result


def refused(head: bytes) -> str:
    result = outcome(head)
    assert isinstance(result, ManifestError), result
    return str(result)


def written(tmp_path: Path, data: bytes, name: str = "manifest.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# -- broken CSV quoting ----------------------------------------------------------------------


def test_unclosed_quote_in_the_header_leaves_the_rows_to_tell_the_columns():
    """The broken header becomes a failure row of its own; the rows are read."""
    fmt = detected(b'id,"url,note\n1,s3://b/a.jpg,x\n2,s3://b/b.jpg,y\n')
    assert (fmt.kind, fmt.header, fmt.url_index) == ("csv", False, 1)


def test_unclosed_quote_in_a_data_row_still_detects_the_header():
    fmt = detected(b'id,url,note\n1,"s3://b/a.jpg,x\n2,s3://b/b.jpg,y\n')
    assert (fmt.kind, fmt.header, fmt.url_index, fmt.id_index) == ("csv", True, 1, 0)


def test_unclosed_quote_in_a_headerless_first_row_still_finds_the_url_column():
    fmt = detected(b'"s3://b/a.jpg,1\ns3://b/b.jpg,2\n')
    assert (fmt.kind, fmt.header, fmt.url_index) == ("csv", False, 0)


def test_quote_inside_an_unquoted_url_keeps_the_csv_usable():
    fmt = detected(b'id,url\n1,s3://b/a"b.jpg\n')
    assert (fmt.kind, fmt.url_index) == ("csv", 1)


def test_unclosed_quote_running_through_a_full_head_gives_up_on_that_record_only():
    head = b'id,"url\n' + b"1,s3://b/a.jpg\n" * (HEAD_BYTES // 15)
    fmt = detected(head)
    assert (fmt.kind, fmt.header, fmt.url_index) == ("csv", False, 1)


# -- very long lines -------------------------------------------------------------------------


def test_one_megabyte_url_line_in_a_file_is_sniffed_from_its_first_64_kib(tmp_path):
    path = written(tmp_path, b"https://h.example/" + b"a" * (1 << 20) + b".jpg\n")
    [found] = inspect(path)
    assert (found.format.kind, found.format.header, found.format.url_index) == ("list", False, 0)


def test_one_megabyte_csv_field_passed_to_sniff_is_not_a_csv_field_limit_error():
    fmt = detected(b"id,url\n1,s3://b/a.jpg\n2," + b"x" * (1 << 20) + b"\n")
    assert (fmt.kind, fmt.url_index) == ("csv", 1)


def test_64_kib_header_with_the_url_column_first_is_detected(tmp_path):
    header = b"url," + b",".join(b"column_%d" % i for i in range(8000))
    assert len(header) > HEAD_BYTES
    [found] = inspect(written(tmp_path, header + b"\ns3://b/a.jpg\n"))
    assert (found.format.kind, found.format.header, found.format.url_index) == ("csv", True, 0)


def test_64_kib_header_without_the_url_column_gives_a_short_error(tmp_path):
    header = b",".join(b"column_%d" % i for i in range(8000))
    path = written(tmp_path, header + b"\ns3://b/a.jpg\n")
    with pytest.raises(ManifestError, match="no 'url' column") as raised:
        inspect(path)
    assert path in str(raised.value)
    assert len(str(raised.value)) < MESSAGE_LIMIT


def test_a_70_kib_header_field_is_cut_short_in_the_error():
    message = refused(b"id," + b"x" * 70_000 + b"\n1,2\n")
    assert "xxxx…" in message


def test_header_only_manifest_with_a_30_kib_header_gives_a_short_error():
    assert "but no rows" in refused(b"id,url," + b"x" * 30_000 + b"\n")


def test_missing_id_column_error_cuts_long_header_fields_short():
    with pytest.raises(ManifestError, match="no 'sku' id column") as raised:
        sniff(b"url," + b"y" * 10_000 + b"\ns3://b/a.jpg,1\n", PATH, id_column="sku")
    assert len(str(raised.value)) < MESSAGE_LIMIT


# -- text that is not UTF-8 ------------------------------------------------------------------


def test_latin1_manifest_is_refused_naming_the_byte_offset():
    message = refused("id,url\n1,http://h.example/café.jpg\n".encode("latin-1"))
    assert "is not valid utf-8 at byte 29 (line 2" in message and "--encoding" in message


def test_latin1_manifest_is_read_when_its_encoding_is_named():
    fmt = sniff("id,url\n1,http://h.example/café.jpg\n".encode("latin-1"), PATH,
                encoding="latin-1")
    assert (fmt.kind, fmt.url_index, fmt.columns) == ("csv", 1, ("id", "url"))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_or_utf32_manifest_with_a_byte_order_mark_asks_for_utf8(encoding):
    message = refused(("\ufeffid,url\n1,s3://b/a.jpg\n").encode(encoding))
    assert "UTF-16 or UTF-32" in message
    assert "UTF-8" in message


def test_utf16_manifest_without_a_byte_order_mark_is_refused_for_its_nul_bytes():
    assert "NUL bytes" in refused("id,url\n1,s3://b/a.jpg\n".encode("utf-16-le"))


def test_random_binary_is_not_a_manifest():
    assert "not a manifest" in refused(random.Random(7).randbytes(4096))


# -- binary files given as the manifest ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"])
def test_image_given_as_the_manifest_is_not_a_manifest(tmp_path, fmt):
    image = samples.encode(fmt, (64, 48), mode="P" if fmt == "GIF" else "RGB",
                           exif=samples.exif_bytes() if fmt in ("JPEG", "WEBP") else None)
    path = written(tmp_path, image, "photo.jpg")
    with pytest.raises(ManifestError, match="not a manifest") as raised:
        inspect(path)
    assert path in str(raised.value)
    assert len(str(raised.value)) < MESSAGE_LIMIT


def test_binary_without_nul_bytes_is_refused_as_not_utf8():
    junk = bytes(b or 1 for b in random.Random(3).randbytes(4096))
    assert "is not valid utf-8 at byte" in refused(junk)


# -- NUL bytes -------------------------------------------------------------------------------


def test_nul_byte_in_the_header_is_not_a_manifest():
    assert "NUL bytes" in refused(b"id,u\x00rl\n1,s3://b/a.jpg\n")


def test_nul_byte_in_an_early_row_is_not_a_manifest():
    assert "NUL bytes" in refused(b"id,url\n1,s3://b/a.jpg\x00\n2,s3://b/b.jpg\n")


def test_nul_byte_past_the_binary_probe_leaves_the_manifest_usable():
    rows = b"".join(b"%d,s3://b/%d.jpg\n" % (i, i) for i in range(1000))
    fmt = detected(b"id,url\n" + rows + b"1001,s3://b/\x00.jpg\n")
    assert (fmt.kind, fmt.url_index) == ("csv", 1)


def test_file_of_only_nul_bytes_is_not_a_manifest(tmp_path):
    path = written(tmp_path, bytes(1024))
    with pytest.raises(ManifestError, match="NUL bytes"):
        inspect(path)


# -- any bytes at all ------------------------------------------------------------------------

ANY_INPUT = settings(max_examples=1000, deadline=timedelta(seconds=20), derandomize=True,
                     database=None, suppress_health_check=[HealthCheck.too_slow])
MANIFEST_ALPHABET = st.sampled_from(
    [*'ab,\t"\n\r /:.', "url", "id", "s3://b/k.jpg", "\x00", "é", "\ufeff", "\u2028"])


@ANY_INPUT
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_format_or_a_short_manifest_error(head):
    outcome(head)


@ANY_INPUT
@given(st.lists(MANIFEST_ALPHABET, max_size=200).map("".join))
def test_any_manifest_like_text_gives_a_format_or_a_short_manifest_error(text):
    outcome(text.encode("utf-8"))
