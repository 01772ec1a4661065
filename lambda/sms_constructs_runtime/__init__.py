"""The run-time half of sms-constructs: what producers and the library's Lambda handlers import.

Standard library only (boto3 is imported when a client is first needed): no aws-cdk-lib, no jsii, no Node.js. It
ships in the ``sms-constructs`` wheel, and ``SmsSendQueue.add_producer`` puts it in a Lambda layer for producers.

- :class:`SmsProducer` — puts SMS requests on an ``SmsSendQueue`` (``producer``);
- :class:`SendRequest`, :class:`ContractError` — the versioned producer contract (``contract``; JSON Schema in
  ``contract.schema.json``);
- :class:`SenderSettings`, :class:`RetrySettings` — the typed construct↔handler settings (``settings``);
- ``events`` (the SMS event schema), ``parts`` (message parts), ``pacing``, ``store``, ``send_errors``.
"""

from .contract import CONTRACT_VERSION, SUPPORTED_VERSIONS, ContractError, RejectionReason, SendRequest
from .producer import SmsProducer, SmsProducerBatchError
from .settings import RetrySettings, SenderSettings

__all__ = [
    "CONTRACT_VERSION",
    "SUPPORTED_VERSIONS",
    "ContractError",
    "RejectionReason",
    "RetrySettings",
    "SendRequest",
    "SenderSettings",
    "SmsProducer",
    "SmsProducerBatchError",
]
