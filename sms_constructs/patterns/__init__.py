"""L3 patterns: compositions of the L2 resources and aws-cdk-lib constructs."""
