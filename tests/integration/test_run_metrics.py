"""The run summary's metrics, published to CloudWatch (a moto server) for the stack's
failure-share alarm."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import boto3

from image_metadata.job import run_metrics

SUMMARY = {"succeeded": 30, "failed": 10, "unchanged": 60, "input_rows": 105}


def test_the_failed_share_counts_only_the_images_read():
    assert run_metrics.failed_percent(SUMMARY) == 25.0
    assert run_metrics.failed_percent({"succeeded": 0, "failed": 0, "unchanged": 9}) == 0.0


def test_a_run_s_metrics_reach_cloudwatch_under_the_job_s_name(moto_endpoint):
    client = boto3.session.Session().client("cloudwatch")
    assert run_metrics.publish(SUMMARY, "metrics-test-job", client=client) is True
    now = datetime.now(UTC)
    answer = client.get_metric_statistics(
        Namespace="ImageMetadata", MetricName="FailedPercent",
        Dimensions=[{"Name": "JobName", "Value": "metrics-test-job"}],
        StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1),
        Period=300, Statistics=["Maximum"])
    assert [p["Maximum"] for p in answer["Datapoints"]] == [25.0]
    names = {m["MetricName"] for m in client.list_metrics(Namespace="ImageMetadata")["Metrics"]}
    assert {"FailedPercent", "Succeeded", "Failed", "Unchanged", "InputRows"} <= names


def test_cloudwatch_refusing_the_metrics_costs_a_warning_not_the_run(caplog, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    client = boto3.session.Session().client(
        "cloudwatch", config=boto3.session.Config(retries={"max_attempts": 1},
                                                  connect_timeout=1))
    with caplog.at_level(logging.WARNING):
        assert run_metrics.publish(SUMMARY, "job", client=client) is False
    assert "could not publish the run's metrics" in caplog.text


def test_a_run_over_its_failure_limit_is_named_with_the_limit():
    assert run_metrics.over_limit(SUMMARY, 0.2, "--max_failure_rate 0.2") == (
        "10 of 40 images read failed (25 %); --max_failure_rate 0.2 allows at most 20 %")
    assert run_metrics.over_limit(SUMMARY, 0.25, "x") is None
    assert run_metrics.over_limit(SUMMARY, None, "x") is None
