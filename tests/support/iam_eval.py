"""A small evaluator of the identity policies a synthesized CloudFormation template gives a role.

Two steps:

* ``Resolver`` turns the intrinsic functions CDK writes into policy resources (``Fn::Join``,
  ``Ref`` and ``Fn::GetAtt ... Arn`` of buckets and keys, the ``AWS::`` pseudo parameters) into
  concrete strings, using fake physical names chosen by the test.
* ``PolicyEvaluator`` decides one request (action, resource ARN, condition context) the way IAM
  does for identity policies in one account: an explicit Deny wins; otherwise the request is
  allowed when an Allow statement matches its action, its resource and all of its conditions;
  otherwise it is implicitly denied.

It is deliberately small and refuses, rather than guesses, whatever it does not model: managed
policies and permission boundaries, unknown intrinsics, condition operators other than
StringEquals, StringLike, ArnLike and Bool (each optionally ...IfExists), set operators
(ForAnyValue/ForAllValues), multi-valued context keys and policy variables all raise
``Unsupported``. Resource-based policies (bucket and key policies), SCPs and session policies are
out of scope: it answers "do the role's own policies grant this?".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

PARTITION = "aws"
REGION = "eu-west-1"
ACCOUNT = "123456789012"

ContextValue = str | bool


class Unsupported(Exception):
    """The template or policy uses something this evaluator does not model."""


# ---------------------------------------------------------------- intrinsic functions


@dataclass(frozen=True)
class Resolver:
    """Resolves intrinsics against ``template``; ``names`` maps logical ids to physical names
    (a bucket's name, a key's id). Anything else referenced raises ``Unsupported``."""

    template: Mapping[str, Any]
    names: Mapping[str, str]
    partition: str = PARTITION
    region: str = REGION
    account: str = ACCOUNT

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(argument)
            if name == "Fn::GetAtt":
                logical_id, attribute = (argument.split(".", 1) if isinstance(argument, str)
                                         else argument)
                return self._get_att(logical_id, attribute)
            if name == "Fn::Join":
                separator, parts = argument
                return separator.join(self._text(part) for part in parts)
            if name.startswith("Fn::") or name == "Condition":
                raise Unsupported(f"intrinsic {name} is not modelled: {value}")
        return {key: self.resolve(item) for key, item in value.items()}

    def _text(self, value: Any) -> str:
        resolved = self.resolve(value)
        if not isinstance(resolved, str):
            raise Unsupported(f"{value} does not resolve to a string")
        return resolved

    def _ref(self, name: str) -> str:
        pseudo = {"AWS::Partition": self.partition, "AWS::Region": self.region,
                  "AWS::AccountId": self.account, "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        kind = self._kind(name)
        if kind in ("AWS::S3::Bucket", "AWS::KMS::Key"):  # a bucket's name, a key's id
            return self.names[name]
        raise Unsupported(f"Ref of a {kind} ({name}) is not modelled")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        kind = self._kind(logical_id)
        if attribute == "Arn" and kind == "AWS::S3::Bucket":
            return f"arn:{self.partition}:s3:::{self.names[logical_id]}"
        if attribute == "Arn" and kind == "AWS::KMS::Key":
            return (f"arn:{self.partition}:kms:{self.region}:{self.account}:"
                    f"key/{self.names[logical_id]}")
        raise Unsupported(f"Fn::GetAtt {logical_id}.{attribute} ({kind}) is not modelled")

    def _kind(self, logical_id: str) -> str:
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise Unsupported(f"{logical_id} is neither a pseudo parameter nor a resource")
        if resource["Type"] in ("AWS::S3::Bucket", "AWS::KMS::Key") and \
                logical_id not in self.names:
            raise Unsupported(f"no physical name given for {logical_id}")
        return resource["Type"]


def role_policy_documents(template: Mapping[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every identity policy document of the role ``role_id``: inline policies of the role and
    AWS::IAM::Policy / RolePolicy / ManagedPolicy resources of the template attached to it."""
    resources = template["Resources"]
    role = resources[role_id]
    if role["Type"] != "AWS::IAM::Role":
        raise ValueError(f"{role_id} is a {role['Type']}, not a role")
    properties = role.get("Properties", {})
    for unmodelled in ("ManagedPolicyArns", "PermissionsBoundary"):
        if properties.get(unmodelled):
            raise Unsupported(f"{role_id} has {unmodelled}; their documents are not in the "
                              "template")
    documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
    ref = {"Ref": role_id}
    for resource in resources.values():
        attached = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            is_attached = ref in attached.get("Roles", [])
        else:
            is_attached = resource["Type"] == "AWS::IAM::RolePolicy" and \
                attached.get("RoleName") == ref
        if is_attached:
            documents.append(attached["PolicyDocument"])
    return documents


# ---------------------------------------------------------------- matching


@cache
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """IAM wildcards: '*' any run of characters (also '/' and ':'), '?' exactly one."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def glob_match(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    return _glob(pattern, case_sensitive).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike: the six colon-separated components are matched one by one."""
    expected, actual = pattern.split(":", 5), value.split(":", 5)
    return len(expected) == len(actual) == 6 and all(
        glob_match(p, v) for p, v in zip(expected, actual, strict=True))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        raise Unsupported(f"condition value {value!r} is not a string or a boolean")
    return value


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringLike": glob_match,
    "ArnLike": arn_like,
    "Bool": lambda expected, actual: expected.lower() == actual.lower(),
}


def _condition_holds(operator: str, key: str, expected: Any,
                     context: Mapping[str, ContextValue]) -> bool:
    base, if_exists = (operator[:-len("IfExists")], True) if operator.endswith("IfExists") \
        else (operator, False)
    if base not in _OPERATORS:
        raise Unsupported(f"condition operator {operator} is not modelled")
    present = {name.lower(): value for name, value in context.items()}
    if key.lower() not in present:
        return if_exists  # a missing key fails the condition unless ...IfExists
    actual = _text(present[key.lower()])
    values = expected if isinstance(expected, list) else [expected]
    return any(_OPERATORS[base](_text(value), actual) for value in values)  # values are ORed


def _as_tuple(value: Any) -> tuple[str, ...]:
    items = tuple(value) if isinstance(value, list) else (value,)
    for item in items:
        if not isinstance(item, str):
            raise Unsupported(f"{item!r} is not a string (unresolved intrinsic?)")
        if "${" in item:
            raise Unsupported(f"policy variables are not modelled: {item}")
    return items


# ---------------------------------------------------------------- statements and decisions


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sid: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        known = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
        if set(raw) - known:
            raise Unsupported(f"statement elements {sorted(set(raw) - known)} are not modelled "
                              "(a Principal does not belong in an identity policy)")
        if raw.get("Effect") not in ("Allow", "Deny"):
            raise ValueError(f"Effect must be Allow or Deny: {raw}")
        if ("Action" in raw) == ("NotAction" in raw) or \
                ("Resource" in raw) == ("NotResource" in raw):
            raise ValueError(f"exactly one of Action/NotAction and Resource/NotResource: {raw}")
        for operator, keys in raw.get("Condition", {}).items():
            if operator.split(":")[0] in ("ForAnyValue", "ForAllValues"):
                raise Unsupported(f"set operator {operator} is not modelled")
            if operator.removesuffix("IfExists") not in _OPERATORS:
                raise Unsupported(f"condition operator {operator} is not modelled")
            if not isinstance(keys, Mapping):
                raise ValueError(f"condition {operator} must map keys to values: {keys}")
        return cls(
            effect=raw["Effect"],
            actions=_as_tuple(raw.get("Action", [])),
            not_actions=_as_tuple(raw.get("NotAction", [])),
            resources=_as_tuple(raw.get("Resource", [])),
            not_resources=_as_tuple(raw.get("NotResource", [])),
            conditions=raw.get("Condition", {}),
            sid=raw.get("Sid"),
        )

    def matches(self, action: str, resource: str, context: Mapping[str, ContextValue]) -> bool:
        def action_in(patterns: tuple[str, ...]) -> bool:  # actions ignore case
            return any(glob_match(p, action, case_sensitive=False) for p in patterns)

        def resource_in(patterns: tuple[str, ...]) -> bool:  # resources do not
            return any(glob_match(p, resource) for p in patterns)

        return (
            (action_in(self.actions) if self.actions else not action_in(self.not_actions))
            and (resource_in(self.resources) if self.resources
                 else not resource_in(self.not_resources))
            and all(_condition_holds(operator, key, expected, context)
                    for operator, keys in self.conditions.items()
                    for key, expected in keys.items())
        )


class PolicyEvaluator:
    """The statements of a set of identity policies, and the decisions they make."""

    def __init__(self, statements: Iterable[Statement]) -> None:
        self.statements = tuple(statements)

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> PolicyEvaluator:
        statements = []
        for document in documents:
            if document.get("Version") != "2012-10-17":
                raise Unsupported(f"policy version {document.get('Version')!r}")
            raw = document["Statement"]
            statements += [Statement.parse(s) for s in (raw if isinstance(raw, list) else [raw])]
        return cls(statements)

    @classmethod
    def for_role(cls, template: Mapping[str, Any], role_id: str,
                 names: Mapping[str, str]) -> PolicyEvaluator:
        """The role's policies in ``template``, intrinsics resolved with ``names``."""
        resolver = Resolver(template, names)
        return cls.from_documents(resolver.resolve(document)
                                  for document in role_policy_documents(template, role_id))

    def decide(self, action: str, resource: str,
               context: Mapping[str, ContextValue] | None = None) -> Decision:
        if not re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action):
            raise ValueError(f"a request names one action, 'service:Action': {action!r}")
        if resource != "*" and ("*" in resource or "?" in resource):
            # '*' alone is the resource of actions without resource-level permissions.
            raise ValueError(f"a request names one resource, not a pattern: {resource!r}")
        for value in (context or {}).values():
            if not isinstance(value, ContextValue):
                raise Unsupported(f"context values are single strings or booleans: {value!r}")
        matching = [s for s in self.statements if s.matches(action, resource, context or {})]
        if any(s.effect == "Deny" for s in matching):
            return Decision.EXPLICIT_DENY
        return Decision.ALLOW if matching else Decision.IMPLICIT_DENY

    def allows(self, action: str, resource: str,
               context: Mapping[str, ContextValue] | None = None) -> bool:
        return self.decide(action, resource, context) is Decision.ALLOW

    def granted_services(self) -> set[str]:
        """The service prefixes any Allow statement names; '*' if one could name any service
        (a NotAction, or an action pattern whose service part is a wildcard)."""
        services: set[str] = set()
        for statement in self.statements:
            if statement.effect != "Allow":
                continue
            if statement.not_actions:
                return {"*"}
            for action in statement.actions:
                service = action.split(":", 1)[0].lower()
                if "*" in service or "?" in service or ":" not in action:
                    return {"*"}
                services.add(service)
        return services
