"""The Glue job, its role, its security configuration and its dependency bundle."""

from __future__ import annotations

import json

JOB = "AWS::Glue::Job"


def ref_of(assembly, prefix: str) -> dict:
    return {"Ref": next(k for k in assembly.template["Resources"] if k.startswith(prefix))}


def joined(value: dict) -> list:
    return value["Fn::Join"][1]


def job_policy(assembly) -> list[dict]:
    policies = [p["Properties"] for p in assembly.resources("AWS::IAM::Policy").values()
                if p["Properties"]["Roles"] == [ref_of(assembly, "ExtractionRole")]]
    assert len(policies) == 1
    return policies[0]["PolicyDocument"]["Statement"]


def test_job_is_glue_5_1_on_g1x_workers_with_bounded_runs(assembly):
    job = assembly.one(JOB)
    assert (job["GlueVersion"], job["WorkerType"], job["NumberOfWorkers"]) == ("5.1", "G.1X", 10)
    assert job["Command"]["Name"] == "glueetl"
    assert (job["Timeout"], job["ExecutionProperty"]["MaxConcurrentRuns"]) == (480, 2)
    assert job["MaxRetries"] == 0


def test_default_arguments_point_at_the_stack_buckets(assembly):
    args = assembly.one(JOB)["DefaultArguments"]
    assert joined(args["--manifest"]) == ["s3://", ref_of(assembly, "StorageImages"), "/manifests/"]
    assert joined(args["--output"]) == ["s3://", ref_of(assembly, "StorageMetadata"), "/"]
    assert args["--concurrency"] == "32"


def test_dependencies_install_from_the_bundle_without_an_index(assembly):
    args = assembly.one(JOB)["DefaultArguments"]
    assert joined(args["--additional-python-modules"]) == [
        "s3://", ref_of(assembly, "StorageMetadata"),
        "/_artifacts/glue/image_metadata.gluewheels.zip"]
    assert args["--python-modules-installer-option"] == "--no-index"


def test_script_and_bundle_are_deployed_under_their_own_names(assembly):
    deployment = assembly.one("Custom::CDKBucketDeployment")
    assert deployment["DestinationBucketKeyPrefix"] == "_artifacts/glue/"
    assert joined(assembly.one(JOB)["Command"]["ScriptLocation"]) == [
        "s3://", ref_of(assembly, "StorageMetadata"), "/_artifacts/glue/extract_image_metadata.py"]
    staged = sorted(p.name for d in assembly.directory.glob("asset.*") if d.is_dir()
                    for p in d.iterdir())
    assert "image_metadata.gluewheels.zip" in staged
    assert "extract_image_metadata.py" in staged


def test_s3a_is_told_the_stack_region(assembly):
    """Glue 5.1's S3A connector assumes us-east-2 unless spark.hadoop.fs.s3a.endpoint.region
    is set."""
    args = assembly.one(JOB)["DefaultArguments"]
    assert joined(args["--conf"]) == ["spark.hadoop.fs.s3a.endpoint.region=",
                                      {"Ref": "AWS::Region"}]


def test_security_configuration_goes_with_the_stack(assembly):
    (config,) = assembly.resources("AWS::Glue::SecurityConfiguration").values()
    assert config["DeletionPolicy"] == "Delete"


def test_logs_metrics_and_observability_are_on(assembly):
    args = assembly.one(JOB)["DefaultArguments"]
    assert args["--enable-continuous-cloudwatch-log"] == "true"
    assert "--enable-metrics" in args
    assert args["--enable-observability-metrics"] == "true"


def test_security_configuration_encrypts_logs_bookmarks_and_s3_with_the_stack_key(assembly):
    config = assembly.one("AWS::Glue::SecurityConfiguration")["EncryptionConfiguration"]
    key = {"Fn::GetAtt": [next(iter(assembly.resources("AWS::KMS::Key"))), "Arn"]}
    assert config["CloudWatchEncryption"] == {"CloudWatchEncryptionMode": "SSE-KMS",
                                              "KmsKeyArn": key}
    assert config["JobBookmarksEncryption"] == {"JobBookmarksEncryptionMode": "CSE-KMS",
                                                "KmsKeyArn": key}
    assert config["S3Encryptions"] == [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}]
    assert assembly.one(JOB)["SecurityConfiguration"] == ref_of(
        assembly, "ExtractionSecurity")


def test_job_role_is_glue_only_and_has_no_managed_policies(assembly):
    role = assembly.template["Resources"][ref_of(assembly, "ExtractionRole")["Ref"]]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "glue.amazonaws.com"}]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_job_role_writes_only_the_output_prefixes_of_the_metadata_bucket(assembly):
    metadata = ref_of(assembly, "StorageMetadata")["Ref"]
    writes = [s for s in job_policy(assembly)
              if {"s3:PutObject", "s3:DeleteObject"} & set(_list(s["Action"]))]
    assert writes
    resources = [r for s in writes for r in _list(s["Resource"])]
    suffixes = sorted(joined(r)[1] for r in resources)
    assert all(joined(r)[0] == {"Fn::GetAtt": [metadata, "Arn"]} for r in resources)
    assert suffixes == sorted(f"/{p}{end}" for p in ("_staging", "failures", "images", "runs")
                              for end in ("", "/*"))


def test_job_role_cannot_write_or_delete_images(assembly):
    images = ref_of(assembly, "StorageImages")["Ref"]
    for statement in job_policy(assembly):
        if images in json.dumps(statement["Resource"]):
            assert set(_list(statement["Action"])) <= {"s3:GetObject", "s3:ListBucket",
                                                       "s3:GetBucketLocation"}


def test_job_role_uses_the_key_without_wildcard_actions(assembly):
    kms = [s for s in job_policy(assembly) if any(a.startswith("kms:") for a in _list(s["Action"]))]
    assert kms and all("*" not in a for s in kms for a in _list(s["Action"]))


def _list(value: str | list) -> list:
    return value if isinstance(value, list) else [value]
