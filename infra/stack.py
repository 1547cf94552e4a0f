"""The image-metadata stack: storage, the Glue job, the catalog and Athena, wired together."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .analytics import Analytics
from .catalog import Catalog
from .config import StackConfig
from .extraction_job import ExtractionJob
from .operations import Operations
from .storage import Storage
from .views import LatestViews


class ImageMetadataStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig,
                 **kwargs: object) -> None:
        super().__init__(scope, construct_id,
                         description="image-metadata: image URLs -> Glue -> Parquet -> Athena",
                         **kwargs)
        self.storage = Storage(self, "Storage", config=config)
        self.extraction = ExtractionJob(
            self, "Extraction", config=config, images=self.storage.images,
            metadata=self.storage.metadata, key=self.storage.key,
        )
        self.operations = Operations(
            self, "Operations", config=config, job_name=self.extraction.job.job_name,
            images=self.storage.images, key=self.storage.key,
        )
        self.catalog = Catalog(self, "Catalog", config=config,
                               metadata_bucket=self.storage.metadata)
        self.views = LatestViews(self, "LatestViews", database_name=self.catalog.database_name)
        for view in self.views.views.values():
            for table in self.catalog.tables.values():
                view.node.add_dependency(table)
        self.analytics = Analytics(
            self, "Analytics", config=config, results_bucket=self.storage.athena_results,
            key=self.storage.key, database_name=self.catalog.database_name,
        )
        self.analytics.node.add_dependency(self.catalog)
        self.analytics.node.add_dependency(self.views)
        outputs = {
            "ImagesBucket": self.storage.images.bucket_name,
            "MetadataBucket": self.storage.metadata.bucket_name,
            "AthenaResultsBucket": self.storage.athena_results.bucket_name,
            "AccessLogsBucket": self.storage.access_logs.bucket_name,
            "ManifestLocation": self.extraction.manifest_uri,
            "OutputLocation": self.extraction.output_uri,
            "JobName": self.extraction.job.job_name,
            "Database": self.catalog.database_name,
            "Tables": ",".join(self.catalog.tables),
            "Views": ",".join(self.views.views),
            "WorkGroup": config.workgroup_name,
            "AlarmsTopic": self.operations.topic.topic_arn,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
