"""The Spark job: manifest -> distinct URLs -> extraction (once) -> images/ failures/ runs/.

The only module that imports pyspark. Extraction results are persisted once to a staging
dataset; both output datasets and the run summary are derived from it, so no URL is fetched
twice. Output files carry the run id in their names, which makes a re-run of the same run id
replace that run's rows and lets different runs accumulate side by side.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from image_metadata.exceptions import UsageError
from image_metadata.extract import RESULT_NAMES, ExtractSettings, extract_partition
from image_metadata.fetch.source import Condition
from image_metadata.job import accounting, incremental, inputs, live_counts
from image_metadata.job import manifest as manifest_mod
from image_metadata.job.settings import RunConfig, new_run_id, parse_run_id
from image_metadata.schema import (
    FAILURES_COLUMNS,
    IMAGES_COLUMNS,
    PARTITION_COLUMN,
    STAGING_PREFIX,
    ddl,
    names,
    result_columns,
)

__all__ = ["RunConfig", "local_session", "new_run_id", "run"]

log = logging.getLogger(__name__)
progress_log = logging.getLogger("image_metadata.progress")
summary_log = logging.getLogger("image_metadata.summary")
ROWS_PER_PARTITION = 5000  # about 5 s per task at 1,000 URLs/s: retries stay cheap


# Spark's own start-up banner and warnings (native Hadoop, plan truncation, ...) say nothing
# to a user of imgmeta; errors still show. -v keeps Spark's default (warnings).
_QUIET_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
# PySpark's driver counts as a shell: with its class's level equal to the root's, Spark
# prints no "Setting default log level" banner.
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def _quiet_log_config() -> str:
    import hashlib
    import tempfile

    digest = hashlib.sha256(_QUIET_LOG4J2.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"imgmeta-log4j2-{digest}.properties")
    if not os.path.exists(path):
        fd, partial = tempfile.mkstemp(dir=tempfile.gettempdir(), suffix=".properties")
        with os.fdopen(fd, "w") as f:
            f.write(_QUIET_LOG4J2)
        os.replace(partial, path)  # whole or absent, should two runs start at once
    return path


def has_s3_connector() -> bool:
    """Whether local Spark can read and write s3:// paths (hadoop-aws among its jars)."""
    import pyspark

    return any((Path(pyspark.__file__).parent / "jars").glob("hadoop-aws-*.jar"))


def local_session(master: str = "local[*]", app_name: str = "image-metadata",
                  show_progress: bool = False, quiet: bool = True) -> SparkSession:
    """A local SparkSession configured as the Glue job's (UTC, Python from this interpreter).

    ``quiet``: Spark logs errors only (no start-up banner, no warnings)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    java_options = "-Duser.timezone=UTC"
    if quiet:
        java_options += f" -Dlog4j2.configurationFile=file:{_quiet_log_config()}"
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", str(show_progress).lower())
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )


def run(spark: SparkSession, config: RunConfig,
        files: list[manifest_mod.ManifestFile] | None = None, *,
        view: ProgressView | None = None) -> dict[str, Any]:
    """Run one extraction; returns the run summary that is also written under ``runs/``.

    ``files`` is the manifest as ``manifest.inspect`` found it, when the caller has checked it
    already (before starting Spark); ``view`` shows the extraction's progress instead of the
    progress log lines. A run that stops midway (an error, Ctrl-C) removes what it staged."""
    started = time.monotonic()
    try:
        run_id = parse_run_id(config.run_id) or new_run_id()
    except ValueError as e:
        raise UsageError(f"run id {config.run_id!r} is not usable: {e}") from None
    configure_timestamps(spark)
    output = _absolute(config.output)
    if files is None:
        files = inputs.check(config)
    dt = datetime.now(UTC).strftime("%Y-%m-%d")
    fs = _FileSystem(spark, output)
    # One folder per attempt: two runs given the same run id must not remove each other's
    # staged files. Both then commit; rows of the run id are replaced, never lost.
    staging_root = f"{output}/{STAGING_PREFIX}/{run_id}"
    if fs.exists(staging_root):
        log.warning("another run with run id %s is in progress or died midway (%s exists); "
                    "each commits its own rows", run_id, staging_root)
    staging = f"{staging_root}/{uuid.uuid4().hex[:12]}"
    try:
        return _staged_run(spark, config, files, run_id, output, dt, fs, staging, view,
                           started)
    except BaseException:
        # Stopped midway (an error, Ctrl-C): nothing was committed, so nothing is kept.
        _remove_staging(fs, staging, staging_root, output)
        raise


def _staged_run(spark: SparkSession, config: RunConfig,
                files: list[manifest_mod.ManifestFile], run_id: str, output: str, dt: str,
                fs: _FileSystem, staging: str, view: ProgressView | None,
                started: float) -> dict[str, Any]:
    with _timed("reading the manifest"):  # every row, parsed once, before any Spark work
        staged = inputs.stage(config, files, f"{staging}/manifest", spark=spark)
    rows = spark.read.parquet(*staged.paths)
    with _timed("counting manifest rows"):
        blank_url = F.col("key") == ""
        counts = rows.agg(
            F.count(F.lit(1)).alias("input_rows"),
            F.sum(F.when(blank_url, 1).otherwise(0)).alias("blank"),
            # Counted here, apart from the extraction, so the summary can check the results.
            F.countDistinct(F.when(~blank_url, F.col("key"))).alias("distinct"),
        ).first()
    input_rows, blank = staged.input_rows, staged.blank
    distinct_count = int(counts["distinct"])
    # What Spark read must be what the parser counted: a second, independent count.
    read_back = (int(counts["input_rows"]), int(counts["blank"] or 0))
    distinct = distinct_urls(rows, listed=bool(config.images or config.inventory))
    planned = {"unchanged": 0, "skipped": 0}
    if config.incremental:
        with _timed("comparing with the output's earlier rows"):
            prior = incremental.prior_latest(spark, output, fs.exists, run_id)
            # Written once, read for the counts and for the extraction: the join runs once.
            incremental.classify(distinct, prior, config.retry_failures).write.mode(
                "overwrite").parquet(f"{staging}/plan")
            plan = spark.read.parquet(f"{staging}/plan")
            for row in plan.groupBy("action").count().collect():
                if row["action"] in planned:
                    planned[row["action"]] = int(row["count"])
        to_read = plan.where(F.col("action").isin(incremental.READ, incremental.CONDITIONAL))
    else:
        to_read = distinct.withColumn("action", F.lit(incremental.READ))
    reading = distinct_count - planned["unchanged"] - planned["skipped"]
    partitions = config.partitions or partition_count(
        reading, spark.sparkContext.defaultParallelism
    )
    log.info("run %s: %d input rows, %d blank, %d distinct URLs, %d to read, %d partitions",
             run_id, input_rows, blank, distinct_count, reading, partitions)
    if config.incremental:
        log.info("incremental: %d unchanged since their last successful read, %d skipped",
                 planned["unchanged"], planned["skipped"])
    progress = Progress(spark, reading, every=config.progress_seconds, view=view)
    results = extract_urls(spark, to_read.repartition(partitions), config.extract, run_id,
                           progress)
    with progress, _timed("extracting"):
        results.withColumn(PARTITION_COLUMN.name, F.lit(dt)).write.mode("overwrite").parquet(
            f"{staging}/results"
        )
    stored = spark.read.parquet(f"{staging}/results")
    with _timed("writing images and failures"):
        _write_dataset(stored, "ok", IMAGES_COLUMNS, f"{staging}/images")
        _write_dataset(stored, "failed", FAILURES_COLUMNS, f"{staging}/failures")
    counts = {"input_rows": input_rows, "blank": blank, "partitions": partitions,
              "distinct": distinct_count, "read_back": read_back, "planned": planned}
    with _timed("summarising"):
        summary = _summary(stored, run_id, config, counts, dt)
    with _timed("committing"):
        for dataset in ("images", "failures"):
            fs.commit(f"{staging}/{dataset}", f"{output}/{dataset}", run_id)
    summary["seconds"] = round(time.monotonic() - started, 3)
    summary["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    # One line: Athena's JSON SerDe reads one object per line, CloudWatch one event per line.
    line = json.dumps(summary)
    fs.write_text(f"{output}/runs/{run_id}.json", line + "\n")
    _remove_staging(fs, staging, staging.rsplit("/", 1)[0], output)
    summary_log.info("%s", line)
    return summary


def _remove_staging(fs: _FileSystem, staging: str, staging_root: str, output: str) -> None:
    try:
        fs.delete(staging)
        fs.delete_if_empty(staging_root)
        fs.delete_if_empty(f"{output}/{STAGING_PREFIX}")
    except Exception as e:  # a JVM already gone (a signal to the whole process group)
        if not staging.startswith("file://"):
            log.warning("could not remove %s: %s", staging, e)
            return
        import shutil

        local = staging[len("file://"):]
        shutil.rmtree(local, ignore_errors=True)
        for folder in (os.path.dirname(local), os.path.dirname(os.path.dirname(local))):
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only when empty


def configure_timestamps(spark: SparkSession) -> None:
    """Timestamps written as Parquet holds them and Athena reads them.

    Millisecond timestamps (Athena engine v3 reads timestamp(3); no INT96). Dates before 1582
    or 1900 (historic scans, a server's Last-Modified in 1500) are written as given, in the
    proleptic Gregorian calendar that Python, Parquet readers and Athena use: CORRECTED,
    not Spark's default of failing the write, and not LEGACY's rebase to the Julian calendar.
    """
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")
    for mode in ("datetimeRebaseModeInWrite", "datetimeRebaseModeInRead",
                 "int96RebaseModeInWrite", "int96RebaseModeInRead"):
        spark.conf.set(f"spark.sql.parquet.{mode}", "CORRECTED")


@contextmanager
def _timed(label: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    log.info("%s took %.2f s", label, time.monotonic() - started)


class ProgressView(Protocol):
    """Shows the extraction's progress instead of the log lines (a terminal's progress bar)."""

    every: float  # seconds between updates

    def update(self, done: int, failed: int, total: int) -> None: ...

    def close(self) -> None: ...


class Progress:
    """Logs URLs done / total, rate, failures so far and ETA every ``every`` seconds while a
    block runs, or feeds a ``view`` at its own pace. Counts come from accumulators, which
    Spark merges as each task finishes."""

    def __init__(self, spark: SparkSession, total: int, every: float = 30.0,
                 view: ProgressView | None = None) -> None:
        self._tracker = spark.sparkContext.statusTracker()
        self.done = spark.sparkContext.accumulator(0)
        self.failed = spark.sparkContext.accumulator(0)
        self.total = total
        self.every = view.every if view is not None else every
        self.view = view
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        # Counted per URL as it happens where the workers can reach the driver's loopback.
        master = spark.sparkContext.master
        self._live = live_counts.Listener() if master.startswith("local") else None
        self.live_address = self._live.address if self._live is not None else None

    def counts(self) -> tuple[int, int]:
        """(done, failed) so far."""
        done, failed = self.done.value, self.failed.value
        if self._live is not None:
            live_done, live_failed = self._live.counts()
            done, failed = max(done, live_done), max(failed, live_failed)
        return min(done, self.total), min(failed, self.total)

    def line(self, elapsed: float) -> str:
        done, failed = self.counts()
        rate = done / elapsed if elapsed > 0 else 0.0
        share = 100.0 * done / self.total if self.total else 100.0
        text = (f"extracting: {done:,} of {self.total:,} URLs ({share:.1f} %), {failed:,} "
                f"failed, {rate:,.0f} URLs/s")
        if 0 < done < self.total and rate > 0:
            text += f", ETA {_duration((self.total - done) / rate)}"
        tasks = [self._tracker.getStageInfo(s) for s in self._tracker.getActiveStageIds()]
        tasks = [t for t in tasks if t is not None]
        if tasks:
            finished = sum(t.numCompletedTasks for t in tasks)
            running = sum(t.numActiveTasks for t in tasks)
            total = sum(t.numTasks for t in tasks)
            text += f"; tasks {finished} of {total} done, {running} running"
        return text

    def __enter__(self) -> Progress:
        self._started = time.monotonic()

        def report() -> None:
            while not self._stop.wait(self.every):
                self._report()

        self._report(first=True)
        self._thread = threading.Thread(target=report, name="imgmeta-progress", daemon=True)
        self._thread.start()
        return self

    def _report(self, first: bool = False) -> None:
        if self.view is not None:
            self.view.update(*self.counts(), self.total)
        elif not first:
            progress_log.info("%s", self.line(time.monotonic() - self._started))

    def __exit__(self, kind: object, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if kind is None:
            self._report()
        if self.view is not None:
            self.view.close()
        if self._live is not None:
            self._live.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def distinct_urls(rows: DataFrame, listed: bool = False) -> DataFrame:
    """One row per non-blank URL (by ``urls.identity``), with the text, id and problem of its
    first occurrence in the manifest; with ``listed``, what the listing said of its object
    (size, ETag, time), which manifest rows do not carry (null columns, not aggregated)."""
    carried = ["url", "id", "problem"] + (["size", "etag", "last_modified"] if listed else [])
    distinct = (
        rows.where(F.col("key") != "")
        .groupBy("key")
        .agg(*(F.min_by(name, "position").alias(name) for name in carried))
    )
    if not listed:
        distinct = (distinct.withColumn("size", F.lit(None).cast("bigint"))
                    .withColumn("etag", F.lit(None).cast("string"))
                    .withColumn("last_modified", F.lit(None).cast("timestamp")))
    return distinct


def extract_urls(
    spark: SparkSession, urls: DataFrame, settings: ExtractSettings, run_id: str,
    progress: Progress | None = None,
) -> DataFrame:
    """The per-URL results (``schema.result_columns()``), computed in ``mapPartitions``."""
    done = progress.done if progress is not None else None
    failed = progress.failed if progress is not None else None
    live = progress.live_address if progress is not None else None
    status = RESULT_NAMES.index("status")

    def partition(rows: Any) -> Any:
        reporter = live_counts.Reporter(live, uuid.uuid4().bytes) if live else None
        try:
            for result in extract_partition((_work(r) for r in rows), settings, run_id):
                if done is not None:
                    is_failure = result[status] == "failed"
                    done.add(1)
                    if is_failure:
                        failed.add(1)
                    if reporter is not None:
                        reporter.add(is_failure)
                yield result
        finally:
            if reporter is not None:
                reporter.close()

    return spark.createDataFrame(urls.rdd.mapPartitions(partition), schema=ddl(result_columns()))


def _work(row: Any) -> tuple:
    """(url, id, problem, condition) for extract_partition; the condition only for a URL
    whose latest row succeeded and that no listing vouches for."""
    fields = row.asDict()
    condition = None
    if fields.get("action") == "conditional":
        modified = fields.get("prior_last_modified")
        if modified is not None and modified.tzinfo is None:
            # PySpark hands a stored instant out as the worker's local wall-clock time.
            modified = modified.astimezone(UTC)
        condition = Condition(fields.get("prior_etag"), modified, fields.get("prior_size"))
    return (row.url, row.id, row.problem, condition)


def _write_dataset(stored: DataFrame, status: str, columns: tuple, path: str) -> None:
    (
        stored.where(F.col("status") == status)
        .select(*names(columns), PARTITION_COLUMN.name)
        .write.mode("overwrite")
        .partitionBy(PARTITION_COLUMN.name)
        .parquet(path)
    )


def partition_count(rows: int, parallelism: int) -> int:
    """About ROWS_PER_PARTITION rows each, in whole waves of the cluster's task slots, so no
    core idles through a last half-empty wave."""
    wanted = math.ceil(rows / ROWS_PER_PARTITION)
    return max(parallelism, math.ceil(wanted / parallelism) * parallelism)


def _summary(stored: DataFrame, run_id: str, config: RunConfig, counts: dict[str, Any],
             dt: str) -> dict[str, Any]:
    """The run summary, keyed exactly by ``schema.RUNS_COLUMNS`` (``seconds`` set by run)."""
    groups = stored.groupBy("status", "error_type").agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum("bytes_read").alias("bytes_read"),
        F.sum("file_size").alias("file_bytes"),
    ).collect()  # one small job: a row per error type
    read_back_rows, read_back_blank = counts["read_back"]
    return accounting.run_summary(
        (accounting.ResultGroup(g["status"], g["error_type"], int(g["rows"]),
                                int(g["bytes_read"] or 0), int(g["file_bytes"] or 0))
         for g in groups),
        accounting.ManifestCounts(counts["input_rows"], counts["blank"], counts["distinct"],
                                  read_back_rows, read_back_blank),
        planned_unchanged=counts["planned"]["unchanged"],
        skipped=counts["planned"]["skipped"],
        run={"run_id": run_id, "dt": dt, "manifest": inputs.source(config),
             "output": config.output,
             "concurrency": config.extract.concurrency, "partitions": counts["partitions"],
             "max_bytes": config.extract.max_bytes, "incremental": config.incremental},
    )


def _absolute(path: str) -> str:
    if "://" in path:
        return path.rstrip("/")
    return "file://" + os.path.abspath(path)


class _FileSystem:
    """Hadoop FileSystem calls through the JVM: one code path for local disks and S3."""

    def __init__(self, spark: SparkSession, root: str) -> None:
        self._jvm = spark.sparkContext._jvm
        conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = self._path(root).getFileSystem(conf)

    def _path(self, path: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(path)

    def commit(self, staged: str, final: str, run_id: str) -> None:
        """Replace this run's files under ``final`` with the staged ones, named by run id.

        '~' cannot occur in a run id, so 'batch-7~' never matches 'batch-7-2~'. The new files
        are moved in before the old ones go: a failure midway leaves rows, not a gap.
        """
        old = [s.getPath() for s in self._fs.globStatus(self._path(f"{final}/*/{run_id}~*"))
               or []]
        for status in self._fs.globStatus(self._path(f"{staged}/*/part-*")) or []:
            src = status.getPath()
            target_dir = self._path(f"{final}/{src.getParent().getName()}")
            self._fs.mkdirs(target_dir)
            dst = self._jvm.org.apache.hadoop.fs.Path(target_dir, f"{run_id}~{src.getName()}")
            if not self._fs.rename(src, dst):
                raise OSError(f"could not move {src} to {dst}")
        for path in old:
            self._fs.delete(path, False)

    def write_text(self, path: str, text: str) -> None:
        stream = self._fs.create(self._path(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._path(path)))

    def delete(self, path: str) -> None:
        self._fs.delete(self._path(path), True)

    def delete_if_empty(self, path: str) -> None:
        folder = self._path(path)
        if self._fs.exists(folder) and not self._fs.listStatus(folder):
            self._fs.delete(folder, False)
