"""What a run reads its URLs from: manifest files, the images under a folder or S3 prefix, or
an S3 Inventory report.

Checked before any Spark work (``check``), then staged as the same Parquet rows either way
(``stage``), so the rest of the run does not know which input it had.
"""

from __future__ import annotations

import logging
from typing import Any

from image_metadata.exceptions import ManifestError
from image_metadata.job import distributed_listing, inventory, listing, manifest, manifest_stage
from image_metadata.job.settings import RunConfig

log = logging.getLogger(__name__)


def source(config: RunConfig) -> str:
    """The input as the run summary names it."""
    return config.images or config.inventory or config.manifest


def check(config: RunConfig, *, s3_client: Any = None) -> list[manifest.ManifestFile]:
    """The manifest files as sniffed, or [] for a listing that can be listed; ManifestError
    when the input cannot be used (AWS set-up errors included: an unknown profile, an
    endpoint that is no URL, no region)."""
    try:
        return _check(config, s3_client)
    except ManifestError:
        raise
    except Exception as e:
        from botocore.exceptions import BotoCoreError

        if isinstance(e, UnicodeError):  # a ValueError too: the encoding, not the place
            raise ManifestError(f"cannot read {source(config)} as {config.encoding}: {e}; name "
                                "its encoding with --encoding") from None
        if isinstance(e, BotoCoreError | ValueError):
            raise ManifestError(f"cannot reach {source(config)}: {e}") from None
        raise


def _check(config: RunConfig, s3_client: Any) -> list[manifest.ManifestFile]:
    if config.images:
        listing.check(config.images, s3_client=s3_client)
        return []
    if config.inventory:
        inventory.read_report(config.inventory, s3_client=s3_client)
        return []
    return manifest.inspect(config.manifest, url_column=config.url_column,
                            id_column=config.id_column, encoding=config.encoding,
                            delimiter=config.delimiter,
                            s3_client=s3_client)


def stage(config: RunConfig, files: list[manifest.ManifestFile], folder: str, *,
          s3_client: Any = None, spark: Any = None) -> manifest_stage.StagedManifest:
    """The run's rows, staged under ``folder``. With ``spark``, a prefix of many folders is
    listed in the executors, a task per folder."""
    if not (config.images or config.inventory):
        return manifest_stage.stage(files, folder, s3_client=s3_client)
    where = listing.Filter(config.include, config.exclude)
    if config.images.startswith("s3://") and spark is not None:
        level = distributed_listing.first_level(config.images, where, s3_client=s3_client)
        if level is not None and len(level[1]) >= distributed_listing.MIN_FOLDERS:
            return _stage_in_executors(config, *level, where, folder, spark, s3_client)
    if config.images:
        found = listing.listed(config.images, where, s3_client=s3_client)
    else:
        report = inventory.read_report(config.inventory, s3_client=s3_client)
        found = inventory.listed(report, where, s3_client=s3_client)
    staged = manifest_stage.stage_rows(manifest_stage.listed_rows(found), folder,
                                       s3_client=s3_client)
    if where.skipped_links:
        log.warning("--images %s: %d symbolic links lead out of the folder and were left out",
                    config.images, where.skipped_links)
    if staged.input_rows == 0:
        _nothing_listed(config)
    return staged


def _stage_in_executors(config: RunConfig, direct: list[listing.Listed], folders: list[str],
                        where: listing.Filter, folder: str, spark: Any,
                        s3_client: Any) -> manifest_stage.StagedManifest:
    log.info("--images %s: listing %d folders in Spark tasks", config.images, len(folders))
    staged = manifest_stage.stage_rows(manifest_stage.listed_rows(direct), folder,
                                       s3_client=s3_client)
    more = f"{folder.rstrip('/')}-listed"
    listed = distributed_listing.list_in_executors(spark, config.images, folders, where, more)
    if staged.input_rows + listed == 0:
        _nothing_listed(config)
    return manifest_stage.StagedManifest(staged.path, staged.input_rows + listed, 0,
                                         staged.files, (more,))


def _nothing_listed(config: RunConfig) -> None:
    flag = "--images" if config.images else "--inventory"
    what = "matches the --include globs" if config.include else \
        "has an image extension (use --include to name others)"
    raise ManifestError(f"{flag} {source(config)}: nothing listed there {what}")
