"""``imgmeta``: the local command line."""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

from image_metadata.exceptions import ManifestError, UsageError
from image_metadata.explore import tables
from image_metadata.explore.tables import FORMATS, render
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings
from image_metadata.job import settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped with Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader (head, less) went away
TABLE_ROWS = 1000  # a table is for reading; csv and json are for everything
DATA_VARIABLE = "IMGMETA_DATA"  # the output folder query and map read when none is given


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line that says where to look, not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _Help(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; the examples kept one command a line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


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
    parser = _Parser(
        prog="imgmeta", description="Extract image metadata from a manifest of image URLs.",
        formatter_class=_Help,
        epilog=_examples("imgmeta extract manifest.csv --output out/",
                         "imgmeta query failures_by_error_type out/",
                         "imgmeta map out/",
                         "imgmeta aws start-run --wait"),
    )
    parser.add_argument("-v", "--verbose", "--debug", action="store_true",
                        help="log progress details, Spark's warnings and error traces")
    parser.add_argument("--version", action="version", version=f"imgmeta {_version()}")
    # -v after the subcommand too (imgmeta extract ... -v), as the AWS CLI takes --debug.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", "--debug", action="store_true",
                         default=argparse.SUPPRESS,
                         help="log progress details, Spark's warnings and error traces")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    text = _Help
    extract = commands.add_parser(
        "extract", help="run the extraction job with local Spark", parents=[verbose],
        formatter_class=text,
        description="Read MANIFEST (a CSV/TSV/URL-list file, or a folder of them), extract "
        "metadata for every distinct URL and write Parquet under --output.",
        epilog=_examples(
            "imgmeta extract manifest.csv --output out/",
            "imgmeta extract exports/ --output out/ --url-column image_url --delimiter ';'",
            "imgmeta extract --images photos/ --output out/ --exclude 'tmp/**'",
            "imgmeta extract manifest.csv --output out/ --incremental --strict"),
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
    extract.add_argument("--output", required=True, type=_output, metavar="DIR",
                         help="output folder (created if missing)")
    extract.add_argument("--incremental", action="store_true",
                         help="read only what is new or changed since its last successful row "
                         "in --output, and what failed")
    extract.add_argument("--retry-failures", choices=settings.RETRY_FAILURES, default="yes",
                         help="with --incremental: read URLs whose last row failed again "
                         "(yes, the default), only those (only), or not (no)")
    extract.add_argument("--run-id", default="", type=_run_id, metavar="ID",
                         help="run id (default: generated, YYYYMMDDTHHMMSSZ-xxxxxxxx)")
    extract.add_argument("--concurrency", type=_concurrency, default=32, metavar="N",
                         help="parallel requests per Spark partition (default 32)")
    extract.add_argument("--partitions", type=_partitions, default=None, metavar="N",
                         help="Spark partitions (default: from the number of URLs)")
    extract.add_argument("--master", default="local[*]", type=_master,
                         help="Spark master (default local[*]: every core)")
    extract.add_argument("--url-column", default="url", metavar="NAME",
                         type=_option(settings.parse_name),
                         help="URL column name (default url)")
    extract.add_argument("--id-column", default=None, metavar="NAME",
                         help="id column carried to every row (default: 'id' when present)")
    extract.add_argument("--delimiter", type=_option(settings.parse_delimiter), default="",
                         metavar="CHAR",
                         help="manifest column separator: ',' ';' '|' or 'tab' (default: "
                         "found from the file)")
    extract.add_argument("--encoding", type=_option(settings.parse_encoding), default="utf-8",
                         help="text encoding of the manifest (default utf-8; e.g. latin-1)")
    extract.add_argument("--max-failure-rate", type=_option(settings.parse_rate), default=None,
                         metavar="R",
                         help="exit 1 when more than this share (0 to 1) of the images read "
                         "failed, so a scheduler notices (default: never)")
    extract.add_argument("--strict", action="store_true",
                         help="exit 1 when any image failed (--max-failure-rate 0)")
    extract.add_argument("--max-bytes", type=_size, default=settings.DEFAULT_MAX_BYTES,
                         metavar="SIZE",
                         help="per-image read cap: bytes, or 32MiB / 10MB (default 32MiB)")
    extract.add_argument("--no-local-files", action="store_true",
                         help="refuse file:// and local paths in the manifest")
    extract.add_argument("--allow-private-networks", action="store_true",
                         help="let http(s) URLs reach loopback, private and link-local "
                         "addresses (refused by default: manifests are untrusted)")
    extract.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                         type=_network, help="allow one private network, e.g. 10.20.0.0/16 "
                         "for an on-premises image server (repeatable)")
    _add_aws_commands(commands, verbose)
    query = commands.add_parser(
        "query", parents=[verbose], formatter_class=text,
        help="run a named query or Athena SQL on a local output folder (DuckDB)",
        description="Run a named query (the same files the Athena workgroup has) or SQL in "
        "Athena's dialect against the Parquet output, with the tables images, failures, runs "
        "and the views images_latest, failures_latest.",
        epilog=_examples(
            "imgmeta query --list",
            "imgmeta query failures_by_error_type out/",
            "imgmeta query \"SELECT format, count(*) FROM images GROUP BY 1\" out/",
            "IMGMETA_DATA=out/ imgmeta query images_by_camera --format csv > cameras.csv"),
    )
    query.add_argument("query", nargs="?", help="named query or SQL text")
    _add_data_arguments(query)
    query.add_argument("--format", choices=FORMATS, default="table",
                       help="table (default; floats to 10 significant digits), csv, or json "
                       "(JSON Lines: one object per row); csv and json keep every digit and "
                       "write UTC instants as ISO 8601 with Z")
    query.add_argument("--max-rows", type=_positive, default=None, metavar="N",
                       help=f"rows to show at most (default: {TABLE_ROWS:,} in a table, every "
                       "row in csv and json)")
    query.add_argument("--list", action="store_true", help="list the named queries")
    query.add_argument("--all-runs", action="store_true",
                       help="images_latest/failures_latest show every run's row, not only "
                            "each URL's latest")
    gps_map = commands.add_parser(
        "map", parents=[verbose], formatter_class=text,
        help="write an interactive map of the images with GPS positions",
        description="Write one HTML file with a clustered Leaflet map of every image that has "
        "a GPS position, a heat layer and counts. It opens from disk; only the map tiles "
        "come from the network (a world outline is drawn without them).",
        epilog=_examples("imgmeta map out/",
                         "imgmeta map out/ --html ~/maps/holidays.html --where \"make = 'Canon'\"",
                         "imgmeta map out/ --limit 5000 --title 'Survey 2026'"),
    )
    _add_data_arguments(gps_map)
    gps_map.add_argument("--html", default=None, metavar="FILE",
                         help="file (or folder) to write (default: map.html in the data "
                         "folder)")
    gps_map.add_argument("--where", help="SQL predicate on the images table, Athena dialect")
    gps_map.add_argument("--limit", type=_positive, default=None, metavar="N",
                         help="at most N images (default: all)")
    gps_map.add_argument("--title", default="Image locations",
                         help="the page's title (default 'Image locations')")
    gps_map.add_argument("--all-runs", action="store_true",
                         help="draw every run's row of an image, not only its latest")
    return parser


def _add_data_arguments(command: argparse.ArgumentParser) -> None:
    """The output folder of imgmeta extract, the same way for query and map."""
    command.add_argument("data", nargs="?", metavar="DATA",
                         help=f"output folder of imgmeta extract (or --data, or ${DATA_VARIABLE})")
    command.add_argument("--data", "--output", dest="data_option", metavar="DIR",
                         help=f"output folder of imgmeta extract (default: ${DATA_VARIABLE})")


def _data_folder(args: argparse.Namespace) -> str | None:
    if args.data and args.data_option and args.data != args.data_option:
        raise UsageError(f"two data folders: {args.data} and --data {args.data_option}; give "
                         "one")
    folder = args.data or args.data_option or os.environ.get(DATA_VARIABLE) or None
    return _local(folder) if folder else None


def _local(path: str) -> str:
    """``~`` expanded as a shell would have (a quoted '~' in a script, $IMGMETA_DATA), so a
    check and the run see one path."""
    return path if "://" in path else os.path.expanduser(path)


def _add_aws_commands(commands: argparse._SubParsersAction,
                      verbose: argparse.ArgumentParser) -> None:
    text = _Help
    aws = commands.add_parser(
        "aws", help="use the deployed stack (Glue job, Athena)", parents=[verbose],
        formatter_class=text, description="Start runs of the deployed Glue job and query its "
        "output in Athena, with your AWS credentials (as the AWS CLI finds them).",
        epilog=_examples("imgmeta aws start-run --wait",
                         "imgmeta aws query failures_by_error_type --profile prod"))
    aws_commands = aws.add_subparsers(dest="aws_command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False, parents=[verbose])
    common.add_argument("--stack", default="ImageMetadata",
                        help="CloudFormation stack name (default ImageMetadata)")
    common.add_argument("--region", default=None,
                        help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then your "
                        "profile's region)")
    common.add_argument("--profile", default=None,
                        help="AWS named profile (default: AWS_PROFILE, then 'default')")
    start = aws_commands.add_parser(
        "start-run", parents=[common], help="start the Glue job, optionally wait for it",
        formatter_class=text,
        description="Start a run of the extraction job. Arguments not given keep the job's "
        "defaults (manifest: s3://<images bucket>/manifests/).",
        epilog=_examples(
            "imgmeta aws start-run --wait",
            "imgmeta aws start-run --manifest s3://my-images/manifests/2026-12.csv",
            "imgmeta aws start-run --images s3://my-images/photos/ --incremental --wait"),
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
    start.add_argument("--delimiter", type=_option(settings.parse_delimiter), metavar="CHAR",
                       help="manifest column separator: , ; | or tab (default: found from "
                       "each file)")
    start.add_argument("--max-bytes", type=_size, help="per-image read cap (bytes, 32MiB)")
    start.add_argument("--allow-network", action="append", default=None, metavar="CIDR",
                       type=_network, help="a private network http(s) URLs may reach "
                       "(repeatable)")
    start.add_argument("--wait", action="store_true", help="follow the run until it ends")
    start.add_argument("--poll-seconds", type=float, default=30.0, help=argparse.SUPPRESS)
    query = aws_commands.add_parser(
        "query", parents=[common], help="run a named query or SQL in the Athena workgroup",
        formatter_class=text,
        description="Run a named query or SQL in the stack's Athena workgroup and print the "
        "result.",
        epilog=_examples("imgmeta aws query failures_by_error_type",
                         "imgmeta aws query \"SELECT count(*) FROM images_latest\" "
                         "--format csv"),
    )
    query.add_argument("query", help="a named query (see imgmeta query --list) or SQL text")
    query.add_argument("--workgroup", help="workgroup (default: from the stack outputs)")
    query.add_argument("--database", help="database (default: from the stack outputs)")
    query.add_argument("--format", choices=FORMATS, default="table",
                       help="table (default), csv, or json (JSON Lines: one object per row)")
    query.add_argument("--max-rows", type=_positive, default=1000, metavar="N",
                       help="rows to fetch at most (default 1000)")
    query.add_argument("--poll-seconds", type=float, default=1.0, help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with stdout closed (>&-): what it prints would be lost
        print("imgmeta: error: standard output is closed", file=sys.stderr)
        return EXIT_FAILED
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("image_metadata.progress").setLevel(logging.INFO)
    if not args.verbose:  # Py4J logs each broken JVM call; the one error we print says it
        logging.getLogger("py4j").setLevel(logging.CRITICAL)
        logging.getLogger().addFilter(_not_from_py4j)  # it logs on the root logger too
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        if args.verbose:
            raise
        print("imgmeta: interrupted" + ("; nothing of this run was kept"
                                        if args.command == "extract" else ""), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as e:  # a bug or an environment we did not foresee: one line, not a trace
        if args.verbose:
            raise
        print(f"imgmeta: error: {one_line(e)} (run again with -v for the details)",
              file=sys.stderr)
        return EXIT_FAILED


def _not_from_py4j(record: logging.LogRecord) -> bool:
    return f"{os.sep}py4j{os.sep}" not in record.pathname


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "extract":
        return _extract(args)
    if args.command == "aws":
        return _aws(args)
    if args.command == "query":
        return _query(args)
    return _map(args)


_JAVA_EXCEPTION = re.compile(
    r"^\s*(?::\s*|Caused by: )?([\w$]+(?:\.[\w$]+)+(?:Exception|Error)): (.+)$")


def one_line(error: BaseException, limit: int = 300) -> str:
    """The gist of ``error`` in one line: for an error from the JVM, the Java exception's
    first line rather than Py4J's dump of the call."""
    text = str(error)
    lines = [line for line in text.splitlines() if line.strip()]
    java = next((m for m in map(_JAVA_EXCEPTION.match, lines) if m), None)
    if java:
        name, message = java.group(1).rsplit(".", 1)[-1], java.group(2)
    else:
        name, message = type(error).__name__, lines[0] if lines else ""
    shown = " ".join(f"{name}: {message}".split()) if message else name
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _query(args: argparse.Namespace) -> int:
    from image_metadata.explore import localsql, queries
    if args.list:  # whole descriptions, in the format asked for
        print(render(["name", "description"],
                     [(q.name, q.description) for q in queries.load_all()], args.format,
                     max_cell=None))
        return EXIT_OK
    try:
        data = _data_folder(args)
    except UsageError as e:
        return _usage(str(e))
    if not args.query:
        return _usage("query needs a named query or SQL text; see imgmeta query --list")
    if not data:
        return _usage(f"query needs the output folder of imgmeta extract: give it after the "
                      f"query, as --data DIR, or in ${DATA_VARIABLE}")
    try:
        sql = queries.get(args.query).sql
    except KeyError:
        if os.path.isdir(_local(args.query)) and args.data:
            return _usage(f"{args.query!r} is a folder: the query comes first, then the "
                          "folder (imgmeta query QUERY DATA)")
        if re.fullmatch(r"[A-Za-z_]\w*", args.query.strip()):
            return _usage(f"no named query {args.query!r}; see imgmeta query --list")
        sql = args.query
    try:
        connection = localsql.connect(data, all_runs=args.all_runs)
    except localsql.QueryError as e:
        return _usage(str(e))
    stop = _QueryInterrupt(connection)
    try:
        with stop:
            if args.format == "table" or args.max_rows:
                limit = args.max_rows or TABLE_ROWS
                columns, rows = localsql.run(connection, sql, max_rows=limit + 1)
                print(render(columns, rows[:limit], args.format,
                             more=len(rows) > limit and args.format == "table"))
            else:  # every row, written as it is read: a result of millions is never held
                columns, batches = localsql.run_in_batches(connection, sql)
                for text in tables.stream(columns, batches, args.format):
                    sys.stdout.write(text)
    except localsql.QueryError as e:
        if stop.seen:  # DuckDB reports the interrupt as the query's error
            raise KeyboardInterrupt from None
        return _usage(str(e))
    return EXIT_OK


class _QueryInterrupt:
    """Ctrl-C stops a running DuckDB query (DuckDB does not see Python's signal itself); a
    second one quits at once."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.seen = False
        self._previous: Any = None

    def __enter__(self) -> _QueryInterrupt:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGINT, self._previous)
        if self.seen:
            raise KeyboardInterrupt

    def _handle(self, _signum: int, _frame: Any) -> None:
        if self.seen:
            os._exit(EXIT_INTERRUPTED)
        self.seen = True
        self.connection.interrupt()


def _usage(message: str) -> int:
    print(f"imgmeta: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


def _map(args: argparse.Namespace) -> int:
    from image_metadata.explore import gps_map
    try:
        data = _data_folder(args)
    except UsageError as e:
        return _usage(str(e))
    if not data:
        return _usage(f"map needs the output folder of imgmeta extract: give it as DATA, "
                      f"--data DIR, or in ${DATA_VARIABLE}")
    try:
        html = map_file(data, args.html)
        result = gps_map.write_map(data, html, where=args.where, limit=args.limit,
                                   title=args.title, all_runs=args.all_runs)
    except gps_map.MapError as e:
        return _usage(str(e))
    except OSError as e:
        return _usage(f"cannot write {e.filename or args.html}: {e.strerror or e}")
    counts = result.counts
    print(f"wrote {result.path}: {counts.drawn} of {counts.images} images drawn "
          f"({counts.without_gps} without GPS, {counts.impossible} with impossible positions)")
    if counts.drawn == 0:
        print("no image in this output has a usable GPS position; the map shows none",
              file=sys.stderr)
    return EXIT_OK


def map_file(data: str, html: str | None) -> Path:
    """Where the map goes: next to the data unless named; a folder gets a map.html in it."""
    from image_metadata.explore.gps_map import MapError
    if not html:
        return Path(data) / "map.html"
    path = Path(html).expanduser()
    if path.is_dir() or html.endswith(("/", os.sep)):
        path = path / "map.html"
    if path.is_file() and path.suffix.lower() not in (".html", ".htm"):
        raise MapError(f"--html {html} exists and is no .html file; name an .html file (one "
                       "that exists is replaced)")
    folder = path.parent
    if not folder.is_dir():
        raise MapError(f"--html {html}: folder {folder} does not exist; create it or name a "
                       "file in an existing folder")
    if not os.access(folder, os.W_OK):
        raise MapError(f"--html {html}: folder {folder} is not writable")
    return path


def _extract(args: argparse.Namespace) -> int:
    from image_metadata.job import inputs, run_metrics
    given = sum(bool(v) for v in (args.manifest, args.images, args.inventory))
    if given != 1:
        return _usage("give a MANIFEST, --images LOCATION or --inventory MANIFEST_JSON, one "
                      "of them" + (", not more" if given else ""))
    if args.retry_failures != "yes" and not args.incremental:
        return _usage("--retry-failures applies to incremental runs; add --incremental")
    if (args.include or args.exclude) and args.manifest:
        return _usage("--include and --exclude choose keys under --images or in "
                      "--inventory; a manifest names its URLs itself")
    if args.delimiter and not args.manifest:
        return _usage("--delimiter is for manifests; --images and --inventory list objects")
    args.output = _local(args.output)
    args.manifest, args.images = _local(args.manifest), _local(args.images)
    # The environment before the input, the input before paying for a JVM start.
    problem = output_problem(args.output) or _output_inside_manifest(args) or java_problem()
    if problem:
        return _usage(problem)
    config = _run_config(args)
    try:
        files = inputs.check(config)
    except ManifestError as e:
        return _usage(str(e))
    summary = _run_spark(args, config, files)
    if isinstance(summary, int):
        return summary
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


def _run_config(args: argparse.Namespace) -> Any:
    from image_metadata.job import pipeline
    return pipeline.RunConfig(
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
        delimiter=args.delimiter,
        encoding=args.encoding,
        extract=ExtractSettings(
            concurrency=args.concurrency,
            max_bytes=args.max_bytes,
            allow_local_files=not args.no_local_files,
            fetch=FetchSettings(allow_private_networks=args.allow_private_networks,
                                allowed_networks=tuple(args.allow_network)),
        ),
    )


def _run_spark(args: argparse.Namespace, config: Any, files: list[Any]) -> dict[str, Any] | int:
    from image_metadata import terminal
    from image_metadata.job import pipeline
    interrupts = _Interrupts(quiet=not args.verbose)
    # Installed before the JVM starts and kept until it has stopped: a signal at any moment
    # stops the run the same way.
    with interrupts:
        try:
            spark = pipeline.local_session(args.master, quiet=not args.verbose)
        except Exception as e:  # a JVM that would not start: the environment, not the run
            if interrupts.signum:
                return interrupts.stopped()
            return _usage(f"cannot start Spark: {one_line(e)}")
        interrupts.attach(spark)  # PySpark put in its own SIGINT handler
        try:
            if interrupts.signum:
                raise KeyboardInterrupt
            return pipeline.run(spark, config, files, view=terminal.progress_bar())
        except (ManifestError, UsageError) as e:
            return _usage(str(e))
        except KeyboardInterrupt:
            if not interrupts.signum:
                raise
            return interrupts.stopped()
        except Exception:
            if interrupts.signum:  # a job cancelled under it fails with Spark's error
                return interrupts.stopped()
            raise
        finally:
            _stop(spark, interrupted=bool(interrupts.signum))


def _stop(spark: Any, interrupted: bool) -> None:
    try:
        spark.stop()
    except Exception:
        if not interrupted:
            raise
        # A signal to the whole process group stopped the JVM too: nothing is left to stop.


class _Interrupts:
    """Ctrl-C or SIGTERM during a run: Spark's jobs are cancelled from a thread of its own
    (the main thread may be inside a call to the JVM, whose connection it cannot share), then
    the run stops with KeyboardInterrupt, which removes what it staged. A second signal quits
    at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, quiet: bool = True) -> None:
        self.quiet = quiet
        self.signum = 0
        self._spark: Any = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        self._previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        return self

    def __exit__(self, *_: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def attach(self, spark: Any) -> None:
        self._spark = spark
        for number in self.SIGNALS:
            signal.signal(number, self._handle)

    def stopped(self) -> int:
        name = "interrupted" if self.signum == signal.SIGINT else \
            f"stopped by {signal.Signals(self.signum).name}"
        print(f"imgmeta: {name}; nothing of this run was kept", file=sys.stderr)
        return 128 + self.signum

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.signum:
            os._exit(128 + self.signum)
        self.signum = signum
        if self._spark is None:
            return  # the JVM is starting: the run stops as soon as it has
        cancel = threading.Thread(target=self._cancel, name="imgmeta-cancel", daemon=True)
        cancel.start()
        cancel.join(10)
        raise KeyboardInterrupt

    def _cancel(self) -> None:
        try:
            if self.quiet:  # cancelled tasks and writes log errors that say nothing new
                self._spark.sparkContext.setLogLevel("OFF")
            self._spark.sparkContext.cancelAllJobs()
        except Exception as e:  # the JVM gone already: nothing is left to cancel
            logging.getLogger(__name__).info("cancelling Spark jobs: %s", e)


def output_problem(output: str) -> str | None:
    """Why local Spark cannot write under ``output``, found before it starts; None if it can."""
    scheme, separator, _rest = output.partition("://")
    if separator:
        from image_metadata.job.pipeline import has_s3_connector
        if scheme.lower() in ("s3", "s3a", "s3n") and not has_s3_connector():
            return (f"--output {output}: local Spark has no S3 connector (hadoop-aws); write "
                    "to a local folder and copy it with aws s3 sync, or run on Glue with "
                    "imgmeta aws start-run")
        return None
    path = Path(output).expanduser()
    if path.exists() and not path.is_dir():
        return f"--output {output} is a file; give a folder (it is created if missing)"
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        return f"--output {output}: {existing} is a file, so no folder can be made below it"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"--output {output}: {existing} is not writable; choose another folder"
    return None


def _output_inside_manifest(args: argparse.Namespace) -> str | None:
    """An output folder inside the manifest folder: its files would be read as manifests by
    the next run."""
    if not args.manifest or "://" in args.manifest or "://" in args.output:
        return None
    manifest, output = Path(args.manifest).resolve(), Path(args.output).resolve()
    if manifest.is_dir() and (output == manifest or manifest in output.parents):
        return (f"--output {args.output} is inside the manifest folder {args.manifest}, whose "
                "files are all read as manifests; choose an output folder outside it")
    return None


def java_problem() -> str | None:
    """Why Spark would not find Java (it runs JAVA_HOME/bin/java, else java on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = str(Path(home) / "bin" / "java")
        if not os.access(java, os.X_OK):
            return (f"JAVA_HOME is {home}, which holds no bin/java; point it at a Java 17 "
                    "runtime or unset it")
    else:
        found = shutil.which("java")
        if found is None:
            return ("java not found: Spark needs a Java 17 runtime on PATH or in JAVA_HOME "
                    "(Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless)")
        java = found
    return _java_version_problem(java)


def _java_version_problem(java: str) -> str | None:
    """Spark 3.5 on Glue 5.1 runs Java 17; an older one fails with a trace of its own."""
    import subprocess

    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{java} does not run ({e}); install a Java 17 runtime or set JAVA_HOME"
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if done.returncode != 0 or not match:
        first = next((line for line in done.stderr.splitlines() if line.strip()), "")
        return f"{java} -version failed: {first.strip()}; install a Java 17 runtime"
    major = int(match.group(2) if match.group(1) == "1" else match.group(1))  # 1.8 is 8
    if major < 17:
        return (f"{java} is Java {major}; Spark here needs Java 17 or later (as Glue 5.1 "
                "runs): install one and point JAVA_HOME at it")
    return None


def _aws(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, NoCredentialsError, ProfileNotFound

    from image_metadata.aws import remote
    from image_metadata.explore import queries
    arguments: dict[str, str] = {}
    if args.aws_command == "start-run":
        try:  # before any AWS call: a bad value costs nothing
            arguments = _job_run_arguments(args)
        except UsageError as e:
            print(f"imgmeta: error: {e}", file=sys.stderr)
            return EXIT_USAGE
    # The AWS CLI's order: these flags, then AWS_PROFILE and AWS_REGION (which botocore
    # itself does not read), AWS_DEFAULT_REGION, then the config files.
    region = args.region or os.environ.get("AWS_REGION") or None
    if region is not None and not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", region):
        return _usage(f"--region {region!r} is not an AWS region name (e.g. eu-west-1)")
    try:
        session = boto3.session.Session(profile_name=args.profile, region_name=region)
    except ProfileNotFound as e:
        print(f"imgmeta: error: {e}; see aws configure list-profiles", file=sys.stderr)
        return EXIT_USAGE
    except BotoCoreError as e:  # a config file that does not parse
        return _usage(f"{e} (check your AWS configuration files)")
    try:
        if session.region_name is None:
            return _usage("no AWS region: give --region, set AWS_REGION, or set one in your "
                          "profile with aws configure")
        if session.get_credentials() is None:  # before a call fails with it, mid-way
            raise NoCredentialsError
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
        print(f"imgmeta: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_FAILED
    except NoCredentialsError:
        return _usage("no AWS credentials found: run aws configure (or aws sso login), or "
                      "name a profile with --profile / AWS_PROFILE")
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
        "delimiter": args.delimiter, "max_bytes": args.max_bytes,
        "allow_networks": args.allow_network,
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
