"""What the Glue job role may and may not do: requests decided against its synthesized policies.

The role's policies are taken from the template, their intrinsics resolved with fake physical
names (the images bucket is 'images-bucket', and so on), and each request is evaluated by
tests/support/iam_eval.py: an explicit Deny wins, otherwise an Allow must match the action,
the resource and every condition.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import LAKE_KEY
from tests.support.iam_eval import ACCOUNT, REGION, PolicyEvaluator
from tests.support.stack_template import FAKE_NAMES, job_role

STACK_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/stack-key"
OTHER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/someone-elses-key"
OUTPUT_PREFIXES = ["images/", "failures/", "runs/", "_staging/"]
BUNDLE = "_artifacts/glue/image_metadata.gluewheels.zip"
SCRIPT = "_artifacts/glue/extract_image_metadata.py"
WRITES = ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"]


def bucket(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def s3_object(bucket_name: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket_name}/{key}"


@pytest.fixture(scope="module")
def role(assembly) -> PolicyEvaluator:
    return job_role(assembly.template)


@pytest.fixture(scope="module")
def lake_role(lake_assembly) -> PolicyEvaluator:
    """The data-lake variant: an existing images bucket, read under two prefixes only."""
    return job_role(lake_assembly.template)


def test_every_fake_name_is_used(assembly):
    """Guards the substitution: each bucket and the key of the stack got its fake name."""
    kinds = ("AWS::S3::Bucket", "AWS::KMS::Key")
    found = [k for k, v in assembly.template["Resources"].items() if v["Type"] in kinds]
    assert sorted(re.sub("[0-9A-F]{8}$", "", k) for k in found) == sorted(FAKE_NAMES)


# ---------------------------------------------------------------- the images bucket


@pytest.mark.parametrize("key", ["a.jpg", "manifests/batch-1.csv", "2024/07/IMG_0001.HEIC"])
def test_reads_any_object_of_the_images_bucket(role, key):
    assert role.allows("s3:GetObject", s3_object("images-bucket", key))


@pytest.mark.parametrize("context", [{}, {"s3:prefix": "manifests/"}, {"s3:prefix": "2024/"}])
def test_lists_the_images_bucket(role, context):
    assert role.allows("s3:ListBucket", bucket("images-bucket"), context)


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("key", ["a.jpg", "manifests/batch-1.csv"])
def test_cannot_write_or_delete_images(role, action, key):
    assert not role.allows(action, s3_object("images-bucket", key))


# ---------------------------------------------------------------- the metadata bucket


@pytest.mark.parametrize("action", ["s3:PutObject", "s3:DeleteObject"])
@pytest.mark.parametrize("prefix", OUTPUT_PREFIXES)
def test_writes_and_deletes_under_the_output_prefixes(role, action, prefix):
    assert role.allows(action, s3_object("metadata-bucket", f"{prefix}run_id=r1/part-0.parquet"))


@pytest.mark.parametrize("prefix", ["images", "failures", "runs", "_staging"])
def test_writes_the_folder_marker_and_reads_the_bare_key_of_each_output_prefix(role, prefix):
    """S3A HEADs 'images' to tell a file from a folder and may write the marker 'images/'."""
    assert role.allows("s3:GetObject", s3_object("metadata-bucket", prefix))
    assert role.allows("s3:PutObject", s3_object("metadata-bucket", f"{prefix}/"))


@pytest.mark.parametrize("key", ["images-old/part-0.parquet", "imagesX", "runs.json",
                                 "_staging2/x"])
def test_cannot_write_to_siblings_of_the_output_prefixes(role, key):
    assert not role.allows("s3:PutObject", s3_object("metadata-bucket", key))


@pytest.mark.parametrize("action", ["s3:PutObject", "s3:DeleteObject"])
@pytest.mark.parametrize("key", ["other/x", "x.parquet", "_artifacts/glue/x", BUNDLE, SCRIPT])
def test_cannot_write_or_delete_elsewhere_in_the_metadata_bucket(role, action, key):
    assert not role.allows(action, s3_object("metadata-bucket", key))


@pytest.mark.parametrize("prefix", OUTPUT_PREFIXES)
def test_cannot_delete_object_versions_of_its_output(role, prefix):
    """The bucket is versioned: the job's deletes leave recoverable versions behind."""
    assert not role.allows("s3:DeleteObjectVersion",
                           s3_object("metadata-bucket", f"{prefix}part-0.parquet"))


@pytest.mark.parametrize("action", ["s3:DeleteBucket", "s3:PutBucketPolicy",
                                    "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
                                    "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
                                    "s3:PutEncryptionConfiguration"])
def test_cannot_delete_or_reconfigure_the_metadata_bucket(role, action):
    assert not role.allows(action, bucket("metadata-bucket"))


@pytest.mark.parametrize("key", [BUNDLE, SCRIPT])
def test_reads_its_script_and_dependency_bundle(role, key):
    assert role.allows("s3:GetObject", s3_object("metadata-bucket", key))


@pytest.mark.parametrize("prefix", [*OUTPUT_PREFIXES, "_artifacts/glue/"])
def test_lists_the_metadata_bucket_under_its_prefixes(role, prefix):
    assert role.allows("s3:ListBucket", bucket("metadata-bucket"), {"s3:prefix": prefix})


@pytest.mark.parametrize(("action", "context"), [
    ("s3:ListBucket", {"s3:prefix": "other/"}),
    ("s3:ListBucket", {}),
    ("s3:ListBucketVersions", {"s3:prefix": "images/"}),
])
def test_cannot_list_the_metadata_bucket_outside_its_prefixes(role, action, context):
    assert not role.allows(action, bucket("metadata-bucket"), context)


# ---------------------------------------------------------------- other buckets


def test_cannot_read_another_bucket(role):
    assert not role.allows("s3:GetObject", s3_object("someone-elses-bucket", "x"))


def test_cannot_list_another_bucket(role):
    assert not role.allows("s3:ListBucket", bucket("someone-elses-bucket"))


@pytest.mark.parametrize("name", ["athena-results-bucket", "access-logs-bucket"])
@pytest.mark.parametrize("action", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                    "s3:GetObjectVersion", "s3:PutObjectAcl"])
def test_no_object_access_to_the_athena_results_and_access_logs_buckets(role, name, action):
    assert not role.allows(action, s3_object(name, "results/q.csv"))


@pytest.mark.parametrize("name", ["athena-results-bucket", "access-logs-bucket"])
@pytest.mark.parametrize("action", ["s3:ListBucket", "s3:ListBucketVersions",
                                    "s3:GetBucketPolicy", "s3:PutBucketPolicy",
                                    "s3:DeleteBucket"])
def test_no_bucket_access_to_the_athena_results_and_access_logs_buckets(role, name, action):
    assert not role.allows(action, bucket(name))


def test_no_statement_names_the_athena_results_or_access_logs_buckets(role):
    """Beyond the sampled actions above: no granted resource mentions these buckets."""
    resources = [r for s in role.statements for r in (*s.resources, *s.not_resources)]
    assert not [r for r in resources if "athena-results" in r or "access-logs" in r]


# ---------------------------------------------------------------- KMS


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey"])
def test_uses_the_stack_key(role, action):
    assert role.allows(action, STACK_KEY)


@pytest.mark.parametrize("action", ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"])
def test_cannot_use_another_key(role, action):
    assert not role.allows(action, OTHER_KEY)


@pytest.mark.parametrize("action", ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy",
                                    "kms:CreateGrant", "kms:DisableKey", "kms:ReEncryptFrom"])
def test_cannot_administer_the_stack_key(role, action):
    assert not role.allows(action, STACK_KEY)


# ---------------------------------------------------------------- IAM, STS, Glue, CloudWatch


def test_grants_only_s3_kms_logs_and_cloudwatch(role):
    assert role.granted_services() == {"s3", "kms", "logs", "cloudwatch"}


@pytest.mark.parametrize(("action", "resource"), [
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/any"),
    ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/any"),
    ("iam:CreateUser", "*"),
    ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/any"),
    ("glue:StartJobRun", f"arn:aws:glue:{REGION}:{ACCOUNT}:job/image-metadata-extract"),
    ("glue:UpdateJob", f"arn:aws:glue:{REGION}:{ACCOUNT}:job/image-metadata-extract"),
    ("glue:GetTable", f"arn:aws:glue:{REGION}:{ACCOUNT}:table/image_metadata/images"),
])
def test_no_iam_sts_or_glue_permissions(role, action, resource):
    assert not role.allows(action, resource)


def test_publishes_metrics_to_the_glue_namespace(role):
    assert role.allows("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": "Glue"})


@pytest.mark.parametrize("context", [{"cloudwatch:namespace": "AWS/S3"},
                                     {"cloudwatch:namespace": "glue"}, {}])
def test_cannot_publish_metrics_to_other_namespaces(role, context):
    assert not role.allows("cloudwatch:PutMetricData", "*", context)


@pytest.mark.parametrize(("log_group", "allowed"), [
    ("/aws-glue/jobs/output", True), ("/aws-glue/jobs/logs-v2-image-metadata", True),
    ("/aws/lambda/other", False)])
def test_writes_logs_to_glue_log_groups_only(role, log_group, allowed):
    stream = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group}:log-stream:run-1"
    assert role.allows("logs:PutLogEvents", stream) is allowed


# ---------------------------------------------------------------- the data-lake variant


@pytest.mark.parametrize("key", ["raw/photos/a.jpg", "raw/photos/2024/b.heic",
                                 "manifests/m.csv"])
def test_lake_reads_its_image_and_manifest_prefixes(lake_role, key):
    assert lake_role.allows("s3:GetObject", s3_object("corp-lake", key))


@pytest.mark.parametrize("key", ["private/x.jpg", "raw/a.jpg", "raw/photos-private/x.jpg",
                                 "a.jpg"])
def test_lake_cannot_read_outside_its_prefixes(lake_role, key):
    assert not lake_role.allows("s3:GetObject", s3_object("corp-lake", key))


@pytest.mark.parametrize("prefix", ["raw/photos/", "raw/photos/2024/", "manifests/"])
def test_lake_lists_its_prefixes(lake_role, prefix):
    assert lake_role.allows("s3:ListBucket", bucket("corp-lake"), {"s3:prefix": prefix})


@pytest.mark.parametrize("context", [{"s3:prefix": "private/"}, {"s3:prefix": "raw/"}, {}])
def test_lake_cannot_list_outside_its_prefixes(lake_role, context):
    assert not lake_role.allows("s3:ListBucket", bucket("corp-lake"), context)


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("key", ["raw/photos/a.jpg", "manifests/m.csv", "private/x.jpg"])
def test_lake_cannot_write_or_delete_in_the_lake(lake_role, action, key):
    assert not lake_role.allows(action, s3_object("corp-lake", key))


@pytest.mark.parametrize("action", ["s3:DeleteBucket", "s3:PutBucketPolicy"])
def test_lake_cannot_delete_or_reconfigure_the_lake_bucket(lake_role, action):
    assert not lake_role.allows(action, bucket("corp-lake"))


# ---------------------------------------------------------------- the data lake's own key


def _via(service: str) -> dict[str, str]:
    return {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}


def test_decrypts_lake_images_with_the_lake_key_through_s3(lake_role):
    assert lake_role.allows("kms:Decrypt", LAKE_KEY, _via("s3"))


@pytest.mark.parametrize("context", [{}, _via("secretsmanager"), _via("ssm"),
                                     {"kms:ViaService": "s3.other-region-1.amazonaws.com"}],
                         ids=["directly", "via-secrets-manager", "via-ssm", "via-s3-elsewhere"])
def test_cannot_use_the_lake_key_outside_s3_in_its_region(lake_role, context):
    assert not lake_role.allows("kms:Decrypt", LAKE_KEY, context)


def test_cannot_encrypt_with_the_lake_key(lake_role):
    assert not lake_role.allows("kms:Encrypt", LAKE_KEY, _via("s3"))
    assert not lake_role.allows("kms:GenerateDataKey", LAKE_KEY, _via("s3"))
