#!/usr/bin/env python3
"""Sample app of sms-constructs.

``npx cdk synth`` synthesizes the sandbox profile; ``-c sms-constructs:profile=production`` the production one.

The AwsSolutions and Serverless cdk-nag packs are attached, so synthesis fails on any unacknowledged finding.
"""

import aws_cdk as cdk

from sms_constructs import SmsStrictWarnings
from sms_constructs._private.nag import add_compliance_checks
from sms_constructs.sample_app import build_sample_app

app = cdk.App()
# -c sms-constructs:strictWarnings=true: every unacknowledged sms-constructs:* warning fails synthesis.
SmsStrictWarnings.apply_from_context(app)
add_compliance_checks(app)
build_sample_app(app)
app.synth()
