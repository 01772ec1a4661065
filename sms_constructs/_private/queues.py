"""The dead-letter queue shape every queue of the library uses."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_kms as kms
import aws_cdk.aws_sqs as sqs
from constructs import Construct

from . import nag
from .errors import ValidationError

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


def check_redrive_fits_retention(
    scope: Construct,
    prop: str,
    *,
    max_receive_count: int,
    longest_receive_seconds: int,
    retention: cdk.Duration,
    queue: str,
) -> None:
    """Refuse a ``max_receive_count`` whose worst case outlives the queue's retention: SQS expires a message by its
    enqueue time, so a message that keeps failing must reach the dead-letter queue before that, not vanish.

    :param longest_receive_seconds: The longest one receive can keep the message: its processing plus the longest
        back-off, or the visibility timeout when the function is killed.
    """
    worst = max_receive_count * longest_receive_seconds
    retention_seconds = int(retention.to_seconds())
    if worst > retention_seconds:
        raise ValidationError(
            scope,
            prop,
            f"{max_receive_count} receives of up to {longest_receive_seconds} s each ({worst} s) outlive the "
            f"{queue}'s retention of {retention_seconds} s: a message that keeps failing would expire before it "
            f"reaches the dead-letter queue; use at most {retention_seconds // longest_receive_seconds}",
            max_receive_count,
        )


def handler_queue(
    scope: Construct,
    id: str,
    key: kms.IKey,
    *,
    timeout_seconds: int,
    retention: cdk.Duration,
    max_receive_count: int,
    queue: str,
    redrive_sources: str,
) -> tuple[sqs.Queue, sqs.Queue]:
    """The queue a library Lambda consumes, with its dead-letter queue: ``(queue, dead_letter_queue)``.

    Both KMS-encrypted with ``key`` and TLS-only; the visibility timeout is six times the function's timeout (AWS's
    advice for SQS event sources), so one receive lasts at most that long, and ``max_receive_count`` such receives
    must fit the queue's retention (:func:`check_redrive_fits_retention`, refused at synth otherwise).

    :param queue: How error messages name the queue (e.g. "retry event queue").
    :param redrive_sources: What the dead-letter queue collects from (its acknowledgement's evidence).
    """
    dead_letters = dead_letter_queue(scope, key, redrive_sources=redrive_sources)
    check_redrive_fits_retention(
        scope,
        "max_receive_count",
        max_receive_count=max_receive_count,
        longest_receive_seconds=6 * timeout_seconds,
        retention=retention,
        queue=queue,
    )
    consumed = sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        visibility_timeout=cdk.Duration.seconds(6 * timeout_seconds),
        retention_period=retention,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=max_receive_count, queue=dead_letters),
    )
    return consumed, dead_letters
