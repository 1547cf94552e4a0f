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


def test_buckets_and_key_are_retained_when_the_stack_is_deleted(assembly):
    for kind in (BUCKET, "AWS::KMS::Key"):
        for resource in assembly.resources(kind).values():
            assert resource["DeletionPolicy"] == "Retain"
            assert resource["UpdateReplacePolicy"] == "Retain"
