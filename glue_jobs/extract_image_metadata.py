"""AWS Glue entry point: job arguments -> image_metadata.job.pipeline.run.

Glue starts this script under its Spark launcher with the job's arguments as ``--name value``
pairs, among them arguments of its own (``--JOB_RUN_ID``, ``--TempDir``, ...). They are read
with awsglue's ``getResolvedOptions`` when it is installed (always on Glue), else by a
stand-in with its behaviour. Every value is checked before any Spark work; a bad one stops
the run with one line in the log and exit code 2, which fails the job run.

    python glue_jobs/extract_image_metadata.py --manifest m.csv --output out/   # local Spark
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

# Running the script straight from a checkout: make the package beside it importable.
sys.path.insert(1, str(Path(__file__).resolve().parent))

from image_metadata.exceptions import ManifestError, UsageError
from image_metadata.job import inputs, run_metrics
from image_metadata.job.settings import (
    GLUE_RESOLVED_ARGUMENTS,
    config_from_job_arguments,
    read_job_arguments,
)

log = logging.getLogger("image_metadata.glue")
LOCAL_MASTER = "local[2]"
EXIT_USAGE = 2


class RunStopped(SystemExit):
    """Ends the script with ``code`` and nothing more printed by the interpreter; its text is
    the reason, for whatever reports the exception (Glue's run error message)."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def options_reader() -> tuple[Any, str]:
    """awsglue's getResolvedOptions where awsglue is installed (always on Glue), else the
    stand-in; with the name to log."""
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return standin_resolved_options, "the stand-in for getResolvedOptions (no awsglue)"
    return getResolvedOptions, "awsglue.utils.getResolvedOptions"


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise RuntimeError(message)  # as awsglue's GlueArgumentParser: no usage text, no exit


def standin_resolved_options(argv: list[str], wanted: list[str]) -> dict[str, Any]:
    """What getResolvedOptions returns for the arguments this job passes it: Glue's own
    arguments are registered by the parser, each wanted one is required."""
    parser = _RaisingParser(prog=Path(argv[0]).name, add_help=False)
    choices = {"job-bookmark-option": ("job-bookmark-enable", "job-bookmark-pause",
                                       "job-bookmark-disable"),
               "continuation-option": ("continuation-enabled", "continuation-readonly",
                                       "continuation-ignore"),
               "encryption-type": ("sse-s3",)}
    for option in GLUE_RESOLVED_ARGUMENTS:
        # Asking for one of these again conflicts, as in awsglue.
        parser.add_argument(f"--{option}", choices=choices.get(option))
    for option in wanted:
        parser.add_argument(f"--{option}", required=True)
    parsed, _extra = parser.parse_known_args(argv[1:])
    return vars(parsed)


def configure_logging() -> None:
    """Progress and the summary to stdout, warnings and errors to stderr, one line each; a
    host that set up logging already (a test runner) keeps its handlers."""
    root = logging.getLogger()
    if not root.handlers:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        out = logging.StreamHandler(sys.stdout)
        out.setFormatter(formatter)
        out.addFilter(lambda record: record.levelno < logging.WARNING)
        err = logging.StreamHandler(sys.stderr)
        err.setFormatter(formatter)
        err.setLevel(logging.WARNING)
        root.handlers[:] = [out, err]
        root.setLevel(logging.WARNING)
    logging.getLogger("image_metadata").setLevel(logging.INFO)


def usage() -> str:
    """The job arguments, for ``--help`` when the script is run by hand (Glue never asks)."""
    from image_metadata.job.settings import JOB_ARGUMENTS

    width = max(len(a.flag) for a in JOB_ARGUMENTS)
    lines = [f"usage: {Path(__file__).name} --manifest LOCATION --output LOCATION [--name "
             "value ...]", "", "Glue job arguments (default in brackets):"]
    for argument in JOB_ARGUMENTS:
        default = "required" if argument.default is None else argument.default or "none"
        lines.append(f"  {argument.flag:<{width}}  {argument.help} [{default}]")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv[1:]):
        print(usage())
        return 0
    configure_logging()
    resolve, reader = options_reader()
    log.info("%s; job arguments read by %s", runtime_description(), reader)
    try:
        values = read_job_arguments(argv, resolve)
        config = config_from_job_arguments(values)
        files = inputs.check(config)
    except (UsageError, ManifestError) as e:
        stop(e, EXIT_USAGE)
    log.info("job %s run %s: %s %s, output %s", values.get("JOB_NAME", "(local)"),
             config.run_id or "(generated)", "images" if config.images else "manifest",
             inputs.source(config), config.output)
    from image_metadata.job import pipeline

    try:
        spark = spark_session()
    except Exception as e:  # no Java, a broken launcher: the environment, not the job
        stop(f"cannot start Spark: {type(e).__name__}: {e}", EXIT_USAGE)
    try:
        summary = pipeline.run(spark, config, files)
    except (UsageError, ManifestError) as e:
        stop(e, EXIT_USAGE)
    if values.get("JOB_NAME"):  # in Glue: the alarms watch these
        run_metrics.publish(summary, values["JOB_NAME"])
    if not summary["accounted"]:
        stop("not every manifest row is accounted for: see runs/"
             f"{summary['run_id']}.json ({json.dumps(summary)})", 1)
    too_many = run_metrics.over_limit(summary, config.max_failure_rate,
                                      f"--max_failure_rate {config.max_failure_rate:g}")
    if too_many:
        stop(too_many, 1)
    return 0


def stop(reason: object, code: int) -> NoReturn:
    """Log why the run stops, on one line, and end the script with ``code``."""
    message = " ".join(str(reason).split())
    log.error("%s", message)
    raise RunStopped(f"image-metadata: {message}", code)


def runtime_description() -> str:
    """Which library and Pillow this run imports, from where: the first thing to check when a
    job behaves unlike a local run."""
    from importlib import metadata

    import PIL

    import image_metadata

    try:
        version = metadata.version("image-metadata")
    except metadata.PackageNotFoundError:
        version = "(not installed)"
    location = Path(image_metadata.__file__).parent
    return f"image-metadata {version} from {location}, Pillow {PIL.__version__}"


def spark_session() -> Any:
    """The session to run on.

    Under a Spark launcher (Glue, spark-submit: PYSPARK_GATEWAY_PORT is set) the launcher's
    context is used, wrapped in a GlueContext when Glue's JVM classes are there. Started by
    plain ``python``, the script runs on a local session."""
    from pyspark.context import SparkContext
    from pyspark.sql import SparkSession

    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        from image_metadata.job.pipeline import local_session

        log.info("not started by a Spark launcher: running on a local session (%s)",
                 LOCAL_MASTER)
        return local_session(LOCAL_MASTER)
    context = SparkContext.getOrCreate()
    if glue_classes_present(context):
        from awsglue.context import GlueContext

        return GlueContext(context).spark_session
    log.info("Glue's JVM classes are not on the classpath: running on the launcher's plain "
             "Spark session (master %s)", context.master)
    return SparkSession.builder.getOrCreate()


def glue_classes_present(context: Any) -> bool:
    """True when awsglue is importable and the JVM holds Glue's GlueContext class."""
    try:
        import awsglue.context  # noqa: F401
        from py4j.java_gateway import JavaClass
    except ImportError:
        return False
    return isinstance(context._jvm.com.amazonaws.services.glue.GlueContext, JavaClass)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
