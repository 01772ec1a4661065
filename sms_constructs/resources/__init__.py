"""L2 resources for AWS::SMSVOICE (each module wraps one resource type)."""
