"""The sample app's sending path: a paced send queue through the pool, and server-side retries."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from ..patterns.retry import RetryPolicy, SmsRetry
from ..patterns.send_queue import SmsSendQueue
from ..resources.configuration_set import ConfigurationSet
from ..resources.origination_identity import IOriginationIdentity

#: A US simulator number, like a US toll-free number, is paced at 3 parts per second here; a registered US 10DLC
#: number would be 1. Pace a little under the identity's real MPS when other senders share it.
SANDBOX_MAX_PARTS_PER_SECOND = 3


class SampleSending(Construct):
    """``SmsSendQueue`` + ``SmsRetry`` for the sample app.

    Producers get ``send_queue.grant_send(role)`` and the queue URL (output ``SendQueueUrl``); final failures after
    the default retry policy are published to ``retry.final_failure_topic`` (output ``FinalFailureTopicArn``).

    :param pool: The origination identity to send from (the sample's pool).
    :param configuration_set: The configuration set of every send; the retry's SNS event destination is added to it.
    :param max_parts_per_second: The identity's MPS. Default: 3.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pool: IOriginationIdentity,
        configuration_set: ConfigurationSet,
        max_parts_per_second: float | None = None,
    ) -> None:
        super().__init__(scope, id)
        #: The paced send queue.
        self.send_queue = SmsSendQueue(
            self,
            "SendQueue",
            origination_identity=pool,
            configuration_set=configuration_set,
            max_parts_per_second=max_parts_per_second or SANDBOX_MAX_PARTS_PER_SECOND,
        )
        #: Server-side retries with the default (best known) policy.
        self.retry = SmsRetry(
            self, "Retry", send_queue=self.send_queue, configuration_set=configuration_set, policy=RetryPolicy()
        )
        cdk.CfnOutput(self, "SendQueueUrl", value=self.send_queue.queue.queue_url)
        cdk.CfnOutput(self, "MessageStoreTableName", value=self.send_queue.table.table_name)
        cdk.CfnOutput(self, "FinalFailureTopicArn", value=self.retry.final_failure_topic.topic_arn)
