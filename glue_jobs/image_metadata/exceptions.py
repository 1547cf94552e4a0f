"""Named exceptions. Each per-image failure maps to exactly one ``error_type`` of the contract."""

from __future__ import annotations


class ImageMetadataError(Exception):
    """Base class for everything this package raises on purpose."""


class ManifestError(ImageMetadataError):
    """The manifest cannot be used: the run stops before any Spark work (exit code 2)."""


class UsageError(ImageMetadataError):
    """A job argument or command option cannot be used: the run stops before any Spark work."""


class NotModified(ImageMetadataError):
    """A conditional read found the object as it was at its last successful read (HTTP 304):
    the row is ``unchanged``, nothing more is read."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class ImageFailure(ImageMetadataError):
    """One image could not be read. ``error_type`` is one value of ``schema.ERROR_TYPES``."""

    error_type = "corrupt_image"
    stage = "decode"

    def __init__(self, message: str, *, http_status: int | None = None, attempts: int = 0,
                 stage: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.attempts = attempts
        if stage is not None:  # e.g. a redirect found to an unsupported scheme while fetching
            self.stage = stage


class InvalidUrl(ImageFailure):
    error_type, stage = "invalid_url", "manifest"


class UnsupportedScheme(ImageFailure):
    error_type, stage = "unsupported_scheme", "manifest"


class BlockedAddress(ImageFailure):
    error_type, stage = "blocked_address", "fetch"


class NotFound(ImageFailure):
    error_type, stage = "not_found", "fetch"


class AccessDenied(ImageFailure):
    error_type, stage = "access_denied", "fetch"


class FetchTimeout(ImageFailure):
    error_type, stage = "timeout", "fetch"


class Throttled(ImageFailure):
    error_type, stage = "throttled", "fetch"


class HttpError(ImageFailure):
    error_type, stage = "http_error", "fetch"


class FetchConnectionError(ImageFailure):
    error_type, stage = "connection_error", "fetch"


class TooLarge(ImageFailure):
    error_type, stage = "too_large", "fetch"


class NotAnImage(ImageFailure):
    error_type, stage = "not_an_image", "decode"


class UnsupportedFormat(ImageFailure):
    error_type, stage = "unsupported_format", "decode"


class CorruptImage(ImageFailure):
    error_type, stage = "corrupt_image", "decode"
