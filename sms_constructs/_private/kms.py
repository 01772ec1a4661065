"""KMS key-policy statements the library adds for AWS services that encrypt with a customer managed key."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
from constructs import Construct


def allow_logs_to_use_key(key: kms.IKey) -> None:
    """Let CloudWatch Logs of the key's region and account encrypt log groups with ``key`` (once per key).

    Scoped by the ``kms:EncryptionContext:aws:logs:arn`` condition to log groups of this account and region
    (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS"). Imported keys are left as
    they are: their policy must already allow it.
    """
    marker = "SmsConstructsLogsKeyPolicy"
    if not isinstance(key, kms.Key) or key.node.try_find_child(marker) is not None:
        return
    Construct(key, marker)
    stack = cdk.Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsEncryption",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
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
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
