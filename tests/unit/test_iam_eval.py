"""The IAM policy evaluator of the tests (tests/support/iam_eval.py) on hand-written policies."""

from __future__ import annotations

import pytest

from tests.support.iam_eval import Decision, PolicyEvaluator, Resolver, Unsupported

OBJECT = "arn:aws:s3:::bucket/images/a.jpg"


def policy(*statements: dict) -> PolicyEvaluator:
    return PolicyEvaluator.from_documents([{"Version": "2012-10-17",
                                            "Statement": list(statements)}])


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_nothing_granted_is_an_implicit_deny():
    assert policy().decide("s3:GetObject", OBJECT) is Decision.IMPLICIT_DENY


def test_an_explicit_deny_wins_over_an_allow():
    evaluator = policy(allow("s3:*", "*"),
                       {"Effect": "Deny", "Action": "s3:GetObject", "Resource": OBJECT})
    assert evaluator.decide("s3:GetObject", OBJECT) is Decision.EXPLICIT_DENY
    assert evaluator.allows("s3:PutObject", OBJECT)


@pytest.mark.parametrize(("pattern", "action", "allowed"), [
    ("s3:Get*", "s3:GetObject", True),
    ("S3:getobject", "s3:GetObject", True),  # actions ignore case
    ("s3:GetObjec?", "s3:GetObject", True),
    ("s3:Get?", "s3:GetObject", False),  # '?' is exactly one character
    ("s3:Get*", "s3:PutObject", False),
])
def test_action_wildcards(pattern, action, allowed):
    assert policy(allow(pattern, "*")).allows(action, OBJECT) is allowed


@pytest.mark.parametrize(("pattern", "allowed"), [
    ("arn:aws:s3:::bucket/images/*", True),
    ("arn:aws:s3:::bucket/*", True),  # '*' spans '/'
    ("arn:aws:s3:::bucket/Images/*", False),  # resources are case-sensitive
    ("arn:aws:s3:::bucket", False),  # the bucket is not its objects
    ("arn:aws:s3:::bucket/images/?.jpg", True),
])
def test_resource_wildcards(pattern, allowed):
    assert policy(allow("s3:GetObject", pattern)).allows("s3:GetObject", OBJECT) is allowed


def test_not_action_grants_everything_else():
    evaluator = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluator.allows("s3:GetObject", OBJECT)
    assert not evaluator.allows("iam:PassRole", "arn:aws:iam::123456789012:role/r")
    assert evaluator.granted_services() == {"*"}


@pytest.mark.parametrize(("operator", "context", "allowed"), [
    ("StringLike", {"s3:prefix": "images/2024/"}, True),
    ("StringLike", {"s3:prefix": "private/"}, False),
    ("StringLike", {}, False),  # a missing key fails the condition
    ("StringLikeIfExists", {}, True),
    ("StringLikeIfExists", {"s3:prefix": "private/"}, False),
    ("StringEquals", {"s3:prefix": "images/*"}, True),  # no wildcards in StringEquals
    ("StringEquals", {"s3:prefix": "images/2024/"}, False),
    ("StringLike", {"S3:Prefix": "images/"}, True),  # key names ignore case
])
def test_string_conditions(operator, context, allowed):
    evaluator = policy(allow("s3:ListBucket", "arn:aws:s3:::bucket",
                             Condition={operator: {"s3:prefix": ["images/*", "runs/*"]}}))
    assert evaluator.allows("s3:ListBucket", "arn:aws:s3:::bucket", context) is allowed


@pytest.mark.parametrize(("arn", "allowed"), [
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/output", True),
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/other", False),
    ("arn:aws:logs:eu-west-1:210987654321:log-group:/aws-glue/jobs", False),
])
def test_arn_like_matches_each_component(arn, allowed):
    evaluator = policy(allow("kms:Decrypt", "*", Condition={"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn":
            "arn:aws:logs:*:123456789012:log-group:/aws-glue/*"}}))
    context = {"kms:EncryptionContext:aws:logs:arn": arn}
    assert evaluator.allows("kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k", context) is allowed


@pytest.mark.parametrize(("context", "allowed"), [
    ({"aws:SecureTransport": True}, True), ({"aws:SecureTransport": "true"}, True),
    ({"aws:SecureTransport": False}, False), ({}, False)])
def test_bool_condition(context, allowed):
    evaluator = policy(allow("s3:GetObject", "*",
                             Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert evaluator.allows("s3:GetObject", OBJECT, context) is allowed


def test_unmodelled_condition_operators_are_refused():
    with pytest.raises(Unsupported):
        policy(allow("s3:*", "*", Condition={"NumericLessThan": {"s3:max-keys": "10"}}))
    with pytest.raises(Unsupported):
        policy(allow("s3:*", "*", Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}}))


TEMPLATE = {"Resources": {"Data": {"Type": "AWS::S3::Bucket"}, "Key": {"Type": "AWS::KMS::Key"},
                          "Queue": {"Type": "AWS::SQS::Queue"}}}


def test_resolver_turns_intrinsics_into_arns():
    resolver = Resolver(TEMPLATE, {"Data": "data-bucket", "Key": "k1"})
    assert resolver.resolve({"Fn::Join": ["", [{"Fn::GetAtt": ["Data", "Arn"]}, "/runs*"]]}) \
        == "arn:aws:s3:::data-bucket/runs*"
    assert resolver.resolve({"Fn::GetAtt": "Key.Arn"}) \
        == "arn:aws:kms:eu-west-1:123456789012:key/k1"
    assert resolver.resolve({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "logs",
                                                 {"Ref": "AWS::Region"},
                                                 {"Ref": "AWS::AccountId"}, "*"]]}) \
        == "arn:aws:logs:eu-west-1:123456789012:*"
    assert resolver.resolve({"StringLike": {"s3:prefix": ["a*"]}}) == {
        "StringLike": {"s3:prefix": ["a*"]}}


@pytest.mark.parametrize("value", [
    {"Fn::Sub": "arn:${AWS::Partition}:s3:::x"},
    {"Fn::GetAtt": ["Queue", "Arn"]},
    {"Ref": "Missing"},
    {"Fn::GetAtt": ["Data", "DomainName"]},
])
def test_resolver_refuses_what_it_does_not_model(value):
    with pytest.raises(Unsupported):
        Resolver(TEMPLATE, {"Data": "data-bucket", "Key": "k1"}).resolve(value)
