"""A success row holds exactly the images table's columns, each filled by its name."""

from __future__ import annotations

from image_metadata import samples
from image_metadata.extract import ExtractSettings, extract_one
from image_metadata.fetch.clients import Clients, FetchSettings
from image_metadata.schema import IMAGES_COLUMNS, result_columns


def _row(tmp_path):
    path = tmp_path / "rio.jpg"
    path.write_bytes(samples.encode("JPEG", (40, 30), exif=samples.exif_bytes(
        make="Canon", place=samples.PLACES["rio"])))
    settings = ExtractSettings(allow_local_files=True, concurrency=1)
    return extract_one(path.resolve().as_uri(), "img-1", Clients(FetchSettings()), settings,
                       "run-1")


def test_a_success_row_names_only_result_columns(tmp_path):
    row = _row(tmp_path)
    assert row["status"] == "ok"
    assert set(row) <= {c.name for c in result_columns()}


def test_a_success_row_fills_every_images_column_it_has_a_value_for(tmp_path):
    row = _row(tmp_path)
    assert {c.name for c in IMAGES_COLUMNS} <= set(row)
    assert (row["make"], row["country_code"], row["time_zone"]) == ("Canon", "BR",
                                                                    "America/Sao_Paulo")
