"""The Glue 5.1 PySpark job, its dependency bundle in S3, its role and security configuration."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Acknowledgment,
    Aws,
    DefaultStackSynthesizer,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from image_metadata.job.run_metrics import NAMESPACE as METRIC_NAMESPACE
from image_metadata.schema import DATASET_PREFIXES, STAGING_PREFIX

from .config import StackConfig
from .storage import ARTIFACTS_PREFIX

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "glue_jobs" / "extract_image_metadata.py"
BUNDLE_DIR = ROOT / "layers" / "dist"
BUNDLE_NAME = "image_metadata.gluewheels.zip"
# Everything the job writes lives under these prefixes of the metadata bucket.
OUTPUT_PREFIXES = (*DATASET_PREFIXES, STAGING_PREFIX)
# Glue 5.1 reads and writes s3:// through Hadoop's S3A, which needs these on the objects it
# writes: multipart uploads for large files and committers, and their cleanup.
S3A_OBJECT_WRITES = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                     "s3:ListMultipartUploadParts")


class ExtractionJob(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig,
                 images: s3.IBucket, metadata: s3.IBucket, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        bundle = BUNDLE_DIR / BUNDLE_NAME
        if not bundle.is_file():
            raise FileNotFoundError(
                f"{bundle} is missing: build the Glue dependency bundle first with "
                "`make bundle` (python layers/build_bundle.py)"
            )
        self.role = iam.Role(
            self, "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="image-metadata Glue job: read images, write metadata, write logs",
        )
        self._grant_images(config, images)
        self._grant_metadata(metadata)
        self._grant_logs_and_metrics(key)
        self._grant_key(key)

        # Deployed as folders so files keep their names: Glue recognises *.gluewheels.zip by
        # its suffix, which CDK's content-hash asset names would lose.
        self.bundle_deployment = s3deploy.BucketDeployment(
            self, "Bundle",
            sources=[
                s3deploy.Source.asset(str(BUNDLE_DIR), exclude=["*", f"!{BUNDLE_NAME}"]),
                s3deploy.Source.asset(str(SCRIPT.parent), exclude=["*", f"!{SCRIPT.name}"]),
            ],
            destination_bucket=metadata,
            destination_key_prefix=ARTIFACTS_PREFIX,
            prune=True,
            server_side_encryption=s3deploy.ServerSideEncryption.AWS_KMS,
            server_side_encryption_aws_kms_key_id=key.key_id,
            memory_limit=512,
        )
        self.bundle_uri = f"s3://{metadata.bucket_name}/{ARTIFACTS_PREFIX}{BUNDLE_NAME}"

        self.security_configuration = glue.SecurityConfiguration(
            self, "Security",
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(key),
            job_bookmarks_encryption=glue.JobBookmarksEncryption.client_side_kms(key),
            s3_encryption=glue.S3Encryption.kms(key),
        )
        # It has a fixed name and holds no data: a retained one would make the next create of
        # the stack (after a destroy or a failed first create) fail on the name.
        self.security_configuration.apply_removal_policy(RemovalPolicy.DESTROY)
        self.manifest_uri = f"s3://{images.bucket_name}/{config.manifest_prefix}"
        self.output_uri = f"s3://{metadata.bucket_name}/"
        self.job = glue.PySparkEtlJob(
            self, "Job",
            job_name=config.job_name,
            description="Extract image metadata from a manifest of image URLs into Parquet",
            # Grants are all explicit above: the construct's own grant for the script would add
            # an unconditioned s3:List* on the whole metadata bucket.
            role=self.role.without_policy_updates(),
            script=glue.Code.from_bucket(metadata, f"{ARTIFACTS_PREFIX}{SCRIPT.name}"),
            glue_version=glue.GlueVersion.V5_1,
            worker_configuration=glue.WorkerConfiguration(
                worker_type=glue.WorkerType.G_1X, number_of_workers=config.worker_count
            ),
            timeout=Duration.minutes(config.job_timeout_minutes),
            max_concurrent_runs=config.max_concurrent_runs,
            max_retries=0,  # a retried run would repeat every request; re-run by run id instead
            continuous_logging=glue.ContinuousLoggingProps(enabled=True),
            enable_metrics=True,
            enable_observability_metrics=True,
            security_configuration=self.security_configuration,
            default_arguments=self.default_arguments(config),
        )
        self.job.node.add_dependency(self.bundle_deployment)
        self._drop_redundant_handler_dependency()
        self._acknowledge_findings(metadata)

    def _drop_redundant_handler_dependency(self) -> None:
        """The BucketDeployment handler DependsOn its role although it already references the
        role's Arn; cfn-lint (W3005) flags the duplicate, so remove the explicit one."""
        handler = next(child for child in Stack.of(self).node.children
                       if child.node.id.startswith("Custom::CDKBucketDeployment"))
        function = handler.node.default_child
        policy = handler.node.find_child("ServiceRole").node.find_child("DefaultPolicy")
        stack = Stack.of(self)
        function.add_override("DependsOn", [stack.get_logical_id(policy.node.default_child)])

    def default_arguments(self, config: StackConfig) -> dict[str, str]:
        """What "Run job" in the console uses; every value can be overridden per run."""
        return {
            "--manifest": self.manifest_uri,
            "--output": self.output_uri,
            "--concurrency": str(config.concurrency_per_partition),
            "--additional-python-modules": self.bundle_uri,
            # The zip of wheels is the index: nothing is fetched from PyPI at job start.
            "--python-modules-installer-option": "--no-index",
            # S3A, Glue 5.1's S3 connector, assumes us-east-2 unless told the region.
            "--conf": f"spark.hadoop.fs.s3a.endpoint.region={Aws.REGION}",
        }

    def _grant_images(self, config: StackConfig, images: s3.IBucket) -> None:
        prefixes = sorted({*config.image_prefixes, config.manifest_prefix})
        read_all = "" in prefixes
        objects = [images.arn_for_objects("*")] if read_all else [
            images.arn_for_objects(f"{p}*") for p in prefixes
        ]
        self._image_resources = [_nag_form(Stack.of(self), images, "*" if read_all else f"{p}*")
                                 for p in (prefixes if not read_all else [""])]
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReadImagesAndManifests", actions=["s3:GetObject"], resources=objects,
        ))
        listing = iam.PolicyStatement(
            sid="ListImagesAndManifests", actions=["s3:ListBucket"],
            resources=[images.bucket_arn],
        )
        if not read_all:
            listing.add_condition("StringLike", {"s3:prefix": [f"{p}*" for p in prefixes]})
        self.role.add_to_policy(listing)
        # S3 connectors may ask for a bucket's region before reading it.
        self.role.add_to_policy(iam.PolicyStatement(
            sid="LocateImagesBucket", actions=["s3:GetBucketLocation"],
            resources=[images.bucket_arn],
        ))
        if config.image_kms_key_arn:
            self.role.add_to_policy(iam.PolicyStatement(
                sid="DecryptImages", actions=["kms:Decrypt"],
                resources=[config.image_kms_key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
            ))

    def _grant_metadata(self, metadata: s3.IBucket) -> None:
        # Per prefix 'images': the bare key too, which S3A HEADs to tell a file from a folder,
        # and 'images/' itself, its folder marker; never a sibling such as 'images-old/'.
        objects = [metadata.arn_for_objects(key) for p in OUTPUT_PREFIXES
                   for key in (p, f"{p}/*")]
        self.role.add_to_policy(iam.PolicyStatement(
            sid="WriteMetadata", actions=["s3:GetObject", *S3A_OBJECT_WRITES],
            resources=objects,
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReadBundle", actions=["s3:GetObject"],
            resources=[metadata.arn_for_objects(f"{ARTIFACTS_PREFIX}*")],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="LocateMetadataBucket", actions=["s3:GetBucketLocation"],
            resources=[metadata.bucket_arn],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ListMetadata", actions=["s3:ListBucket"], resources=[metadata.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [
                key for p in OUTPUT_PREFIXES for key in (p, f"{p}/*")
            ] + [f"{ARTIFACTS_PREFIX}*"]}},
        ))
        # S3A's committers list the uploads left pending under their output to abort them.
        # The action takes no prefix condition: it lists upload keys, never object data.
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ListPendingUploads", actions=["s3:ListBucketMultipartUploads"],
            resources=[metadata.bucket_arn],
        ))

    def _grant_key(self, key: kms.IKey) -> None:
        # Explicit actions rather than grant_encrypt_decrypt's ReEncrypt*/GenerateDataKey*.
        self.role.add_to_policy(iam.PolicyStatement(
            sid="UseStackKey",
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            resources=[key.key_arn],
        ))

    def _grant_logs_and_metrics(self, key: kms.IKey) -> None:
        log_groups = f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:/aws-glue/*"
        self.role.add_to_policy(iam.PolicyStatement(
            sid="WriteGlueLogs",
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                     "logs:AssociateKmsKey"],
            resources=[log_groups, f"{log_groups}:log-stream:*"],
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="PublishGlueMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"],
            # Glue's own job metrics, and the run summary's (infra/operations.py).
            conditions={"StringEquals": {"cloudwatch:namespace": ["Glue", METRIC_NAMESPACE]}},
        ))
        # CloudWatch Logs encrypts the job's log groups with the stack key.
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowGlueLogGroupEncryption",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                     "kms:Describe*"],
            resources=["*"],
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
        ))

    def _acknowledge_findings(self, metadata: s3.IBucket) -> None:
        """cdk-nag findings accepted on purpose, each on the construct that owns it."""
        stack = Stack.of(self)
        bucket = stack.get_logical_id(metadata.node.default_child)
        role_findings = {
            "AwsSolutions-IAM5[Resource::*]":
                "cloudwatch:PutMetricData supports no resource-level permissions; the statement "
                "is limited to the Glue namespace by condition",
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/_artifacts/glue/*]":
                "the job reads its script and dependency bundle, and nothing else, from this "
                "prefix",
            **{
                f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}/*]":
                    f"the job writes its output objects under the '{prefix}/' prefix only; "
                    "object keys are generated per run, so they cannot be listed in advance"
                for prefix in OUTPUT_PREFIXES
            },
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:"
            "<AWS::AccountId>:log-group:/aws-glue/*]":
                "Glue names the job's log groups itself under /aws-glue/ (suffixed by the "
                "security configuration), so they cannot be named in advance",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:"
            "<AWS::AccountId>:log-group:/aws-glue/*:log-stream:*]":
                "log streams are created per job run inside the Glue log groups",
        }
        for resource in self._image_resources:
            role_findings[f"AwsSolutions-IAM5[Resource::{resource}]"] = (
                "the job reads the images and manifests named in the manifest, which can be any "
                "object under the configured image prefixes"
            )
        for finding, reason in role_findings.items():
            Validations.of(self.role).acknowledge(
                Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason)
            )
        handler = next(child for child in stack.node.children
                       if child.node.id.startswith("Custom::CDKBucketDeployment"))
        deployment_findings = {
            "AwsSolutions-L1":
                "the BucketDeployment handler's runtime is chosen and updated by aws-cdk-lib",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]":
                "the CDK-managed BucketDeployment handler writes its own CloudWatch logs with "
                "the basic execution policy; it runs only during deployments",
            **{
                f"AwsSolutions-IAM5[Action::{action}]":
                    "BucketDeployment copies the bundle from the CDK asset bucket into the "
                    "artifacts prefix; aws-cdk-lib generates these grants"
                for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:Abort*",
                               "s3:DeleteObject*", "kms:ReEncrypt*", "kms:GenerateDataKey*")
            },
            f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/*]":
                "BucketDeployment writes under the artifacts prefix of the metadata bucket; its "
                "grant is generated by aws-cdk-lib at bucket level",
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{_asset_bucket(stack)}/*]":
                "BucketDeployment reads its source zip from the CDK bootstrap asset bucket",
        }
        for finding, reason in deployment_findings.items():
            Validations.of(handler).acknowledge(
                Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason)
            )


def _asset_bucket(stack: Stack) -> str:
    """The bootstrap asset bucket's name as cdk-nag spells it, for the stack's qualifier
    (``@aws-cdk/core:bootstrapQualifier``), so accounts bootstrapped with their own qualifier
    synthesize too."""
    synthesizer = stack.synthesizer
    qualifier = getattr(synthesizer, "bootstrap_qualifier", None) or \
        DefaultStackSynthesizer.DEFAULT_QUALIFIER
    return (DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME
            .replace("${Qualifier}", qualifier)
            .replace("${AWS::AccountId}", "<AWS::AccountId>")
            .replace("${AWS::Region}", "<AWS::Region>"))


def _nag_form(stack: Stack, bucket: s3.IBucket, pattern: str) -> str:
    """How cdk-nag spells an object ARN pattern of ``bucket`` in its finding ids."""
    child = bucket.node.default_child
    if child is not None:  # a bucket of this stack: referenced by its logical id
        return f"<{stack.get_logical_id(child)}.Arn>/{pattern}"
    return f"arn:<AWS::Partition>:s3:::{bucket.bucket_name}/{pattern}"
