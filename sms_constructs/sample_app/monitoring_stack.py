"""The monitoring stack: one ``SmsMonitoring`` over the configuration set, the send path and the analytics."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from ..patterns.event_analytics import SmsEventAnalytics
from ..patterns.inbound import SmsInbound
from ..patterns.monitoring import SmsMonitoring
from ..patterns.retry import SmsRetry
from ..patterns.send_queue import SmsSendQueue
from ..patterns.status import SmsStatusNotifier
from ..resources.configuration_set import ConfigurationSet
from .config import Profile


class MonitoringStack(cdk.Stack):
    """A dashboard and the alarms of the sample: spend at 50, 80 and 100 % of the profile's spend limit, delivery
    rate, protect block rate, dead-letter queues, backlog age, spend-limit holds, opted-out rejections, failed
    conversions, the circuit breaker, and (when given) the status notifier's and the inbound pattern's dead letters and
    consent drift; alarms go to a KMS-encrypted topic, mailed to the profile's ``alarmEmail`` when it has one."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profile: Profile,
        configuration_set: ConfigurationSet,
        send_queue: SmsSendQueue,
        retry: SmsRetry,
        analytics: SmsEventAnalytics,
        status_notifier: SmsStatusNotifier | None = None,
        inbound: SmsInbound | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        #: The dashboard and alarms.
        self.monitoring = SmsMonitoring(
            self,
            "Monitoring",
            configuration_set=configuration_set,
            send_queue=send_queue,
            retry=retry,
            analytics=analytics,
            status_notifier=status_notifier,
            inbound=inbound,
            monthly_spend_limit_usd=profile.monthly_spend_limit_usd,
            alarm_email=profile.alarm_email,
            alarm_name_prefix=profile.name_prefix,
            dashboard_name=f"{profile.name_prefix}-sms",
            countries=list(profile.allowed_countries),
        )
        for name, value, description in (
            ("DashboardName", self.monitoring.dashboard.dashboard_name, "CloudWatch dashboard of the SMS workload"),
            ("AlarmTopicArn", self.monitoring.alarm_topic.topic_arn, "Topic every SMS alarm notifies"),
        ):
            cdk.CfnOutput(self, name, value=value, description=description).override_logical_id(name)
