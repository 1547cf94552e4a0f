"""Glue Data Catalog: a database and the images / failures / runs tables over the output.

Columns come from ``image_metadata.schema``; ``dt`` uses partition projection, so a new run's
partition is queryable at once, with no crawler and no MSCK REPAIR.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from image_metadata.schema import (
    FAILURES_COLUMNS,
    IMAGES_COLUMNS,
    PARTITION_COLUMN,
    RUNS_COLUMNS,
    Column,
)

from .config import StackConfig

PROJECTION_START = "2024-01-01"
_PARQUET = {
    "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
}
_JSON_LINES = {
    "input_format": "org.apache.hadoop.mapred.TextInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "serde": "org.openx.data.jsonserde.JsonSerDe",
}


def _columns(columns: tuple[Column, ...]) -> list[glue.CfnTable.ColumnProperty]:
    return [glue.CfnTable.ColumnProperty(name=c.name, type=c.glue_type, comment=c.comment)
            for c in columns]


class Catalog(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig,
                 metadata_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.database_name = config.database_name
        self.database = glue.CfnDatabase(
            self, "Database", catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=config.database_name,
                description="Image metadata extracted by the image-metadata Glue job",
            ),
        )
        root = f"s3://{metadata_bucket.bucket_name}"
        self.tables = {
            "images": self._table("images", IMAGES_COLUMNS, root, partitioned=True,
                                  formats=_PARQUET, description="One row per image read"),
            "failures": self._table("failures", FAILURES_COLUMNS, root, partitioned=True,
                                    formats=_PARQUET,
                                    description="One row per image that could not be read"),
            "runs": self._table("runs", RUNS_COLUMNS, root, partitioned=False,
                                formats=_JSON_LINES, description="One row per job run"),
        }

    def _table(self, name: str, columns: tuple[Column, ...], root: str, *, partitioned: bool,
               formats: dict[str, str], description: str) -> glue.CfnTable:
        location = f"{root}/{name}/"
        parameters = {"classification": "parquet" if formats is _PARQUET else "json",
                      "EXTERNAL": "TRUE"}
        if partitioned:
            key = PARTITION_COLUMN.name
            parameters.update({
                "projection.enabled": "true",
                f"projection.{key}.type": "date",
                f"projection.{key}.format": "yyyy-MM-dd",
                f"projection.{key}.range": f"{PROJECTION_START},NOW",
                f"projection.{key}.interval": "1",
                f"projection.{key}.interval.unit": "DAYS",
                "storage.location.template": f"{location}{key}=${{{key}}}/",
            })
        table = glue.CfnTable(
            self, name.capitalize(), catalog_id=Aws.ACCOUNT_ID,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=name,
                description=description,
                table_type="EXTERNAL_TABLE",
                parameters=parameters,
                partition_keys=_columns((PARTITION_COLUMN,)) if partitioned else None,
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    columns=_columns(columns),
                    input_format=formats["input_format"],
                    output_format=formats["output_format"],
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=formats["serde"],
                        parameters={"ignore.malformed.json": "FALSE"}
                        if formats is _JSON_LINES else None,
                    ),
                ),
            ),
        )
        table.node.add_dependency(self.database)
        return table
