"""Operator commands for a deployed sms-constructs app (standard library and boto3 only: no aws-cdk-lib, no Node.js).

- ``sms-constructs-test-message`` (``make test-message``): finds a deployed ``SmsSendQueue`` by the outputs the
  constructs publish, sends to the US simulator or to ``--to`` numbers through it and follows each message through the
  message store and the events (:mod:`.test_message`);
- ``sms-constructs-verify-destination`` (``make verify-destination NUMBER=+1...``): completes the verification of a
  sandbox destination number (:mod:`.verify_destination`);
- ``sms-constructs-fixed-cost`` (``make cost``): what the synthesized stacks cost per month before any message
  (:mod:`.fixed_cost`).

They share exit codes and one-line faults (:mod:`._cli`).
"""
