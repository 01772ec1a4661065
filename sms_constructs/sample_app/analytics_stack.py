"""The analytics stack: SMS events streamed to S3 as Parquet and queried in Athena (``SmsEventAnalytics``)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from ..patterns.event_analytics import QuickLookLogs, SmsEventAnalytics
from .config import Profile


class EventAnalyticsStack(cdk.Stack):
    """Holds one ``SmsEventAnalytics`` with no configuration set.

    The messaging stack attaches its configuration set with ``stack.analytics.add_configuration_set(config)``: the
    event destination and the role the service assumes live in the messaging stack, which depends on this one (it
    refers to the stream and log group), and nothing here refers back to it.
    """

    def __init__(self, scope: Construct, id: str, *, profile: Profile, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.profile = profile
        #: The analytics pipeline, which also writes every event to CloudWatch Logs for a quick look.
        self.analytics = SmsEventAnalytics(
            self,
            "Events",
            database_name=f"{profile.name_prefix}_events".replace("-", "_"),
            workgroup_name=f"{profile.name_prefix}-events",
            quick_look=QuickLookLogs(),
        )
