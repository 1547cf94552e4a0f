"""Output written before a column existed stays readable next to new output: columns are read
by name (as Athena reads Parquet), a column an old file lacks is null for its rows, and the
capture time written as a UTC-adjusted timestamp reads as the same wall clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from image_metadata.explore import localsql
from image_metadata.schema import IMAGES_COLUMNS
from tests.support.contract_data import arrow_type, image_row, write_images

# The images table as it was before camera settings, image properties and honest times.
_ADDED = {"lens_make", "lens_specification", "exposure_time", "f_number", "iso",
          "focal_length", "focal_length_35mm", "exposure_bias", "flash_fired",
          "exposure_program", "metering_mode", "white_balance", "gps_img_direction",
          "gps_speed_kmh", "gps_horizontal_error_m", "exif_labels", "dpi_x", "dpi_y",
          "bits_per_sample", "color_space", "icc_profile", "has_alpha", "progressive",
          "frames", "animated", "has_thumbnail", "datetime_original_utc",
          "datetime_original_utc_source"}


def _write_old(output, dt: str) -> None:
    columns = [c for c in IMAGES_COLUMNS if c.name not in _ADDED]
    fields = [(c.name, pa.timestamp("ms", "UTC") if c.name == "datetime_original"
               else arrow_type(c.type)) for c in columns]
    row = {c.name: None for c in columns}
    row.update(url="https://old.example.test/a.jpg", id="old", format="JPEG", exif={},
               warnings=[], run_id="before", extracted_at=datetime(2025, 1, 1, tzinfo=UTC),
               # The old job stored the wall clock 12:30 as the instant 12:30 UTC.
               datetime_original=datetime(2024, 5, 17, 12, 30, tzinfo=UTC))
    folder = output / "images" / f"dt={dt}"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([row], schema=pa.schema(fields)),
                   folder / "before-part-00000.parquet")


def test_old_and_new_output_are_read_together_by_column_name(tmp_path):
    _write_old(tmp_path, "2025-01-01")
    write_images(tmp_path, [image_row(1, 48.85, 2.35, iso=200, has_alpha=False,
                                      datetime_original=datetime(2024, 5, 17, 12, 30))],
                 dt="2026-01-01")
    con = localsql.connect(tmp_path)
    rows = con.execute("SELECT id, iso, has_alpha, datetime_original FROM images "
                       "ORDER BY id").fetchall()
    assert rows == [("img-1", 200, False, datetime(2024, 5, 17, 12, 30)),
                    ("old", None, None, datetime(2024, 5, 17, 12, 30))]
