"""Parquet written straight from the contract (schema.py), for tests that need many rows or
values the extractor never produces (an impossible position, say) without running Spark."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from image_metadata.schema import IMAGES_COLUMNS

_ARROW = {"string": pa.string(), "int": pa.int32(), "bigint": pa.int64(),
          "double": pa.float64(), "boolean": pa.bool_(), "timestamp": pa.timestamp("ms", "UTC"),
          "timestamp_ntz": pa.timestamp("us")}


def arrow_type(spark_type: str) -> pa.DataType:
    if spark_type in _ARROW:
        return _ARROW[spark_type]
    match = re.fullmatch(r"map<(\w+),(\w+)>", spark_type)
    if match:
        return pa.map_(arrow_type(match.group(1)), arrow_type(match.group(2)))
    match = re.fullmatch(r"array<(\w+)>", spark_type)
    if match:
        return pa.list_(arrow_type(match.group(1)))
    raise ValueError(spark_type)


def image_row(index: int, latitude: float | None, longitude: float | None, **values: Any) -> dict:
    row: dict[str, Any] = {c.name: None for c in IMAGES_COLUMNS}
    row.update(url=f"https://images.example.test/photo-{index}.jpg", id=f"img-{index}",
               format="JPEG", mode="RGB", width=4000, height=3000, file_size=5_000_000,
               bytes_read=65536, make="ExampleCam", model="EC-1", exif={}, warnings=[],
               gps_latitude=latitude, gps_longitude=longitude, run_id="synthetic",
               datetime_original=datetime(2024, 5, 17, 12, 0),
               extracted_at=datetime(2026, 1, 1, tzinfo=UTC))
    row.update(values)
    return row


def write_images(output: Path, rows: list[dict], dt: str = "2026-01-01") -> Path:
    schema = pa.schema([(c.name, arrow_type(c.type)) for c in IMAGES_COLUMNS])
    folder = output / "images" / f"dt={dt}"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    path = folder / "synthetic-part-00000.parquet"
    pq.write_table(table, path)
    return path
