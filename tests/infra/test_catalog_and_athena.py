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
    assert [(c["Name"], c["Type"]) for c in declared] == [(c.name, c.type) for c in columns]


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
    assert set(named) == set(files) and len(files) == 6
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
