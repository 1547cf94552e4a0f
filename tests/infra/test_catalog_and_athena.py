"""Catalog tables generated from the schema, partition projection, the Athena workgroup."""

from __future__ import annotations

import pytest

from image_metadata.explore import queries
from image_metadata.schema import FAILURES_COLUMNS, IMAGES_COLUMNS, RUNS_COLUMNS


def tables(assembly) -> dict[str, dict]:
    found = {}
    for resource in assembly.resources("AWS::Glue::Table").values():
        table = resource["Properties"]["TableInput"]
        found[table["Name"]] = table
    return found


@pytest.mark.parametrize(("name", "columns"), [
    ("images", IMAGES_COLUMNS), ("failures", FAILURES_COLUMNS), ("runs", RUNS_COLUMNS)])
def test_table_columns_are_the_schema(assembly, name, columns):
    declared = tables(assembly)[name]["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in declared] == [(c.name, c.glue_type) for c in columns]


@pytest.mark.parametrize("name", ["images", "failures"])
def test_dt_is_a_projected_partition_so_new_runs_need_no_crawler(assembly, name):
    table = tables(assembly)[name]
    assert table["PartitionKeys"] == [
        {"Name": "dt", "Type": "string", "Comment": "Extraction date, yyyy-MM-dd (UTC)"}]
    params = table["Parameters"]
    assert params["projection.enabled"] == "true"
    assert (params["projection.dt.type"], params["projection.dt.format"]) == ("date", "yyyy-MM-dd")
    assert params["projection.dt.range"].endswith(",NOW")
    template = params["storage.location.template"]["Fn::Join"][1]
    assert template[-1] == f"/{name}/dt=${{dt}}/"


def test_parquet_tables_use_the_parquet_serde(assembly):
    for name in ("images", "failures"):
        serde = tables(assembly)[name]["StorageDescriptor"]["SerdeInfo"]
        assert serde["SerializationLibrary"].endswith("ParquetHiveSerDe")


def test_runs_table_reads_one_json_object_per_line(assembly):
    descriptor = tables(assembly)["runs"]["StorageDescriptor"]
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert descriptor["Location"]["Fn::Join"][1][-1] == "/runs/"


def test_workgroup_is_engine_v3_enforced_encrypted_and_capped(assembly):
    group = assembly.one("AWS::Athena::WorkGroup")
    config = group["WorkGroupConfiguration"]
    assert config["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["PublishCloudWatchMetricsEnabled"] is True
    assert config["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    result = config["ResultConfiguration"]
    assert result["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    key = next(iter(assembly.resources("AWS::KMS::Key")))
    assert result["EncryptionConfiguration"]["KmsKey"] == {"Fn::GetAtt": [key, "Arn"]}
    bucket = next(k for k in assembly.template["Resources"] if k.startswith("StorageAthenaResults"))
    assert result["OutputLocation"]["Fn::Join"][1][1] == {"Ref": bucket}


def test_every_query_file_is_a_named_query_of_the_workgroup(assembly):
    named = {q["Properties"]["Name"]: q["Properties"]
             for q in assembly.resources("AWS::Athena::NamedQuery").values()}
    files = {q.name: q for q in queries.load_all()}
    assert set(named) == set(files) and len(files) == 7
    for name, query in files.items():
        assert named[name]["QueryString"] == query.sql
        assert named[name]["Database"] == "image_metadata"
        assert named[name]["WorkGroup"] == "image-metadata"


def test_stack_outputs_name_what_users_need(assembly):
    assert set(assembly.template["Outputs"]) >= {
        "ImagesBucket", "MetadataBucket", "AthenaResultsBucket", "JobName", "Database",
        "Tables", "WorkGroup", "ManifestLocation", "OutputLocation"}
    job = next(iter(assembly.resources("AWS::Glue::Job")))
    assert assembly.template["Outputs"]["JobName"]["Value"] == {"Ref": job}


def _view_document(table: dict) -> dict:
    import base64
    import json

    text = table["ViewOriginalText"]
    assert text.startswith("/* Presto View: ") and text.endswith(" */")
    return json.loads(base64.b64decode(text[len("/* Presto View: "):-len(" */")]))


@pytest.mark.parametrize(("name", "base"), [("images_latest", "images"),
                                            ("failures_latest", "failures")])
def test_latest_views_are_athena_views_of_the_same_sql_as_local_runs(assembly, name, base):
    from image_metadata.explore import views

    table = tables(assembly)[name]
    assert (table["TableType"], table["Parameters"]["presto_view"]) == ("VIRTUAL_VIEW", "true")
    document = _view_document(table)
    assert document["originalSql"] == views.sql(name)
    assert document["catalog"] == "awsdatacatalog"
    databases = {r["Properties"]["TableInput"]["Name"]: r["Properties"]["DatabaseName"]
                 for r in assembly.resources("AWS::Glue::Table").values()}
    assert document["schema"] == databases[name] == databases[base]


@pytest.mark.parametrize(("name", "base"), [("images_latest", "images"),
                                            ("failures_latest", "failures")])
def test_a_latest_view_has_its_tables_columns_and_dt(assembly, name, base):
    table = tables(assembly)[base]
    expected = [c["Name"] for c in table["StorageDescriptor"]["Columns"] + table["PartitionKeys"]]
    view = tables(assembly)[name]
    assert [c["name"] for c in _view_document(view)["columns"]] == expected
    assert [c["Name"] for c in view["StorageDescriptor"]["Columns"]] == expected


def test_view_column_types_are_trino_spellings_of_the_contract():
    from infra.views import trino_type

    assert trino_type("map<string,string>") == "map(varchar,varchar)"
    assert trino_type("array<string>") == "array(varchar)"
    assert trino_type("timestamp_ntz") == trino_type("timestamp") == "timestamp(3)"


def test_named_queries_read_the_latest_views_by_default():
    reading = {q.name: q.sql for q in queries.load_all()}
    for name in ("camera_models", "images_by_country", "images_in_bbox", "images_without_gps",
                 "failures_by_error_type", "latest_row_per_url"):
        assert "_latest" in reading[name], name
