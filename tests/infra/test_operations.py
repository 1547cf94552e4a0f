"""The stack runs the job by itself and tells someone: template assertions on the default
stack (topic, failed-run rule, failure-share alarm; no schedule) and on the data-lake
variant, which turns on the schedule, the event path and the e-mail subscription."""

from __future__ import annotations

import json

import pytest
from cfnlint.api import ManualArgs, lint

from infra.config import StackConfig
from tests.conftest import LAKE


def _of(template: dict, kind: str) -> list[dict]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def _job_ref(template: dict) -> dict:
    (name,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Glue::Job"]
    return {"Ref": name}


def test_a_job_run_that_fails_or_times_out_is_sent_to_the_alarms_topic(assembly):
    template = assembly.template
    (topic,) = _of(template, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic
    rules = [r for r in _of(template, "AWS::Events::Rule")
             if r["EventPattern"].get("source") == ["aws.glue"]]
    (rule,) = rules
    assert rule["EventPattern"]["detail-type"] == ["Glue Job State Change"]
    assert rule["EventPattern"]["detail"] == {"jobName": [_job_ref(template)],
                                              "state": ["FAILED", "TIMEOUT", "ERROR"]}
    (target,) = rule["Targets"]
    topic_name = next(k for k, r in template["Resources"].items()
                      if r["Type"] == "AWS::SNS::Topic")
    assert target["Arn"] == {"Ref": topic_name}


def test_a_run_with_too_many_failures_raises_the_alarm(assembly):
    (alarm,) = _of(assembly.template, "AWS::CloudWatch::Alarm")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == (
        "ImageMetadata", "FailedPercent", 50)
    assert alarm["Dimensions"] == [{"Name": "JobName", "Value": _job_ref(assembly.template)}]
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert len(alarm["AlarmActions"]) == 1


def test_the_job_may_publish_its_run_metrics_and_nothing_else(assembly):
    statements = [s for p in _of(assembly.template, "AWS::IAM::Policy")
                  for s in p["PolicyDocument"]["Statement"]
                  if s.get("Action") == "cloudwatch:PutMetricData"]
    (publish,) = statements
    assert publish["Condition"] == {"StringEquals": {"cloudwatch:namespace": [
        "Glue", "ImageMetadata"]}}


def test_the_topic_is_encrypted_with_a_key_eventbridge_and_cloudwatch_may_use(assembly):
    (key,) = _of(assembly.template, "AWS::KMS::Key")
    services = json.dumps([s["Principal"] for s in key["KeyPolicy"]["Statement"]
                           if "kms:GenerateDataKey*" in s["Action"]])
    assert "events.amazonaws.com" in services and "cloudwatch.amazonaws.com" in services


def test_without_a_schedule_nothing_starts_the_job(assembly):
    assert _of(assembly.template, "AWS::Glue::Trigger") == []
    assert _of(assembly.template, "AWS::SNS::Subscription") == []


def test_the_schedule_starts_incremental_runs_over_the_image_prefixes(lake_assembly):
    template = lake_assembly.template
    (scheduled,) = [t for t in _of(template, "AWS::Glue::Trigger") if t["Type"] == "SCHEDULED"]
    assert scheduled["Schedule"] == LAKE["schedule"] and scheduled["StartOnCreation"] is True
    (action,) = scheduled["Actions"]
    assert action["JobName"] == _job_ref(template)
    assert action["Arguments"] == {"--images": "s3://corp-lake/raw/photos/",
                                   "--incremental": "true"}


def test_new_images_start_batched_runs_through_a_workflow(lake_assembly):
    template = lake_assembly.template
    (batched,) = [t for t in _of(template, "AWS::Glue::Trigger") if t["Type"] == "EVENT"]
    assert batched["EventBatchingCondition"] == {"BatchSize": 100, "BatchWindow": 900}
    assert batched["Actions"][0]["Arguments"]["--incremental"] == "true"
    (rule,) = [r for r in _of(template, "AWS::Events::Rule")
               if r["EventPattern"].get("source") == ["aws.s3"]]
    assert rule["EventPattern"]["detail-type"] == ["Object Created"]
    assert rule["EventPattern"]["detail"] == {"bucket": {"name": ["corp-lake"]},
                                              "object": {"key": [{"prefix": "raw/photos/"}]}}
    (target,) = rule["Targets"]
    assert ":workflow/" in json.dumps(target["Arn"])
    role = next(r["Properties"] for k, r in template["Resources"].items()
                if r["Type"] == "AWS::IAM::Policy" and "NotifyWorkflow" in k)
    (statement,) = role["PolicyDocument"]["Statement"]
    assert statement["Action"] == "glue:notifyEvent"


def test_the_alarm_email_is_subscribed_and_the_threshold_is_the_context_s(lake_assembly):
    (subscription,) = _of(lake_assembly.template, "AWS::SNS::Subscription")
    assert (subscription["Protocol"], subscription["Endpoint"]) == (
        "email", "photo-ops@example.com")
    (alarm,) = _of(lake_assembly.template, "AWS::CloudWatch::Alarm")
    assert alarm["Threshold"] == 20


def test_the_variant_with_everything_on_lints_clean(lake_assembly):
    template = json.dumps(lake_assembly.template)
    matches = lint(template, config=ManualArgs(regions=["eu-west-1"]))
    # The CDK's own bucket-emptying provider (a destroyable dev stack) states a dependency
    # twice; it is the library's resource, not this stack's.
    ours = [f"{m.rule.id} {m.message}" for m in matches
            if "CustomS3AutoDeleteObjectsCustomResourceProvider" not in m.message]
    assert ours == []


@pytest.mark.parametrize(("context", "message"), [
    ({"schedule": "0 3 * * *"}, "is not a Glue cron expression"),
    ({"schedule": "cron(0 3 * *)"}, "is not a Glue cron expression"),
    ({"alarm_email": "ops"}, "is not an e-mail address"),
    ({"event_batch_size": "500"}, "event_batch_size = 500 is outside 1..100"),
    ({"schedule": "cron(0 3 * * ? *)", "image_prefixes": "a/,b/,c/"},
     "max_concurrent_runs = 2 is less than the 3 image prefixes"),
])
def test_settings_that_would_not_deploy_are_refused_at_synthesis(context, message):
    with pytest.raises(ValueError, match=message):
        StackConfig.from_context(context)
