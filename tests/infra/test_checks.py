"""cdk-nag, cfn-lint and the data-lake variant of the stack."""

from __future__ import annotations

import json
from pathlib import Path

from cfnlint.api import ManualArgs, lint

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


def test_existing_data_lake_bucket_is_read_only_under_its_prefixes(tmp_path):
    from app import build_app

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context["image_metadata"] = {"stack_name": "DataLake", "existing_image_bucket": "corp-lake",
                                 "image_prefixes": ["raw/photos/"]}
    assembly = build_app(context, outdir=str(tmp_path)).synth()
    (report,) = json.loads((Path(assembly.directory) / "validation-report.json").read_text())[
        "pluginReports"]
    assert report["violations"] == []
    template = assembly.get_stack_by_name("DataLake").template
    assert len([r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]) == 3
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
                  and "ExtractionRole" in json.dumps(r["Properties"]["Roles"]))
    lake = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if "corp-lake" in json.dumps(s["Resource"])]
    actions = {a for s in lake for a in ([s["Action"]] if isinstance(s["Action"], str)
                                         else s["Action"])}
    assert actions == {"s3:GetObject", "s3:ListBucket"}
    dumped = json.dumps(lake)
    assert "corp-lake/raw/photos/*" in dumped and "corp-lake/manifests/*" in dumped
    assert "corp-lake/*" not in dumped
