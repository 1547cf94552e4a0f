"""Buckets and the stack key: images (in), metadata (out), Athena results, access logs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .config import StackConfig


class Storage(Construct):
    """Owns every bucket and the KMS key that encrypts the metadata and query results."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        destroy = config.destroy_data_on_delete
        data_policy = RemovalPolicy.DESTROY if destroy else RemovalPolicy.RETAIN
        self.key = kms.Key(
            self,
            "Key",
            description="image-metadata: metadata, query results, Glue logs and bookmarks",
            enable_key_rotation=True,
            removal_policy=data_policy,
        )
        # Server access logs cannot be delivered to a KMS-encrypted bucket: SSE-S3 here.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=data_policy,
            auto_delete_objects=destroy,
        )
        common = {
            "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
            "enforce_ssl": True,
            "server_access_logs_bucket": self.access_logs,
            "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            "removal_policy": data_policy,
            # A dev stack that may be destroyed must be able to empty its buckets first.
            "auto_delete_objects": destroy,
        }
        if config.existing_image_bucket:
            self.images: s3.IBucket = s3.Bucket.from_bucket_name(
                self, "Images", config.existing_image_bucket
            )
            self.images_created = False
        else:
            self.images = s3.Bucket(
                self, "Images", encryption=s3.BucketEncryption.S3_MANAGED,
                server_access_logs_prefix="images/", versioned=True, **common,
            )
            self.images_created = True
        self.metadata = s3.Bucket(
            self, "Metadata", encryption=s3.BucketEncryption.KMS, encryption_key=self.key,
            bucket_key_enabled=True, versioned=True, server_access_logs_prefix="metadata/",
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90)),
                s3.LifecycleRule(prefix="_staging/", expiration=Duration.days(7)),
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(2)),
            ],
            **common,
        )
        self.athena_results = s3.Bucket(
            self, "AthenaResults", encryption=s3.BucketEncryption.KMS, encryption_key=self.key,
            bucket_key_enabled=True, server_access_logs_prefix="athena-results/",
            lifecycle_rules=[
                s3.LifecycleRule(expiration=Duration.days(config.athena_results_expire_days)),
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            **common,
        )
