"""Runtime helpers shared by the sms-constructs Lambda handlers (stdlib only)."""
