"""The images under a folder or an S3 prefix, as manifest rows: no manifest to write.

A local folder is walked recursively, as ``exiftool -r`` does: hidden files and folders
(a leading '.') are skipped and no symbolic link leads out of the tree. An S3 prefix is
listed page by page; the caller stages each batch as it comes, so the driver holds one page
of keys at a time whatever the prefix holds. Which names are images is decided by extension
(``IMAGE_EXTENSIONS``), or by ``--include`` globs when given; ``--exclude`` globs drop names.
Each row's id is the key (for a folder: the path below it), and the listing's size, ETag and
last-modified time travel with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from image_metadata.exceptions import ManifestError
from image_metadata.fetch.source import utc_from_ns
from image_metadata.job import manifest

# The extensions of every format the job reads (README "Formats"), lower case.
IMAGE_EXTENSIONS = frozenset({
    "jpg", "jpeg", "jpe", "jfif", "jif", "mpo", "png", "apng", "webp", "heic", "heif", "hif",
    "avif", "avifs", "tif", "tiff", "dng", "rw2", "orf", "cr3", "crw", "cr2", "nef", "nrw",
    "arw", "srf", "sr2", "pef", "raf", "mrw", "x3f", "srw", "erf", "kdc", "dcr", "mos", "3fr",
    "iiq", "rwl", "gpr", "jxl", "bpg", "dpx", "exr", "hdr", "pfm", "psp", "pspimage", "xcf",
    "pct", "pict", "flif", "pgf", "djvu", "djv", "bmp", "dib", "cur", "ico", "gif", "eps",
    "epsf", "ps", "fits", "fit", "fts", "pcd", "jp2", "j2k", "jpf", "jpx", "jpm", "blp", "dcx",
    "dds", "fli", "flc", "fpx", "ftex", "ftc", "gbr", "icns", "im", "iptc", "mic", "msp",
    "pcx", "pxr", "ppm", "pgm", "pbm", "pnm", "psd", "psb", "qoi", "ras", "sun", "sgi", "rgb",
    "rgba", "bw", "tga", "icb", "vda", "vst", "wal", "wmf", "emf", "xbm", "xpm",
})


@dataclass(frozen=True)
class Listed:
    url: str  # s3://bucket/key, or the file's absolute path
    id: str  # the key, or the path below the folder
    size: int | None
    etag: str | None
    last_modified: datetime | None
    problem: str | None = None  # why this listed name cannot be read (a failure row)


@dataclass
class Filter:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # Symbolic links leading out of a listed folder, left out (said in the driver's log).
    skipped_links: int = 0

    def wants(self, name: str) -> bool:
        """Whether ``name`` (a key below the prefix, or a path below the folder,
        '/'-separated) is listed: an image by extension, or matching an include glob when
        there are any; and no exclude glob."""
        base = name.rsplit("/", 1)[-1]
        if self.include:
            if not any(_matches(name, base, glob) for glob in self.include):
                return False
        elif base.rpartition(".")[2].lower() not in IMAGE_EXTENSIONS or "." not in base:
            return False
        return not any(_matches(name, base, glob) for glob in self.exclude)


def _matches(name: str, base: str, glob: str) -> bool:
    """As .gitignore reads a pattern: one without a '/' matches a name at any depth (a file's
    or a folder's); one with a '/' matches from the top ('/' in front anchors it too); one
    ending in '/' matches a folder and so everything in it. '*' and '?' stop at '/', '**'
    crosses folders. Case-insensitive, as camera and desktop file systems are."""
    return _glob(glob).fullmatch(name) is not None


_GLOBS: dict[str, re.Pattern[str]] = {}


def _glob(glob: str) -> re.Pattern[str]:
    found = _GLOBS.get(glob)
    if found is None:
        found = _GLOBS[glob] = re.compile(_translate(glob), re.IGNORECASE | re.DOTALL)
    return found


def _translate(glob: str) -> str:
    folder = glob.endswith("/")
    body = glob.strip("/")
    anchored = "/" in body or glob.startswith("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "[" and (close := body.find("]", i + 2)) > 0:
            inner = body[i + 1:close]
            negated = inner.startswith(("!", "^"))
            inner = re.escape(inner[1:] if negated else inner).replace("\\-", "-")
            out.append(f"[{'^' if negated else ''}{inner}]")
            i = close + 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    pattern = "".join(out)
    if not anchored:
        pattern = "(?:.*/)?" + pattern  # a bare name: at any depth
    return pattern + ("/.*" if folder else "(?:/.*)?")


def listed(location: str, where: Filter | None = None, *, s3_client: Any = None
           ) -> Iterator[Listed]:
    """Every image under ``location`` (a folder, ``file://`` folder or ``s3://`` prefix)."""
    where = where if where is not None else Filter()
    if location.startswith("s3://"):
        yield from _listed_s3(location, where, s3_client)
        return
    yield from _listed_folder(location, where)


def check(location: str, *, s3_client: Any = None) -> None:
    """Refuse, before any Spark work, a location that cannot be listed (ManifestError)."""
    if location.startswith("s3://"):
        bucket, prefix = manifest.s3_location(location)
        if not bucket:
            raise ManifestError(f"--images {location}: no bucket named; expected "
                                "s3://bucket/prefix/")
        client = s3_client or manifest._default_s3()
        try:
            client.list_objects_v2(Bucket=bucket, Prefix=folder_prefix(prefix), MaxKeys=1)
        except Exception as e:  # botocore's errors: one line, no stack
            raise ManifestError(f"cannot list --images {location}: {e}") from None
        return
    folder = _local(location)
    if not os.path.exists(folder):
        raise ManifestError(f"--images {location} does not exist")
    if not os.path.isdir(folder):
        raise ManifestError(f"--images {location} is a file, not a folder; give a manifest "
                            "file as the manifest argument instead")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise ManifestError(f"--images {location} cannot be read (check its permissions)")


def _local(location: str) -> str:
    return location[len("file://"):] if location.startswith("file://") else location


def folder_prefix(prefix: str) -> str:
    """A prefix names a folder: 'photos' lists 'photos/...', not 'photos-old/...'."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def _listed_s3(location: str, where: Filter, s3_client: Any) -> Iterator[Listed]:
    bucket, prefix = manifest.s3_location(location)
    prefix = folder_prefix(prefix)
    client = s3_client or manifest._default_s3()
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                found = listed_item(bucket, prefix, item, where)
                if found is not None:
                    yield found
    except ManifestError:
        raise
    except Exception as e:  # botocore's errors midway: one line, no stack
        raise ManifestError(f"cannot list --images {location}: {e}") from None


def listed_item(bucket: str, prefix: str, item: dict[str, Any], where: Filter
                ) -> Listed | None:
    """A ListObjectsV2 entry as a row; None for a console "folder" marker or no image."""
    key = item["Key"]
    relative = key[len(prefix):]
    if key.endswith("/") or _hidden(relative) or not where.wants(relative):
        return None
    return Listed(f"s3://{bucket}/{key}", key, item.get("Size"), _etag(item.get("ETag")),
                  item.get("LastModified"))


def _etag(value: str | None) -> str | None:
    return value.strip('"') if value else None


def _listed_folder(location: str, where: Filter) -> Iterator[Listed]:
    root = os.path.abspath(_local(location))
    real_root = os.path.realpath(root)

    def refuse(error: OSError) -> None:
        raise ManifestError(f"cannot list --images {location}: {error.strerror or error}: "
                            f"{error.filename}")

    for folder, dirs, files in os.walk(root, onerror=refuse, followlinks=False):
        # In name order, so that two listings of one folder give the same rows in one order.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if not _is_text(path):  # bytes that are no UTF-8: a name no row can hold
                shown = _shown(path)
                yield Listed(shown, _shown(relative), None, None, None,
                             f"file name {shown!r} is not valid UTF-8; rename the file")
                continue
            if not where.wants(relative):
                continue
            if os.path.islink(path) and not _inside(os.path.realpath(path), real_root):
                where.skipped_links += 1  # a link out of the tree: not this folder's image
                continue
            try:
                status = os.stat(path)
            except OSError:  # a dangling link: a row, which fails as not_found
                yield Listed(path, relative, None, None, None)
                continue
            yield Listed(path, relative, status.st_size, None, _millisecond(status.st_mtime_ns))


def _millisecond(ns: int) -> datetime:
    """A modification time as the output keeps times (Parquet milliseconds, truncated)."""
    exact = utc_from_ns(ns)
    return exact.replace(microsecond=exact.microsecond // 1000 * 1000)


def _hidden(relative: str) -> bool:
    """A key with a part starting with '.' ('.thumbs/', macOS '._IMG_1.JPG'), skipped as a
    folder walk skips hidden files."""
    return any(part.startswith(".") for part in relative.split("/"))


def _is_text(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode's surrogate escapes
        return False
    return True


def _shown(path: str) -> str:
    return os.fsencode(path).decode("utf-8", errors="replace")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
