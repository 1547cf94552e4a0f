"""What one run is told to do: its settings, the job arguments that name them, their checks.

One table (``JOB_ARGUMENTS``) serves the Glue entry script, ``imgmeta extract`` and
``imgmeta aws start-run``, so a value is refused the same way wherever it is given, before
any Spark work. No pyspark here: the checks run before a JVM is started.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from image_metadata.exceptions import UsageError
from image_metadata.extract import ExtractSettings
from image_metadata.fetch.clients import FetchSettings

log = logging.getLogger(__name__)

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_CONCURRENCY = 1024  # threads per Spark task; beyond this a worker runs out of memory first
MAX_PARTITIONS = 100_000
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class RunConfig:
    manifest: str
    output: str
    run_id: str = ""
    partitions: int | None = None
    url_column: str = "url"
    id_column: str | None = None
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    # How often the driver logs progress while extracting (seconds).
    progress_seconds: float = 30.0
    encoding: str = "utf-8"  # of the manifest files
    delimiter: str = ""  # of the manifest's columns; '' finds it from the file
    # Instead of a manifest: the images under a folder or s3:// prefix, chosen by extension
    # or by include globs, less the exclude globs.
    images: str = ""
    inventory: str = ""  # or an S3 Inventory report's manifest.json
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # Read only what changed since its last successful row in the output (and what failed,
    # as retry_failures says: yes, only, no).
    incremental: bool = False
    retry_failures: str = "yes"
    # A run that failed more than this share of the images it read ends in error (exit 1).
    max_failure_rate: float = 1.0


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- value checks


def parse_run_id(value: str) -> str:
    value = value.strip()
    if value and not RUN_ID_PATTERN.match(value):
        raise ValueError("use letters, digits, '.', '_' and '-' only, at most 100 characters, "
                         "starting with a letter or digit")
    return value


def parse_count(value: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, ASCII digits only (``_`` groups digits)."""
    text = value.strip().replace("_", "")
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", text):  # int() would take '²' and '٣'
        raise ValueError(f"expected a whole number from {low} to {high}")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"expected a whole number from {low} to {high}")
    return number


def count_between(low: int, high: int) -> Callable[[str], int]:
    """``parse_count`` for one range, as the argument tables take parsers."""
    return functools.partial(parse_count, low=low, high=high)


_SIZE = re.compile(r"([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*(?:([KMGT])(IB|B)?|B)?", re.IGNORECASE)


def parse_size(value: str) -> int:
    """Bytes, as GNU tools read sizes: 32M or 32MiB (powers of 1024), 32MB (powers of 1000)."""
    match = _SIZE.fullmatch(value.strip())
    if not match:
        raise ValueError("expected a size in bytes, e.g. 33554432, 32MiB or 10MB")
    number, unit, suffix = match.groups()
    base = 1000 if (suffix or "").upper() == "B" else 1024
    size = Decimal(number) * base ** " KMGT".index((unit or " ").upper())
    if size != size.to_integral_value() or not 1024 <= size <= 2**40:
        raise ValueError("expected a whole number of bytes from 1 KiB to 1 TiB")
    return int(size)


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError("expected true or false")


def parse_network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError("not a network in CIDR form, e.g. 10.20.0.0/16") from None


def parse_networks(value: str) -> tuple[str, ...]:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    for part in parts:
        try:
            parse_network(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a network in CIDR form, e.g. 10.20.0.0/16; "
                             "separate networks with commas") from None
    return tuple(parse_network(part) for part in parts)


def parse_name(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def parse_location(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("must name a file, folder or s3:// location")
    return text


def parse_optional_location(value: str) -> str:
    return value.strip()


def parse_globs(value: str) -> tuple[str, ...]:
    """Comma-separated globs (``*.jpg,raw/**``); a glob holding a comma cannot be given."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_rate(value: str) -> float:
    try:
        rate = float(value.strip())
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ValueError("expected a share from 0 to 1, e.g. 0.05")
    return rate


RETRY_FAILURES = ("yes", "only", "no")


def parse_retry_failures(value: str) -> str:
    text = value.strip().lower()
    if text not in RETRY_FAILURES:
        raise ValueError("expected yes (read failures again), only (read nothing else) or no")
    return text


OUTPUT_SCHEMES = ("s3", "s3a", "file")


def parse_output(value: str) -> str:
    """An output root Spark can write and list: Hadoop expands glob characters in paths and
    cannot hold ':' in a name."""
    text = parse_location(value)
    scheme, separator, rest = text.partition("://")
    if separator and scheme.lower() not in OUTPUT_SCHEMES:
        raise ValueError("Spark writes to s3:// (on Glue), or a local folder; give one of "
                         "those")
    path = rest if separator else text
    if re.search(r"[{}\[\]*?\\:]", path):
        raise ValueError("Spark cannot write below a path holding { } [ ] * ? \\ or ':'; "
                         "choose another location")
    return text


DELIMITERS = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t", "\\t": "\t"}


def parse_delimiter(value: str) -> str:
    """A manifest column separator: ',' ';' '|' or a tab ('tab' or '\\t' spell it); ''
    leaves it to be found from the file."""
    if value == "":
        return ""
    key = value if value in DELIMITERS else value.strip().lower()
    if key not in DELIMITERS:
        raise ValueError("expected one of , ; | or tab")
    return DELIMITERS[key]


def parse_encoding(value: str) -> str:
    import codecs

    try:
        return codecs.lookup(value.strip()).name
    except LookupError:
        raise ValueError("not a known text encoding (e.g. utf-8, latin-1, cp1252)") from None


def parse_seconds(value: str) -> float:
    try:
        seconds = float(value.strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0.1 <= seconds <= 3600:
        raise ValueError("expected a number of seconds from 0.1 to 3600")
    return seconds


# ---------------------------------------------------------------- the job arguments


@dataclass(frozen=True)
class JobArgument:
    """One setting as a Glue job argument (``--name value``); ``default`` None: required."""

    name: str
    default: str | None
    parse: Callable[[str], Any]
    help: str

    @property
    def flag(self) -> str:
        return f"--{self.name}"


JOB_ARGUMENTS: tuple[JobArgument, ...] = (
    JobArgument("manifest", "", parse_optional_location,
                "manifest file, or a folder / s3:// prefix of manifest files (this or --images)"),
    JobArgument("images", "", parse_optional_location,
                "instead of a manifest: every image under this s3:// prefix or folder"),
    JobArgument("inventory", "", parse_optional_location,
                "instead of a manifest: an S3 Inventory report (s3://.../manifest.json)"),
    JobArgument("include", "", parse_globs, "with --images or --inventory: comma-separated "
                "globs naming the keys to read (default: image extensions)"),
    JobArgument("exclude", "", parse_globs,
                "with --images or --inventory: comma-separated globs of keys to leave out"),
    JobArgument("output", None, parse_output, "output root (images/, failures/, runs/)"),
    JobArgument("incremental", "false", parse_bool, "read only objects new or changed since "
                "their last successful row in the output, and earlier failures"),
    JobArgument("retry_failures", "yes", parse_retry_failures, "with --incremental: read "
                "URLs whose last row failed again (yes), only those (only), or not (no)"),
    JobArgument("max_failure_rate", "1", parse_rate, "fail the job run when more than this "
                "share (0 to 1) of the images read failed, so its alarm fires (1: never)"),
    JobArgument("run_id", "", parse_run_id, "run id naming the output files (default: the Glue "
                "job run id, or a generated one)"),
    JobArgument("concurrency", "32", count_between(1, MAX_CONCURRENCY),
                "parallel requests per Spark partition"),
    JobArgument("partitions", "0", count_between(0, MAX_PARTITIONS),
                "Spark partitions for the extraction (0: about one per 5,000 URLs)"),
    JobArgument("url_column", "url", parse_name, "manifest column holding the URLs"),
    JobArgument("id_column", "", str.strip, "manifest column carried to every row as id "
                "(default: 'id' when present)"),
    JobArgument("max_bytes", str(DEFAULT_MAX_BYTES), parse_size,
                "per-image read cap in bytes (e.g. 33554432, 32MiB)"),
    JobArgument("allow_local_files", "false", parse_bool,
                "read file:// URLs and local paths (for local runs)"),
    JobArgument("allow_private_networks", "false", parse_bool,
                "let http(s) URLs reach loopback, private and link-local addresses"),
    JobArgument("allow_networks", "", parse_networks,
                "comma-separated CIDRs http(s) URLs may reach although private"),
    JobArgument("progress_seconds", "30", parse_seconds,
                "seconds between progress lines in the driver log"),
    JobArgument("encoding", "utf-8", parse_encoding,
                "text encoding of the manifest files (e.g. latin-1, cp1252)"),
    JobArgument("delimiter", "", parse_delimiter, "manifest column separator: , ; | or tab "
                "(default: found from each file)"),
)
ARGUMENTS_BY_NAME: Mapping[str, JobArgument] = {a.name: a for a in JOB_ARGUMENTS}

# Names Glue itself reads or passes to every job run (its documented special parameters and
# the ones awsglue.utils.getResolvedOptions reserves). A run may carry any of them; none may
# be one of ours.
GLUE_ARGUMENTS = frozenset({
    "JOB_ID", "JOB_RUN_ID", "JOB_NAME", "SECURITY_CONFIGURATION", "TempDir", "RedshiftTempDir",
    "job-bookmark-option", "job-bookmark-from", "job-bookmark-to", "continuation-option",
    "encryption-type", "enable-data-lineage", "debug", "mode", "endpoint", "conf",
    "additional-python-modules", "python-modules-installer-option", "python-virtual-env",
    "auto-scale-within-microbatch", "class", "continuous-log-conversionPattern",
    "continuous-log-logGroup", "continuous-log-logStreamPrefix", "customer-driver-env-vars",
    "customer-executor-env-vars", "datalake-formats", "disable-proxy-v2", "enable-auto-scaling",
    "enable-continuous-cloudwatch-log", "enable-continuous-log-filter",
    "enable-glue-datacatalog", "enable-job-insights", "enable-lakeformation-fine-grained-access",
    "enable-metrics", "enable-observability-metrics", "enable-rename-algorithm-v2",
    "enable-s3-parquet-optimized-committer", "enable-spark-ui", "executor-cores", "extra-files",
    "extra-jars", "extra-py-files", "job-language", "scriptLocation", "spark-event-logs-path",
    "use-postgres-driver", "user-jars-first",
})
# The Glue arguments getResolvedOptions registers itself: passed on to it, never asked for.
GLUE_RESOLVED_ARGUMENTS = ("JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "TempDir",
                  "RedshiftTempDir", "job-bookmark-option", "job-bookmark-from",
                  "job-bookmark-to", "continuation-option", "encryption-type",
                  "enable-data-lineage")


def check(name: str, value: str, *, flag: str | None = None) -> Any:
    """``value`` of job argument ``name``, parsed; UsageError naming the argument if bad."""
    argument = ARGUMENTS_BY_NAME[name]
    try:
        return argument.parse(value)
    except ValueError as e:
        shown = value if len(value) <= 60 else value[:59] + "…"
        raise UsageError(f"job argument {flag or argument.flag} {shown!r}: {e}") from None


def job_run_arguments(values: Mapping[str, Any]) -> dict[str, str]:
    """StartJobRun ``Arguments`` for the given settings (None: keep the job's default).

    Each value is written as the job reads it and checked as the job will check it, so a bad
    value fails here, not minutes later in Glue; only names of ``JOB_ARGUMENTS`` are sent."""
    arguments: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name not in ARGUMENTS_BY_NAME or name in GLUE_ARGUMENTS:
            raise UsageError(f"{name!r} is not a job argument of image-metadata")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | tuple):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        check(name, text)
        arguments[ARGUMENTS_BY_NAME[name].flag] = text
    return arguments


# ---------------------------------------------------------------- reading a Glue argv


def argument_pairs(argv: list[str]) -> list[tuple[str, str | None]]:
    """(name, value) of every ``--name value`` / ``--name=value`` in ``argv[1:]``.

    A token after a name is its value unless it is itself a known argument name: Glue passes
    values such as ``--no-index`` that look like options."""
    known = {*ARGUMENTS_BY_NAME, *GLUE_ARGUMENTS}
    pairs: list[tuple[str, str | None]] = []
    tokens = argv[1:]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("--"):
            continue  # a stray value; getResolvedOptions ignores it too
        name, equals, inline = token[2:].partition("=")
        if equals:
            pairs.append((name, inline))
            continue
        following = tokens[index] if index < len(tokens) else None
        if following is not None and not (following.startswith("--")
                                           and following[2:].partition("=")[0] in known):
            pairs.append((name, following))
            index += 1
        else:
            pairs.append((name, None))
    return pairs


def read_job_arguments(
    argv: list[str], resolve: Callable[[list[str], list[str]], dict[str, Any]]
) -> dict[str, str]:
    """Our job arguments from a Glue-style ``argv`` (defaults filled in), plus ``JOB_RUN_ID``
    and ``JOB_NAME`` when Glue passed them. ``resolve`` is awsglue's getResolvedOptions (or a
    stand-in with its behaviour). Raises UsageError for a missing or misspelt argument."""
    pairs = argument_pairs(argv)
    present = {name for name, _ in pairs}
    _refuse_unknown(present)
    missing = [a.flag for a in JOB_ARGUMENTS if a.default is None and a.name not in present]
    if not present & {"manifest", "images", "inventory"}:
        missing.insert(0, "--manifest (or --images, --inventory)")
    if missing:
        raise UsageError(f"job argument {', '.join(missing)} is missing: set it in the job's "
                         "default arguments or pass it to this run")
    for name, value in pairs:
        if name in ARGUMENTS_BY_NAME and value is None:
            raise UsageError(f"job argument --{name} has no value")
    # Only our arguments and the ones getResolvedOptions registers reach it: argparse would
    # otherwise take an unknown '--run' as an abbreviation of '--run_id'.
    # '--name=value' keeps a value such as '-x' from being taken for an option.
    passed = [argv[0]]
    for name, value in pairs:
        if name in ARGUMENTS_BY_NAME or name in GLUE_RESOLVED_ARGUMENTS or name == "JOB_NAME":
            passed.append(f"--{name}={value}" if value is not None else f"--{name}")
    wanted = [a.name for a in JOB_ARGUMENTS if a.name in present]
    if "JOB_NAME" in present:
        wanted.append("JOB_NAME")  # not reserved by getResolvedOptions, unlike JOB_RUN_ID
    try:
        resolved = resolve(passed, wanted)
    except Exception as e:  # awsglue's GlueArgumentError / RuntimeError: one line, no trace
        raise UsageError(f"job arguments cannot be read: {e}") from None
    values = {a.name: a.default for a in JOB_ARGUMENTS}
    values.update({k: v for k, v in resolved.items() if k in values and v is not None})
    for name in ("JOB_RUN_ID", "JOB_NAME"):
        if resolved.get(name):
            values[name] = resolved[name]
    return values


def _refuse_unknown(present: set[str]) -> None:
    """A misspelt or shortened argument of ours fails the run (ignoring it would change what
    the run does); other unknown names are logged, as Glue may add arguments of its own."""
    ours = sorted(ARGUMENTS_BY_NAME)
    for name in sorted(present - set(ours) - GLUE_ARGUMENTS):
        spelled = name.replace("-", "_").lower()
        guesses = [n for n in ours if spelled and n.startswith(spelled)] or \
            difflib.get_close_matches(spelled, ours, n=1, cutoff=0.75)
        if guesses:
            names = " or ".join(f"--{g}" for g in guesses)
            raise UsageError(f"unknown job argument --{name}; did you mean {names}?")
        log.warning("ignoring job argument --%s: image-metadata does not use it", name)


def config_from_job_arguments(values: Mapping[str, str]) -> RunConfig:
    """The run's settings from job argument values (strings); UsageError on a bad value."""
    parsed = {name: check(name, values[name]) for name in ARGUMENTS_BY_NAME}
    if parsed["images"] and parsed["inventory"]:
        raise UsageError("give the job argument --images or --inventory, one of the two, "
                         "not both")
    listing = parsed["images"] or parsed["inventory"]
    if listing and parsed["manifest"]:
        # The deployed job's default arguments name a manifest prefix; a run given --images
        # or --inventory reads that instead (the Glue argv does not say what was a default).
        log.info("%s given: the manifest location %s is not read", listing,
                 parsed["manifest"])
        parsed["manifest"] = ""
    if not (parsed["manifest"] or listing):
        raise UsageError("job argument --manifest (or --images, --inventory) is missing: set "
                         "it in the job's default arguments or pass it to this run")
    if parsed["retry_failures"] != "yes" and not parsed["incremental"]:
        raise UsageError("job argument --retry_failures applies to incremental runs; add "
                         "--incremental true")
    if (parsed["include"] or parsed["exclude"]) and not listing:
        raise UsageError("job arguments --include and --exclude choose keys under --images or "
                         "in --inventory; a manifest names its URLs itself")
    run_id = parsed["run_id"] or check("run_id", values.get("JOB_RUN_ID", ""),
                                       flag="--JOB_RUN_ID")
    return RunConfig(
        manifest=parsed["manifest"],
        output=parsed["output"],
        run_id=run_id,
        partitions=parsed["partitions"] or None,
        url_column=parsed["url_column"],
        id_column=parsed["id_column"] or None,
        progress_seconds=parsed["progress_seconds"],
        encoding=parsed["encoding"],
        delimiter=parsed["delimiter"],
        images=parsed["images"],
        inventory=parsed["inventory"],
        incremental=parsed["incremental"],
        retry_failures=parsed["retry_failures"],
        max_failure_rate=parsed["max_failure_rate"],
        include=parsed["include"],
        exclude=parsed["exclude"],
        extract=ExtractSettings(
            concurrency=parsed["concurrency"],
            max_bytes=parsed["max_bytes"],
            allow_local_files=parsed["allow_local_files"],
            fetch=FetchSettings(
                allow_private_networks=parsed["allow_private_networks"],
                allowed_networks=parsed["allow_networks"],
            ),
        ),
    )


def markdown() -> str:
    """The job arguments as the README's table (a test keeps the two equal)."""
    lines = ["| job argument | default | meaning |", "|---|---|---|"]
    for argument in JOB_ARGUMENTS:
        default = "required" if argument.default is None else f"`{argument.default}`" \
            if argument.default else "(none)"
        lines.append(f"| `{argument.flag}` | {default} | {argument.help} |")
    return "\n".join(lines)
