"""Buckets and the stack key: images (in), metadata (out), Athena results, access logs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from image_metadata.schema import DATASET_PREFIXES, STAGING_PREFIX

from .config import StackConfig

# Where the Glue job's script and dependency bundle are deployed in the metadata bucket.
ARTIFACTS_PREFIX = "_artifacts/glue/"


def metadata_lifecycle(noncurrent_days: int, artifacts_prefix: str) -> list[s3.LifecycleRule]:
    """The metadata bucket is versioned, and each run moves its files out of _staging/ (copy,
    then delete): every staged file lives on as a noncurrent version, and so does each file a
    re-run replaces. Staged copies go after a day; replaced output and replaced job bundles
    stay recoverable for ``noncurrent_days``.

    No two rules share a prefix and an action type: S3 refuses overlapping prefixes for the
    same action in the rule form CloudFormation writes."""
    kept = [f"{p}/" for p in DATASET_PREFIXES] + [artifacts_prefix]
    return [
        # A run that died midway leaves its staging behind; no run lasts 7 days (at most 48 h).
        # Expiring a current version also removes a delete marker left alone.
        s3.LifecycleRule(id="ExpireStaging", prefix=f"{STAGING_PREFIX}/",
                         expiration=Duration.days(7),
                         noncurrent_version_expiration=Duration.days(1)),
        *(s3.LifecycleRule(id=f"ExpireReplaced-{prefix.strip('/').replace('/', '-')}",
                           prefix=prefix,
                           noncurrent_version_expiration=Duration.days(noncurrent_days),
                           expired_object_delete_marker=True)
          for prefix in kept),
        s3.LifecycleRule(id="AbortIncompleteUploads",
                         abort_incomplete_multipart_upload_after=Duration.days(2)),
    ]


class Storage(Construct):
    """Owns every bucket and the KMS key that encrypts the metadata and query results."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        destroy = config.destroy_data_on_delete
        # Kept, even by the rollback of a failed first create (the bundle is in the metadata
        # bucket by then, and S3 does not delete a bucket holding versions). None has a fixed
        # name, so a kept one never blocks the next deploy.
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
                server_access_logs_prefix="images/", versioned=True,
                # Object-created events reach EventBridge, where new_image_events listens.
                event_bridge_enabled=config.new_image_events, **common,
            )
            self.images_created = True
        self.metadata = s3.Bucket(
            self, "Metadata", encryption=s3.BucketEncryption.KMS, encryption_key=self.key,
            bucket_key_enabled=True, versioned=True, server_access_logs_prefix="metadata/",
            lifecycle_rules=metadata_lifecycle(config.noncurrent_version_expire_days,
                                               ARTIFACTS_PREFIX),
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
        # A kept bucket keeps its policy: TLS only, and the logs bucket's delivery grant.
        created = [self.access_logs, self.metadata, self.athena_results]
        if self.images_created:
            created.append(self.images)
        for bucket in created:
            if bucket.policy is not None:
                bucket.policy.apply_removal_policy(data_policy)
