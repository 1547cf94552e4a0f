"""AWS Glue entry point: job arguments -> image_metadata.pipeline.run.

Glue passes arguments as ``--name value``; ``awsglue.utils.getResolvedOptions`` reads them on
Glue, argparse reads the same names anywhere else (local runs and tests).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

# Running the script straight from a checkout: make the package beside it importable.
sys.path.insert(1, str(Path(__file__).resolve().parent))

from image_metadata.exceptions import ManifestError
from image_metadata.extract import ExtractSettings
from image_metadata.sources import FetchSettings

REQUIRED = ("manifest", "output")
OPTIONAL = {
    "run_id": "",
    "concurrency": "32",
    "partitions": "0",
    "url_column": "url",
    "id_column": "",
    "max_bytes": str(32 * 1024 * 1024),
    "allow_local_files": "false",
    "allow_private_networks": "false",
    "allow_networks": "",
}


def parse_arguments(argv: list[str]) -> dict[str, str]:
    """Job arguments as strings; only the ones present are resolved (Glue style)."""
    present = {arg[2:].split("=", 1)[0] for arg in argv if arg.startswith("--")}
    wanted = [*REQUIRED, *(name for name in (*OPTIONAL, "JOB_RUN_ID") if name in present)]
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        parser = argparse.ArgumentParser(prog="extract_image_metadata.py")
        for name in wanted:
            parser.add_argument(f"--{name}", required=name in REQUIRED)
        parsed, _unknown = parser.parse_known_args(argv[1:])  # Glue adds its own arguments
        values = vars(parsed)
    else:
        values = getResolvedOptions(argv, wanted)
    resolved = {**OPTIONAL, **{k: v for k, v in values.items() if v is not None}}
    if not resolved["run_id"] and resolved.get("JOB_RUN_ID"):
        resolved["run_id"] = resolved["JOB_RUN_ID"]  # ties the output files to the Glue run
    return resolved


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes")


def main(argv: list[str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parse_arguments(argv)
    from image_metadata import pipeline

    config = pipeline.RunConfig(
        manifest=args["manifest"],
        output=args["output"],
        run_id=args["run_id"],
        partitions=int(args["partitions"]) or None,
        url_column=args["url_column"],
        id_column=args["id_column"] or None,
        extract=ExtractSettings(
            concurrency=int(args["concurrency"]),
            max_bytes=int(args["max_bytes"]),
            allow_local_files=_flag(args["allow_local_files"]),
            fetch=FetchSettings(
                allow_private_networks=_flag(args["allow_private_networks"]),
                allowed_networks=tuple(n.strip() for n in args["allow_networks"].split(",")
                                       if n.strip()),
            ),
        ),
    )
    spark = _session()
    try:
        summary = pipeline.run(spark, config)
    except ManifestError as e:
        print(f"extract_image_metadata: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0 if summary["accounted"] else 1


def _session():
    try:
        from awsglue.context import GlueContext
        from pyspark.context import SparkContext
    except ImportError:
        from image_metadata.pipeline import local_session

        return local_session("local[2]")
    return GlueContext(SparkContext.getOrCreate()).spark_session


if __name__ == "__main__":
    sys.exit(main(sys.argv))
