"""The dead-letter queue shape every queue of the library uses."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sqs as sqs
from constructs import Construct

from . import nag

#: How long a dead-lettered message stays for inspection and redrive (the SQS maximum).
DEAD_LETTER_RETENTION = cdk.Duration.days(14)


def dead_letter_queue(scope: Construct, key: kms.IKey, *, redrive_sources: str) -> sqs.Queue:
    """A KMS-encrypted, TLS-only dead-letter queue ``scope/DeadLetterQueue`` keeping messages 14 days, marked as a
    dead-letter queue by its redrive-allow policy.

    The Serverless pack's SQSRedrivePolicy finding on it is acknowledged: it *is* the dead-letter queue of
    ``redrive_sources`` (e.g. "the send queue"), and that pack has no "is a DLQ" exemption.
    """
    queue = sqs.Queue(
        scope,
        "DeadLetterQueue",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
        # Marks the queue as a dead-letter queue (AWS Control Tower CT.SQS.PR.1: a DLQ declares a redrive-allow policy
        # instead of having a DLQ of its own). "allowAll" is SQS's own default; "byQueue" would have to name the source
        # queue's ARN, and the source queue already refers to this one (a dependency cycle).
        redrive_allow_policy=sqs.RedriveAllowPolicy(redrive_permission=sqs.RedrivePermission.ALLOW_ALL),
    )
    nag.acknowledge(
        queue,
        nag.Serverless.SQS_REDRIVE_POLICY,
        f"This queue is the dead-letter queue of {redrive_sources} (its redrive target); a dead-letter queue of a "
        "dead-letter queue would only move the problem. Messages stay 14 days for inspection and redrive; alarm on "
        "ApproximateNumberOfMessagesVisible (metric_dead_letter_messages).",
    )
    return queue
