"""The job running by itself and telling someone: an optional schedule, an optional path from
S3 object-created events to batched runs, and the alarms topic with its two alarms (a run
that fails or times out; a run whose share of failed images is above a threshold)."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from image_metadata.job.run_metrics import FAILED_PERCENT
from image_metadata.job.run_metrics import NAMESPACE as METRIC_NAMESPACE

from .config import StackConfig

_ENDED_BADLY = ["FAILED", "TIMEOUT", "ERROR"]


class Operations(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig,
                 job_name: str, images: s3.IBucket, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self._job_name = job_name
        self._images = images
        self._prefixes = config.image_prefixes
        self.topic = self._topic(config, key)
        self.failed_run_rule = self._failed_runs()
        self.failure_alarm = self._failure_share_alarm(config)
        self.schedule = self._schedule(config) if config.schedule else None
        self.events = self._events(config) if config.new_image_events else None

    def incremental_actions(self) -> list[glue.CfnTrigger.ActionProperty]:
        """One incremental run per image prefix (the whole bucket for '')."""
        return [glue.CfnTrigger.ActionProperty(job_name=self._job_name, arguments={
            "--images": f"s3://{self._images.bucket_name}/{prefix}",
            "--incremental": "true",
        }) for prefix in self._prefixes]

    def _topic(self, config: StackConfig, key: kms.IKey) -> sns.Topic:
        topic = sns.Topic(self, "Alarms", display_name="image-metadata alarms",
                          master_key=key, enforce_ssl=True)
        # EventBridge and CloudWatch publish to the encrypted topic with the stack's key.
        for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            key.add_to_resource_policy(iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal(service)], resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ))
        if config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        return topic

    def _failed_runs(self) -> events.Rule:
        rule = events.Rule(self, "FailedRuns", description="image-metadata: a job run that "
                           "failed, timed out or ended in error", event_pattern=events.EventPattern(
                               source=["aws.glue"], detail_type=["Glue Job State Change"],
                               detail={"jobName": [self._job_name], "state": _ENDED_BADLY}))
        rule.add_target(targets.SnsTopic(self.topic, message=events.RuleTargetInput.from_text(
            f"image-metadata run {events.EventField.from_path('$.detail.jobRunId')} of "
            f"{events.EventField.from_path('$.detail.jobName')} ended "
            f"{events.EventField.from_path('$.detail.state')}: "
            f"{events.EventField.from_path('$.detail.message')}")))
        return rule

    def _failure_share_alarm(self, config: StackConfig) -> cloudwatch.Alarm:
        metric = cloudwatch.Metric(namespace=METRIC_NAMESPACE, metric_name=FAILED_PERCENT,
                                   dimensions_map={"JobName": self._job_name},
                                   statistic="Maximum", period=Duration.minutes(5))
        alarm = cloudwatch.Alarm(
            self, "FailureShare", metric=metric, threshold=config.max_failure_percent,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            # No run, no data point: nothing failed.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=f"image-metadata: a run where more than "
                              f"{config.max_failure_percent} % of the images failed",
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.topic))
        return alarm

    def _schedule(self, config: StackConfig) -> glue.CfnTrigger:
        return glue.CfnTrigger(
            self, "Schedule", type="SCHEDULED", schedule=config.schedule,
            start_on_creation=True, actions=self.incremental_actions(),
            description="image-metadata: incremental runs over the image prefixes",
        )

    def _events(self, config: StackConfig) -> glue.CfnWorkflow:
        """S3 (EventBridge) object-created events -> a Glue workflow whose event trigger starts
        an incremental run per batch, as Glue's event-driven workflows do it."""
        workflow = glue.CfnWorkflow(
            self, "NewImages", description="image-metadata: runs started by new images",
            max_concurrent_runs=1)
        glue.CfnTrigger(
            self, "NewImagesBatch", type="EVENT", workflow_name=workflow.ref,
            event_batching_condition=glue.CfnTrigger.EventBatchingConditionProperty(
                batch_size=config.event_batch_size,
                batch_window=config.event_batch_window_seconds),
            actions=self.incremental_actions(),
            description="image-metadata: an incremental run per batch of new images",
        )
        workflow_arn = f"arn:{Aws.PARTITION}:glue:{Aws.REGION}:{Aws.ACCOUNT_ID}:workflow/" \
                       f"{workflow.ref}"
        role = iam.Role(self, "NotifyWorkflow",
                        assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
                        description="EventBridge: hand new-image events to the workflow")
        role.add_to_policy(iam.PolicyStatement(actions=["glue:notifyEvent"],
                                               resources=[workflow_arn]))
        keys = [{"prefix": p} for p in self._prefixes if p] or [{"prefix": ""}]
        events.CfnRule(
            self, "ImageCreated", description="image-metadata: an object created under the "
            "image prefixes", event_pattern={
                "source": ["aws.s3"], "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [self._images.bucket_name]},
                           "object": {"key": keys}}},
            targets=[events.CfnRule.TargetProperty(arn=workflow_arn, id="workflow",
                                                   role_arn=role.role_arn)])
        return workflow
