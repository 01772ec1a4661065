"""The stack outputs through which the operator commands find a deployed construct.

Each published value is a ``CfnOutput`` whose logical ID is a fixed prefix followed by the construct's unique id
(``cdk.Names.unique_id``, trimmed with a hash when long), so the outputs of one construct share a suffix and no two
constructs collide. The outputs are not exported: reading them takes ``cloudformation:DescribeStacks`` only.
``sms_constructs_cli._aws`` reads the same prefixes.
"""

from __future__ import annotations

from typing import Final

import aws_cdk as cdk
from constructs import Construct

#: ``SmsSendQueue``: the URL of the send queue.
SEND_QUEUE_URL_OUTPUT: Final = "SmsSendQueueUrl"
#: ``SmsSendQueue``: the name of the message store table.
SEND_QUEUE_TABLE_OUTPUT: Final = "SmsSendQueueMessageStoreTableName"
#: ``SmsEventAnalytics`` with a quick look: the name of the quick-look log group.
ANALYTICS_LOG_GROUP_OUTPUT: Final = "SmsEventAnalyticsQuickLookLogGroupName"
_MAX_LOGICAL_ID: Final = 255


def publish(construct: Construct, prefix: str, id: str, value: str, description: str) -> cdk.CfnOutput:
    """Add the output ``id`` of ``construct`` whose logical ID is ``prefix`` + the construct's unique id."""
    output = cdk.CfnOutput(construct, id, value=value, description=description)
    suffix = cdk.Names.unique_resource_name(construct, max_length=_MAX_LOGICAL_ID - len(prefix))
    output.override_logical_id(prefix + "".join(c for c in suffix if c.isalnum()))
    return output
