"""Lambda handler sources of sms-constructs (shipped in the wheel as ``sms_constructs._lambda``)."""
