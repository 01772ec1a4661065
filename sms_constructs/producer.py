"""Re-export of :class:`sms_constructs_runtime.SmsProducer`.

Producers should import the client from the runtime package, which needs neither aws-cdk-lib nor Node.js::

    from sms_constructs_runtime import SmsProducer

This module stays for code that imported ``sms_constructs.producer`` (importing it loads aws-cdk-lib).
"""

from sms_constructs_runtime.contract import ContractError, SendRequest
from sms_constructs_runtime.gsm7 import Normalization
from sms_constructs_runtime.producer import QUEUE_URL_VARIABLE, SmsProducer, SmsProducerBatchError

__all__ = [
    "QUEUE_URL_VARIABLE",
    "ContractError",
    "Normalization",
    "SendRequest",
    "SmsProducer",
    "SmsProducerBatchError",
]
