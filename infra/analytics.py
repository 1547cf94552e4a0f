"""Athena: an engine-v3 workgroup with enforced, encrypted settings and the named queries."""

from __future__ import annotations

from aws_cdk import aws_athena as athena
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from image_metadata.explore import queries

from .config import StackConfig


class Analytics(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig,
                 results_bucket: s3.IBucket, key: kms.IKey, database_name: str) -> None:
        super().__init__(scope, construct_id)
        self.workgroup = athena.CfnWorkGroup(
            self, "WorkGroup",
            name=config.workgroup_name,
            description="image-metadata: queries over the images, failures and runs tables",
            state="ENABLED",
            recursive_delete_option=True,  # named queries go with the workgroup
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=config.athena_bytes_scanned_cutoff,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{results_bucket.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    ),
                ),
            ),
        )
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        for query in queries.load_all():
            named = athena.CfnNamedQuery(
                self, f"Query-{query.name}",
                name=query.name,
                description=query.description[:1024],
                database=database_name,
                query_string=query.sql,
                work_group=self.workgroup.name,
            )
            named.node.add_dependency(self.workgroup)
            self.named_queries[query.name] = named
