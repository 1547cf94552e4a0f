"""The stack's settings: read once from CDK context (cdk.json or -c), validated, typed."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_CRON = re.compile(r"^cron\((\S+ ){5}\S+\)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class StackConfig:
    """Every value has a default that deploys a working stack; context overrides it."""

    stack_name: str = "ImageMetadata"
    # An existing bucket holding the images (the data-lake case); None creates one.
    existing_image_bucket: str | None = None
    # The KMS key of an existing images bucket encrypted with SSE-KMS, if any.
    image_kms_key_arn: str | None = None
    # Key prefixes the job may read in the images bucket ('' = the whole bucket).
    image_prefixes: tuple[str, ...] = ("",)
    manifest_prefix: str = "manifests/"
    # Account-wide names; empty: derived from stack_name (ImageMetadata: image-metadata-extract,
    # image_metadata, image-metadata), so a second stack under another name does not collide.
    job_name: str = ""
    worker_count: int = 10
    job_timeout_minutes: int = 480
    max_concurrent_runs: int = 2
    concurrency_per_partition: int = 32
    database_name: str = ""
    workgroup_name: str = ""
    athena_bytes_scanned_cutoff: int = 10 * 1024**3
    athena_results_expire_days: int = 30
    # Days a replaced or deleted output file stays recoverable (the bucket is versioned).
    noncurrent_version_expire_days: int = 30
    destroy_data_on_delete: bool = False
    # Running by itself: a Glue cron expression ("cron(0 3 * * ? *)") starting incremental runs
    # over image_prefixes; and/or runs started by S3 object-created events, in batches of
    # event_batch_size objects or after event_batch_window_seconds, whichever comes first.
    schedule: str | None = None
    new_image_events: bool = False
    event_batch_size: int = 100
    event_batch_window_seconds: int = 900
    # Telling someone: an e-mail address subscribed to the alarms topic (confirmed by mail),
    # and the failure share of a run above which its alarm fires.
    alarm_email: str | None = None
    max_failure_percent: int = 50

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> StackConfig:
        """Build from a context mapping; unknown keys and bad values raise ValueError."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(context) - set(known))
        if unknown:
            raise ValueError(f"unknown context keys {unknown}; known keys: {sorted(known)}")
        values: dict[str, Any] = {}
        for key, raw in context.items():
            values[key] = _coerce(key, raw, cls.__dataclass_fields__[key].type)
        config = cls(**values)
        config.validate()
        return config

    def __post_init__(self) -> None:
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", self.stack_name)
        words = re.sub(r"[^A-Za-z0-9]+", " ", words).lower().split()
        derived = {"job_name": "-".join([*words, "extract"]), "database_name": "_".join(words),
                   "workgroup_name": "-".join(words)}
        for name, value in derived.items():
            if not getattr(self, name):
                object.__setattr__(self, name, value)

    def validate(self) -> None:
        if self.existing_image_bucket is not None and not _BUCKET.match(self.existing_image_bucket):
            raise ValueError(f"existing_image_bucket {self.existing_image_bucket!r} is not a "
                             "valid S3 bucket name")
        if self.image_kms_key_arn is not None and not _KEY_ARN.match(self.image_kms_key_arn):
            raise ValueError(f"image_kms_key_arn {self.image_kms_key_arn!r} is not a KMS key ARN "
                             "(arn:aws:kms:REGION:ACCOUNT:key/ID)")
        for prefix in (*self.image_prefixes, self.manifest_prefix):
            if prefix.startswith("/") or "*" in prefix:
                raise ValueError(f"prefix {prefix!r}: no leading '/' and no '*' (use '' for all)")
        if not _NAME.match(self.database_name):
            raise ValueError(f"database_name {self.database_name!r}: lower-case letters, "
                             "digits and '_' only (Athena)")
        for name, low, high in (
            ("worker_count", 2, 299),
            ("job_timeout_minutes", 1, 2880),
            ("max_concurrent_runs", 1, 100),
            ("concurrency_per_partition", 1, 256),
            ("athena_results_expire_days", 1, 3650),
            ("noncurrent_version_expire_days", 1, 3650),
            # Glue's event batching limits: 1..100 events, 1..900 seconds.
            ("event_batch_size", 1, 100),
            ("event_batch_window_seconds", 1, 900),
            ("max_failure_percent", 0, 100),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} = {value} is outside {low}..{high}")
        if self.schedule is not None and not _CRON.match(self.schedule):
            raise ValueError(f"schedule {self.schedule!r} is not a Glue cron expression: six "
                             "fields in cron(...), e.g. cron(0 3 * * ? *) for 03:00 UTC daily")
        if (self.schedule or self.new_image_events) and \
                self.max_concurrent_runs < len(self.image_prefixes):
            raise ValueError(f"max_concurrent_runs = {self.max_concurrent_runs} is less than the "
                             f"{len(self.image_prefixes)} image prefixes a scheduled or event "
                             "run reads at once (one run each); raise it")
        if self.alarm_email is not None and not _EMAIL.match(self.alarm_email):
            raise ValueError(f"alarm_email {self.alarm_email!r} is not an e-mail address")
        if self.athena_bytes_scanned_cutoff < 10 * 1024**2:
            raise ValueError("athena_bytes_scanned_cutoff must be at least 10 MB (Athena minimum)")


def _coerce(key: str, raw: Any, annotation: str) -> Any:
    try:
        if annotation == "int":
            return int(raw)
        if annotation == "bool":
            if isinstance(raw, str):
                if raw.lower() not in ("true", "false"):
                    raise ValueError(raw)
                return raw.lower() == "true"
            return bool(raw)
        if annotation.startswith("tuple"):
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            return tuple(str(item).strip() for item in items)
        if annotation.startswith("str | None"):
            return str(raw) if raw not in (None, "") else None
        return str(raw)
    except (TypeError, ValueError):
        raise ValueError(f"context {key}={raw!r} is not a valid {annotation}") from None
