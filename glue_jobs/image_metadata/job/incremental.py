"""Incremental runs: what each URL of this run was at its latest row in the output, and so
whether it is read again.

The prior state is the output's own Parquet (images/ and failures/), joined with this run's
distinct URLs in Spark, so the driver holds counts, not rows, however many runs came before.
A URL whose latest row is a success is ``unchanged`` without any request when the listing or
inventory says its object is the one read then (ETag and size; for a local folder, size and
modification time); without a listing its first request is conditional (the stored ETag
and Last-Modified) and a 304 makes it ``unchanged``. A URL whose latest row is a failure is
read again unless ``retry_failures`` is ``no``; with ``only``, nothing else is read and URLs
never read before are ``skipped``.
"""

from __future__ import annotations

import logging
from typing import Any

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

log = logging.getLogger(__name__)

# What happens to a URL in this run.
READ, CONDITIONAL, UNCHANGED, SKIPPED = "read", "conditional", "unchanged", "skipped"


_PRIOR_COLUMNS = {"images": StructType([
    StructField("url", StringType()), StructField("run_id", StringType()),
    StructField("extracted_at", TimestampType()), StructField("etag", StringType()),
    StructField("file_size", LongType()), StructField("last_modified", TimestampType())]),
    "failures": StructType([
        StructField("url", StringType()), StructField("run_id", StringType()),
        StructField("extracted_at", TimestampType())])}


def prior_latest(spark: SparkSession, output: str, exists: Any,
                 run_id: str) -> DataFrame | None:
    """One row per URL with its latest outcome in the output, other than this run's own
    (a re-run of a run id replaces its rows, so they are no prior state): prior_status
    ('ok', 'failed'), and for a success the ETag, size and last-modified time it was read
    with. None when the output holds no rows yet."""
    parts = []
    for dataset, status in (("images", "ok"), ("failures", "failed")):
        path = f"{output}/{dataset}"
        if not exists(path):
            continue
        # Only these columns, by name, with a given schema: files of every schema version
        # read alike (a column an old file lacks is null; one whose type changed since,
        # such as datetime_original, is not read at all).
        rows = spark.read.schema(_PRIOR_COLUMNS[dataset]).parquet(path).where(
            F.col("run_id") != run_id)
        ok = status == "ok"
        parts.append(rows.select(
            "url", F.lit(status).alias("prior_status"),
            (F.col("etag") if ok else F.lit(None)).cast("string").alias("prior_etag"),
            (F.col("file_size") if ok else F.lit(None)).cast("bigint").alias("prior_size"),
            (F.col("last_modified") if ok else F.lit(None)).cast("timestamp").alias(
                "prior_last_modified"),
            F.col("extracted_at").alias("prior_at"), F.col("run_id").alias("prior_run")))
    if not parts:
        return None
    outcomes = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    latest = Window.partitionBy("url").orderBy(F.col("prior_at").desc(),
                                               F.col("prior_run").desc())
    return (outcomes.withColumn("rank", F.row_number().over(latest))
            .where(F.col("rank") == 1).drop("rank", "prior_at", "prior_run"))


def classify(urls: DataFrame, prior: DataFrame | None, retry_failures: str) -> DataFrame:
    """``urls`` (this run's distinct URLs, with what the listing says of each) with an
    ``action`` (READ, CONDITIONAL, UNCHANGED, SKIPPED) and the prior ETag / last-modified a
    conditional read sends."""
    always_read = F.col("problem").isNotNull()  # a broken record fails at once, uncounted
    if prior is None:
        action = F.lit(SKIPPED) if retry_failures == "only" else F.lit(READ)
        action = F.when(always_read, F.lit(READ)).otherwise(action)
        return urls.withColumn("action", action).withColumn(
            "prior_etag", F.lit(None).cast("string")).withColumn(
            "prior_size", F.lit(None).cast("bigint")).withColumn(
            "prior_last_modified", F.lit(None).cast("timestamp"))
    joined = urls.join(prior, on="url", how="left")
    listed = F.col("size").isNotNull()
    same_object = listed & (F.col("size") == F.col("prior_size")) & F.when(
        F.col("etag").isNotNull(), F.col("etag") == F.col("prior_etag")).otherwise(
        # A local folder has no ETags: the size and modification time decide.
        F.col("last_modified").isNotNull()
        & (F.col("last_modified") == F.col("prior_last_modified")))
    was_ok = F.col("prior_status") == "ok"
    failed = F.col("prior_status") == "failed"
    never = F.col("prior_status").isNull()
    if retry_failures == "only":
        action = F.when(failed, F.lit(READ)).when(never, F.lit(SKIPPED)).otherwise(
            F.lit(UNCHANGED))
    else:
        action = (F.when(never, F.lit(READ))
                  .when(failed, F.lit(READ if retry_failures == "yes" else UNCHANGED))
                  .when(was_ok & same_object, F.lit(UNCHANGED))
                  .when(was_ok & listed, F.lit(READ))  # the listing says it changed
                  .otherwise(F.lit(CONDITIONAL)))
    action = F.when(always_read, F.lit(READ)).otherwise(action)
    return joined.withColumn("action", action)
