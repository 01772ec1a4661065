"""SmsEventAnalytics: SMS-only events, one pipeline per configuration set, expiries, raw backup, Object Lock, and the
deploy-safety details of its policies (issue 9)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_logs as logs
import aws_cdk.aws_s3 as s3
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.event_analytics import EventRetention, QuickLookLogs, RawEventBackup, SmsEventAnalytics
from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.event_destination import EventType
from tests.compliance.gates import nag_violations
from tests.conftest import ENV, cdk_json_context


def _ref(stack: cdk.Stack, construct: Any) -> str:
    child = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return stack.get_logical_id(child)


def _bucket(template: Template, stack: cdk.Stack, bucket: Any) -> dict[str, Any]:
    return template.find_resources("AWS::S3::Bucket")[_ref(stack, bucket)]["Properties"]  # type: ignore[no-any-return]


def _rules(template: Template, stack: cdk.Stack, bucket: Any) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in _bucket(template, stack, bucket)["LifecycleConfiguration"]["Rules"]}


# --- only SMS events ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [EventType.ALL, EventType.VOICE_ALL, EventType.MEDIA_ALL, EventType.RCS_ALL, EventType.RCS_READ],
    ids=lambda e: e.name,
)
def test_fails_event_types_of_other_channels(stack: cdk.Stack, event: EventType) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^TestStack/Events: invalid 'events': must be SMS event types \(TEXT_ALL or TEXT_\*\).*"
        rf"received EventType\.{event.name}$",
    ):
        SmsEventAnalytics(stack, "Events", events=[EventType.TEXT_DELIVERED, event])


def test_specific_sms_event_types_are_accepted(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsEventAnalytics(
        stack, "Events", configuration_set=config, events=[EventType.TEXT_DELIVERED, EventType.TEXT_SUCCESSFUL]
    )
    [destination] = Template.from_stack(stack).find_resources("AWS::SMSVOICE::ConfigurationSet").values()
    assert destination["Properties"]["EventDestinations"][0]["MatchingEventTypes"] == [
        "TEXT_DELIVERED",
        "TEXT_SUCCESSFUL",
    ]


# --- configuration sets: owned, one pipeline each, same Region ------------------------------------------------------


def test_fails_imported_configuration_set_with_a_reason_not_an_attribute_error(stack: cdk.Stack) -> None:
    imported = ConfigurationSet.from_configuration_set_name(stack, "Imported", "acme")
    analytics = SmsEventAnalytics(stack, "Events")
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Events: invalid 'configuration_set': SmsEventAnalytics adds an event destination, which "
        r"CloudFormation keeps inside the AWS::SMSVOICE::ConfigurationSet resource: .*received 'TestStack/Imported'$",
    ):
        analytics.add_configuration_set(imported)  # type: ignore[arg-type]


def test_fails_two_pipelines_on_one_configuration_set(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    SmsEventAnalytics(stack, "Events", configuration_set=config)
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Other: invalid 'configuration_set': TestStack/Config already has a SmsEventAnalytics "
        r"\(TestStack/Events\); a second one would store every event twice and bill it twice",
    ):
        SmsEventAnalytics(stack, "Other", configuration_set=config)


def test_fails_adding_the_same_configuration_set_twice(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    analytics = SmsEventAnalytics(stack, "Events", configuration_set=config)
    with pytest.raises(ValidationError, match=r"this SmsEventAnalytics already uses this configuration set"):
        analytics.add_configuration_set(config)


def test_fails_configuration_set_in_another_region(app: cdk.App) -> None:
    analytics = SmsEventAnalytics(cdk.Stack(app, "Analytics", env=ENV), "Events")
    config = ConfigurationSet(
        cdk.Stack(app, "Messaging", env=cdk.Environment(account="111122223333", region="eu-west-1")), "Config"
    )
    with pytest.raises(
        ValidationError,
        match=r"^Analytics/Events: invalid 'configuration_set': must be in the same Region as this stack "
        r"\(us-east-1\); it is in eu-west-1; received 'Messaging/Config'$",
    ):
        analytics.add_configuration_set(config)


# --- expiries -------------------------------------------------------------------------------------------------------


def test_events_expire_after_a_year_by_default(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events")
    template = Template.from_stack(stack)
    assert _rules(template, stack, analytics.bucket)["ExpireEvents"] == {
        "Id": "ExpireEvents",
        "Status": "Enabled",
        "Prefix": "events/",
        "ExpirationInDays": 365,
    }
    [table] = template.find_resources("AWS::Glue::Table").values()
    assert table["Properties"]["TableInput"]["Parameters"]["projection.dt.range"] == "NOW-365DAYS,NOW"


def test_keeping_events_forever_is_explicit(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events", event_retention=EventRetention.FOREVER)
    template = Template.from_stack(stack)
    assert "ExpireEvents" not in _rules(template, stack, analytics.bucket)
    [table] = template.find_resources("AWS::Glue::Table").values()
    assert table["Properties"]["TableInput"]["Parameters"]["projection.dt.range"] == "2022-01-01,NOW"


def test_existing_bucket_warns_until_forever_is_said(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme-existing-events")
    SmsEventAnalytics(stack, "Events", existing_bucket=bucket)
    SmsEventAnalytics(stack, "Explicit", existing_bucket=bucket, event_retention=EventRetention.FOREVER)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("EventsNotExpired"))
    assert [w.id for w in warnings] == ["/TestStack/Events"]


def test_fails_event_retention_that_is_not_an_event_retention(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'event_retention': must be an EventRetention"):
        SmsEventAnalytics(stack, "Events", event_retention=cdk.Duration.days(30))  # type: ignore[arg-type]


def test_bucket_props_lifecycle_rules_are_added_to_the_library_expiries(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(
        stack,
        "Events",
        bucket_props=s3.BucketProps(
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ToGlacier",
                    transitions=[
                        s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=cdk.Duration.days(90))
                    ],
                )
            ]
        ),
    )
    rules = _rules(Template.from_stack(stack), stack, analytics.bucket)
    assert list(rules) == ["NoncurrentVersions", "ExpireErrorRecords", "ExpireEvents", "ToGlacier"]
    assert rules["ExpireEvents"]["ExpirationInDays"] == 365
    assert rules["ExpireErrorRecords"]["ExpirationInDays"] == 90


def test_fails_bucket_props_rule_with_a_library_rule_id(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Events: invalid 'bucket_props.lifecycle_rules': rule ids .* are the library's own .*"
        r"received 'ExpireEvents'$",
    ):
        SmsEventAnalytics(
            stack,
            "Events",
            bucket_props=s3.BucketProps(
                lifecycle_rules=[s3.LifecycleRule(id="ExpireEvents", expiration=cdk.Duration.days(3650))]
            ),
        )


# --- raw-event backup -----------------------------------------------------------------------------------------------


def test_raw_event_backup_writes_compressed_encrypted_records_that_expire(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events", raw_event_backup=RawEventBackup(retention=cdk.Duration.days(14)))
    template = Template.from_stack(stack)
    bucket_arn = {"Fn::GetAtt": [_ref(stack, analytics.bucket), "Arn"]}
    [stream] = template.find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    assert destination["S3BackupMode"] == "Enabled"
    backup = destination["S3BackupConfiguration"]
    assert backup["BucketARN"] == bucket_arn
    assert backup["CompressionFormat"] == "GZIP"
    assert backup["Prefix"] == "raw/dt=!{timestamp:yyyy-MM-dd}/"
    assert backup["EncryptionConfiguration"] == {
        "KMSEncryptionConfig": {"AWSKMSKeyARN": {"Fn::GetAtt": [_ref(stack, analytics.key), "Arn"]}}
    }
    assert _rules(template, stack, analytics.bucket)["ExpireRawEvents"] == {
        "Id": "ExpireRawEvents",
        "Status": "Enabled",
        "Prefix": "raw/",
        "ExpirationInDays": 14,
    }
    [policy] = template.find_resources("AWS::IAM::Policy").values()
    [write] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "WriteObjects"]
    assert {"Fn::Join": ["", [bucket_arn, "/raw/*"]]} in write["Resource"]


def test_no_raw_event_backup_by_default(stack: cdk.Stack) -> None:
    SmsEventAnalytics(stack, "Events")
    [stream] = Template.from_stack(stack).find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    assert stream["Properties"]["ExtendedS3DestinationConfiguration"].get("S3BackupMode", "Disabled") == "Disabled"


def test_fails_raw_event_backup_with_existing_bucket(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme")
    with pytest.raises(ValidationError, match=r"invalid 'raw_event_backup': needs the created bucket"):
        SmsEventAnalytics(
            stack,
            "Events",
            existing_bucket=bucket,
            event_retention=EventRetention.FOREVER,
            raw_event_backup=RawEventBackup(),
        )


# --- Object Lock, EventBridge notifications (AWS Control Tower) ----------------------------------------------------


def test_object_lock_is_a_prop_of_the_event_bucket(stack: cdk.Stack) -> None:
    lock = s3.ObjectLockRetention.governance(cdk.Duration.days(30))
    analytics = SmsEventAnalytics(stack, "Events", object_lock_retention=lock)
    bucket = _bucket(Template.from_stack(stack), stack, analytics.bucket)
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
    }


def test_fails_object_lock_longer_than_the_event_retention(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValidationError,
        match=r"^TestStack/Events: invalid 'object_lock_retention': must not lock objects longer than "
        r"event_retention \(90 days\).*received 'COMPLIANCE 100 days'$",
    ):
        SmsEventAnalytics(
            stack,
            "Events",
            event_retention=EventRetention.days(90),
            object_lock_retention=s3.ObjectLockRetention.compliance(cdk.Duration.days(100)),
        )


def test_every_bucket_notifies_eventbridge_without_a_custom_resource(stack: cdk.Stack) -> None:
    SmsEventAnalytics(stack, "Events")
    template = Template.from_stack(stack)
    buckets = template.find_resources("AWS::S3::Bucket").values()
    assert len(buckets) == 3
    for bucket in buckets:
        assert bucket["Properties"]["NotificationConfiguration"] == {
            "EventBridgeConfiguration": {"EventBridgeEnabled": True}
        }
    assert template.find_resources("Custom::S3BucketNotifications") == {}
    template.resource_count_is("AWS::Lambda::Function", 0)


def test_key_denies_grants_not_made_by_aws_services(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events")
    [key] = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    assert _ref(stack, analytics.key)
    assert {
        "Sid": "DenyGrantsUnlessForAwsServices",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
    } in key["Properties"]["KeyPolicy"]["Statement"]


def test_firehose_key_statement_is_limited_to_this_bucket_by_encryption_context(stack: cdk.Stack) -> None:
    analytics = SmsEventAnalytics(stack, "Events")
    [policy] = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    [encrypt] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "EncryptObjects"]
    bucket_arn = {"Fn::GetAtt": [_ref(stack, analytics.bucket), "Arn"]}
    assert encrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
        "StringLike": {
            "kms:EncryptionContext:aws:s3:arn": [
                bucket_arn,  # with the S3 Bucket Key on, the context is the bucket's ARN
                {"Fn::Join": ["", [bucket_arn, "/events/*"]]},
                {"Fn::Join": ["", [bucket_arn, "/errors/*"]]},
            ]
        },
    }


def test_short_quick_look_retention_is_acknowledged_only_when_short(app: cdk.App) -> None:
    short = cdk.Stack(app, "Short", env=ENV)
    SmsEventAnalytics(short, "Events", quick_look=QuickLookLogs())
    long = cdk.Stack(app, "Long", env=ENV)
    SmsEventAnalytics(long, "Events", quick_look=QuickLookLogs(retention=cdk.aws_logs.RetentionDays.ONE_YEAR))

    def acknowledged(stack: cdk.Stack) -> list[str]:
        group = stack.node.find_child("Events").node.find_child("QuickLook")
        return [
            str(entry.data)
            for entry in group.node.metadata
            if "cloudwatch_log_group_retention_period_check" in str(entry.data)
        ]

    assert len(acknowledged(short)) == 1
    assert acknowledged(long) == []


# --- narrow acknowledgements ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [ENV, None], ids=["pinned", "environment-agnostic"])
def test_imported_bucket_acknowledges_only_the_prefix_findings(env: cdk.Environment | None) -> None:
    app = cdk.App(context=cdk_json_context())
    stack = cdk.Stack(app, "Imported", env=env)
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "acme-existing-events")
    analytics = SmsEventAnalytics(stack, "Events", existing_bucket=bucket, event_retention=EventRetention.FOREVER)
    assert nag_violations(app) == []
    # A wildcard the library did not write is not hidden by those acknowledgements.
    analytics.delivery_policy.add_statements(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("other/*")])
    )
    [violation] = nag_violations(app)
    assert violation.startswith("AwsSolutions-IAM5[Resource::arn:")
    assert violation.split("]")[0].endswith(":s3:::acme-existing-events/other/*")


# --- values that can never take effect ------------------------------------------------------------------------------


def test_fails_quick_look_kept_longer_than_the_events(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=r"TestStack/Events: invalid 'quick_look.retention': must not keep events longer than event_retention "
        r"\(7 days\): .*outlive their expiry; received RetentionDays.TWO_WEEKS$",
    ):
        SmsEventAnalytics(stack, "Events", event_retention=EventRetention.days(7), quick_look=QuickLookLogs())


def test_fails_quick_look_kept_forever_with_finite_events(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"invalid 'quick_look.retention': .*received RetentionDays.INFINITE$"):
        SmsEventAnalytics(stack, "Events", quick_look=QuickLookLogs(retention=logs.RetentionDays.INFINITE))


def test_fails_raw_backup_kept_longer_than_the_events(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=r"TestStack/Events: invalid 'raw_event_backup.retention': must not keep raw records longer than "
        r"event_retention \(14 days\): .*; received Duration 30 days$",
    ):
        SmsEventAnalytics(stack, "Events", event_retention=EventRetention.days(14), raw_event_backup=RawEventBackup())


def test_warns_named_queries_looking_back_beyond_the_retention(stack: cdk.Stack) -> None:
    SmsEventAnalytics(
        stack,
        "Events",
        event_retention=EventRetention.days(14),
        raw_event_backup=RawEventBackup(retention=cdk.Duration.days(14)),
        quick_look=QuickLookLogs(retention=logs.RetentionDays.ONE_WEEK),
    )
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Events", Match.string_like_regexp("QueryWindowBeyondRetention")
    )
    assert len(warnings) == 1
    assert "event_retention is 14 days, and 3 named queries look back 30 days" in warnings[0].entry.data
    assert "SMS spend by producer and day" in warnings[0].entry.data


def test_default_retention_draws_no_query_window_warning(stack: cdk.Stack) -> None:
    SmsEventAnalytics(stack, "Events", quick_look=QuickLookLogs())
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("QueryWindowBeyond")) == []


def test_fails_bucket_and_bucket_props_naming_the_bucket_by_its_path(stack: cdk.Stack) -> None:
    bucket = s3.Bucket(stack, "Mine")
    with pytest.raises(ValueError, match=r"invalid 'existing_bucket/bucket_props'") as raised:
        SmsEventAnalytics(stack, "Events", existing_bucket=bucket, bucket_props=s3.BucketProps(versioned=True))
    message = str(raised.value)
    assert "received {'existing_bucket': construct TestStack/Mine, 'bucket_props': BucketProps(versioned=True)}" in (
        message
    )
    assert " object at 0x" not in message
