"""``imgmeta``: the local command line."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from .exceptions import ManifestError
from .extract import ExtractSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgmeta", description="Extract image metadata from a manifest of image URLs."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser(
        "extract", help="run the extraction job with local Spark",
        description="Read MANIFEST (a CSV/TSV/URL-list file, or a folder of them), extract "
        "metadata for every distinct URL and write Parquet under --output.",
    )
    extract.add_argument("manifest", help="manifest file, folder or s3:// prefix")
    extract.add_argument("--output", required=True, help="output folder")
    extract.add_argument("--run-id", default="", help="run id (default: generated)")
    extract.add_argument("--concurrency", type=_positive, default=16,
                         help="parallel requests per Spark partition (default 16)")
    extract.add_argument("--partitions", type=_positive, default=None,
                         help="Spark partitions (default: from the number of URLs)")
    extract.add_argument("--master", default="local[*]", help="Spark master (default local[*])")
    extract.add_argument("--url-column", default="url", help="URL column name (default url)")
    extract.add_argument("--id-column", default=None,
                         help="id column carried to every row (default: 'id' when present)")
    extract.add_argument("--max-bytes", type=_positive, default=32 * 1024 * 1024,
                         help="per-image read cap in bytes (default 32 MiB)")
    extract.add_argument("--no-local-files", action="store_true",
                         help="refuse file:// and local paths in the manifest")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("image_metadata.progress").setLevel(logging.INFO)
    if args.command == "extract":
        return _extract(args)
    return EXIT_USAGE


def _extract(args: argparse.Namespace) -> int:
    from . import manifest as manifest_mod
    from . import pipeline

    try:  # check the manifest before paying for a JVM start
        manifest_mod.inspect(args.manifest, url_column=args.url_column, id_column=args.id_column)
    except ManifestError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    config = pipeline.RunConfig(
        manifest=args.manifest,
        output=args.output,
        run_id=args.run_id,
        partitions=args.partitions,
        url_column=args.url_column,
        id_column=args.id_column,
        extract=ExtractSettings(
            concurrency=args.concurrency,
            max_bytes=args.max_bytes,
            allow_local_files=not args.no_local_files,
        ),
    )
    spark = pipeline.local_session(args.master, show_progress=sys.stderr.isatty())
    try:
        summary = pipeline.run(spark, config)
    except ManifestError as e:
        print(f"imgmeta: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        spark.stop()
    print(format_summary(summary))
    return EXIT_OK if summary["accounted"] else EXIT_FAILED


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
