"""What a run reads its URLs from: manifest files, the images under a folder or S3 prefix, or
an S3 Inventory report.

Checked before any Spark work (``check``), then staged as the same Parquet rows either way
(``stage``), so the rest of the run does not know which input it had.
"""

from __future__ import annotations

import logging
from typing import Any

from image_metadata.exceptions import ManifestError
from image_metadata.job import inventory, listing, manifest, manifest_stage
from image_metadata.job.settings import RunConfig

log = logging.getLogger(__name__)


def source(config: RunConfig) -> str:
    """The input as the run summary names it."""
    return config.images or config.inventory or config.manifest


def check(config: RunConfig, *, s3_client: Any = None) -> list[manifest.ManifestFile]:
    """The manifest files as sniffed, or [] for a listing that can be listed; ManifestError
    when the input cannot be used."""
    if config.images:
        listing.check(config.images, s3_client=s3_client)
        return []
    if config.inventory:
        inventory.read_report(config.inventory, s3_client=s3_client)
        return []
    return manifest.inspect(config.manifest, url_column=config.url_column,
                            id_column=config.id_column, encoding=config.encoding,
                            s3_client=s3_client)


def stage(config: RunConfig, files: list[manifest.ManifestFile], folder: str, *,
          s3_client: Any = None) -> manifest_stage.StagedManifest:
    if not (config.images or config.inventory):
        return manifest_stage.stage(files, folder, s3_client=s3_client)
    where = listing.Filter(config.include, config.exclude)
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
        flag = "--images" if config.images else "--inventory"
        what = "matches the --include globs" if config.include else \
            "has an image extension (use --include to name others)"
        raise ManifestError(f"{flag} {source(config)}: nothing listed there {what}")
    return staged
