"""The sample app's four stacks: what each holds and how they are wired (both profiles, synthesized once)."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template

from sms_constructs.sample_app import load_profile
from sms_constructs.sample_app.identities_stack import IdentitiesStack
from tests.conftest import ENV, cdk_json_context
from tests.sample_app.synth import synthesized_sample


def _template(profile: str, stack: str) -> Template:
    sample = synthesized_sample(profile)
    return Template.from_stack(getattr(sample.stacks, stack))


def test_stacks_deploy_in_dependency_order() -> None:
    stacks = synthesized_sample("sandbox").stacks
    assert [s.stack_name for s in stacks.all] == [
        "SmsSandboxIdentities",
        "SmsSandboxAnalytics",
        "SmsSandboxSending",
        "SmsSandboxMonitoring",
    ]
    assert {d.stack_name for d in stacks.sending.dependencies} == {"SmsSandboxIdentities", "SmsSandboxAnalytics"}
    assert {d.stack_name for d in stacks.monitoring.dependencies} >= {"SmsSandboxSending", "SmsSandboxAnalytics"}
    assert stacks.identities.dependencies == []
    assert stacks.analytics.dependencies == []


def test_identities_stack_holds_the_simulator_pool_protect_and_spend_limit() -> None:
    template = _template("sandbox", "identities")
    template.has_resource_properties("AWS::SMSVOICE::PhoneNumber", {"NumberType": "SIMULATOR"})
    template.resource_count_is("AWS::SMSVOICE::Pool", 1)
    template.resource_count_is("AWS::SMSVOICE::ProtectConfiguration", 1)
    template.resource_count_is("AWS::SMSVOICE::ConfigurationSet", 0)
    [spend] = template.find_resources("Custom::SmsConstructsTextSpendLimitOverride").values()
    assert {"Channel": "TEXT", "MonthlyLimit": 1}.items() <= spend["Properties"].items()


def test_sending_stack_holds_the_configuration_set_and_its_destinations() -> None:
    template = _template("sandbox", "sending")
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "ConfigurationSetName": "sms-sandbox-config",
            "ProtectConfigurationId": {"Fn::ImportValue": Match.string_like_regexp("SmsSandboxIdentities:")},
            "EventDestinations": Match.array_with([Match.object_like({"EventDestinationName": "EventsFirehose"})]),
        },
    )
    outputs = template.to_json()["Outputs"]
    assert {"SendQueueUrl", "MessageStoreTableName", "ProducerFunctionName", "FinalFailureTopicArn"} <= set(outputs)


def test_analytics_stack_outputs_the_quick_look_log_group() -> None:
    stack = synthesized_sample("sandbox").stacks.analytics
    log_group = stack.analytics.quick_look_log_group
    assert log_group is not None
    outputs = Template.from_stack(stack).to_json()["Outputs"]
    [name] = [o["Value"] for key, o in outputs.items() if "QuickLookLogGroupName" in key]  # what test-message reads
    assert name == {"Ref": stack.get_logical_id(log_group.node.default_child)}


def test_sandbox_monitoring_alarms_at_half_and_four_fifths_of_one_dollar() -> None:
    template = _template("sandbox", "monitoring")
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    spend = sorted(
        a["Properties"]["Threshold"]
        for a in alarms.values()
        if a["Properties"].get("MetricName") == "TextMessageMonthlySpend"
    )
    assert spend == [0.5, 0.8, 1]
    assert len(alarms) == 16  # with the status notifier and the inbound pattern watched
    names = sorted(a["Properties"]["AlarmName"] for a in alarms.values())
    assert "sms-sandbox-MonthlySpend80" in names
    assert "sms-sandbox-SpendLimitHolds" in names
    assert "sms-sandbox-CircuitBreakerOpen" in names
    assert {"sms-sandbox-StatusDeadLetters", "sms-sandbox-InboundDeadLetters", "sms-sandbox-ConsentDrift"} <= set(names)
    template.resource_count_is("AWS::SNS::Subscription", 0)  # the sandbox sets no alarm e-mail
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "sms-sandbox-sms"})


def test_production_imports_and_requests_identities_and_mails_alarms() -> None:
    identities = _template("production", "identities")
    identities.resource_count_is("AWS::SMSVOICE::PhoneNumber", 1)  # the requested toll-free number
    identities.has_resource_properties("AWS::SMSVOICE::PhoneNumber", {"NumberType": "TOLL_FREE"})
    identities.has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {
            "OriginationIdentities": Match.array_with(
                ["arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"]
            )
        },
    )
    sending = synthesized_sample("production").stacks.sending
    assert sending.sending.send_queue.max_parts_per_second == 1  # the lower of 1 (10DLC) and 3 (toll-free)
    monitoring = _template("production", "monitoring")
    monitoring.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "sms-oncall@example.com"}
    )
    spend = sorted(
        a["Properties"]["Threshold"]
        for a in monitoring.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "TextMessageMonthlySpend"
    )
    assert spend == [50, 80, 100]


def test_sandbox_verified_destination_numbers_come_from_cdk_json() -> None:
    numbers = ["+14255550142", "+447700900123"]
    app = cdk.App(context=cdk_json_context(**{"sms-constructs:sandbox": {"verifiedDestinationNumbers": numbers}}))
    stack = IdentitiesStack(app, "Identities", profile=load_profile(app), env=ENV)
    assert len(stack.verified_destination_numbers) == 2
    resources = Template.from_stack(stack).find_resources("AWS::SMSVOICE::VerifiedDestinationNumber")
    assert sorted(r["Properties"]["DestinationPhoneNumber"] for r in resources.values()) == sorted(numbers)
    assert {r["DeletionPolicy"] for r in resources.values()} == {"Retain"}
    Template.from_stack(synthesized_sample("sandbox").stacks.identities).resource_count_is(
        "AWS::SMSVOICE::VerifiedDestinationNumber",
        0,  # cdk.json ships none
    )


def test_sending_stack_publishes_status_events_of_its_send_queue_on_an_encrypted_bus() -> None:
    sending = synthesized_sample("sandbox").stacks.sending
    after = sending.after_the_send
    assert after.status.send_queue is sending.sending.send_queue
    template = Template.from_stack(sending)
    template.has_resource_properties(
        "AWS::Events::EventBus", {"KmsKeyIdentifier": Match.any_value()}
    )  # the one bus: status and inbound events
    template.resource_count_is("AWS::Events::EventBus", 1)
    template.has_resource_properties(
        "AWS::SMSVOICE::ConfigurationSet",
        {
            "EventDestinations": Match.array_with(
                [Match.object_like({"MatchingEventTypes": ["TEXT_ALL"], "SnsDestination": Match.any_value()})]
            )
        },
    )
    # The retry policy makes retried carrier failures non-final in the status events.
    status_env = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "status.handler.main"}}
    ).values()
    [variables] = [f["Properties"]["Environment"]["Variables"] for f in status_env]
    assert "CARRIER_UNREACHABLE" in json.dumps(variables)
    assert {"StatusEventBusName", "ConsentLedgerTableName"} <= set(template.to_json()["Outputs"])


def test_sending_stack_handles_replies_with_the_confirm_keyword_and_reconciles_opt_outs() -> None:
    stacks = synthesized_sample("sandbox").stacks
    inbound = stacks.sending.after_the_send.inbound
    assert inbound.keywords == ["C"]
    assert inbound.opt_in_keywords == ["START"]  # exactly the OPT_IN keywords registered on the pool
    assert inbound.send_queue is stacks.sending.sending.send_queue  # replies are paced and carry a deadline
    assert inbound.event_bus is stacks.sending.after_the_send.status.event_bus
    template = Template.from_stack(stacks.sending)
    [function] = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": "inbound.handler.main"}}
    ).values()
    routes = json.dumps(function["Properties"]["Environment"]["Variables"])
    assert "thanks, you are confirmed" in routes
    # The inbound queue subscribes to the identities stack's topic; the reconciliation reads the pool's opt-out list.
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "sqs", "TopicArn": {"Fn::ImportValue": Match.string_like_regexp("SmsSandboxIdentities:")}},
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sms-voice:DescribeOptedOutNumbers",
                                "Resource": {"Fn::ImportValue": Match.string_like_regexp("SmsSandboxIdentities:")},
                            }
                        )
                    ]
                )
            }
        },
    )
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 day)"})


def test_only_the_production_pool_is_two_way_and_both_profiles_have_the_inbound_topic() -> None:
    sandbox = _template("sandbox", "identities")
    [pool] = sandbox.find_resources("AWS::SMSVOICE::Pool").values()
    assert "TwoWay" not in pool["Properties"]  # two-way on a simulator number is not documented
    sandbox.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    assert "InboundTopicArn" in sandbox.to_json()["Outputs"]
    production = _template("production", "identities")
    [topic_id] = production.find_resources("AWS::SNS::Topic").keys()
    production.has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {"TwoWay": {"Enabled": True, "ChannelArn": {"Ref": topic_id}, "ChannelRole": Match.any_value()}},
    )
