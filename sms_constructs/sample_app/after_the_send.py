"""The sample app after the send: request status events, and replies with one custom keyword and the consent ledger."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef
from constructs import Construct

from ..patterns.inbound import SmsInbound
from ..patterns.retry import SmsRetry
from ..patterns.send_queue import SmsSendQueue
from ..patterns.status import SmsStatusNotifier
from ..resources.two_way import TwoWayChannel

#: The custom keyword of the sample: a recipient confirms (an appointment, an order) by replying ``C``.
CONFIRM_KEYWORD = "C"
#: The auto-reply to ``C`` (one GSM-7 part), sent through the send queue.
CONFIRM_REPLY = "Acme alerts: thanks, you are confirmed. Reply STOP to end."


class SampleAfterTheSend(Construct):
    """``SmsStatusNotifier`` + ``SmsInbound`` for the sample app, sharing one event bus.

    - ``status``: one event per status change of every request of the send queue (the retry policy decides which
      carrier failures are not final), phone numbers masked, on the notifier's KMS-encrypted bus (output
      ``StatusEventBusName``);
    - ``inbound``: the two-way topic → the inbound function. A reply ``C`` is classified ``KEYWORD`` and answered with
      :data:`CONFIRM_REPLY` through the send queue (paced, 15-minute deadline, once per inbound message); the
      ``InboundMessage`` event with ``"keyword": "C"`` on the same bus is the confirmation your rule matches. HELP and
      the opt-out keywords are the service's; opt-outs and opt-ins go to the consent ledger, which a daily
      reconciliation compares with the opt-out list (``ConsentDrift`` events on the bus).

    :param send_queue: The sample's send queue (status source and the path of auto-replies).
    :param retry: Its ``SmsRetry``.
    :param inbound_channel: The two-way channel whose topic is subscribed.
    :param opt_out_list: The opt-out list of the pool (the reconciliation reads it).
    :param opt_in_keywords: The opt-in keywords registered on the pool.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        send_queue: SmsSendQueue,
        retry: SmsRetry,
        inbound_channel: TwoWayChannel,
        opt_out_list: IOptOutListRef,
        opt_in_keywords: Sequence[str],
    ) -> None:
        super().__init__(scope, id)
        #: Request status events (on ``status.event_bus``).
        self.status = SmsStatusNotifier(self, "Status", send_queue=send_queue, retry=retry)
        #: Replies, the ``C`` keyword and the consent ledger; its events go to the status bus too.
        self.inbound = SmsInbound(
            self,
            "Inbound",
            channel=inbound_channel,
            send_queue=send_queue,
            event_bus=self.status.event_bus,
            opt_out_list=opt_out_list,
            opt_in_keywords=list(opt_in_keywords),
        )
        self.inbound.add_keyword(CONFIRM_KEYWORD, reply=CONFIRM_REPLY)
        for name, value in (
            ("StatusEventBusName", self.status.event_bus.event_bus_name),
            ("ConsentLedgerTableName", self.inbound.consent_table.table_name),
        ):
            cdk.CfnOutput(self, name, value=value).override_logical_id(name)
