"""The Glue tables declare exactly what the Spark job writes, name for name, type for type."""

from __future__ import annotations

import json

import pytest

from image_metadata import samples
from image_metadata.extract import ExtractSettings
from image_metadata.job import pipeline
from image_metadata.schema import glue_type

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def written(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("schema-run")
    good = folder / "a.jpg"
    good.write_bytes(samples.encode("JPEG", (8, 8), exif=samples.exif_bytes()))
    (folder / "manifest.txt").write_text(f"{good}\n{folder / 'missing.jpg'}\n")
    output = folder / "out"
    pipeline.run(spark, pipeline.RunConfig(str(folder / "manifest.txt"), str(output),
                                           run_id="schema", extract=ExtractSettings(
                                               allow_local_files=True)))
    return output


def glue_columns(assembly, name: str) -> list[tuple[str, str]]:
    for resource in assembly.resources("AWS::Glue::Table").values():
        table = resource["Properties"]["TableInput"]
        if table["Name"] == name:
            keys = table.get("PartitionKeys", [])
            return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"] + keys]
    raise AssertionError(f"no table {name}")


@pytest.mark.parametrize("name", ["images", "failures"])
def test_glue_table_columns_equal_the_parquet_spark_wrote(spark, assembly, written, name):
    # dt is a string partition in the catalog (as Athena recommends); Spark would infer a date
    # from the folder names unless told not to.
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    try:
        schema = spark.read.parquet(str(written / name)).schema
    finally:
        spark.conf.unset("spark.sql.sources.partitionColumnTypeInference.enabled")
    spark_columns = [(f.name, glue_type(f.dataType.simpleString())) for f in schema.fields]
    assert glue_columns(assembly, name) == spark_columns


def test_runs_table_columns_equal_the_run_summary_keys(assembly, written):
    summary = json.loads((written / "runs" / "schema.json").read_text())
    assert [name for name, _ in glue_columns(assembly, "runs")] == list(summary)
