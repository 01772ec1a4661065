"""The retry Lambda of SmsRetry (``retry.handler.main``)."""
