"""Private helpers shared across sms-constructs. Not part of the public API."""
