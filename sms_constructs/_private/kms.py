"""KMS key-policy statements of the library's keys, and the log groups they encrypt."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import jsii
from constructs import Construct

from .stacks import stack_of, stack_region

#: Every log group the library creates is named ``/sms-constructs/<unique name>/<stack creation id>``.
LOG_GROUP_PREFIX = "/sms-constructs/"
_LOGS_STATEMENT_MARKER = "SmsConstructsLogsKeyPolicy"
_GRANTS_STATEMENT_MARKER = "SmsConstructsCreateGrantGuard"
_CREATION_ID = "_sms_constructs_creation_id"


def library_log_group_name(scope: Construct, id: str) -> tuple[str, str]:
    """The name of a log group ``scope/id`` of the library, and the pattern of it its key's policy allows.

    The name is ``/sms-constructs/<unique name of scope/id>/<the stack's creation id>``: the unique name lets the key
    policy name the log group before it exists (without a reference, which would be a dependency cycle: the log group
    refers to the key), and the stack's creation id (from ``AWS::StackId``) keeps a redeployed stack from colliding
    with the log groups a deleted one retained. The key policy allows ``/sms-constructs/<unique name>/*``.
    """
    unique = cdk.Names.unique_resource_name(scope, max_length=160, separator="-", allowed_special_characters="-_")
    stem = f"{LOG_GROUP_PREFIX}{unique}-{id}"
    return f"{stem}/{_creation_id(stack_of(scope))}", f"{stem}/*"


def _creation_id(stack: cdk.Stack) -> str:
    """The last part of ``AWS::StackId`` (``Fn::Select``/``Fn::Split``): one token per stack, built once."""
    cache: dict[str, str] = stack.__dict__
    if _CREATION_ID not in cache:
        cache[_CREATION_ID] = cdk.Fn.select(2, cdk.Fn.split("/", stack.stack_id))
    return cache[_CREATION_ID]


def allow_logs_to_use_key(key: kms.IKey, log_group_name_pattern: str) -> None:
    """Let CloudWatch Logs encrypt the log groups named like ``log_group_name_pattern`` with ``key``.

    One statement per key, for the ``logs.<region>.amazonaws.com`` principal, limited by the
    ``kms:EncryptionContext:aws:logs:arn`` condition (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs
    using AWS KMS") to the ARNs of the library's log groups that use the key: each call adds one pattern, in the key's
    account and Region. Imported keys are left as they are: their policy must already allow it.
    """
    if not isinstance(key, kms.Key):
        return
    stack = stack_of(key)
    patterns: list[str] = key.__dict__.setdefault("_sms_constructs_log_group_arns", [])
    arn = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=log_group_name_pattern,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    if arn not in patterns:
        patterns.append(arn)
    if not _first_time(key, _LOGS_STATEMENT_MARKER):
        return
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsEncryption",
            principals=[iam.ServicePrincipal(f"logs.{stack_region(key)}.amazonaws.com")],
            actions=[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:DescribeKey",
            ],
            resources=["*"],  # in a key policy, "*" means this key
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": cdk.Lazy.list(_Patterns(patterns))}},
        )
    )


def library_log_group(
    scope: Construct,
    id: str,
    *,
    encryption_key: kms.IKey,
    retention: logs.RetentionDays,
    removal_policy: cdk.RemovalPolicy,
    log_group_name: str | None = None,
) -> logs.LogGroup:
    """A log group ``scope/id`` of the library, encrypted with ``encryption_key``, whose policy lets CloudWatch Logs
    use the key for it (:func:`allow_logs_to_use_key`).

    A log group kept on delete (``RETAIN``) is kept except when the operation that created it fails
    (``RetainExceptOnCreate``): it has a fixed name, so a group CloudFormation retained from a rolled-back update would
    make the next deployment of the same change fail with "already exists".

    :param log_group_name: The name. Default: the library's (:func:`library_log_group_name`, the key policy allows its
        pattern); a given name is allowed as it is.
    """
    if log_group_name is None:
        log_group_name, pattern = library_log_group_name(scope, id)
    else:
        pattern = log_group_name
    allow_logs_to_use_key(encryption_key, pattern)
    if removal_policy == cdk.RemovalPolicy.RETAIN:
        removal_policy = cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
    return logs.LogGroup(
        scope,
        id,
        log_group_name=log_group_name,
        encryption_key=encryption_key,
        retention=retention,
        removal_policy=removal_policy,
    )


@jsii.implements(cdk.IStableListProducer)
class _Patterns:
    def __init__(self, patterns: list[str]) -> None:
        self._patterns = patterns

    def produce(self) -> list[str] | None:
        return list(self._patterns)


def limit_grants_to_aws_services(key: kms.IKey) -> None:
    """Deny ``kms:CreateGrant`` on ``key`` unless an AWS service creates the grant for an AWS resource.

    The statement AWS Control Tower's proactive control CT.KMS.PR.3 asks for: ``Deny`` to every principal, on
    condition (``BoolIfExists``) that both ``kms:GrantIsForAWSResource`` and ``aws:PrincipalIsAWSService`` are false.
    The services the library's keys serve and that use grants (DynamoDB, Lambda, Firehose) create them on behalf of
    the caller, with ``kms:GrantIsForAWSResource`` true; nothing of the library creates grants directly. Imported keys
    are left as they are.
    """
    if not isinstance(key, kms.Key) or not _first_time(key, _GRANTS_STATEMENT_MARKER):
        return
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsUnlessForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        )
    )


def _first_time(key: kms.Key, marker: str) -> bool:
    """True the first time ``marker`` is asked for ``key``, which then gets the child construct ``marker``.

    The Python object remembers the answer, so only its first question is a jsii round trip (the child construct
    answers for a key that reaches Python through another proxy)."""
    if key.__dict__.get(marker):
        return False
    key.__dict__[marker] = True
    if key.node.try_find_child(marker) is not None:
        return False
    Construct(key, marker)
    return True
