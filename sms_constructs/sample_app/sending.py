"""The sample app's sending path: a paced send queue through the pool, and server-side retries."""

from __future__ import annotations

import aws_cdk as cdk
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
from constructs import Construct

from .._private.assets import ASSET_EXCLUDES, LAMBDA_ROOT
from .._private.functions import library_function
from ..patterns.retry import RetryPolicy, SmsRetry
from ..patterns.send_queue import SmsSendQueue
from ..resources.configuration_set import ConfigurationSet
from ..resources.origination_identity import IOriginationIdentity
from .config import SANDBOX_MAX_PARTS_PER_SECOND

#: Why the sample producer needs no async DLQ or on-failure destination (the evidence of its acknowledgements).
PRODUCER_SYNCHRONOUS_REASON = (
    "The sample producer is invoked synchronously (aws lambda invoke, RequestResponse) by operators and tests; its "
    "result (the queued request id, or why the request breaks the contract) goes back to the caller, so an async DLQ "
    "or on-failure destination would never receive anything."
)


class SampleSending(Construct):
    """``SmsSendQueue`` + ``SmsRetry`` + a producer function for the sample app.

    The producer function (output ``ProducerFunctionName``; ``lambda/sample_producer``) is wired with
    ``send_queue.add_producer``: its code holds one file, and ``SmsProducer`` comes from the runtime layer. Producers
    that are not Lambda functions get ``send_queue.grant_send(role)`` and the queue URL (output ``SendQueueUrl``);
    final failures after the default retry policy are published to ``retry.final_failure_topic`` (output
    ``FinalFailureTopicArn``).

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
        producer = library_function(
            self,
            "Producer",
            handler="handler.main",
            description="Sample producer: puts SMS requests on the send queue with SmsProducer",
            encryption_key=self.send_queue.encryption_key,
            environment={},
            timeout=cdk.Duration.seconds(10),
            reserved_concurrent_executions=2,
            log_retention=logs.RetentionDays.ONE_YEAR,
            code=lambda_.Code.from_asset(str(LAMBDA_ROOT / "sample_producer"), exclude=ASSET_EXCLUDES),
            layers=[],
            synchronous_only_reason=PRODUCER_SYNCHRONOUS_REASON,
        )
        #: The sample producer function (its grant, ``SMS_SEND_QUEUE_URL`` and layer come from ``add_producer``).
        self.producer = producer.function
        self.send_queue.add_producer(self.producer)
        # Plain output names: the test-message command and `aws cloudformation describe-stacks` read them as they are.
        for name, value in (
            ("ProducerFunctionName", self.producer.function_name),
            ("SendQueueUrl", self.send_queue.queue_url),
            ("MessageStoreTableName", self.send_queue.table.table_name),
            ("FinalFailureTopicArn", self.retry.final_failure_topic.topic_arn),
        ):
            cdk.CfnOutput(self, name, value=value).override_logical_id(name)
