"""The run summary as CloudWatch metrics, which the stack's failure-share alarm watches.

Published by the Glue job after each run (a local run has no job name and publishes none).
A metric that cannot be published costs a warning in the log, never the run: its rows are
written by then.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

NAMESPACE = "ImageMetadata"  # the stack's alarm (infra/operations.py) reads it here
FAILED_PERCENT = "FailedPercent"


def failed_percent(summary: dict[str, Any]) -> float:
    """Failed images as a share of the images read (unchanged ones were not read)."""
    read = (summary.get("succeeded") or 0) + (summary.get("failed") or 0)
    return round(100.0 * (summary.get("failed") or 0) / read, 3) if read else 0.0


def over_limit(summary: dict[str, Any], max_rate: float | None, flag: str) -> str | None:
    """Why the run failed too many images (more than ``max_rate``, a share from 0 to 1), or
    None; ``flag`` names the limit as the caller set it."""
    if max_rate is None or failed_percent(summary) <= 100 * max_rate:
        return None
    read = (summary.get("succeeded") or 0) + (summary.get("failed") or 0)
    return (f"{summary.get('failed') or 0:,} of {read:,} images read failed "
            f"({failed_percent(summary):g} %); {flag} allows at most {100 * max_rate:g} %")


def metric_data(summary: dict[str, Any], job_name: str) -> list[dict[str, Any]]:
    dimensions = [{"Name": "JobName", "Value": job_name}]
    counts = [(name, summary.get(key) or 0) for name, key in (
        ("Succeeded", "succeeded"), ("Failed", "failed"), ("Unchanged", "unchanged"),
        ("InputRows", "input_rows"))]
    return [{"MetricName": FAILED_PERCENT, "Dimensions": dimensions, "Unit": "Percent",
             "Value": failed_percent(summary)}] + [
        {"MetricName": name, "Dimensions": dimensions, "Unit": "Count", "Value": float(value)}
        for name, value in counts]


def publish(summary: dict[str, Any], job_name: str, *, client: Any = None) -> bool:
    """Put the run's metrics; False (and a warning) when CloudWatch refused them."""
    try:
        if client is None:
            import boto3

            client = boto3.session.Session().client("cloudwatch")
        client.put_metric_data(Namespace=NAMESPACE, MetricData=metric_data(summary, job_name))
    except Exception as e:  # the run's rows are written: a metric must not fail it
        log.warning("could not publish the run's metrics to CloudWatch (%s): %s",
                    type(e).__name__, e)
        return False
    return True
