"""The status Lambda of SmsStatusNotifier (``status.handler.main``)."""
