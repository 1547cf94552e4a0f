"""Manifest discovery and format detection, done on the driver before any Spark work.

Only the first bytes of each manifest are read here (to detect CSV, TSV or a plain URL list,
the header and the URL/id columns); Spark reads the rows. A manifest that cannot be used
raises ManifestError naming the file and what was found in it.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
from dataclasses import dataclass
from typing import Any

from .exceptions import ManifestError

log = logging.getLogger(__name__)

HEAD_BYTES = 64 * 1024
SAMPLE_LINES = 50
_URL_PREFIXES = ("s3://", "http://", "https://", "file://", "/")
# Spark reads manifests as UTF-8 text; these open text it would read as junk.
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
BINARY_PROBE = 8000  # a NUL this early means binary data, as git decides
SHOWN_CHARS = 48  # of each header field or line quoted in an error, so messages stay short


@dataclass(frozen=True)
class ManifestFormat:
    kind: str  # csv | tsv | list
    header: bool
    url_index: int
    id_index: int | None
    columns: tuple[str, ...]  # header names, or c0, c1, ... without a header

    @property
    def delimiter(self) -> str:
        return "\t" if self.kind == "tsv" else ","


@dataclass(frozen=True)
class ManifestFile:
    path: str
    format: ManifestFormat


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
        for root, dirs, files in os.walk(local):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            found += [os.path.join(root, f) for f in sorted(files) if not f.startswith((".", "_"))]
        if not found:
            raise ManifestError(f"manifest folder {path} holds no files")
        return [_readable(f) for f in found]
    if not os.path.exists(local):
        raise ManifestError(f"manifest {path} does not exist")
    if not os.access(local, os.R_OK):
        raise ManifestError(f"manifest {path} is not readable (check its permissions)")
    return [_readable(local)]


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
            return [_readable(path)]
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
                    found.append(_readable(f"s3://{bucket}/{key}"))
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


def _readable(path: str) -> str:
    """Spark reads manifests as Hadoop paths, which cannot hold ':' in a name and, for S3
    keys, fold '//' into '/' and resolve '.' and '..': such a file would be read as another
    one, or not at all."""
    if path.startswith("s3://"):
        segments = path[len("s3://"):].partition("/")[2].split("/")
        odd = "//" in "/".join(segments).strip("/") or any(s in (".", "..") for s in segments)
        odd = odd or any(":" in s for s in segments)
    else:
        odd = ":" in os.path.basename(path)
    if odd:
        raise ManifestError(f"manifest {path}: Spark cannot read a path with ':' in a name "
                            "(or, on S3, '//', '.' or '..' in the key) as it is; rename it")
    return path


def _default_s3() -> Any:
    import boto3

    return boto3.session.Session().client("s3")


def read_head(path: str, *, s3_client: Any = None, size: int = HEAD_BYTES) -> bytes:
    try:
        if path.startswith("s3://"):
            bucket, key = s3_location(path)
            client = s3_client or _default_s3()
            if client.head_object(Bucket=bucket, Key=key)["ContentLength"] == 0:
                return b""
            resp = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")
            return resp["Body"].read()
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as e:
        raise ManifestError(f"cannot read manifest {path}: {e.strerror or e}") from None
    except Exception as e:  # botocore errors: keep the message, drop the stack
        raise ManifestError(f"cannot read manifest {path}: {e}") from None


def sniff(
    head: bytes, path: str, *, url_column: str = "url", id_column: str | None = None
) -> ManifestFormat:
    """Detect the manifest format from its first bytes (content, not file extension)."""
    head = head[:HEAD_BYTES]  # what inspect reads; also keeps every csv field under its limit
    _require_text(head, path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if len(head) == HEAD_BYTES and "\n" in text:
        text = text[: text.rfind("\n")]  # drop a possibly cut last line
    lines = [line for line in text.splitlines() if line.strip()][:SAMPLE_LINES]
    if not lines:
        raise ManifestError(f"manifest {path} is empty (no rows)")
    first = lines[0]
    if "\t" in first:
        kind = "tsv"
    elif "," in first and not (len(lines) > 0 and _is_url_list(lines)):
        kind = "csv"
    else:
        kind = "list"
    delimiter = "\t" if kind == "tsv" else ","
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)) \
            if kind != "list" else [[line.strip()] for line in lines]
    except csv.Error as e:
        raise ManifestError(f"manifest {path} cannot be read as {kind.upper()}: {e}") from None
    fields = [f.strip() for f in rows[0]]
    lowered = [f.lower() for f in fields]
    has_header = url_column.lower() in lowered or not any(looks_like_url(f) for f in fields)
    if has_header:
        if url_column.lower() not in lowered:
            raise ManifestError(
                f"manifest {path} has no {url_column!r} column; its header has "
                f"{_shown(fields)}. "
                "Name the URL column with --url-column (Glue job argument --url_column)."
            )
        if len(lines) == 1 and len(head) < HEAD_BYTES:
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
        return ManifestFormat(kind, True, url_index, id_index, tuple(fields))
    url_index = next(i for i, f in enumerate(fields) if looks_like_url(f))
    others = [i for i in range(len(fields)) if i != url_index]
    id_index = others[0] if others else None
    return ManifestFormat(kind, False, url_index, id_index,
                          tuple(f"c{i}" for i in range(len(fields))))


def _require_text(head: bytes, path: str) -> None:
    """Refuse what Spark would read as junk rows: UTF-16/32 text, and binary files (an image
    given as the manifest), which hold NUL bytes where UTF-8 text never does."""
    if head.startswith(_WIDE_BOMS):
        raise ManifestError(f"manifest {path} is UTF-16 or UTF-32 text (it starts with a byte "
                            "order mark); save it as UTF-8")
    if b"\x00" in head[:BINARY_PROBE]:
        raise ManifestError(f"manifest {path} is not a manifest: it holds NUL bytes (binary data "
                            "such as an image, or UTF-16/32 text); expected CSV, TSV or a URL "
                            "list in UTF-8")


def _shown(fields: list[str]) -> str:
    return ", ".join(_cut(repr(f)) for f in fields[:20]) or "(none)"


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _is_url_list(lines: list[str]) -> bool:
    """Commas inside URLs do not make a CSV: a list has one URL-like token per line."""
    if not lines or not looks_like_url(lines[0]):
        return False  # a header holding a comma names CSV columns; a list's header is one name
    for line in lines:
        token = line.strip()
        if not looks_like_url(token):
            return False
        tail = token.split(",")[1:]
        if tail and all("/" not in part and "." not in part for part in tail):
            return False  # url,id shaped
    return True


def inspect(
    path: str, *, url_column: str = "url", id_column: str | None = None, s3_client: Any = None
) -> list[ManifestFile]:
    """Discover and sniff every manifest file at ``path``; raise ManifestError on any problem."""
    files = discover(path, s3_client=s3_client)
    result = []
    for file in files:
        head = read_head(file, s3_client=s3_client)
        fmt = sniff(head, file, url_column=url_column, id_column=id_column)
        log.info("manifest %s: %s, header=%s, url column %d", file, fmt.kind, fmt.header,
                 fmt.url_index)
        result.append(ManifestFile(file, fmt))
    return result
