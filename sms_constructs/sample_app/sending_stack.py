"""The sending stack: the configuration set and its event destinations, the paced send queue, retries, a producer,
request status events and the replies path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk.interfaces.aws_smsvoice import IOptOutListRef, IProtectConfigurationRef
from constructs import Construct

from ..patterns.event_analytics import SmsEventAnalytics
from ..resources.configuration_set import ConfigurationSet
from ..resources.origination_identity import IOriginationIdentity
from ..resources.two_way import TwoWayChannel
from .after_the_send import SampleAfterTheSend
from .config import Profile
from .sending import SampleSending


class SendingStack(cdk.Stack):
    """Everything a message passes through, wired to the other stacks through interfaces.

    The configuration set lives here, not with the identities: its event destinations are properties of the
    ``AWS::SMSVOICE::ConfigurationSet`` resource, so the set's stack depends on every destination's stack — the
    analytics stack (Firehose, quick-look log group) and this one (the retry topic) — while the sender depends on the
    pool (identities stack). Putting the set with the identities would make the two stacks depend on each other.

    :param origination_identity: The pool (or number) every send names.
    :param protect_configuration: The protect configuration of the configuration set.
    :param analytics: The event analytics the configuration set's events stream into.
    :param inbound_channel: The two-way channel of the pool (its topic lives with the identities).
    :param opt_out_list: The pool's opt-out list, which the consent reconciliation reads.
    :param opt_in_keywords: The opt-in keywords registered on the pool.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: Profile,
        origination_identity: IOriginationIdentity,
        protect_configuration: IProtectConfigurationRef,
        analytics: SmsEventAnalytics,
        inbound_channel: TwoWayChannel,
        opt_out_list: IOptOutListRef,
        opt_in_keywords: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        #: The configuration set every send names.
        self.configuration_set = ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=f"{profile.name_prefix}-config",
            protect_configuration=protect_configuration,
        )
        #: Firehose (Athena) and CloudWatch Logs event destinations of the configuration set.
        self.event_destinations = analytics.add_configuration_set(self.configuration_set)
        #: The paced send queue through the pool, server-side retries and the sample producer.
        self.sending = SampleSending(
            self,
            "Sending",
            pool=origination_identity,
            configuration_set=self.configuration_set,
            max_parts_per_second=profile.max_parts_per_second,
        )
        #: Status events of every request, and replies (the ``C`` keyword, consent), on one event bus.
        self.after_the_send = SampleAfterTheSend(
            self,
            "AfterTheSend",
            send_queue=self.sending.send_queue,
            retry=self.sending.retry,
            inbound_channel=inbound_channel,
            opt_out_list=opt_out_list,
            opt_in_keywords=opt_in_keywords,
        )
