"""The synthesized template as the tests read it: fake physical names for the stack's buckets
and key, the job role's policies, the Glue job's default arguments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.support.iam_eval import PolicyEvaluator, Resolver

# Logical id prefix of each bucket and key of the stack -> the fake name it gets here.
FAKE_NAMES = {
    "StorageImages": "images-bucket",
    "StorageMetadata": "metadata-bucket",
    "StorageAthenaResults": "athena-results-bucket",
    "StorageAccessLogs": "access-logs-bucket",
    "StorageKey": "stack-key",
}


def fake_names(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> fake physical name, for every bucket and key the stack creates."""
    names = {}
    for logical_id, resource in template["Resources"].items():
        prefix = re.fullmatch(r"(\w+?)[0-9A-F]{8}", logical_id)
        if resource["Type"] in ("AWS::S3::Bucket", "AWS::KMS::Key") and prefix:
            names[logical_id] = FAKE_NAMES[prefix.group(1)]
    return names


def job_role(template: Mapping[str, Any]) -> PolicyEvaluator:
    """The evaluator of the extraction job role's policies in ``template``."""
    (role,) = [k for k, v in template["Resources"].items()
               if v["Type"] == "AWS::IAM::Role" and k.startswith("ExtractionRole")]
    return PolicyEvaluator.for_role(template, role, fake_names(template))


def job_default_arguments(template: Mapping[str, Any]) -> dict[str, str]:
    """The Glue job's DefaultArguments, intrinsics resolved with the fake names."""
    (job,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::Glue::Job"]
    resolver = Resolver(template, fake_names(template))
    return resolver.resolve(job["Properties"]["DefaultArguments"])


def job_name(template: Mapping[str, Any]) -> str:
    (job,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::Glue::Job"]
    return job["Properties"]["Name"]


def job_script_location(template: Mapping[str, Any]) -> str:
    (job,) = [v for v in template["Resources"].values() if v["Type"] == "AWS::Glue::Job"]
    resolver = Resolver(template, fake_names(template))
    return resolver.resolve(job["Properties"]["Command"]["ScriptLocation"])
