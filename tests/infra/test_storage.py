"""Buckets and key, as synthesized: private, TLS-only, encrypted, logged, retained."""

from __future__ import annotations

import pytest

BUCKET = "AWS::S3::Bucket"


def logical_id(assembly, prefix: str) -> str:
    return next(k for k in assembly.resources(BUCKET) if k.startswith(prefix))


def test_there_are_four_buckets_all_blocking_public_access(assembly):
    buckets = assembly.resources(BUCKET)
    assert len(buckets) == 4
    for bucket in buckets.values():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }


def test_every_bucket_policy_denies_requests_without_tls(assembly):
    policies = assembly.resources("AWS::S3::BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny"
                   and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                   for s in statements)


@pytest.mark.parametrize("prefix", ["StorageMetadata", "StorageAthenaResults"])
def test_metadata_and_query_results_use_the_stack_key(assembly, prefix):
    bucket = assembly.template["Resources"][logical_id(assembly, prefix)]["Properties"]
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key_id = next(iter(assembly.resources("AWS::KMS::Key")))
    assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": [key_id, "Arn"]}


@pytest.mark.parametrize("prefix", ["StorageImages", "StorageAccessLogs"])
def test_images_and_logs_are_encrypted_with_s3_keys(assembly, prefix):
    bucket = assembly.template["Resources"][logical_id(assembly, prefix)]["Properties"]
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_stack_key_rotates(assembly):
    assert assembly.one("AWS::KMS::Key")["EnableKeyRotation"] is True


@pytest.mark.parametrize("prefix", ["StorageImages", "StorageMetadata", "StorageAthenaResults"])
def test_data_buckets_log_access_to_the_logs_bucket(assembly, prefix):
    bucket = assembly.template["Resources"][logical_id(assembly, prefix)]["Properties"]
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": logical_id(assembly, "StorageAccessLogs")}


def test_metadata_bucket_is_versioned(assembly):
    bucket = assembly.template["Resources"][logical_id(assembly, "StorageMetadata")]
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


def test_query_results_expire(assembly):
    bucket = assembly.template["Resources"][logical_id(assembly, "StorageAthenaResults")]
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(rule.get("ExpirationInDays") == 30 for rule in rules)


def test_buckets_their_policies_and_the_key_are_kept_when_the_stack_goes(assembly):
    for kind in (BUCKET, "AWS::S3::BucketPolicy", "AWS::KMS::Key"):
        for resource in assembly.resources(kind).values():
            assert resource["DeletionPolicy"] == "Retain"
            assert resource["UpdateReplacePolicy"] == "Retain"


def test_a_destroyable_stack_deletes_buckets_policies_and_key(lake_assembly):
    for kind in (BUCKET, "AWS::S3::BucketPolicy", "AWS::KMS::Key"):
        for resource in lake_assembly.resources(kind).values():
            assert resource.get("DeletionPolicy", "Delete") == "Delete"


DATA = {BUCKET, "AWS::S3::BucketPolicy", "AWS::KMS::Key"}


def _explicit_name(resource: dict) -> str | None:
    """The physical name a resource is given in the template, if any."""
    properties = resource.get("Properties", {})
    for key, value in properties.items():
        if key.endswith("Name") and key != "DestinationBucketName" and isinstance(value, str):
            return value
    for nested in ("DatabaseInput", "TableInput"):
        if isinstance(properties.get(nested), dict) and "Name" in properties[nested]:
            return properties[nested]["Name"]
    return None


@pytest.mark.parametrize("variant", ["assembly", "lake_assembly"])
def test_only_unnamed_data_outlives_the_stack_so_it_can_be_deployed_again(variant, request):
    """After `cdk destroy` or a failed first create, a retained resource with a fixed name
    would make the next create fail on that name."""
    template = request.getfixturevalue(variant).template
    kept = {logical_id: r for logical_id, r in template["Resources"].items()
            if r.get("DeletionPolicy", "Delete") != "Delete"}
    assert {r["Type"] for r in kept.values()} <= DATA
    assert {logical_id: _explicit_name(r) for logical_id, r in kept.items()
            if _explicit_name(r)} == {}


def test_a_second_stack_gets_its_own_account_wide_names(assembly, lake_assembly):
    def names(template: dict) -> set:
        return {_explicit_name(r) for r in template["Resources"].values()
                if r["Type"] in ("AWS::Glue::Job", "AWS::Glue::Database",
                                 "AWS::Athena::WorkGroup", "AWS::Glue::SecurityConfiguration")}

    assert len(names(assembly.template)) == 4
    assert names(assembly.template).isdisjoint(names(lake_assembly.template))


def test_named_resources_go_with_the_stack(assembly):
    named = {k: r for k, r in assembly.template["Resources"].items() if _explicit_name(r)}
    assert {r["Type"] for r in named.values()} >= {
        "AWS::Glue::SecurityConfiguration", "AWS::Glue::Job", "AWS::Glue::Database",
        "AWS::Athena::WorkGroup"}
    assert {k: r.get("DeletionPolicy") for k, r in named.items()
            if r.get("DeletionPolicy", "Delete") != "Delete"} == {}


def metadata_rules(assembly) -> dict[str, dict]:
    bucket = assembly.template["Resources"][logical_id(assembly, "StorageMetadata")]
    return {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}


def test_staged_copies_expire_a_day_after_a_run_moved_them(assembly):
    staging = metadata_rules(assembly)["ExpireStaging"]
    assert staging["Prefix"] == "_staging/"
    assert staging["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert staging["ExpirationInDays"] == 7  # an abandoned run's staging; runs last <= 48 h


@pytest.mark.parametrize("prefix", ["images/", "failures/", "runs/", "_artifacts/glue/"])
def test_replaced_files_stay_recoverable_for_30_days_then_go(assembly, prefix):
    (rule,) = [r for r in metadata_rules(assembly).values() if r.get("Prefix") == prefix]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert rule["ExpiredObjectDeleteMarker"] is True


def test_incomplete_uploads_are_aborted(assembly):
    rule = metadata_rules(assembly)["AbortIncompleteUploads"]
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}


def test_no_two_lifecycle_rules_overlap_on_one_action(assembly):
    """S3 refuses overlapping prefixes for the same action type in this rule form."""
    kinds = {"Expiration": ("ExpirationInDays", "ExpiredObjectDeleteMarker"),
             "NoncurrentVersionExpiration": ("NoncurrentVersionExpiration",),
             "AbortIncompleteMultipartUpload": ("AbortIncompleteMultipartUpload",)}
    for kind, keys in kinds.items():
        prefixes = [r.get("Prefix", "") for r in metadata_rules(assembly).values()
                    if any(k in r for k in keys)]
        for a in prefixes:
            for b in prefixes:
                assert a is b or not (a.startswith(b) or b.startswith(a)), (kind, a, b)
