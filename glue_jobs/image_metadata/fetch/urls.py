"""URL validation and redaction: pure functions, no I/O."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from image_metadata.exceptions import InvalidUrl, UnsupportedScheme

MAX_URL_LENGTH = 8192
SCHEMES = ("s3", "http", "https", "file")

# Query parameters that authenticate a request: never echoed in messages or logs.
# CDNs' signed URLs too: Akamai (__token__, hdnts), CloudFront (Signature, Key-Pair-Id),
# Alibaba/Tencent (auth_key, sign), imgix (s), Google (X-Goog-*), Azure SAS (sig).
_SECRET_NAMES = (
    r"x-amz-(?:signature|credential|security-token)|signature|sig|sign|token|__token__|"
    r"access_token|auth_token|id_token|refresh_token|password|passwd|client_secret|secret|"
    r"policy|x-goog-signature|x-goog-credential|awsaccesskeyid|api(?:-|_)?key|key|key-pair-id|"
    r"auth_key|hdnts|hdnea|s|hmac|jwt|md5|private_token|api_token|access_key|session_token|"
    r"credential"
)
_SECRET_PARAMS = re.compile(rf"^(?:{_SECRET_NAMES})$", re.IGNORECASE)
# In text the names may also be percent-encoded ('X%2DAmz%2DSignature=').
_SECRET_IN_TEXT = re.compile(
    r"(?i)(?<![\w-])((?:" + _SECRET_NAMES.replace("-", "(?:-|%2d)") + r")(?:=|%3d))"
    r"[^&\s'\"<>]+")
# Request headers as libraries print them at DEBUG: botocore's repr of a request
# ("'X-Amz-Security-Token': b'...'") and its canonical request ("x-amz-security-token:...").
_TOKEN_HEADER_IN_TEXT = re.compile(
    r"(?i)(?<![\w-])((?:x-amz-security-token|x-goog-security-token|x-api-key|api-key)['\"]?"
    r"\s*[:=]\s*(?-i:b)?['\"]?)[^'\"\s,}]+")
# The whole value: 'Bearer <token>', 'Basic <credentials>', cookies carry the secret after a
# space. AWS's signature v4 header is left to the parameter rule: its Credential= and
# Signature= are masked, the signed header names stay readable.
_AUTH_HEADER_IN_TEXT = re.compile(
    r"(?i)(?<![\w-])((?:proxy-)?authorization|cookie|set-cookie)(['\"]?\s*[:=])"
    r"(?!\s*(?-i:b)?['\"]?AWS4-HMAC)(\s*(?-i:b)?['\"]?)[^'\"\r\n]+")
_USERINFO_IN_TEXT = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Location:
    scheme: str  # s3 | http | file ('https' keeps 'https')
    url: str  # the URL to request (for file: a filesystem path)
    bucket: str | None = None
    key: str | None = None


def parse(raw: str, *, allow_local_files: bool) -> Location:
    """Validate one manifest value; raise InvalidUrl/UnsupportedScheme naming what is wrong."""
    url = raw.strip()
    if not url:
        raise InvalidUrl("blank URL")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl(f"URL is {len(url)} characters long; the limit is {MAX_URL_LENGTH}")
    if _CONTROL.search(url):
        raise InvalidUrl(f"URL contains control characters: {redact(url)!r}")
    # S3 keys and local paths may hold spaces (both are raw names); URLs must use %20.
    if _SPACE.search(url) and not url.lower().startswith(("s3://", "/")):
        raise InvalidUrl(f"URL contains whitespace (encode it as %20): {redact(url)!r}")
    if url.startswith("/"):
        return _local(url, allow_local_files)
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise InvalidUrl(f"unparseable URL: {exc}") from None
    scheme = parts.scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter is not a scheme
        raise InvalidUrl(f"not a URL (use file:// for local paths): {redact(url)!r}")
    if not scheme:
        raise InvalidUrl(f"no scheme (expected s3://, http://, https://): {redact(url)!r}")
    if scheme not in SCHEMES:
        raise UnsupportedScheme(f"scheme {scheme!r} is not supported (use s3, http or https)")
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InvalidUrl(f"file URL with a remote host: {redact(url)!r}")
        return _local(unquote(parts.path), allow_local_files)
    if scheme == "s3":
        return _s3(url)
    if not parts.hostname:
        raise InvalidUrl(f"no host in {redact(url)!r}")
    _check_host(parts.hostname, url)
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise InvalidUrl(f"bad port in {redact(url)!r}: {exc}") from None
    return Location(scheme, url)


_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


def _s3(url: str) -> Location:
    """``s3://bucket/key`` with the key exactly as written: '//a.jpg' is the key '/a.jpg', and
    '?' and '#' are legal in keys. Legacy buckets may hold upper-case letters and '_'."""
    bucket, slash, key = url.split("://", 1)[1].partition("/")
    if not bucket:
        raise InvalidUrl(f"no host (bucket) in {url!r}")
    if "@" in bucket or ":" in bucket:
        raise InvalidUrl(f"S3 URL with credentials or a port: {redact(url)!r}")
    if not _BUCKET.fullmatch(bucket):
        raise InvalidUrl(f"{bucket!r} is not an S3 bucket name: {redact(url)!r}")
    if not slash or not key:
        raise InvalidUrl(f"S3 URL without an object key: {redact(url)!r}")
    return Location("s3", url, bucket=bucket, key=key)


def _check_host(host: str, url: str) -> None:
    """A host name must be one DNS can be asked for; IP literals pass as they are."""
    if ":" in host:  # an IPv6 literal
        return
    try:
        host.encode("idna")
    except UnicodeError as e:
        raise InvalidUrl(f"host {host[:80]!r} is not a valid DNS name ({e.__cause__ or e}): "
                         f"{redact(url)!r}") from None


_AUTHORITY = re.compile(r"[^/?#]*")


def identity(url: str) -> str:
    """What makes two manifest values one URL, read once: a local path and its file:// URL
    are one file; http(s) schemes and host names are case-insensitive and a default port is
    no port. Paths, S3 keys and queries count exactly as written: '/a/../b' is not '/b' when
    'a' is a symbolic link, and 'b/' is not 'b'."""
    value = url.strip()
    lowered = value[:8].lower()
    if value.startswith("/"):
        return value
    if lowered.startswith("file://"):
        try:
            parts = urlsplit(value)
        except ValueError:
            return value
        return unquote(parts.path) if parts.netloc.lower() in ("", "localhost") else value
    if lowered.startswith("s3://"):
        return "s3://" + value[5:]
    if lowered.startswith(("http://", "https://")):
        start = value.index("//") + 2
        authority = _AUTHORITY.match(value, start).group(0)
        if value.startswith(("http://", "https://")) and ":" not in authority and \
                authority == authority.lower():
            return value  # the common case, already in its one form: no parsing needed
        try:
            port = urlsplit(value).port
        except ValueError:
            return value
        scheme = value[:start - 3].lower()
        userinfo, at, host = authority.rpartition("@")
        host = host.lower()
        if (scheme, port) in (("http", 80), ("https", 443)):
            host = host.rsplit(":", 1)[0]
        # The rest as written: path, query and fragment, an empty '?' or '#' included.
        return f"{scheme}://{userinfo}{at}{host}{value[start + len(authority):]}"
    return value


def _local(path: str, allow: bool) -> Location:
    if not allow:
        raise UnsupportedScheme(
            "local files are not readable in this run (only s3://, http://, https://)"
        )
    if not PurePosixPath(path).is_absolute():
        raise InvalidUrl(f"local path must be absolute: {path!r}")
    return Location("file", path)


def redact(url: str) -> str:
    """The URL without userinfo and without signing query parameters, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, "***" if _SECRET_PARAMS.match(k) else v) for k, v in pairs], safe="*/:"
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str) -> str:
    """``text`` with URL credentials and signing parameters masked wherever they appear."""
    text = _SECRET_IN_TEXT.sub(r"\1***", text)
    text = _TOKEN_HEADER_IN_TEXT.sub(r"\1***", text)
    text = _AUTH_HEADER_IN_TEXT.sub(r"\1\2\3***", text)
    return _USERINFO_IN_TEXT.sub(r"\1***@", text)


class SecretFilter(logging.Filter):
    """Masks URL secrets in log records, including libraries' own DEBUG lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_LIBRARY_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager",
                    "urllib3.connection", "urllib3.response", "botocore.endpoint",
                    "botocore.parsers", "botocore.hooks", "botocore.retryhandler",
                    "botocore.auth", "botocore.httpsession")


_LIBRARY_PACKAGES = ("urllib3", "botocore", "boto3", "s3transfer")


def install_log_filters() -> None:
    """Attach SecretFilter to the loggers that print request URLs and headers: the known ones,
    and every logger of those libraries that exists by now (a logger's filter does not apply
    to its children, so each one needs its own)."""
    existing = [name for name in list(logging.root.manager.loggerDict)
                if name.split(".", 1)[0] in _LIBRARY_PACKAGES]
    for name in dict.fromkeys((*_LIBRARY_LOGGERS, *existing)):
        target = logging.getLogger(name)
        if not any(isinstance(f, SecretFilter) for f in target.filters):
            target.addFilter(SecretFilter())
