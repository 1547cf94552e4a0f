"""cdk-nag, cfn-lint and the data-lake variant of the stack."""

from __future__ import annotations

import json
from pathlib import Path

from cfnlint.api import ManualArgs, lint

from tests.conftest import LAKE_KEY, LAKE_QUALIFIER

ROOT = Path(__file__).resolve().parents[2]


def test_cdk_nag_finds_nothing_unacknowledged(assembly):
    (report,) = assembly.report["pluginReports"]
    assert report["pluginName"] == "AwsSolutions"
    assert report["violations"] == []
    assert report["conclusion"] == "success"


def test_every_acknowledgement_names_its_finding_and_a_reason(assembly):
    (report,) = assembly.report["pluginReports"]
    suppressed = report["suppressedViolations"]
    assert suppressed
    for finding in suppressed:
        assert finding["acknowledgedId"] == f"AwsSolutions::{finding['ruleName']}"
        assert len(finding["reason"].split()) >= 8, finding


def test_cfn_lint_reports_no_errors_and_no_warnings(assembly):
    template = (assembly.directory / "ImageMetadata.template.json").read_text()
    matches = lint(template, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_data_lake_dev_variant_reads_only_its_prefixes_and_can_be_destroyed(lake_assembly):
    (report,) = lake_assembly.report["pluginReports"]
    assert report["violations"] == []
    template = lake_assembly.template
    assert len([r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]) == 3
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
                  and "ExtractionRole" in json.dumps(r["Properties"]["Roles"]))
    lake = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if "corp-lake" in json.dumps(s["Resource"])]
    actions = {a for s in lake for a in ([s["Action"]] if isinstance(s["Action"], str)
                                         else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
    dumped = json.dumps(lake)
    assert "corp-lake/raw/photos/*" in dumped and "corp-lake/manifests/*" in dumped
    assert "corp-lake/*" not in dumped
    decrypt = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
               if s["Resource"] == LAKE_KEY]
    assert [s["Action"] for s in decrypt] == ["kms:Decrypt"]
    buckets = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    assert {b["DeletionPolicy"] for b in buckets} == {"Delete"}
    emptied = [r for r in template["Resources"].values()
               if r["Type"] == "Custom::S3AutoDeleteObjects"]
    assert len(emptied) == 3


def test_an_account_bootstrapped_with_its_own_qualifier_synthesizes_clean(lake_assembly):
    """cdk-nag's acknowledgement of the asset bucket follows @aws-cdk/core:bootstrapQualifier."""
    (report,) = lake_assembly.report["pluginReports"]
    assert report["violations"] == []
    acknowledged = [f["ruleName"] for f in report["suppressedViolations"]]
    assert any(f"cdk-{LAKE_QUALIFIER}-assets-" in a for a in acknowledged)
    assert not any("cdk-hnb659fds-assets-" in a for a in acknowledged)
    handler_policies = json.dumps([r for r in lake_assembly.template["Resources"].values()
                                   if r["Type"] == "AWS::IAM::Policy"])
    assert f"cdk-{LAKE_QUALIFIER}-assets-" in handler_policies
