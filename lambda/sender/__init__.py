"""The sender Lambda of SmsSendQueue (``sender.handler.main``)."""
