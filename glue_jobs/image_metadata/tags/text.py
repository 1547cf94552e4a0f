"""Bytes from image metadata to bounded, valid UTF-8 text."""

from __future__ import annotations

MAX_TEXT = 2000


def decode_bytes(raw: bytes) -> str:
    """A C string: cut at the first NUL, UTF-8 if valid, else Latin-1 (never fails)."""
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def decode_prefixed(raw: bytes, byte_order: str) -> str:
    """UserComment-style text: an 8-byte character code, then the text.

    ``byte_order`` is the TIFF byte order ('<' or '>'), used for UNICODE text without a BOM
    unless the bytes themselves show the other order.
    """
    code, body = raw[:8], raw[8:]
    if code.startswith(b"UNICODE"):
        return _utf16(body, byte_order)
    if code.startswith(b"JIS"):
        return _jis(body)
    if code.startswith(b"ASCII") or code == b"\x00" * 8:
        return decode_bytes(body.strip(b"\x00 "))
    return decode_bytes(raw)


def _utf16(body: bytes, byte_order: str) -> str:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = body.decode("utf-16", errors="replace")
    else:
        if len(body) % 2:
            body = body[:-1]
        # Writers disagree on the order; ASCII-range text has its zero bytes in the high half.
        even_zeros = body[0::2].count(0)
        odd_zeros = body[1::2].count(0)
        if even_zeros != odd_zeros:
            encoding = "utf-16-be" if even_zeros > odd_zeros else "utf-16-le"
        else:
            encoding = "utf-16-le" if byte_order == "<" else "utf-16-be"
        text = body.decode(encoding, errors="replace")
    return text.split("\x00", 1)[0]


def _jis(body: bytes) -> str:
    body = body.split(b"\x00", 1)[0]
    # Raw JIS X 0208 pairs: give the ISO-2022-JP decoder the escape sequences it expects.
    candidates = (body,) if b"\x1b" in body else (b"\x1b$B" + body + b"\x1b(B", body)
    for candidate, encoding in (
        *((c, "iso2022_jp") for c in candidates),
        (body, "shift_jis"),
        (body, "euc_jp"),
    ):
        try:
            return candidate.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("cp1252", errors="replace")


def clean(value: str, limit: int = MAX_TEXT) -> str:
    """No NULs or surrogates, surrounding blanks removed, at most ``limit`` characters."""
    value = value.split("\x00", 1)[0].strip()
    value = value.encode("utf-8", errors="replace").decode("utf-8")
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value
