"""The source for a URL's scheme. A source answers ``fetch(start, length)`` and keeps
what a result row needs; ``Clients`` (one per partition) holds what its threads share."""

from __future__ import annotations

from image_metadata.fetch.clients import Clients
from image_metadata.fetch.files import FileSource
from image_metadata.fetch.http import HttpSource
from image_metadata.fetch.s3 import S3Source
from image_metadata.fetch.source import Condition, Source
from image_metadata.fetch.urls import Location


def open_source(location: Location, clients: Clients, max_bytes: int = 1 << 62,
                condition: Condition | None = None) -> Source:
    """``condition``: read only if the object changed since (NotModified otherwise)."""
    if location.scheme == "file":
        return FileSource(location, condition)
    if location.scheme == "s3":
        return S3Source(location, clients, condition)
    return HttpSource(location, clients, max_bytes, condition)
