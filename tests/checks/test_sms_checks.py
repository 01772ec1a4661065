"""SmsChecks: each rule fires on a bad L1 template and stays silent on a good one; the cdk-nag 3 plugin API works."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_iam as iam
import aws_cdk.aws_kms as kms
import aws_cdk.aws_smsvoice as smsvoice
import aws_cdk.aws_sns as sns
import pytest
from cdk_nag import NagMessageLevel

from sms_constructs import OptOutList, SmsChecks, SmsRule
from sms_constructs.checks import RULES, RULES_BY_SUFFIX

ENV = cdk.Environment(account="111122223333", region="us-east-1")
HELP = "Acme alerts: help at https://acme.example/sms or 1-800-555-0100. Msg&data rates apply. Reply STOP to end."
STOP = "Acme alerts: you are unsubscribed and will receive no more messages."


def findings(scope: cdk.App, pack: SmsChecks | None = None) -> dict[str, list[str]]:
    report = (pack or SmsChecks()).validate_scope(scope)
    return {v.rule_name: sorted(r.construct_path for r in v.violating_resources) for v in report.violations}


def new_stack(**tags: str) -> tuple[cdk.App, cdk.Stack]:
    app = cdk.App()
    return app, cdk.Stack(app, "S", env=ENV, tags=tags or None)


def keywords(cls: Any, help: str = HELP, stop: str = STOP) -> Any:
    return cls.MandatoryKeywordsProperty(
        help=cls.MandatoryKeywordProperty(message=help), stop=cls.MandatoryKeywordProperty(message=stop)
    )


def phone_number(stack: cdk.Stack, id: str = "Number", **props: Any) -> smsvoice.CfnPhoneNumber:
    defaults: dict[str, Any] = {
        "iso_country_code": "US",
        "number_type": "TOLL_FREE",
        "number_capabilities": ["SMS"],
        "mandatory_keywords": keywords(smsvoice.CfnPhoneNumber),
        "deletion_protection_enabled": True,
    }
    return smsvoice.CfnPhoneNumber(stack, id, **{**defaults, **props})


def pool(stack: cdk.Stack, id: str = "Pool", **props: Any) -> smsvoice.CfnPool:
    defaults: dict[str, Any] = {
        "origination_identities": ["arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-01"],
        "mandatory_keywords": keywords(smsvoice.CfnPool),
        "deletion_protection_enabled": True,
    }
    return smsvoice.CfnPool(stack, id, **{**defaults, **props})


def destination() -> smsvoice.CfnConfigurationSet.EventDestinationProperty:
    return smsvoice.CfnConfigurationSet.EventDestinationProperty(
        event_destination_name="Logs",
        enabled=True,
        matching_event_types=["TEXT_ALL"],
        cloud_watch_logs_destination=smsvoice.CfnConfigurationSet.CloudWatchLogsDestinationProperty(
            iam_role_arn="arn:aws:iam::111122223333:role/logs",
            log_group_arn="arn:aws:logs:us-east-1:111122223333:log-group:g",
        ),
    )


def retained(resource: cdk.CfnResource) -> cdk.CfnResource:
    resource.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    return resource


def opted_out_number(stack: cdk.Stack, id: str = "OptedOut", **properties: Any) -> cdk.CfnResource:
    """A hand-made resource of the library's opted-out-number contract (type and ``RemoveOnDelete`` property)."""
    props: dict[str, Any] = {
        "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:provider",
        "OptOutListName": "acme",
        "OptedOutNumber": "+14255550199",
    }
    if "remove_on_delete" in properties:
        props["RemoveOnDelete"] = properties["remove_on_delete"]
    return cdk.CfnResource(stack, id, type="Custom::SmsConstructsOptedOutNumber", properties=props)


def sender_role(stack: cdk.Stack, resource: str) -> iam.Role:
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_principal_policy(iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], resources=[resource]))
    return role


# --- the pack -------------------------------------------------------------------------------------------------


def test_every_rule_has_an_id_a_level_a_rationale_and_a_fix() -> None:
    assert [rule.rule_id for rule in RULES] == [
        "SmsChecks-DP1",
        "SmsChecks-RP1",
        "SmsChecks-KW1",
        "SmsChecks-OO1",
        "SmsChecks-CS1",
        "SmsChecks-CS2",
        "SmsChecks-IAM1",
        "SmsChecks-IAM2",
        "SmsChecks-IAM3",
        "SmsChecks-OO2",
        "SmsChecks-SIM1",
    ]
    for rule in RULES:
        assert isinstance(rule, SmsRule)
        assert rule.level in (NagMessageLevel.ERROR, NagMessageLevel.WARN)
        assert len(rule.rationale) > 80
        assert len(rule.fix) > 30
        assert rule.resource_types


def test_a_deliberately_bad_app_reports_every_rule() -> None:
    app, stack = new_stack(Environment="Production")
    phone_number(
        stack,
        number_type="SIMULATOR",
        deletion_protection_enabled=False,
        self_managed_opt_outs_enabled=True,
        mandatory_keywords=keywords(smsvoice.CfnPhoneNumber, help="Call us.", stop="Bye."),
    )
    smsvoice.CfnOptOutList(stack, "OptOuts")
    config = smsvoice.CfnConfigurationSet(stack, "Config", configuration_set_name="acme")
    sender_role(stack, config.attr_arn)
    iam.Role(stack, "LogsRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    topic = sns.Topic(stack, "Events")
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sns:Publish"],
            principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
            resources=[topic.topic_arn],
        )
    )
    topic.add_to_resource_policy(
        iam.PolicyStatement(actions=["sns:Subscribe"], principals=[iam.AnyPrincipal()], resources=[topic.topic_arn])
    )
    opted_out_number(stack, remove_on_delete="true")

    reported = {name.split("[")[0] for name in findings(app)}

    assert reported == {rule.rule_id for rule in RULES}


def test_plugin_api_fails_synth_and_an_acknowledgement_clears_the_finding() -> None:
    app, stack = new_stack()
    number = phone_number(stack, deletion_protection_enabled=False)
    cdk.Validations.of(app).add_plugins(SmsChecks(app))

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()

    app, stack = new_stack()
    number = phone_number(stack, deletion_protection_enabled=False)
    cdk.Validations.of(number).acknowledge(cdk.Acknowledgment(id="SmsChecks-DP1", reason="A disposable test number."))
    cdk.Validations.of(app).add_plugins(SmsChecks(app))
    app.synth()
    assert findings(app) == {}


def test_a_token_it_cannot_read_is_reported_as_an_error_of_the_rule() -> None:
    app, stack = new_stack()
    protected = cdk.CfnParameter(stack, "Protected", type="String", allowed_values=["true", "false"])
    phone_number(stack, deletion_protection_enabled=protected.value)  # type: ignore[arg-type]

    report = SmsChecks().validate_scope(app)

    (violation,) = report.violations
    assert violation.rule_name == "SmsChecks-DP1"
    assert "threw an error" in violation.description


def test_verbose_findings_carry_the_rationale_and_fix() -> None:
    app, stack = new_stack()
    phone_number(stack, deletion_protection_enabled=False)

    (violation,) = SmsChecks(verbose=True).validate_scope(app).violations

    assert RULES_BY_SUFFIX["DP1"].fix in violation.description


# --- one test per rule: fires on bad, silent on good ----------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda s: phone_number(s, deletion_protection_enabled=False), "S/Number"),
        (lambda s: pool(s, deletion_protection_enabled=None), "S/Pool"),
        (lambda s: smsvoice.CfnSenderId(s, "SenderId", iso_country_code="GB", sender_id="ACME"), "S/SenderId"),
        (lambda s: smsvoice.CfnProtectConfiguration(s, "Protect"), "S/Protect"),
        (
            lambda s: smsvoice.CfnNotifyConfiguration(
                s, "Otp", display_name="Acme", use_case="CODE_VERIFICATION", enabled_channels=["SMS"]
            ),
            "S/Otp",
        ),
        (lambda s: smsvoice.CfnRcsAgent(s, "Agent"), "S/Agent"),
    ],
)
def test_dp1_deletion_protection(build: Any, path: str) -> None:
    app, stack = new_stack()
    resource = build(stack)
    assert findings(app) == {"SmsChecks-DP1": [path]}

    resource.deletion_protection_enabled = True
    assert findings(app) == {}


@pytest.mark.parametrize(
    "build",
    [
        lambda s: smsvoice.CfnOptOutList(s, "Resource"),
        lambda s: smsvoice.CfnRegistration(s, "Resource", registration_type="US_TOLL_FREE_REGISTRATION"),
    ],
)
def test_rp1_opt_out_lists_and_registrations_are_retained(build: Any) -> None:
    app, stack = new_stack()
    resource = build(stack)
    assert findings(app) == {"SmsChecks-RP1": ["S/Resource"]}

    resource.cfn_options.deletion_policy = cdk.CfnDeletionPolicy.RETAIN
    assert findings(app) == {"SmsChecks-RP1": ["S/Resource"]}  # an update that replaces it still deletes it

    retained(resource)
    assert findings(app) == {}


@pytest.mark.parametrize(
    ("help", "stop", "expected"),
    [
        (HELP, STOP, []),
        ("Call 1-800-555-0100. Reply STOP to end.", "You are unsubscribed.", ["Keyword::HELP::Brand"]),
        ("Acme alerts: help at acme.example/sms.", STOP, ["Keyword::HELP::OptOutInstruction"]),
        ("Acme alerts: Reply STOP to end.", STOP, ["Keyword::HELP::Contact"]),
        (HELP, "You are unsubscribed.", ["Keyword::STOP::Brand"]),
        ("Acme alerts: write to help@acme.example. Reply STOP to end.", STOP, []),
    ],
)
def test_kw1_help_and_stop_replies(help: str, stop: str, expected: list[str]) -> None:
    app, stack = new_stack()
    phone_number(stack, mandatory_keywords=keywords(smsvoice.CfnPhoneNumber, help=help, stop=stop))
    pool(stack, mandatory_keywords=keywords(smsvoice.CfnPool, help=help, stop=stop))

    assert findings(app) == {f"SmsChecks-KW1[{finding}]": ["S/Number", "S/Pool"] for finding in expected}


def test_kw1_uses_the_configured_brand_names() -> None:
    app, stack = new_stack()
    phone_number(
        stack,
        mandatory_keywords=keywords(
            smsvoice.CfnPhoneNumber, help="Help for Acme Corp at acme.example. Reply STOP.", stop="Acme Corp: stopped."
        ),
    )

    assert findings(app) == {"SmsChecks-KW1[Keyword::HELP::Brand]": ["S/Number"]}
    assert findings(app, SmsChecks(brand_names=["ACME CORP"])) == {}
    assert findings(app, SmsChecks(brand_names=["Globex"])) == {
        "SmsChecks-KW1[Keyword::HELP::Brand]": ["S/Number"],
        "SmsChecks-KW1[Keyword::STOP::Brand]": ["S/Number"],
    }


@pytest.mark.parametrize("kind", ["number", "pool", "agent"])
def test_oo1_self_managed_opt_outs_need_a_two_way_channel(kind: str) -> None:
    app, stack = new_stack()
    channel = "arn:aws:sns:us-east-1:111122223333:inbound"
    if kind == "agent":
        resource: Any = smsvoice.CfnRcsAgent(
            stack, "R", deletion_protection_enabled=True, self_managed_opt_outs_enabled=True
        )
    else:
        resource = (phone_number if kind == "number" else pool)(stack, "R", self_managed_opt_outs_enabled=True)
    assert findings(app) == {"SmsChecks-OO1": ["S/R"]}

    if kind == "agent":
        resource.two_way_enabled = True
        resource.two_way_channel_arn = channel
    else:
        cls = smsvoice.CfnPhoneNumber if kind == "number" else smsvoice.CfnPool
        resource.two_way = cls.TwoWayProperty(enabled=True, channel_arn=channel)
    assert findings(app) == {}


def test_cs1_a_configuration_set_needs_an_enabled_event_destination() -> None:
    app, stack = new_stack()
    disabled = smsvoice.CfnConfigurationSet.EventDestinationProperty(
        event_destination_name="Off", enabled=False, matching_event_types=["TEXT_ALL"]
    )
    config = smsvoice.CfnConfigurationSet(stack, "Config", event_destinations=[disabled])
    assert findings(app) == {"SmsChecks-CS1": ["S/Config"]}

    config.event_destinations = [destination()]
    assert findings(app) == {}


@pytest.mark.parametrize(
    "resource",
    [
        lambda config: config.attr_arn,
        lambda _config: "*",
        lambda _config: "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/acme-*",
        lambda _config: cdk.Fn.join(
            "", ["arn:", cdk.Aws.PARTITION, ":sms-voice:us-east-1:111122223333:configuration-set/acme-config"]
        ),
    ],
)
def test_cs2_a_send_grant_through_an_unprotected_configuration_set(resource: Any) -> None:
    app, stack = new_stack()
    config = smsvoice.CfnConfigurationSet(
        stack, "Config", configuration_set_name="acme-config", event_destinations=[destination()]
    )
    sender_role(stack, resource(config))
    assert findings(app) == {"SmsChecks-CS2": ["S/Config"]}

    protect = smsvoice.CfnProtectConfiguration(stack, "Protect", deletion_protection_enabled=True)
    config.protect_configuration_id = protect.attr_protect_configuration_id
    assert findings(app) == {}


def test_cs2_ignores_grants_on_other_configuration_sets_and_other_actions() -> None:
    app, stack = new_stack()
    smsvoice.CfnConfigurationSet(
        stack, "Config", configuration_set_name="acme-config", event_destinations=[destination()]
    )
    role = sender_role(stack, "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/other")
    role.add_to_principal_policy(iam.PolicyStatement(actions=["sms-voice:DescribeConfigurationSets"], resources=["*"]))

    assert findings(app) == {}


@pytest.mark.parametrize(
    ("conditions", "compliant"),
    [
        (None, False),
        ({"StringEquals": {"aws:SourceAccount": "111122223333"}}, False),
        (
            {
                "StringEquals": {"aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/*"},
            },
            True,
        ),
        (
            {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Join": ["", ["arn:aws:sms-voice:us-east-1:", {"Ref": "AWS::AccountId"}, ":pool/*"]]
                    }
                },
            },
            True,
        ),
        # Present but matching every account: no protection.
        (
            {
                "StringLike": {"aws:SourceAccount": "*"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/*"},
            },
            False,
        ),
        (
            {
                "StringEquals": {"aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:*"},
            },
            False,
        ),
        (
            {
                "StringEquals": {"aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:*:configuration-set/c"},
            },
            False,
        ),
        ({"StringEquals": {"aws:SourceAccount": "111122223333"}, "ArnLike": {"aws:SourceArn": "*"}}, False),
        # Operators that also match a request without the key do not narrow.
        (
            {
                "StringEqualsIfExists": {"aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/c"},
            },
            False,
        ),
        (
            {
                "StringEquals": {"aws:SourceAccount": "111122223333"},
                "Null": {"aws:SourceArn": "false"},
            },
            False,
        ),
    ],
)
def test_iam1_roles_the_service_assumes_are_conditioned(conditions: Any, compliant: bool) -> None:
    app, stack = new_stack()
    iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com", conditions=conditions))
    iam.Role(stack, "Other", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    assert findings(app) == ({} if compliant else {"SmsChecks-IAM1": ["S/Role/Resource"]})


@pytest.mark.parametrize("compliant", [False, True])
def test_iam2_topic_and_key_policies_for_the_service_are_conditioned(compliant: bool) -> None:
    app, stack = new_stack()
    conditions = (
        {
            "StringEquals": {"aws:SourceAccount": "111122223333"},
            "ArnEquals": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/c"},
        }
        if compliant
        else None
    )
    principal = iam.ServicePrincipal("sms-voice.amazonaws.com")
    topic = sns.Topic(stack, "Topic")
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sns:Publish"], principals=[principal], resources=[topic.topic_arn], conditions=conditions
        )
    )
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.add_to_resource_policy(
        iam.PolicyStatement(actions=["kms:Decrypt"], principals=[principal], resources=["*"], conditions=conditions)
    )

    assert findings(app) == ({} if compliant else {"SmsChecks-IAM2": ["S/Key/Resource", "S/Topic/Policy/Resource"]})


@pytest.mark.parametrize(
    ("stack_tags", "number_tags", "number_type", "fires"),
    [
        ({"Environment": "Production"}, None, "SIMULATOR", True),
        ({"stage": "prod"}, None, "SIMULATOR", True),
        ({}, [cdk.CfnTag(key="env", value="PROD")], "SIMULATOR", True),
        ({"Environment": "sandbox"}, None, "SIMULATOR", False),
        ({"Environment": "Production"}, None, "TOLL_FREE", False),
    ],
)
def test_sim1_simulator_numbers_in_production(
    stack_tags: dict[str, str], number_tags: Any, number_type: str, fires: bool
) -> None:
    app, stack = new_stack(**stack_tags)
    phone_number(stack, number_type=number_type, tags=number_tags)

    assert findings(app) == ({"SmsChecks-SIM1": ["S/Number"]} if fires else {})


def test_sim1_sees_tags_added_with_the_tags_api_before_synth() -> None:
    app, stack = new_stack()
    phone_number(stack, number_type="SIMULATOR")
    cdk.Tags.of(app).add("Environment", "sandbox")
    assert findings(app) == {}

    cdk.Tags.of(stack).add("Environment", "production")  # the closer scope wins, as when tags are applied
    assert findings(app) == {"SmsChecks-SIM1": ["S/Number"]}


def test_sim1_production_tags_are_configurable() -> None:
    app, stack = new_stack(tier="live")
    phone_number(stack, number_type="SIMULATOR")

    assert findings(app) == {}
    assert findings(app, SmsChecks(production_tags={"Tier": ["LIVE"]})) == {"SmsChecks-SIM1": ["S/Number"]}


# --- IAM2 values, IAM3 (public principals on what the service uses), OO2 (opt-out removal) --------------------------


def test_iam2_a_wildcard_source_account_on_a_topic_policy_fails() -> None:
    app, stack = new_stack()
    topic = sns.Topic(stack, "Topic")
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sns:Publish"],
            principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
            resources=[topic.topic_arn],
            conditions={
                "StringLike": {"aws:SourceAccount": "*"},
                "ArnLike": {"aws:SourceArn": "arn:aws:sms-voice:us-east-1:111122223333:configuration-set/c"},
            },
        )
    )

    assert findings(app) == {"SmsChecks-IAM2": ["S/Topic/Policy/Resource"]}


def _events_topic(stack: cdk.Stack, key: kms.Key | None = None) -> sns.Topic:
    """A topic the service uses: the SNS event destination of a configuration set."""
    topic = sns.Topic(stack, "Events", master_key=key)
    smsvoice.CfnConfigurationSet(
        stack,
        "Config",
        configuration_set_name="acme",
        event_destinations=[
            smsvoice.CfnConfigurationSet.EventDestinationProperty(
                event_destination_name="sns",
                enabled=True,
                matching_event_types=["TEXT_ALL"],
                sns_destination=smsvoice.CfnConfigurationSet.SnsDestinationProperty(topic_arn=topic.topic_arn),
            )
        ],
        protect_configuration_id="protect-0123",
    )
    return topic


@pytest.mark.parametrize(
    ("principal", "conditions", "fires"),
    [
        (iam.AnyPrincipal(), None, True),
        (iam.StarPrincipal(), None, True),
        (iam.AnyPrincipal(), {"StringLike": {"aws:SourceAccount": "*"}}, True),
        (iam.AnyPrincipal(), {"StringEqualsIfExists": {"aws:SourceOwner": "111122223333"}}, True),
        (iam.AnyPrincipal(), {"StringEquals": {"aws:SourceOwner": "111122223333"}}, False),
        (iam.AnyPrincipal(), {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
        (iam.AccountRootPrincipal(), None, False),
    ],
)
def test_iam3_a_public_statement_on_an_event_destination_topic(principal: Any, conditions: Any, fires: bool) -> None:
    app, stack = new_stack()
    topic = _events_topic(stack)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sns:Subscribe"], principals=[principal], resources=[topic.topic_arn], conditions=conditions
        )
    )

    assert findings(app) == ({"SmsChecks-IAM3": ["S/Events/Policy/Resource"]} if fires else {})


def test_iam3_ignores_topics_the_service_does_not_use_and_public_denies() -> None:
    app, stack = new_stack()
    other = sns.Topic(stack, "Other")
    other.add_to_resource_policy(
        iam.PolicyStatement(actions=["sns:Subscribe"], principals=[iam.AnyPrincipal()], resources=[other.topic_arn])
    )
    sns.Topic(stack, "Secure", enforce_ssl=True)  # a Deny for Principal "*": not an Allow
    _events_topic(stack)

    assert findings(app) == {}


def test_iam3_a_two_way_topic_and_the_key_of_an_event_topic() -> None:
    app, stack = new_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.add_to_resource_policy(
        iam.PolicyStatement(actions=["kms:Decrypt"], principals=[iam.AnyPrincipal()], resources=["*"])
    )
    _events_topic(stack, key)
    inbound = sns.Topic(stack, "Inbound")
    inbound.add_to_resource_policy(
        iam.PolicyStatement(actions=["sns:Publish"], principals=[iam.AnyPrincipal()], resources=[inbound.topic_arn])
    )
    phone_number(
        stack,
        two_way=smsvoice.CfnPhoneNumber.TwoWayProperty(
            enabled=True, channel_arn=inbound.topic_arn, channel_role="arn:aws:iam::111122223333:role/two-way"
        ),
    )

    assert findings(app) == {"SmsChecks-IAM3": ["S/Inbound/Policy/Resource", "S/Key/Resource"]}


@pytest.mark.parametrize(
    ("remove_on_delete", "fires"),
    [("true", True), ("True", True), (True, True), ("false", False), (None, False)],
)
def test_oo2_an_opted_out_number_removed_on_delete(remove_on_delete: Any, fires: bool) -> None:
    app, stack = new_stack()
    if remove_on_delete is None:
        opted_out_number(stack)
    else:
        opted_out_number(stack, remove_on_delete=remove_on_delete)

    assert findings(app) == ({"SmsChecks-OO2": ["S/OptedOut"]} if fires else {})


def test_oo2_is_acknowledged_on_the_resource_when_intended() -> None:
    app, stack = new_stack()
    number = opted_out_number(stack, remove_on_delete="true")
    cdk.Validations.of(number).acknowledge(
        cdk.Acknowledgment(id="SmsChecks-OO2", reason="A test number we own, removed with the test stack.")
    )
    cdk.Validations.of(app).add_plugins(SmsChecks(app))

    app.synth()

    assert findings(app) == {}


def test_oo2_a_deploy_time_value_is_an_error_of_the_rule() -> None:
    app, stack = new_stack()
    remove = cdk.CfnParameter(stack, "Remove", type="String", allowed_values=["true", "false"])
    opted_out_number(stack, remove_on_delete=remove.value_as_string)

    (violation,) = SmsChecks().validate_scope(app).violations

    assert violation.rule_name == "SmsChecks-OO2"
    assert "threw an error" in violation.description


def test_oo2_fires_on_the_librarys_own_opted_out_number_only_when_asked() -> None:
    app, stack = new_stack()
    opt_outs = OptOutList(stack, "OptOuts")
    opt_outs.add_opted_out_number("+14255550198")
    removed = opt_outs.add_opted_out_number("+14255550199", remove_on_delete=True)

    [path] = findings(app)["SmsChecks-OO2"]
    assert path.startswith(removed.node.path + "/")

    cdk.Validations.of(removed).acknowledge(
        cdk.Acknowledgment(id="SmsChecks-OO2", reason="A test handset we own, removed with the test stack.")
    )
    assert "SmsChecks-OO2" not in findings(app)
