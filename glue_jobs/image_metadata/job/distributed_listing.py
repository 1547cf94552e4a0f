"""Listing a large S3 prefix in the executors: one Spark task per folder below it.

The driver asks S3 for the prefix's first level only (``Delimiter='/'``): the keys right
under it, which it stages itself, and the folders, which Spark lists in parallel, each task
paging through one folder. The rows go straight from the tasks to the staged manifest; the
driver holds the folder names and counts, never the keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from image_metadata.exceptions import ManifestError
from image_metadata.job import listing, manifest
from image_metadata.job.listing import Filter, Listed

# Below this many folders the driver lists everything itself: a Spark job costs seconds.
MIN_FOLDERS = 8
MAX_TASKS = 512
# Positions of the executors' rows start above any the driver can stage.
_FOLDER_STRIDE = 1 << 40


# Keys right under the prefix the driver holds while it looks for folders; past this the
# prefix is a flat one, listed on the driver as it streams (as a small prefix is).
MAX_DIRECT = 50_000


def first_level(location: str, where: Filter, *, s3_client: Any = None
                ) -> tuple[list[Listed], list[str]] | None:
    """The images right under the prefix and the folders (common prefixes) below it; None
    for a flat prefix (more than MAX_DIRECT keys right under it), never held in memory."""
    bucket, prefix = manifest.s3_location(location)
    prefix = listing.folder_prefix(prefix)
    client = s3_client or manifest._default_s3()
    direct: list[Listed] = []
    folders: list[str] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            folders += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            direct += [found for item in page.get("Contents", [])
                       if (found := listing.listed_item(bucket, prefix, item, where))]
            if len(direct) > MAX_DIRECT:
                return None
    except Exception as e:  # botocore's errors: one line, no stack
        raise ManifestError(f"cannot list --images {location}: {e}") from None
    return direct, folders


def folder_rows(bucket: str, root_prefix: str, folders: list[tuple[int, str]],
                where: Filter) -> Iterator[tuple]:
    """Staged-manifest rows (``manifest_stage.SCHEMA`` order) of every image under each
    folder; runs in an executor, with its own S3 client."""
    from image_metadata.fetch import urls

    client = manifest._default_s3()
    for index, folder in folders:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
        position = _FOLDER_STRIDE * (index + 1)
        for page in pages:
            for item in page.get("Contents", []):
                found = listing.listed_item(bucket, root_prefix, item, where)
                if found is None:
                    continue
                yield (found.url, found.id, urls.identity(found.url), None, position,
                       found.size, found.etag, found.last_modified)
                position += 1


def list_in_executors(spark: Any, location: str, folders: list[str], where: Filter,
                      path: str) -> int:
    """List ``folders`` (of the prefix ``location``) in Spark tasks and write their rows,
    in the staged manifest's columns, as the Parquet folder ``path``; returns how many."""
    from pyspark.sql.types import (
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    bucket, prefix = manifest.s3_location(location)
    prefix = listing.folder_prefix(prefix)
    schema = StructType([
        StructField("url", StringType()), StructField("id", StringType()),
        StructField("key", StringType()), StructField("problem", StringType()),
        StructField("position", LongType()), StructField("size", LongType()),
        StructField("etag", StringType()), StructField("last_modified", TimestampType()),
    ])
    include, exclude = where.include, where.exclude
    numbered = list(enumerate(folders))
    tasks = max(1, min(MAX_TASKS, len(numbered)))

    def listed(part: Iterator[tuple[int, str]]) -> Iterator[tuple]:
        yield from folder_rows(bucket, prefix, list(part), Filter(include, exclude))

    rows = spark.sparkContext.parallelize(numbered, tasks).mapPartitions(listed)
    spark.createDataFrame(rows, schema=schema).write.mode("overwrite").parquet(path)
    return spark.read.parquet(path).count()
