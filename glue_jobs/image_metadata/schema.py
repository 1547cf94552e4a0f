"""The output data contract, defined once.

Every consumer reads the columns from here: the Spark job (as a DDL string), the Glue tables
(as Hive/Glue type names, which are the same spelling), the queries and the tests. Types are
written in the shared Spark/Glue spelling so no translation table is needed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str

    @property
    def glue_type(self) -> str:
        """The type in the Glue catalog's (Hive's) spelling: Hive has one ``timestamp``, which
        Athena reads as a time without zone from either kind of Parquet timestamp."""
        return glue_type(self.type)


def glue_type(spark_type: str) -> str:
    return spark_type.replace("timestamp_ntz", "timestamp")


IMAGES_COLUMNS: tuple[Column, ...] = (
    Column("url", "string", "Image URL as given in the manifest (trimmed)"),
    Column("id", "string", "Identifier carried from the manifest's id column, if any"),
    Column("format", "string",
           "Format: Pillow's name (JPEG, PNG, TIFF, WEBP, HEIF, ...), else CR3, RAF, JXL, ..."),
    Column("mode", "string", "Pillow mode: RGB, RGBA, L, CMYK, I;16, ..."),
    Column("width", "int", "Width in pixels (full-resolution image for raw files)"),
    Column("height", "int", "Height in pixels (full-resolution image for raw files)"),
    Column("dpi_x", "double", "Horizontal resolution, dots per inch (container, else EXIF)"),
    Column("dpi_y", "double", "Vertical resolution, dots per inch"),
    Column("bits_per_sample", "int", "Bits per sample (channel) as stored"),
    Column("color_space", "string",
           "Declared colour space: sRGB, Adobe RGB, Display P3, ..., else the ICC profile's "
           "model (RGB, CMYK, Grayscale)"),
    Column("icc_profile", "string", "The embedded ICC profile's description"),
    Column("has_alpha", "boolean", "The image has an alpha channel or transparency"),
    Column("progressive", "boolean", "JPEG: progressive (or interlaced PNG/GIF)"),
    Column("frames", "int", "Frames or pages, where the container states them"),
    Column("animated", "boolean", "More than one frame (GIF, APNG, WebP, HEIF sequence)"),
    Column("has_thumbnail", "boolean", "An embedded thumbnail or reduced-resolution copy"),
    Column("file_size", "bigint", "Size of the object in bytes"),
    Column("bytes_read", "bigint", "Bytes actually transferred to read the metadata"),
    Column("etag", "string", "ETag of the object (S3/HTTP), if any"),
    Column("last_modified", "timestamp", "Last-Modified of the object, UTC"),
    Column("make", "string", "EXIF Make"),
    Column("model", "string", "EXIF Model"),
    Column("lens_model", "string", "EXIF LensModel"),
    Column("lens_make", "string", "EXIF LensMake"),
    Column("lens_specification", "string",
           "EXIF LensSpecification as exiftool prints it: 18-55mm f/3.5-5.6, ? if unknown"),
    Column("software", "string", "EXIF Software"),
    Column("datetime_original", "timestamp_ntz",
           "Capture time as the camera's clock showed it (no time zone), with SubSecTimeOriginal"),
    Column("datetime_original_utc", "timestamp",
           "The capture time as a UTC instant, where the image says which zone it was taken in"),
    Column("datetime_original_utc_source", "string",
           "What gave datetime_original_utc: offset (OffsetTimeOriginal or an XMP time zone) "
           "| gps (the GPS clock) | position (the time zone at the GPS position)"),
    Column("orientation", "int", "EXIF Orientation, 1 to 8"),
    Column("title", "string", "XMP dc:title, IPTC ObjectName, else EXIF ImageTitle/XPTitle"),
    Column("description", "string",
           "Caption: EXIF ImageDescription, IPTC Caption-Abstract or XMP dc:description, "
           "reconciled as the MWG says"),
    Column("keywords", "array<string>", "IPTC Keywords or XMP dc:subject (MWG)"),
    Column("creator", "string", "EXIF Artist, IPTC By-line or XMP dc:creator (MWG); several "
                                "joined with '; '"),
    Column("copyright", "string", "EXIF Copyright, IPTC CopyrightNotice or XMP dc:rights (MWG)"),
    Column("rating", "double", "XMP xmp:Rating: -1 (rejected), 0 to 5"),
    Column("label", "string", "XMP xmp:Label (a colour label such as Red)"),
    Column("digital_source_type", "string",
           "IPTC DigitalSourceType from XMP: digitalCapture, trainedAlgorithmicMedia (AI), ..."),
    Column("c2pa", "boolean",
           "A C2PA manifest (content credentials) is embedded; its signature is not verified"),
    Column("c2pa_claim_generator", "string", "The active C2PA manifest's claim generator"),
    Column("c2pa_digital_source_types", "array<string>",
           "Digital source types the active manifest's actions declare"),
    Column("exposure_time", "double",
           "Seconds: ExposureTime, else from ShutterSpeedValue (APEX)"),
    Column("f_number", "double", "FNumber, else from ApertureValue (APEX)"),
    Column("iso", "int", "ISOSpeedRatings (first value); the SensitivityType's full value "
                         "when that is saturated at 65535"),
    Column("focal_length", "double", "Millimetres, the lens's actual focal length"),
    Column("focal_length_35mm", "int", "Millimetres, 35 mm film equivalent"),
    Column("exposure_bias", "double", "Exposure compensation, EV"),
    Column("flash_fired", "boolean", "Flash bit 0: the flash fired"),
    Column("exposure_program", "string", "ExposureProgram's label: Manual, Program AE, ..."),
    Column("metering_mode", "string", "MeteringMode's label: Multi-segment, Spot, ..."),
    Column("white_balance", "string", "WhiteBalance's label: Auto or Manual"),
    Column("gps_latitude", "double", "Decimal degrees, south negative"),
    Column("gps_longitude", "double", "Decimal degrees, west negative"),
    Column("gps_altitude", "double", "Metres, below sea level negative"),
    Column("gps_timestamp", "timestamp", "GPS date and time, UTC"),
    Column("gps_img_direction", "double", "Degrees the camera faced, 0 to 360"),
    Column("gps_speed_kmh", "double", "Speed of the GPS receiver, km/h"),
    Column("gps_horizontal_error_m", "double", "GPSHPositioningError, metres"),
    Column("time_zone", "string",
           "IANA time zone at the GPS position (offline lookup): Europe/Paris, Etc/GMT+2 at sea"),
    Column("country_code", "string",
           "ISO 3166-1 alpha-2 country of the nearest place (GeoNames; XK for Kosovo)"),
    Column("region", "string", "First-level division of the nearest place: state, province"),
    Column("place", "string",
           "Nearest populated place of 1,000 people or more, within 100 km; null at sea"),
    Column("place_distance_km", "double", "Distance from the GPS position to place, km"),
    Column("exif", "map<string,string>",
           "All EXIF/GPS/Interop tags as text, by standard name; codes stay numbers"),
    Column("exif_labels", "map<string,string>",
           "Labels of the enumerated tags in exif, as exiftool prints them: Flash 16 is "
           "'Off, Did not fire'"),
    Column("warnings", "array<string>", "Problems that lost a tag, never the image"),
    Column("run_id", "string", "The run that produced this row"),
    Column("extracted_at", "timestamp", "When the row was produced, UTC"),
)

FAILURES_COLUMNS: tuple[Column, ...] = (
    Column("url", "string", "Image URL as given in the manifest (trimmed)"),
    Column("id", "string", "Identifier carried from the manifest's id column, if any"),
    Column("error_type", "string", "One value of the closed vocabulary in ERROR_TYPES"),
    Column("error_message", "string", "One line, bounded length"),
    Column("http_status", "int", "Last HTTP status seen, if any"),
    Column("attempts", "int", "Requests made for the failing read, retries included"),
    Column("stage", "string", "manifest | fetch | decode"),
    Column("run_id", "string", "The run that produced this row"),
    Column("extracted_at", "timestamp", "When the row was produced, UTC"),
)

# One JSON object per run under runs/, one line each (what Athena's JSON SerDe reads).
RUNS_COLUMNS: tuple[Column, ...] = (
    Column("run_id", "string", "The run"),
    Column("dt", "string", "The dt partition the run wrote"),
    Column("manifest", "string", "Manifest file, folder or prefix; with --images, the images' "
           "folder or prefix"),
    Column("output", "string", "Output root"),
    Column("input_rows", "bigint", "Manifest rows read"),
    Column("blank", "bigint", "Rows with a blank URL"),
    Column("duplicates", "bigint", "Rows repeating a URL already listed"),
    Column("distinct_urls", "bigint", "Distinct non-blank URLs"),
    Column("succeeded", "bigint", "Rows written to images"),
    Column("failed", "bigint", "Rows written to failures"),
    Column("unchanged", "bigint", "Incremental runs: URLs not read again, their latest row "
           "still current (the object of their last successful read, or a failure not "
           "retried)"),
    Column("skipped", "bigint", "Incremental runs with retry_failures only: URLs never read "
           "before, left for a full run"),
    Column("failed_by_error_type", "map<string,bigint>", "Failures per error_type"),
    Column("bytes_read", "bigint", "Bytes transferred for the whole run"),
    Column("file_bytes_of_successes", "bigint", "Total size of the images read"),
    Column("accounted", "boolean", "input_rows = succeeded + failed + unchanged + skipped + "
           "duplicates + blank"),
    Column("concurrency", "int", "Parallel requests per partition"),
    Column("partitions", "int", "Spark partitions used for extraction"),
    Column("max_bytes", "bigint", "Per-image read cap"),
    Column("incremental", "boolean", "Whether the run read only what changed"),
    Column("seconds", "double", "Wall-clock duration of the run"),
    Column("finished_at", "string", "ISO 8601 UTC time the run finished"),
)

PARTITION_COLUMN = Column("dt", "string", "Extraction date, yyyy-MM-dd (UTC)")

# The output root's layout: the three datasets, and where a run stages its files until it
# moves them in (job.pipeline writes these; the stack grants and expires by them).
DATASET_PREFIXES = ("images", "failures", "runs")
STAGING_PREFIX = "_staging"

STAGES = ("manifest", "fetch", "decode")

# Closed vocabulary: adding a value is a contract change (README, queries, tests).
ERROR_TYPES: dict[str, str] = {
    "invalid_url": "The manifest value is not a usable URL (no host, bad characters, too long)",
    "unsupported_scheme": "A scheme other than s3, http, https (or file for local runs)",
    "blocked_address": "The host resolves to an address the job may not contact",
    "not_found": "HTTP 404/410 or S3 NoSuchKey/NoSuchBucket, or a missing local file",
    "access_denied": "HTTP 401/403 or S3 AccessDenied, or an unreadable local file",
    "timeout": "Connect or read timeout after all retries",
    "throttled": "HTTP 429, or 503 SlowDown, after all retries",
    "http_error": "Any other HTTP status that is not success, after retries for 5xx",
    "connection_error": "DNS failure, refused or reset connection, TLS failure, bad redirect",
    "too_large": "Reading the metadata needed more bytes than the per-image cap",
    "not_an_image": "The bytes are empty or match no image signature",
    "unsupported_format": "A recognised file type this tool does not read (PDF, SVG, ...)",
    "corrupt_image": "A supported format whose header cannot be parsed",
}

# Columns of the combined per-URL result computed once by the job: the union of both tables
# plus a status discriminator. Kept here so the pipeline and tests agree on it.
STATUS_COLUMN = Column("status", "string", "ok | failed | unchanged (a 304 to a conditional "
                       "read of an incremental run)")


def result_columns() -> tuple[Column, ...]:
    seen: dict[str, Column] = {}
    for column in (STATUS_COLUMN, *IMAGES_COLUMNS, *FAILURES_COLUMNS):
        seen.setdefault(column.name, column)
    return tuple(seen.values())


def ddl(columns: tuple[Column, ...]) -> str:
    """A Spark DDL schema string, e.g. ``url string, width int``."""
    return ", ".join(f"`{c.name}` {c.type}" for c in columns)


def names(columns: tuple[Column, ...]) -> list[str]:
    return [c.name for c in columns]


def markdown() -> str:
    """The contract as README tables; a test keeps the README equal to this."""
    lines = []
    for title, columns in (
        ("images", IMAGES_COLUMNS), ("failures", FAILURES_COLUMNS), ("runs", RUNS_COLUMNS)
    ):
        where = "partitioned by `dt`" if title != "runs" else "one JSON line per run"
        lines += [f"`{title}` ({where})", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | `{c.type}` | {c.comment} |" for c in columns]
        lines.append("")
    lines += ["| error_type | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in ERROR_TYPES.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
