"""text.py: bytes found in image metadata become bounded, valid UTF-8 text."""

from __future__ import annotations

import pytest

from image_metadata.tags import text

# 'テスト' in JIS X 0208 as ISO-2022-JP writes it: ESC $ B, the byte pairs, ESC ( B.
JIS_TESTO = "テスト".encode("iso2022_jp")
JIS_TESTO_RAW = JIS_TESTO.removeprefix(b"\x1b$B").removesuffix(b"\x1b(B")


def prefixed(code: bytes, body: bytes) -> bytes:
    """A UserComment value: the 8-byte character code, then the text."""
    return code.ljust(8, b"\x00") + body


# -- decode_bytes: C strings -------------------------------------------------------------------


def test_ascii_value_ends_at_the_first_nul():
    assert text.decode_bytes(b"Canon\x00EOS leftover") == "Canon"


def test_utf8_bytes_are_decoded_as_utf8():
    assert text.decode_bytes("Zoë ☀".encode()) == "Zoë ☀"


def test_invalid_utf8_falls_back_to_cp1252():
    assert text.decode_bytes(b"Caf\xe9 cr\xe8me") == "Café crème"


def test_bytes_undefined_in_cp1252_become_replacement_characters():
    assert text.decode_bytes(b"a\x81b") == "a\ufffdb"


# -- decode_prefixed: UserComment character codes ----------------------------------------------


def test_usercomment_ascii_code_gives_the_text_without_padding():
    assert text.decode_prefixed(prefixed(b"ASCII", b"Hello world\x00\x00  "), "<") == "Hello world"


def test_usercomment_undefined_code_of_eight_nuls_is_read_as_plain_text():
    assert text.decode_prefixed(b"\x00" * 8 + b"plain words", ">") == "plain words"


def test_usercomment_without_a_known_code_is_read_whole():
    assert text.decode_prefixed(b"just a comment", "<") == "just a comment"


@pytest.mark.parametrize("tiff_order", ["<", ">"])
def test_usercomment_unicode_big_endian_without_bom_is_detected_from_the_bytes(tiff_order):
    raw = prefixed(b"UNICODE", "Olá mundo".encode("utf-16-be"))
    assert text.decode_prefixed(raw, tiff_order) == "Olá mundo"


@pytest.mark.parametrize("tiff_order", ["<", ">"])
def test_usercomment_unicode_little_endian_without_bom_is_detected_from_the_bytes(tiff_order):
    raw = prefixed(b"UNICODE", "Olá mundo".encode("utf-16-le"))
    assert text.decode_prefixed(raw, tiff_order) == "Olá mundo"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_usercomment_unicode_with_a_bom_follows_the_bom(encoding):
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    raw = prefixed(b"UNICODE", bom + "Cristo ☀".encode(encoding))
    assert text.decode_prefixed(raw, ">" if encoding == "utf-16-le" else "<") == "Cristo ☀"


@pytest.mark.parametrize(("encoding", "tiff_order"), [("utf-16-le", "<"), ("utf-16-be", ">")])
def test_usercomment_unicode_without_zero_bytes_follows_the_tiff_byte_order(encoding, tiff_order):
    raw = prefixed(b"UNICODE", "テスト".encode(encoding))
    assert text.decode_prefixed(raw, tiff_order) == "テスト"


def test_usercomment_unicode_stops_at_a_nul_character():
    raw = prefixed(b"UNICODE", "abc\x00junk".encode("utf-16-le"))
    assert text.decode_prefixed(raw, "<") == "abc"


def test_usercomment_unicode_with_an_odd_byte_count_drops_the_dangling_byte():
    raw = prefixed(b"UNICODE", "ok".encode("utf-16-le") + b"\x00")
    assert text.decode_prefixed(raw, "<") == "ok"


def test_usercomment_jis_raw_jis_x_0208_pairs_are_decoded():
    assert JIS_TESTO_RAW == b"%F%9%H"  # the raw pairs, no escape sequences
    assert text.decode_prefixed(prefixed(b"JIS", JIS_TESTO_RAW), "<") == "テスト"


def test_usercomment_jis_with_iso2022_escape_sequences_is_decoded():
    assert text.decode_prefixed(prefixed(b"JIS", JIS_TESTO), ">") == "テスト"


def test_usercomment_jis_written_as_shift_jis_is_decoded():
    assert text.decode_prefixed(prefixed(b"JIS", "テスト".encode("shift_jis")), "<") == "テスト"


# -- clean: what goes into the exif map ---------------------------------------------------------


def test_clean_strips_surrounding_blanks():
    assert text.clean("  Canon \n") == "Canon"


def test_clean_cuts_at_a_nul():
    assert text.clean("before\x00after") == "before"


def test_clean_replaces_lone_surrogates_so_the_text_encodes_as_utf8():
    cleaned = text.clean("bad\udcffsurrogate")
    assert cleaned == "bad?surrogate"
    cleaned.encode("utf-8")  # would raise if a surrogate survived


def test_clean_bounds_long_text_with_an_ellipsis():
    cleaned = text.clean("x" * 5000)
    assert len(cleaned) == text.MAX_TEXT
    assert cleaned.endswith("…")


def test_clean_keeps_text_at_the_limit_unchanged():
    assert text.clean("y" * text.MAX_TEXT) == "y" * text.MAX_TEXT


# -- where text ends, and what no decoder reads ------------------------------------------------


def test_text_ends_at_the_first_nul_not_the_last():
    assert text.decode_bytes(b"ab\x00cd\x00") == "ab"
    assert text.clean("ab\x00cd\x00") == "ab"


def test_an_ascii_comment_keeps_its_letters_and_loses_its_padding():
    assert text.decode_prefixed(prefixed(b"ASCII", b"\x00 Xmas \x00\x00"), "<") == "Xmas"


def test_unicode_text_with_a_lone_surrogate_is_replaced_not_refused():
    assert text.decode_prefixed(prefixed(b"UNICODE", b"\x00\xd8a\x00"), "<") == "\ufffda"
    assert text.decode_prefixed(prefixed(b"UNICODE", b"\xff\xfe\x00\xd8"), "<") == "\ufffd"


def test_unicode_text_ends_at_its_first_nul():
    body = "ab\x00cd\x00".encode("utf-16-le")
    assert text.decode_prefixed(prefixed(b"UNICODE", body), "<") == "ab"


@pytest.mark.parametrize(("body", "order"), [
    ("日A".encode("utf-16-be"), "<"),  # one zero byte, at an even place: big-endian
    ("日A".encode("utf-16-le"), ">"),  # one zero byte, at an odd place: little-endian
])
def test_the_zero_bytes_of_unicode_text_tell_its_byte_order_over_the_files(body, order):
    assert text.decode_prefixed(prefixed(b"UNICODE", body), order) == "日A"


def test_jis_text_ends_at_its_first_nul_and_keeps_its_spaces():
    body = "テスト テスト".encode("iso2022_jp") + b"\x00junk\x00"
    assert text.decode_prefixed(prefixed(b"JIS", body), "<") == "テスト テスト"


def test_jis_text_with_its_own_escapes_is_read_as_written():
    assert text.decode_prefixed(prefixed(b"JIS", JIS_TESTO), "<") == "テスト"


def test_jis_text_in_euc_jp_is_read():
    assert text.decode_prefixed(prefixed(b"JIS", "日本語".encode("euc_jp")), "<") == "日本語"


def test_jis_text_no_japanese_decoder_reads_is_read_as_cp1252_with_replacements():
    assert text.decode_prefixed(prefixed(b"JIS", b"\x81\xff"), "<") == "\ufffd\u00ff"
