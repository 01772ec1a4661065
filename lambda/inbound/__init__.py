"""The inbound and consent-reconciliation Lambdas of SmsInbound (``inbound.handler``, ``inbound.reconcile``)."""
