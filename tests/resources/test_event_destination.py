"""EventType and EventDestination: the role, topic policy and key policy each destination kind gets."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kinesisfirehose as firehose
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs.resources.configuration_set import ConfigurationSet
from sms_constructs.resources.event_destination import EventDestination, EventType

CONFIG_ARN = "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/acme"
STREAM_ARN = "arn:aws:firehose:us-east-1:111122223333:deliverystream/events"
SOURCE_CONDITIONS = {
    "StringEquals": {"aws:SourceAccount": "111122223333"},
    "ArnEquals": {"aws:SourceArn": CONFIG_ARN},
}


def _config(stack: cdk.Stack) -> ConfigurationSet:
    return ConfigurationSet(stack, "Config", configuration_set_name="acme")


def test_event_type_has_every_documented_value() -> None:
    assert len(EventType) == 52
    assert all(member.name == member.value for member in EventType)
    assert {EventType.ALL, EventType.TEXT_ALL, EventType.VOICE_ALL, EventType.MEDIA_ALL, EventType.RCS_ALL} <= set(
        EventType
    )
    assert EventType("TEXT_PROTECT_BLOCKED") is EventType.TEXT_PROTECT_BLOCKED
    assert EventType("RCS_FALLEN_BACK_TO_SMS") is EventType.RCS_FALLEN_BACK_TO_SMS


def test_cloud_watch_logs_creates_a_conditioned_role(stack: cdk.Stack) -> None:
    log_group = logs.LogGroup(stack, "Logs")
    dest = _config(stack).add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
    )
    template = Template.from_stack(stack)
    assert isinstance(dest.role, iam.Role)
    role_id = stack.get_logical_id(dest.role.node.default_child)  # type: ignore[arg-type]
    log_group_id = stack.get_logical_id(log_group.node.default_child)  # type: ignore[arg-type]
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Condition": SOURCE_CONDITIONS,
                    }
                ],
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": role_id}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
                    }
                ],
            },
        },
    )
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                {
                    "EventDestinationName": "Logs",
                    "Enabled": True,
                    "MatchingEventTypes": ["TEXT_ALL"],
                    "CloudWatchLogsDestination": {
                        "IamRoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
                        # The log group itself, without the ":*" of GetAtt Arn (that form stays in IAM).
                        "LogGroupArn": {
                            "Fn::Join": ["", ["arn:aws:logs:us-east-1:111122223333:log-group:", {"Ref": log_group_id}]]
                        },
                    },
                }
            ]
        },
    )
    assert dest.role.node.path == "TestStack/Config/Logs/Role"


def test_cloud_watch_logs_with_user_role_grants_without_creating_one(stack: cdk.Stack) -> None:
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    log_group = logs.LogGroup.from_log_group_name(stack, "Logs", "sms-events")
    dest = _config(stack).add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group, role=role), events=[EventType.ALL]
    )
    assert dest.role is role
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [Match.object_like({"Condition": Match.absent()})]}},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": stack.get_logical_id(role.node.default_child)}],  # type: ignore[arg-type]
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:sms-events:*",
                    }
                ],
            },
        },
    )


def test_firehose_creates_a_role_that_may_only_put_records(stack: cdk.Stack) -> None:
    stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Stream", STREAM_ARN)
    dest = _config(stack).add_event_destination(
        "Stream", destination=EventDestination.firehose(stream), events=[EventType.TEXT_ALL]
    )
    role_id = stack.get_logical_id(dest.role.node.default_child)  # type: ignore[union-attr,arg-type]
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Condition": SOURCE_CONDITIONS,
                    }
                ],
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": role_id}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "firehose:PutRecord", "Effect": "Allow", "Resource": STREAM_ARN}],
            },
        },
    )
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                Match.object_like(
                    {
                        "KinesisFirehoseDestination": {
                            "IamRoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
                            "DeliveryStreamArn": STREAM_ARN,
                        }
                    }
                )
            ]
        },
    )


def test_firehose_with_user_role(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Mine", "arn:aws:iam::111122223333:role/sms-events", mutable=True)
    stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Stream", STREAM_ARN)
    dest = _config(stack).add_event_destination(
        "Stream", destination=EventDestination.firehose(stream, role=role), events=[EventType.TEXT_ALL]
    )
    assert dest.role is role
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": ["sms-events"],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "firehose:PutRecord", "Effect": "Allow", "Resource": STREAM_ARN}],
            },
        },
    )
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                Match.object_like(
                    {
                        "KinesisFirehoseDestination": {
                            "IamRoleArn": "arn:aws:iam::111122223333:role/sms-events",
                            "DeliveryStreamArn": STREAM_ARN,
                        }
                    }
                )
            ]
        },
    )


def test_sns_topic_gets_topic_policy_and_key_policy(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = sns.Topic(stack, "Topic", master_key=key)
    dest = _config(stack).add_event_destination(
        "Sns", destination=EventDestination.sns_topic(topic), events=[EventType.TEXT_DELIVERED]
    )
    assert dest.role is None
    template = Template.from_stack(stack)
    topic_id = stack.get_logical_id(topic.node.default_child)  # type: ignore[arg-type]
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": topic_id}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": Match.string_like_regexp("^SmsVoicePublish[A-Za-z0-9]+$"),
                        "Action": "sns:Publish",
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Resource": {"Ref": topic_id},
                        "Condition": SOURCE_CONDITIONS,
                    }
                ],
            },
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": Match.string_like_regexp("^SmsVoiceEncrypt[A-Za-z0-9]+$"),
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Effect": "Allow",
                            "Principal": {"Service": "sms-voice.amazonaws.com"},
                            "Resource": "*",
                            "Condition": SOURCE_CONDITIONS,
                        }
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                {
                    "EventDestinationName": "Sns",
                    "Enabled": True,
                    "MatchingEventTypes": ["TEXT_DELIVERED"],
                    "SnsDestination": {"TopicArn": {"Ref": topic_id}},
                }
            ]
        },
    )


def test_sns_topic_without_key_adds_no_key_policy(stack: cdk.Stack) -> None:
    topic = sns.Topic(stack, "Topic")
    _config(stack).add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.resource_count_is("AWS::SNS::TopicPolicy", 1)


def test_imported_topic_warns_that_its_policy_must_be_set_by_hand(stack: cdk.Stack) -> None:
    topic = sns.Topic.from_topic_arn(stack, "Topic", "arn:aws:sns:us-east-1:111122223333:events")
    _config(stack).add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])
    Template.from_stack(stack).resource_count_is("AWS::SNS::TopicPolicy", 0)
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Config/Sns", Match.string_like_regexp("sns:Publish")
    )
    assert len(warnings) == 1


def test_topic_with_imported_key_warns_about_the_key_policy(stack: cdk.Stack) -> None:
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    topic = sns.Topic(stack, "Topic", master_key=key)
    _config(stack).add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Config/Sns", Match.string_like_regexp("kms:GenerateDataKey\\* and kms:Decrypt")
    )
    assert len(warnings) == 1
    Template.from_stack(stack).resource_count_is("AWS::SNS::TopicPolicy", 1)


# --- deploy safety (issue 9) --------------------------------------------------------------------------------------


def _render(value: Any) -> str:
    """A resolved CloudFormation string as text: ``Fn::Join`` joined, ``Ref`` as ``${Name}``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    separator, parts = value["Fn::Join"]
    return str(separator).join(_render(part) for part in parts)


def _destination(template: Template) -> dict[str, Any]:
    [config] = template.find_resources("AWS::SMSVOICE::ConfigurationSet").values()
    [destination] = config["Properties"]["EventDestinations"]
    return destination  # type: ignore[no-any-return]


def test_cloud_watch_logs_destination_gets_the_log_group_arn_without_the_star_suffix(stack: cdk.Stack) -> None:
    log_group = logs.LogGroup(stack, "Logs")
    _config(stack).add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
    )
    template = Template.from_stack(stack)
    log_group_id = stack.get_logical_id(log_group.node.default_child)  # type: ignore[arg-type]
    arn = _render(_destination(template)["CloudWatchLogsDestination"]["LogGroupArn"])
    assert arn == "arn:aws:logs:us-east-1:111122223333:log-group:${" + log_group_id + "}"
    # IAM keeps the ":*" form (log streams are resources below the log group).
    [policy] = template.find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}


def test_imported_log_group_arn_is_passed_without_the_star_suffix(stack: cdk.Stack) -> None:
    log_group = logs.LogGroup.from_log_group_arn(
        stack, "Logs", "arn:aws:logs:us-east-1:111122223333:log-group:sms-events:*"
    )
    _config(stack).add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
    )
    arn = _render(_destination(Template.from_stack(stack))["CloudWatchLogsDestination"]["LogGroupArn"])
    assert arn == "arn:aws:logs:us-east-1:111122223333:log-group:sms-events"


def _depends_on(template: Template) -> set[str]:
    [config] = template.find_resources("AWS::SMSVOICE::ConfigurationSet").values()
    return set(config.get("DependsOn", []))


def test_configuration_set_waits_for_the_role_and_its_policy_of_each_role_destination(stack: cdk.Stack) -> None:
    config = _config(stack)
    logs_destination = config.add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(logs.LogGroup(stack, "Logs")), events=[EventType.TEXT_ALL]
    )
    stream = firehose.DeliveryStream.from_delivery_stream_arn(stack, "Stream", STREAM_ARN)
    firehose_destination = config.add_event_destination(
        "Firehose", destination=EventDestination.firehose(stream), events=[EventType.TEXT_ALL]
    )
    template = Template.from_stack(stack)
    expected = set()
    for destination in (logs_destination, firehose_destination):
        role = destination.role
        assert isinstance(role, iam.Role)
        expected.add(stack.get_logical_id(role.node.default_child))  # type: ignore[arg-type]
        expected.add(stack.get_logical_id(role.node.find_child("DefaultPolicy").node.default_child))  # type: ignore[arg-type]
    assert expected <= _depends_on(template)


def test_configuration_set_waits_for_the_policy_of_a_role_given_by_the_user(stack: cdk.Stack) -> None:
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    _config(stack).add_event_destination(
        "Logs",
        destination=EventDestination.cloud_watch_logs(logs.LogGroup(stack, "Logs"), role=role),
        events=[EventType.TEXT_ALL],
    )
    policy = role.node.find_child("DefaultPolicy").node.default_child
    assert stack.get_logical_id(policy) in _depends_on(Template.from_stack(stack))  # type: ignore[arg-type]


def test_configuration_set_waits_for_the_topic_policy_and_the_key_policy(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key")
    topic = sns.Topic(stack, "Topic", master_key=key)
    _config(stack).add_event_destination(
        "Sns", destination=EventDestination.sns_topic(topic), events=[EventType.TEXT_ALL]
    )
    template = Template.from_stack(stack)
    [topic_policy_id] = template.find_resources("AWS::SNS::TopicPolicy")
    key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
    assert {topic_policy_id, key_id} <= _depends_on(template)
