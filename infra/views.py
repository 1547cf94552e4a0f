"""Athena views over the tables: ``images_latest`` and ``failures_latest``, one row per URL.

Athena keeps a view in the Glue Data Catalog as a VIRTUAL_VIEW table whose original text is
``/* Presto View: <base64 of a JSON document> */``: the SQL, the catalog and database it
resolves names in, and the columns in Trino's type names. That is what ``CREATE VIEW`` in
Athena writes; creating the same table from CloudFormation needs no query run at deploy.
"""

from __future__ import annotations

import base64
import json
import re

from aws_cdk import Aws
from aws_cdk import aws_glue as glue
from constructs import Construct

from image_metadata.explore import views
from image_metadata.schema import FAILURES_COLUMNS, IMAGES_COLUMNS, PARTITION_COLUMN, Column

_TRINO = {"string": "varchar", "int": "integer", "bigint": "bigint", "double": "double",
          "boolean": "boolean",
          # Athena reads both Parquet timestamps of a Hive "timestamp" column as timestamp(3).
          "timestamp": "timestamp(3)", "timestamp_ntz": "timestamp(3)"}
COLUMNS = {"images_latest": (*IMAGES_COLUMNS, PARTITION_COLUMN),
           "failures_latest": (*FAILURES_COLUMNS, PARTITION_COLUMN)}


def trino_type(spark_type: str) -> str:
    """A contract type in Trino's spelling: ``map<string,string>`` -> ``map(varchar,varchar)``."""
    spark_type = spark_type.strip()
    if spark_type in _TRINO:
        return _TRINO[spark_type]
    match = re.fullmatch(r"(map|array)<(.+)>", spark_type)
    if match:
        inner = ",".join(trino_type(part) for part in match.group(2).split(","))
        return f"{match.group(1)}({inner})"
    raise ValueError(f"no Trino type for {spark_type!r}")


def presto_view_text(sql: str, database: str, columns: tuple[Column, ...]) -> str:
    document = {
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": [{"name": c.name, "type": trino_type(c.type)} for c in columns],
    }
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    return f"/* Presto View: {encoded} */"


class LatestViews(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, database_name: str) -> None:
        super().__init__(scope, construct_id)
        self.views: dict[str, glue.CfnTable] = {}
        for name in views.VIEWS:
            columns = COLUMNS[name]
            self.views[name] = glue.CfnTable(
                self, name.replace("_", " ").title().replace(" ", ""),
                catalog_id=Aws.ACCOUNT_ID,
                database_name=database_name,
                table_input=glue.CfnTable.TableInputProperty(
                    name=name,
                    description=views.description(name),
                    table_type="VIRTUAL_VIEW",
                    parameters={"presto_view": "true", "comment": "Presto View"},
                    view_original_text=presto_view_text(views.sql(name), database_name,
                                                        columns),
                    view_expanded_text="/* Presto View */",
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        columns=[glue.CfnTable.ColumnProperty(name=c.name, type=c.glue_type,
                                                              comment=c.comment)
                                 for c in columns],
                        serde_info=glue.CfnTable.SerdeInfoProperty(),
                    ),
                ),
            )
