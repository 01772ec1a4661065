"""ConfigurationSet: properties, event destinations, grants, importers, cross-stack policies, validation, compliance."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_logs as logs
import aws_cdk.aws_sns as sns
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from sms_constructs._private.errors import ValidationError
from sms_constructs.resources.configuration_set import ConfigurationSet, ConfigurationSetEventDestination
from sms_constructs.resources.event_destination import EventDestination, EventType
from sms_constructs.resources.protect_configuration import ProtectConfiguration
from tests.compliance.gates import cfn_lint_findings, checkov_failures, nag_violations
from tests.conftest import ENV, cdk_json_context

ARN = "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/acme"


def _topic(stack: cdk.Stack, id: str = "Topic") -> sns.Topic:
    return sns.Topic(stack, id)


def test_defaults_generated_name_destroy_and_no_destinations(stack: cdk.Stack) -> None:
    ConfigurationSet(stack, "Config")
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "Properties": {"ConfigurationSetName": Match.string_like_regexp(r"^TestStack-Config-[A-F0-9]{8}$")},
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )


def test_all_props(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration(stack, "Protect")
    ConfigurationSet(
        stack,
        "Config",
        configuration_set_name="acme-otp",
        default_sender_id="ACME",
        message_feedback_enabled=True,
        protect_configuration=protect,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "Properties": {
                "ConfigurationSetName": "acme-otp",
                "DefaultSenderId": "ACME",
                "MessageFeedbackEnabled": True,
                "ProtectConfigurationId": {"Ref": stack.get_logical_id(protect.resource)},
            },
            "DeletionPolicy": "Retain",
        },
    )


def test_attributes_and_reference(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    logical_id = stack.get_logical_id(config.resource)
    assert stack.resolve(config.configuration_set_name) == {"Ref": logical_id}
    assert stack.resolve(config.configuration_set_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}
    ref = config.configuration_set_ref
    assert stack.resolve(ref.configuration_set_name) == {"Ref": logical_id}
    assert stack.resolve(ref.configuration_set_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_destinations_render_in_order_with_derived_names(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    first = config.add_event_destination(
        "Retry events", destination=EventDestination.sns_topic(_topic(stack)), events=[EventType.TEXT_ALL]
    )
    second = config.add_event_destination(
        "Other",
        destination=EventDestination.sns_topic(_topic(stack, "Other")),
        events=[EventType.VOICE_ALL, EventType.MEDIA_DELIVERED],
        enabled=False,
        event_destination_name="custom_name",
    )
    assert isinstance(first, ConfigurationSetEventDestination)
    assert (first.event_destination_name, second.event_destination_name) == ("Retry-events", "custom_name")
    assert [d.event_destination_name for d in config.event_destinations] == ["Retry-events", "custom_name"]
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": [
                Match.object_like(
                    {"EventDestinationName": "Retry-events", "Enabled": True, "MatchingEventTypes": ["TEXT_ALL"]}
                ),
                Match.object_like(
                    {
                        "EventDestinationName": "custom_name",
                        "Enabled": False,
                        "MatchingEventTypes": ["VOICE_ALL", "MEDIA_DELIVERED"],
                    }
                ),
            ]
        },
    )


def test_redundant_event_types_warn(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    config.add_event_destination(
        "Sns",
        destination=EventDestination.sns_topic(_topic(stack)),
        events=[EventType.TEXT_ALL, EventType.TEXT_DELIVERED, EventType.VOICE_FAILED],
    )
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Config", Match.string_like_regexp("TEXT_DELIVERED already included")
    )
    assert len(warnings) == 1
    assert "VOICE_FAILED" not in json.dumps(warnings[0].entry.data)


def test_all_with_anything_else_warns(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    config.add_event_destination(
        "Sns", destination=EventDestination.sns_topic(_topic(stack)), events=[EventType.ALL, EventType.RCS_READ]
    )
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Config", Match.string_like_regexp("RCS_READ already included")
    )
    assert len(warnings) == 1


def test_specific_events_do_not_warn(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    config.add_event_destination(
        "Sns",
        destination=EventDestination.sns_topic(_topic(stack)),
        events=[EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED],
    )
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


def test_grant_send_text_message_is_exactly_one_action_on_the_set(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = config.grant_send_text_message(role)
    assert grant.success
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": stack.get_logical_id(role.node.default_child)}],  # type: ignore[arg-type]
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "sms-voice:SendTextMessage",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [stack.get_logical_id(config.resource), "Arn"]},
                    }
                ],
            },
        },
    )


def test_grant_other_actions(stack: cdk.Stack) -> None:
    config = ConfigurationSet.from_configuration_set_name(stack, "Config", "acme")
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    config.grant(role, "sms-voice:SendMediaMessage", "sms-voice:SendVoiceMessage")
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": ["sms-voice:SendMediaMessage", "sms-voice:SendVoiceMessage"],
                        "Effect": "Allow",
                        "Resource": ARN,
                    }
                ],
            }
        },
    )


@pytest.mark.parametrize("actions", [(), ("sns:Publish",), ("sms-voice:SendMediaMessage", "s3:GetObject")])
def test_fails_grant_of_non_sms_voice_actions(stack: cdk.Stack, actions: tuple[str, ...]) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValidationError, match=r"TestStack/Config: invalid 'actions': give one or more 'sms-voice:'"):
        config.grant(role, *actions)


def test_import_by_name(stack: cdk.Stack) -> None:
    imported = ConfigurationSet.from_configuration_set_name(stack, "Imported", "acme")
    assert imported.configuration_set_name == "acme"
    assert stack.resolve(imported.configuration_set_arn) == ARN
    assert imported.configuration_set_ref.configuration_set_name == "acme"


def test_import_by_arn_takes_env_from_arn(stack: cdk.Stack) -> None:
    arn = "arn:aws:sms-voice:eu-west-1:444455556666:configuration-set/shared"
    imported = ConfigurationSet.from_configuration_set_arn(stack, "Imported", arn)
    assert imported.configuration_set_name == "shared"
    assert imported.configuration_set_arn == arn
    assert (imported.env.account, imported.env.region) == ("444455556666", "eu-west-1")
    assert imported.source_arn_for(stack) == arn


def test_source_arn_in_same_stack_is_formatted_from_the_name(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    assert stack.resolve(config.source_arn_for(stack)) == ARN


def test_source_arn_with_parameter_name_in_same_stack(stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "Name").value_as_string
    config = ConfigurationSet(stack, "Config", configuration_set_name=name)
    assert stack.resolve(config.source_arn_for(stack)) == {
        "Fn::Join": ["", ["arn:aws:sms-voice:us-east-1:111122223333:configuration-set/", {"Ref": "Name"}]]
    }
    Template.from_stack(stack).has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet", {"ConfigurationSetName": {"Ref": "Name"}}
    )


def test_fails_source_arn_in_other_stack_without_literal_name(app: cdk.App, stack: cdk.Stack) -> None:
    name = cdk.CfnParameter(stack, "Name").value_as_string
    config = ConfigurationSet(stack, "Config", configuration_set_name=name)
    other = cdk.Stack(app, "Other", env=ENV)
    with pytest.raises(ValidationError, match=r"TestStack/Config: invalid 'configuration_set_name': must be a literal"):
        config.source_arn_for(other)


def test_cross_stack_destinations_synthesize_without_cycle(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    destinations = cdk.Stack(app, "Destinations", env=ENV)
    key = kms.Key(destinations, "Key", enable_key_rotation=True)
    topic = sns.Topic(destinations, "Topic", master_key=key)
    log_group = logs.LogGroup(destinations, "Logs")
    messaging = cdk.Stack(app, "Messaging", env=ENV)
    config = ConfigurationSet(messaging, "Config")  # generated name: a literal, so no reference back
    config.add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.TEXT_ALL])
    logs_dest = config.add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
    )
    app.synth()  # a dependency cycle would raise here

    assert cdk.Stack.of(logs_dest.role) is messaging  # type: ignore[arg-type]
    assert messaging.dependencies == [destinations]
    name = Template.from_stack(messaging).to_json()["Resources"][messaging.get_logical_id(config.resource)][
        "Properties"
    ]["ConfigurationSetName"]
    assert name.startswith("Messaging-Config-")
    conditions = {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnEquals": {"aws:SourceArn": f"arn:aws:sms-voice:us-east-1:111122223333:configuration-set/{name}"},
    }
    dest_template = Template.from_stack(destinations)
    dest_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {"PolicyDocument": {"Statement": [Match.object_like({"Action": "sns:Publish", "Condition": conditions})]}},
    )
    dest_template.has_resource_properties(
        "AWS::KMS::Key",
        {"KeyPolicy": {"Statement": Match.array_with([Match.object_like({"Condition": conditions})])}},
    )
    assert "Fn::ImportValue" not in json.dumps(dest_template.to_json())
    Template.from_stack(messaging).has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": {"Statement": [Match.object_like({"Condition": conditions})]}},
    )


def test_fails_cross_stack_destination_with_parameter_name(app: cdk.App, stack: cdk.Stack) -> None:
    other = cdk.Stack(app, "Destinations", env=ENV)
    topic = sns.Topic(other, "Topic")
    config = ConfigurationSet(stack, "Config", configuration_set_name=cdk.CfnParameter(stack, "Name").value_as_string)
    with pytest.raises(ValidationError, match="give 'configuration_set_name'"):
        config.add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_fails_name_length(stack: cdk.Stack, name: str) -> None:
    with pytest.raises(ValidationError, match=r"TestStack/Config: invalid 'configuration_set_name': length must be"):
        ConfigurationSet(stack, "Config", configuration_set_name=name)


def test_fails_name_pattern(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'configuration_set_name': must match .*; received 'acme otp'"):
        ConfigurationSet(stack, "Config", configuration_set_name="acme otp")


def test_fails_default_sender_id_length(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'default_sender_id': length must be between 1 and 11"):
        ConfigurationSet(stack, "Config", default_sender_id="ACMEALERTS12")


def test_fails_default_sender_id_pattern(stack: cdk.Stack) -> None:
    with pytest.raises(ValidationError, match=r"invalid 'default_sender_id': must match .*; received 'ACME!'"):
        ConfigurationSet(stack, "Config", default_sender_id="ACME!")


def test_fails_more_than_five_destinations(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    topic = _topic(stack)
    for index in range(5):
        config.add_event_destination(f"D{index}", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])
    with pytest.raises(ValidationError, match=r"TestStack/Config/D5: invalid 'event_destinations': .* at most 5"):
        config.add_event_destination("D5", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])


def test_fails_duplicate_destination_names(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    topic = _topic(stack)
    config.add_event_destination("A", destination=EventDestination.sns_topic(topic), events=[EventType.ALL])
    with pytest.raises(ValidationError, match=r"invalid 'event_destination_name': must be unique.*received 'A'"):
        config.add_event_destination(
            "B", destination=EventDestination.sns_topic(topic), events=[EventType.ALL], event_destination_name="A"
        )


def test_fails_destination_name_pattern(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'event_destination_name': must match .*received 'a b'"):
        config.add_event_destination(
            "A",
            destination=EventDestination.sns_topic(_topic(stack)),
            events=[EventType.ALL],
            event_destination_name="a b",
        )


def test_fails_destination_name_length(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'event_destination_name': length must be between 1 and 64"):
        config.add_event_destination(
            "A",
            destination=EventDestination.sns_topic(_topic(stack)),
            events=[EventType.ALL],
            event_destination_name="x" * 65,
        )


def test_fails_empty_events(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"TestStack/Config/A: invalid 'events': must name at least one"):
        config.add_event_destination("A", destination=EventDestination.sns_topic(_topic(stack)), events=[])


def test_fails_duplicate_events(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'events': event types must be unique"):
        config.add_event_destination(
            "A",
            destination=EventDestination.sns_topic(_topic(stack)),
            events=[EventType.TEXT_BLOCKED, EventType.TEXT_BLOCKED],
        )


def test_fails_text_sent(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'events': TEXT_SENT is not supported"):
        config.add_event_destination(
            "A", destination=EventDestination.sns_topic(_topic(stack)), events=[EventType.TEXT_SENT]
        )


def test_fails_event_that_is_not_an_event_type(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'events': must hold EventType values.*received 'TEXT_ALL'"):
        config.add_event_destination(
            "A",
            destination=EventDestination.sns_topic(_topic(stack)),
            events=["TEXT_ALL"],  # type: ignore[list-item]
        )


def test_fails_destination_that_is_not_an_event_destination(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError, match=r"invalid 'destination': must be an EventDestination"):
        config.add_event_destination("A", destination=_topic(stack), events=[EventType.ALL])  # type: ignore[arg-type]


def test_failed_destination_leaves_nothing_behind(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config", configuration_set_name="acme")
    with pytest.raises(ValidationError):
        config.add_event_destination("A", destination=EventDestination.sns_topic(_topic(stack)), events=[])
    assert config.event_destinations == []
    Template.from_stack(stack).resource_count_is("AWS::SNS::TopicPolicy", 0)


def test_compliance_of_a_configuration_set_with_its_destinations(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=cdk_json_context())
    stack = cdk.Stack(app, "ConfigurationSetCompliance", env=ENV)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"))
    log_group = logs.LogGroup(
        stack,
        "Events",
        encryption_key=key,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    topic = sns.Topic(stack, "Topic", master_key=key, enforce_ssl=True)
    protect = ProtectConfiguration.allow_only(stack, "Protect", ["US"], name="us-only")
    config = ConfigurationSet(stack, "Config", protect_configuration=protect)
    config.add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.TEXT_ALL]
    )
    config.add_event_destination("Sns", destination=EventDestination.sns_topic(topic), events=[EventType.TEXT_ALL])
    app.synth()

    assert nag_violations(app) == []
    assert cfn_lint_findings(sorted(tmp_path.glob("*.template.json"))) == []
    assert checkov_failures(tmp_path) == []


# --- review: protect configuration of another account or Region, tags ---------------------------------------------


def test_fails_protect_configuration_of_another_region(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration.from_protect_configuration_arn(
        stack, "Protect", "arn:aws:sms-voice:eu-west-1:111122223333:protect-configuration/protect-abc"
    )
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Config: invalid 'protect_configuration': must be in the same Region as this stack "
        r"\(us-east-1\); it is in eu-west-1",
    ):
        ConfigurationSet(stack, "Config", protect_configuration=protect)


def test_fails_protect_configuration_of_another_account(stack: cdk.Stack) -> None:
    protect = ProtectConfiguration.from_protect_configuration_arn(
        stack, "Protect", "arn:aws:sms-voice:us-east-1:444455556666:protect-configuration/protect-abc"
    )
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Config: invalid 'protect_configuration': must belong to this stack's account "
        r"\(111122223333\); protect configurations cannot be shared",
    ):
        ConfigurationSet(stack, "Config", protect_configuration=protect)


def test_fails_protect_configuration_id_pattern(stack: cdk.Stack) -> None:
    # The importer refuses the malformed ID before the configuration set ever sees it.
    with pytest.raises(
        ValidationError,
        match=r"TestStack/Protect: invalid 'protect_configuration_id': must be a protect-\.\.\. .*'protect abc'",
    ):
        ProtectConfiguration.from_protect_configuration_id(stack, "Protect", "protect abc")


def test_tags_reach_the_set_and_its_roles(stack: cdk.Stack) -> None:
    config = ConfigurationSet(stack, "Config")
    config.add_event_destination(
        "Logs", destination=EventDestination.cloud_watch_logs(logs.LogGroup(stack, "Logs")), events=[EventType.ALL]
    )
    cdk.Tags.of(config).add("team", "messaging")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet", {"Tags": [{"Key": "team", "Value": "messaging"}]}
    )
    template.has_resource_properties("AWS::IAM::Role", {"Tags": [{"Key": "team", "Value": "messaging"}]})
