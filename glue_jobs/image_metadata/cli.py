"""``imgmeta``: the local command line."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from typing import Any

from image_metadata.exceptions import ManifestError, UsageError
from image_metadata.explore.tables import FORMATS, render
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _option(parse: Any) -> Any:
    """An argparse ``type`` from a check of ``settings``: one rule for CLI and Glue."""

    def convert(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{value!r}: {e}") from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


_concurrency = _option(settings.count_between(1, settings.MAX_CONCURRENCY))
_partitions = _option(settings.count_between(1, settings.MAX_PARTITIONS))
_positive = _option(settings.count_between(1, 1_000_000))
_size = _option(settings.parse_size)
_network = _option(settings.parse_network)
_run_id = _option(settings.parse_run_id)
_output = _option(settings.parse_output)
_MASTER = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?|local-cluster\[.+\]|yarn|"
                     r"(spark|k8s|mesos)://\S+")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("image-metadata")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _master(value: str) -> str:
    if not _MASTER.fullmatch(value.strip()):
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected local, local[N], local[*], local[N,RETRIES], "
            "spark://HOST:PORT, yarn or k8s://URL")
    return value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgmeta", description="Extract image metadata from a manifest of image URLs."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--version", action="version", version=f"imgmeta {_version()}")
    # -v after the subcommand too (imgmeta extract ... -v), as the AWS CLI takes --debug.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser(
        "extract", help="run the extraction job with local Spark", parents=[verbose],
        description="Read MANIFEST (a CSV/TSV/URL-list file, or a folder of them), extract "
        "metadata for every distinct URL and write Parquet under --output.",
    )
    extract.add_argument("manifest", nargs="?", default="",
                         help="manifest file, folder or s3:// prefix (or use --images)")
    extract.add_argument("--images", default="", metavar="LOCATION",
                         help="instead of a manifest: every image under this folder (recursive) "
                         "or s3:// prefix")
    extract.add_argument("--inventory", default="", metavar="MANIFEST_JSON",
                         help="instead of a manifest: an S3 Inventory report, "
                         "s3://.../manifest.json (CSV, Parquet or ORC)")
    extract.add_argument("--include", action="append", default=[], metavar="GLOB",
                         help="with --images or --inventory: read only keys matching GLOB "
                         "(repeatable; default: image extensions)")
    extract.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                         help="with --images or --inventory: leave out keys matching GLOB "
                         "(repeatable)")
    extract.add_argument("--output", required=True, type=_output, help="output folder")
    extract.add_argument("--incremental", action="store_true",
                         help="read only what is new or changed since its last successful row "
                         "in --output, and what failed")
    extract.add_argument("--retry-failures", choices=settings.RETRY_FAILURES, default="yes",
                         help="with --incremental: read URLs whose last row failed again "
                         "(yes, the default), only those (only), or not (no)")
    extract.add_argument("--run-id", default="", type=_run_id,
                         help="run id (default: generated)")
    extract.add_argument("--concurrency", type=_concurrency, default=32,
                         help="parallel requests per Spark partition (default 32)")
    extract.add_argument("--partitions", type=_partitions, default=None,
                         help="Spark partitions (default: from the number of URLs)")
    extract.add_argument("--master", default="local[*]", type=_master,
                         help="Spark master (default local[*])")
    extract.add_argument("--url-column", default="url", help="URL column name (default url)")
    extract.add_argument("--id-column", default=None,
                         help="id column carried to every row (default: 'id' when present)")
    extract.add_argument("--encoding", type=_option(settings.parse_encoding), default="utf-8",
                         help="text encoding of the manifest (default utf-8; e.g. latin-1)")
    extract.add_argument("--max-failure-rate", type=_option(settings.parse_rate), default=None,
                         metavar="R",
                         help="exit 1 when more than this share (0 to 1) of the images read "
                         "failed, so a scheduler notices (default: never)")
    extract.add_argument("--strict", action="store_true",
                         help="exit 1 when any image failed (--max-failure-rate 0)")
    extract.add_argument("--max-bytes", type=_size, default=settings.DEFAULT_MAX_BYTES,
                         help="per-image read cap: bytes, or 32MiB / 10MB (default 32MiB)")
    extract.add_argument("--no-local-files", action="store_true",
                         help="refuse file:// and local paths in the manifest")
    extract.add_argument("--allow-private-networks", action="store_true",
                         help="let http(s) URLs reach loopback, private and link-local "
                         "addresses (refused by default: manifests are untrusted)")
    extract.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                         type=_network, help="allow one private network, e.g. 10.20.0.0/16 "
                         "for an on-premises image server (repeatable)")
    _add_aws_commands(commands)
    query = commands.add_parser(
        "query", parents=[verbose],
        help="run a named query or Athena SQL on a local output folder (DuckDB)",
        description="Run a named query (the same files the Athena workgroup has) or SQL in "
        "Athena's dialect against the Parquet output, with the tables images, failures, runs.",
    )
    query.add_argument("query", nargs="?", help="named query or SQL text")
    query.add_argument("--output", help="output folder of imgmeta extract")
    query.add_argument("--format", choices=FORMATS, default="table")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--all-runs", action="store_true",
                       help="images_latest/failures_latest show every run's row, not only "
                            "each URL's latest")
    gps_map = commands.add_parser(
        "map", parents=[verbose],
        help="write an interactive map of the images with GPS positions",
        description="Write one HTML file with a clustered Leaflet map of every image that has "
        "a GPS position, a heat layer and counts. It opens from disk; only the map tiles "
        "come from the network.",
    )
    gps_map.add_argument("output", help="output folder of imgmeta extract")
    gps_map.add_argument("--html", default="map.html", help="file to write (default map.html)")
    gps_map.add_argument("--where", help="SQL predicate on the images table, Athena dialect")
    gps_map.add_argument("--limit", type=_positive, default=None, help="at most N images")
    gps_map.add_argument("--title", default="Image locations")
    gps_map.add_argument("--all-runs", action="store_true",
                         help="draw every run's row of an image, not only its latest")
    return parser


def _add_aws_commands(commands: argparse._SubParsersAction) -> None:
    aws = commands.add_parser("aws", help="use the deployed stack (Glue job, Athena)")
    aws_commands = aws.add_subparsers(dest="aws_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log progress details")
    common.add_argument("--stack", default="ImageMetadata",
                        help="CloudFormation stack name (default ImageMetadata)")
    common.add_argument("--region", default=None,
                        help="AWS region (default: AWS_REGION, then your profile's region)")
    common.add_argument("--profile", default=None,
                        help="AWS named profile (default: AWS_PROFILE, then 'default')")
    start = aws_commands.add_parser(
        "start-run", parents=[common], help="start the Glue job, optionally wait for it",
        description="Start a run of the extraction job. Arguments not given keep the job's "
        "defaults (manifest: s3://<images bucket>/manifests/).",
    )
    start.add_argument("--job-name", help="Glue job name (default: from the stack outputs)")
    start.add_argument("--incremental", action="store_true", default=None,
                       help="read only what is new or changed since the last successful row")
    start.add_argument("--retry-failures", choices=settings.RETRY_FAILURES,
                       help="with --incremental: yes (default), only, or no")
    start.add_argument("--manifest", help="manifest object or prefix, s3://...")
    start.add_argument("--images", help="instead of the manifest: every image under this "
                       "s3:// prefix")
    start.add_argument("--inventory", metavar="MANIFEST_JSON",
                       help="instead of the manifest: an S3 Inventory report's manifest.json")
    start.add_argument("--include", action="append", default=None, metavar="GLOB",
                       help="with --images or --inventory: read only keys matching GLOB "
                       "(repeatable)")
    start.add_argument("--exclude", action="append", default=None, metavar="GLOB",
                       help="with --images or --inventory: leave out keys matching GLOB "
                       "(repeatable)")
    start.add_argument("--output", type=_output,
                       help="output root, s3://... (default: the metadata bucket)")
    start.add_argument("--run-id", type=_run_id, help="run id (default: the Glue job run id)")
    start.add_argument("--concurrency", type=_concurrency,
                       help="parallel requests per partition")
    start.add_argument("--partitions", type=_partitions, help="Spark partitions")
    start.add_argument("--url-column", help="manifest column holding the URLs")
    start.add_argument("--id-column", help="manifest column carried to every row as id")
    start.add_argument("--max-bytes", type=_size, help="per-image read cap (bytes, 32MiB)")
    start.add_argument("--allow-network", action="append", default=None, metavar="CIDR",
                       type=_network, help="a private network http(s) URLs may reach "
                       "(repeatable)")
    start.add_argument("--wait", action="store_true", help="follow the run until it ends")
    start.add_argument("--poll-seconds", type=float, default=30.0, help=argparse.SUPPRESS)
    query = aws_commands.add_parser(
        "query", parents=[common], help="run a named query or SQL in the Athena workgroup"
    )
    query.add_argument("query", help="a named query (see imgmeta query --list) or SQL text")
    query.add_argument("--workgroup", help="workgroup (default: from the stack outputs)")
    query.add_argument("--database", help="database (default: from the stack outputs)")
    query.add_argument("--format", choices=FORMATS, default="table")
    query.add_argument("--max-rows", type=_positive, default=1000)
    query.add_argument("--poll-seconds", type=float, default=1.0, help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("image_metadata.progress").setLevel(logging.INFO)
    if args.command == "extract":
        return _extract(args)
    if args.command == "aws":
        return _aws(args)
    if args.command == "query":
        return _query(args)
    if args.command == "map":
        return _map(args)
    return EXIT_USAGE


def _query(args: argparse.Namespace) -> int:
    from image_metadata.explore import localsql, queries
    if args.list:  # whole descriptions, in the format asked for
        print(render(["name", "description"],
                     [(q.name, q.description) for q in queries.load_all()], args.format,
                     max_cell=None))
        return EXIT_OK
    if not args.query or not args.output:
        print("imgmeta: error: query needs a named query or SQL, and --output", file=sys.stderr)
        return EXIT_USAGE
    try:
        sql = queries.get(args.query).sql
    except KeyError:
        if re.fullmatch(r"[A-Za-z_]\w*", args.query.strip()):
            print(f"imgmeta: error: no named query {args.query!r}; see imgmeta query --list",
                  file=sys.stderr)
            return EXIT_USAGE
        sql = args.query
    try:
        columns, rows = localsql.run(localsql.connect(args.output, all_runs=args.all_runs),
                                     sql)
    except localsql.QueryError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(render(columns, rows, args.format))
    return EXIT_OK


def _map(args: argparse.Namespace) -> int:
    from image_metadata.explore import gps_map
    try:
        result = gps_map.write_map(args.output, args.html, where=args.where, limit=args.limit,
                                   title=args.title, all_runs=args.all_runs)
    except gps_map.MapError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    counts = result.counts
    print(f"wrote {result.path}: {counts.drawn} of {counts.images} images drawn "
          f"({counts.without_gps} without GPS, {counts.impossible} with impossible positions)")
    if counts.drawn == 0:
        print("no image in this output has a usable GPS position; the map shows none",
              file=sys.stderr)
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from image_metadata.job import inputs, pipeline, run_metrics
    given = sum(bool(v) for v in (args.manifest, args.images, args.inventory))
    if given != 1:
        print("imgmeta: error: give a MANIFEST, --images LOCATION or --inventory "
              "MANIFEST_JSON, one of them" + (", not more" if given else ""), file=sys.stderr)
        return EXIT_USAGE
    if args.retry_failures != "yes" and not args.incremental:
        print("imgmeta: error: --retry-failures applies to incremental runs; add "
              "--incremental", file=sys.stderr)
        return EXIT_USAGE
    if (args.include or args.exclude) and args.manifest:
        print("imgmeta: error: --include and --exclude choose keys under --images or in "
              "--inventory; a manifest names its URLs itself", file=sys.stderr)
        return EXIT_USAGE
    config = pipeline.RunConfig(
        manifest=args.manifest,
        images=args.images,
        inventory=args.inventory,
        incremental=args.incremental,
        retry_failures=args.retry_failures,
        include=tuple(args.include),
        exclude=tuple(args.exclude),
        output=args.output,
        run_id=args.run_id,
        partitions=args.partitions,
        url_column=args.url_column,
        id_column=args.id_column,
        encoding=args.encoding,
        extract=ExtractSettings(
            concurrency=args.concurrency,
            max_bytes=args.max_bytes,
            allow_local_files=not args.no_local_files,
            fetch=FetchSettings(allow_private_networks=args.allow_private_networks,
                                allowed_networks=tuple(args.allow_network)),
        ),
    )
    try:  # check the input before paying for a JVM start
        files = inputs.check(config)
    except ManifestError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        spark = pipeline.local_session(args.master, show_progress=sys.stderr.isatty())
    except Exception as e:  # no Java, a bad --master: the environment, not the run
        message = " ".join(f"{type(e).__name__}: {e}".split())
        print(f"imgmeta: error: cannot start Spark: {message}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = pipeline.run(spark, config, files)
    except (ManifestError, UsageError) as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        spark.stop()
    print(format_summary(summary))
    if not summary["accounted"]:
        return EXIT_FAILED
    limit = 0.0 if args.strict else args.max_failure_rate
    flag = "--strict" if args.strict else f"--max-failure-rate {limit:g}" if limit else ""
    too_many = run_metrics.over_limit(summary, limit, flag)
    if too_many:
        print(f"imgmeta: error: {too_many}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _aws(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from image_metadata.aws import remote
    from image_metadata.explore import queries
    arguments: dict[str, str] = {}
    if args.aws_command == "start-run":
        try:  # before any AWS call: a bad value costs nothing
            arguments = _job_run_arguments(args)
        except UsageError as e:
            print(f"imgmeta: error: {e}", file=sys.stderr)
            return EXIT_USAGE
    try:  # boto3's order: these flags, then AWS_PROFILE / AWS_REGION, then the config files
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    except ProfileNotFound as e:
        print(f"imgmeta: error: {e}; see aws configure list-profiles", file=sys.stderr)
        return EXIT_USAGE
    try:
        needs_stack = (args.aws_command == "start-run" and not args.job_name) or (
            args.aws_command == "query" and not (args.workgroup and args.database))
        info = remote.stack_info(session.client("cloudformation"), args.stack) \
            if needs_stack else None
        if args.aws_command == "start-run":
            return _start_run(args, session.client("glue"), info, arguments)
        try:
            sql = queries.get(args.query).sql
        except KeyError:
            sql = args.query
        columns, rows = remote.run_query(
            session.client("athena"), sql,
            workgroup=args.workgroup or info.workgroup,
            database=args.database or info.database,
            poll_seconds=args.poll_seconds, max_rows=args.max_rows,
        )
    except remote.RemoteError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except (BotoCoreError, ValueError) as e:  # no region, a bad region or endpoint: set-up
        print(f"imgmeta: error: {' '.join(str(e).split())} (check --region / --profile and "
              "your AWS configuration)", file=sys.stderr)
        return EXIT_USAGE
    print(render(columns, rows, args.format))
    return EXIT_OK


_S3_LOCATION = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/(?!.*//).*)?")


def _job_run_arguments(args: argparse.Namespace) -> dict[str, str]:
    if args.retry_failures not in (None, "yes") and not args.incremental:
        raise UsageError("--retry-failures applies to incremental runs; add --incremental")
    if sum(bool(v) for v in (args.manifest, args.images, args.inventory)) > 1:
        raise UsageError("give --manifest, --images or --inventory, one of them, not more")
    if (args.include or args.exclude) and not (args.images or args.inventory):
        raise UsageError("--include and --exclude choose keys under --images or in "
                         "--inventory; a manifest names its URLs itself")
    for glob in (args.include or []) + (args.exclude or []):
        if "," in glob:
            raise UsageError(f"glob {glob!r}: a Glue job argument separates globs with commas, "
                             "so a glob cannot hold one")
    for flag, location in (("--manifest", args.manifest), ("--images", args.images),
                           ("--inventory", args.inventory), ("--output", args.output)):
        if location is not None and not _S3_LOCATION.fullmatch(location):
            raise UsageError(f"{flag} {location!r}: a Glue run reads and writes S3, give an "
                             "s3://bucket/prefix location (no '//' in the key)")
    return settings.job_run_arguments({
        "manifest": args.manifest, "images": args.images, "inventory": args.inventory,
        "incremental": args.incremental, "retry_failures": args.retry_failures,
        "include": args.include,
        "exclude": args.exclude, "output": args.output, "run_id": args.run_id,
        "concurrency": args.concurrency, "partitions": args.partitions,
        "url_column": args.url_column, "id_column": args.id_column,
        "max_bytes": args.max_bytes, "allow_networks": args.allow_network,
    })


def _start_run(args: argparse.Namespace, glue: Any, info: Any,
               arguments: dict[str, str]) -> int:
    from image_metadata.aws import remote
    job_name = args.job_name or info.job_name
    run_id = remote.start_run(glue, job_name, arguments)
    print(f"started {job_name} run {run_id}")
    if not args.wait:
        return EXIT_OK

    def report(state: str, elapsed: float) -> None:
        print(f"  {elapsed:7.0f}s  {state}", flush=True)

    run = remote.wait_for_run(glue, job_name, run_id, poll_seconds=args.poll_seconds,
                              on_state=report)
    state = run["JobRunState"]
    duration = run.get("ExecutionTime")
    print(f"{job_name} run {run_id}: {state}" + (f" after {duration}s" if duration else ""))
    if state != "SUCCEEDED":
        print(f"imgmeta: error: {run.get('ErrorMessage', 'no error message from Glue')}",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def format_summary(summary: dict[str, Any]) -> str:
    rows = [
        ("run id", summary["run_id"]),
        ("input rows", summary["input_rows"]),
        ("  blank", summary["blank"]),
        ("  duplicates", summary["duplicates"]),
        ("  distinct URLs", summary["distinct_urls"]),
        ("succeeded", summary["succeeded"]),
        ("failed", summary["failed"]),
    ]
    rows += [(f"  {kind}", count) for kind, count in summary["failed_by_error_type"].items()]
    if summary.get("incremental"):
        rows += [("unchanged", summary["unchanged"]), ("skipped", summary["skipped"])]
    rows += [
        ("bytes read", f"{summary['bytes_read']:,}"),
        ("seconds", summary["seconds"]),
        ("output", summary["output"]),
        ("all rows accounted for", "yes" if summary["accounted"] else "NO"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


if __name__ == "__main__":
    sys.exit(main())
