"""SmsSendQueue with routes: a parking queue and an event source mapping per route, the settings the sender reads,
least-privilege IAM, ``SendRoute.from_pool``, the warning about allowed countries without a route, every rule refused
at synth, and a queue without routes unchanged."""

from __future__ import annotations

import functools
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from sms_constructs_runtime.settings import SenderSettings

from sms_constructs import (
    ConfigurationSet,
    NumberCapability,
    NumberType,
    PhoneNumber,
    Pool,
    ProtectConfiguration,
    SenderId,
    SendLane,
    SendRoute,
)
from sms_constructs._private.errors import ValidationError
from sms_constructs.patterns.routes import UNKNOWN_MEMBER_WARNING, UNROUTED_WARNING
from sms_constructs.patterns.send_queue import SmsSendQueue, sender_timeout
from tests.conftest import ENV, cdk_json_context
from tests.patterns.conftest import KEYWORDS, build, function_environment, logical_id, statements_of

#: The worked example: a Canadian long code (1 MPS), a UK sender ID (10), Mexico over shared routes (20).
ROUTES = {"CA": SendRoute(1), "GB": SendRoute(10), "MX": SendRoute(20, max_concurrency=4)}


def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(context=cdk_json_context()), "TestStack", env=ENV)


@functools.cache
def synthesize_routes() -> tuple[cdk.Stack, Template, SmsSendQueue]:
    """A send queue at 5 MPS with three routes (batch size 5), synthesized once per process."""
    routed = stack()
    _, _, queue = build(routed, max_parts_per_second=5, batch_size=5, routes=ROUTES)
    return routed, Template.from_stack(routed), queue


@pytest.fixture(scope="module")
def routed() -> tuple[cdk.Stack, Template, SmsSendQueue]:
    return synthesize_routes()


def parking_ids(routed: cdk.Stack, queue: SmsSendQueue) -> dict[str, str]:
    return {country: logical_id(routed, queue.route_queue(country)) for country in queue.routes}


# -- what a route creates ------------------------------------------------------------------------------------------


def test_every_route_and_every_other_country_get_a_parking_queue_like_the_send_queue(routed: Any) -> None:
    routed_stack, template, queue = routed
    ids = parking_ids(routed_stack, queue)
    assert list(ids) == ["CA", "GB", "MX", "*"]
    assert ids["CA"].startswith("SendRoutesCAParkingQueue")
    assert ids["*"].startswith("SendRoutesOtherParkingQueue")
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 2 + 4  # the send queue, its DLQ, four parking queues
    main = queues[logical_id(routed_stack, queue.queue)]["Properties"]
    for country, logical in ids.items():
        assert queues[logical]["Properties"] == main, country  # same key, retention, visibility, DLQ
        assert queues[logical]["UpdateReplacePolicy"] == "Delete"


def test_every_parking_queue_is_mapped_to_the_one_sender_at_the_routes_concurrency(routed: Any) -> None:
    """CA 1 MPS → 2, GB 10 → 5, MX its own 4, * (the queue's 5) → 3; the sender's reserved concurrency adds them to
    the send queue's own mapping (its default from all routes' MPS together: 36 → 18)."""
    routed_stack, template, queue = routed
    function = logical_id(routed_stack, queue.function)
    mappings = template.find_resources("AWS::Lambda::EventSourceMapping")
    by_queue = {json.dumps(m["Properties"]["EventSourceArn"]): m["Properties"] for m in mappings.values()}
    expected = {"CA": 2, "GB": 5, "MX": 4, "*": 3}
    for country, logical in parking_ids(routed_stack, queue).items():
        mapping = by_queue[json.dumps({"Fn::GetAtt": [logical, "Arn"]})]
        assert mapping["FunctionName"] == {"Ref": function}
        assert mapping["BatchSize"] == 5
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": expected[country]}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue.max_concurrency == 18
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "sender.handler.main", "ReservedConcurrentExecutions": 18 + sum(expected.values())},
    )
    assert set(queue.route_event_source_mappings) == {"CA", "GB", "MX", "*"}


def test_the_sender_reads_its_routes_from_its_settings(routed: Any) -> None:
    routed_stack, template, queue = routed
    environment = function_environment(template, "sender.handler.main")
    assert environment["SMS_ROUTES"] == "CA=1,GB=10,MX=20,*=5"
    parking = environment["SMS_ROUTE_PARKING_QUEUES"]["Fn::Join"][1]
    refs = [part for part in parking if isinstance(part, dict)]
    assert refs == [{"Ref": logical} for logical in parking_ids(routed_stack, queue).values()]
    assert environment["SMS_BATCH_SIZE"] == "5"
    settings = SenderSettings.from_environment(
        {k: v if isinstance(v, str) else "x" for k, v in environment.items()}
        | {"SMS_ROUTE_PARKING_QUEUES": ",".join(f"{c}=https://sqs/1/q{c}" for c in "ABCD")}
    )
    assert settings.routes == ("CA=1", "GB=10", "MX=20", "*=5")


def test_the_timeout_fits_a_parking_batch_of_the_slowest_route() -> None:
    """CA at 0.5 MPS with 2 invocations: 5 records of 10 parts each wait up to 200 s, +20 %, + the 30 s margin; longer
    than the send queue's own batch at 5 MPS."""
    slow = stack()
    _, _, queue = build(slow, max_parts_per_second=5, batch_size=5, routes={"CA": SendRoute(0.5)})
    expected = sender_timeout(0.5, 2, 5).to_seconds()
    assert expected == 270
    assert expected > sender_timeout(5, queue.max_concurrency, 5).to_seconds()
    Template.from_stack(slow).has_resource_properties(
        "AWS::Lambda::Function", {"Handler": "sender.handler.main", "Timeout": expected}
    )


def test_the_sender_may_consume_and_send_to_every_parking_queue_and_producers_may_not(routed: Any) -> None:
    routed_stack, template, queue = routed
    parking = [{"Fn::GetAtt": [logical, "Arn"]} for logical in parking_ids(routed_stack, queue).values()]
    statements = statements_of(template, "SendSenderRole")

    def granted(action: str) -> list[Any]:
        return [
            arn
            for s in statements
            if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            for arn in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        ]

    for arn in parking:  # park and re-enqueue; consume
        for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"):
            assert arn in granted(action), action
    assert sorted(map(json.dumps, granted("sqs:SendMessage"))) == sorted(
        map(json.dumps, [{"Fn::GetAtt": [logical_id(routed_stack, queue.queue), "Arn"]}, *parking])
    )
    for statement in statements:  # nothing on "*" for SQS
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(a.startswith("sqs:") for a in actions):
            assert statement["Resource"] != "*"
    with_producer = stack()
    _, _, other = build(with_producer, routes=ROUTES)
    role = cdk.aws_iam.Role(with_producer, "Producer", assumed_by=cdk.aws_iam.ServicePrincipal("ecs.amazonaws.com"))
    other.grant_send(role)
    producer_statements = statements_of(Template.from_stack(with_producer), "Producer")
    resources = [s["Resource"] for s in producer_statements if s["Action"] == "sqs:SendMessage"]
    assert resources == [{"Fn::GetAtt": [logical_id(with_producer, other.queue), "Arn"]}]  # no parking queue


def test_routes_with_lanes_keep_each_lanes_queue_and_add_the_parking_queues() -> None:
    routed_stack = stack()
    _, _, _queue = build(
        routed_stack,
        max_parts_per_second=20,
        lanes=[SendLane.urgent(), SendLane.normal(), SendLane.bulk(reserved_share=0.1)],
        routes={"CA": SendRoute(10), "GB": SendRoute(10)},
    )
    environment = function_environment(Template.from_stack(routed_stack), "sender.handler.main")
    assert environment["SMS_ROUTES"] == "CA=10,GB=10,*=20"
    assert environment["SMS_LANE_RESERVED_SHARES"] == "bulk=0.1"
    assert "SMS_LANES" in environment
    Template.from_stack(routed_stack).resource_count_is("AWS::SQS::Queue", 3 + 1 + 3)


# -- a queue without routes ----------------------------------------------------------------------------------------


def test_a_queue_without_routes_synthesizes_exactly_as_before() -> None:
    plain, explicit = stack(), stack()
    build(plain)
    _, _, queue = build(explicit, routes=None)
    assert Template.from_stack(explicit).to_json() == Template.from_stack(plain).to_json()
    assert queue.routes == {}
    environment = function_environment(Template.from_stack(explicit), "sender.handler.main")
    assert not {"SMS_ROUTES", "SMS_ROUTE_PARKING_QUEUES", "SMS_BATCH_SIZE"} & set(environment)
    with pytest.raises(ValidationError, match="none: the queue has no routes"):
        queue.route_queue("CA")


# -- metrics -------------------------------------------------------------------------------------------------------


def test_route_metrics_carry_the_route_dimension(routed: Any) -> None:
    _, _, queue = routed
    parked = queue.metric_route_parked(route="CA")
    assert parked.metric_name == "RouteParked"
    assert parked.dimensions == {"service": queue.service_name, "Route": "CA"}
    assert queue.metric_route_parked().dimensions == {"service": queue.service_name}
    waited = queue.metric_route_time_to_send(route="*")
    assert (waited.metric_name, waited.statistic) == ("TimeToSend", "p99")
    assert waited.dimensions == {"service": queue.service_name, "Route": "*"}
    with pytest.raises(ValidationError, match=r"route.*must be one of the queue's routes \(CA, GB, MX, \*\).*FR"):
        queue.metric_route_parked(route="FR")


# -- validation ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("routes", "prop", "rule"),
    [
        ({}, "routes", "non-empty dict"),
        ([SendRoute(1)], "routes", "non-empty dict"),
        ({"UK": SendRoute(1)}, "routes", "GB"),
        ({"ca": SendRoute(1)}, "routes", ""),
        ({"XX": SendRoute(1)}, "routes", ""),
        ({"CA": 1}, "routes['CA']", "must be a SendRoute"),
        ({"CA": SendRoute(0)}, "routes['CA'].max_parts_per_second", "between 0.1 and 3000"),
        ({"CA": SendRoute(-1)}, "routes['CA'].max_parts_per_second", "between 0.1 and 3000"),
        ({"CA": SendRoute(5000)}, "routes['CA'].max_parts_per_second", "between 0.1 and 3000"),
        ({"CA": SendRoute(True)}, "routes['CA'].max_parts_per_second", "a number known at synth time"),
        ({"*": SendRoute(1, max_concurrency=1)}, "routes['*'].max_concurrency", "between 2 and 1000"),
        ({"CA": SendRoute(1, max_concurrency=2.5)}, "routes['CA'].max_concurrency", "whole number"),  # type: ignore[arg-type]
    ],
)
def test_fails_on_routes_the_sender_cannot_pace(routes: Any, prop: str, rule: str) -> None:
    with pytest.raises(ValidationError) as raised:
        build(stack(), routes=routes)
    message = str(raised.value)
    assert "TestStack/Send" in message
    assert f"'{prop}'" in message
    assert rule in message


def test_fails_on_a_deploy_time_route_mps() -> None:
    with pytest.raises(ValidationError, match=r"routes\['CA'\]\.max_parts_per_second.*known at synth time"):
        build(stack(), routes={"CA": SendRoute(cdk.Token.as_number(cdk.Aws.ACCOUNT_ID))})


def test_fails_on_more_routes_than_the_limit() -> None:
    countries = ["AT", "AU", "BE", "BR", "CA", "CH", "CL", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "HK", "HU"]
    countries += ["IE", "IT", "JP", "LU", "MX", "NL", "NO", "PL", "PT"]
    with pytest.raises(ValidationError, match="at most 25 routes"):
        build(stack(), routes={c: SendRoute(1) for c in countries})


def test_fails_on_a_reserved_share_worth_less_than_a_part_per_second_on_a_route() -> None:
    """bulk's 0.25 of 20 MPS is 5 on the queue, but 0.25 of CA's 1 MPS is 0.25: the lane's CA key could not pace."""
    with pytest.raises(ValidationError) as raised:
        build(
            stack(),
            max_parts_per_second=20,
            lanes=[SendLane.urgent(), SendLane.bulk(reserved_share=0.25)],
            routes={"CA": SendRoute(1), "GB": SendRoute(10)},
        )
    message = str(raised.value)
    assert "routes['CA'].max_parts_per_second" in message
    assert "bulk's share 0.25" in message
    assert "0.25" in message


def test_fails_when_the_parking_mappings_exceed_the_reserved_concurrency() -> None:
    with pytest.raises(ValidationError, match=r" routes.*more than 1000 sender invocations"):
        build(stack(), max_concurrency=900, routes={"CA": SendRoute(1, max_concurrency=200)})


def test_a_route_may_be_faster_than_the_queues_mps() -> None:
    """``max_parts_per_second`` is the pace of the countries without a route, not a ceiling over the routes."""
    _, _, queue = build(stack(), max_parts_per_second=1, routes={"GB": SendRoute(10)})
    assert queue.routes["GB"].max_parts_per_second == 10
    assert queue.routes["*"].max_parts_per_second == 1


# -- the warning about allowed countries without a route -----------------------------------------------------------


def warnings_of(routed_stack: cdk.Stack) -> list[str]:
    found = Annotations.from_stack(routed_stack).find_warning("*", Match.string_like_regexp(".*"))
    return [str(w.entry.data) for w in found if UNROUTED_WARNING in str(w.entry.data)]


def with_protect(countries: list[str] | None, routes: dict[str, SendRoute]) -> cdk.Stack:
    routed_stack = stack()
    protect = ProtectConfiguration.allow_only(routed_stack, "Protect", countries) if countries else None
    config = ConfigurationSet(routed_stack, "Config2", configuration_set_name="acme2", protect_configuration=protect)
    build(routed_stack, configuration_set=config, routes=routes)
    return routed_stack


def test_warns_when_an_allowed_country_has_no_route() -> None:
    [warning] = warnings_of(with_protect(["CA", "GB", "MX"], {"CA": SendRoute(1), "GB": SendRoute(10)}))
    assert "allows SMS to 1 countries that have no route" in warning
    assert ": MX." in warning
    assert "TestStack/Protect" in warning


def test_no_warning_when_every_allowed_country_has_a_route_or_there_is_a_default_route() -> None:
    assert warnings_of(with_protect(["CA", "GB"], {"CA": SendRoute(1), "GB": SendRoute(10)})) == []
    assert warnings_of(with_protect(None, {"CA": SendRoute(1), "*": SendRoute(5)})) == []


def test_warns_when_the_allowed_countries_cannot_be_known() -> None:
    [warning] = warnings_of(with_protect(None, {"CA": SendRoute(1)}))
    assert "cannot be known at synth time" in warning


def test_the_warning_can_be_acknowledged() -> None:
    routed_stack = stack()
    cdk.Annotations.of(routed_stack).acknowledge_warning(UNROUTED_WARNING, "every destination is in CA")
    build(routed_stack, routes={"CA": SendRoute(1)})
    assert warnings_of(routed_stack) == []


# -- SendRoute.from_pool -------------------------------------------------------------------------------------------


def pool_of(routed_stack: cdk.Stack, *members: str) -> Pool:
    identities: list[Any] = []
    for n, member in enumerate(members):
        kind, country = member.split(":")
        if kind == "sender":
            identities.append(SenderId(routed_stack, f"M{n}", sender_id="ACME", iso_country_code=country))
        elif kind == "import":
            identities.append(
                PhoneNumber.from_phone_number_arn(
                    routed_stack, f"M{n}", "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0a1b"
                )
            )
        else:
            identities.append(
                PhoneNumber(
                    routed_stack,
                    f"M{n}",
                    iso_country_code=country,
                    number_type=NumberType[kind],
                    capabilities=[NumberCapability.SMS],
                    keywords=KEYWORDS,
                )
            )
    return Pool(routed_stack, "MixedPool", origination_identities=identities, keywords=KEYWORDS)


def test_from_pool_uses_the_services_default_mps_per_member() -> None:
    """A Canadian long code 1, a UK sender ID 10, a US toll-free number 3 (User Guide, MPS limits); Mexico over shared
    routes is added with its MPS."""
    pool = pool_of(stack(), "LONG_CODE:CA", "sender:GB", "TOLL_FREE:US")
    routes = SendRoute.from_pool(pool, max_parts_per_second={"MX": 20})
    assert routes == {"CA": SendRoute(1), "GB": SendRoute(10), "US": SendRoute(3), "MX": SendRoute(20)}


def test_from_pool_takes_the_given_mps_over_the_default() -> None:
    pool = pool_of(stack(), "LONG_CODE:CA", "sender:GB")
    assert SendRoute.from_pool(pool, max_parts_per_second={"GB": 30}) == {"CA": SendRoute(1), "GB": SendRoute(30)}


@pytest.mark.parametrize(
    ("members", "why"),
    [
        (("SIMULATOR:US",), "states no default MPS"),
        (("LONG_CODE:CA", "LONG_CODE:CA"), "2 members serve it"),
    ],
)
def test_fails_from_pool_when_the_mps_of_a_country_would_be_a_guess(members: tuple[str, ...], why: str) -> None:
    pool = pool_of(stack(), *members)
    with pytest.raises(ValidationError) as raised:
        SendRoute.from_pool(pool)
    message = str(raised.value)
    assert "TestStack/MixedPool" in message
    assert "'max_parts_per_second'" in message
    assert why in message


def test_from_pool_warns_about_a_member_whose_country_is_unknown() -> None:
    routed_stack = stack()
    pool = pool_of(routed_stack, "LONG_CODE:CA", "import:?")
    assert SendRoute.from_pool(pool) == {"CA": SendRoute(1)}
    found = Annotations.from_stack(routed_stack).find_warning("*", Match.string_like_regexp(".*"))
    assert any(UNKNOWN_MEMBER_WARNING in str(w.entry.data) for w in found)


def test_fails_from_pool_on_an_imported_pool() -> None:
    imported = Pool.from_pool_id(stack(), "Imported", "pool-0123456789abcdef0123456789abcdef")
    with pytest.raises(ValidationError, match="must be a Pool of this app"):
        SendRoute.from_pool(imported)  # type: ignore[arg-type]


@pytest.mark.parametrize("with_routes", [False, True])
def test_the_queue_mps_is_compared_with_the_identity_only_without_routes(with_routes: bool) -> None:
    """Over a pool whose slowest member is a Canadian long code (1 MPS), 5 MPS is too fast for one schedule; with
    routes it paces only the countries without a route, and each route takes its member's MPS."""
    mixed = stack()
    pool = pool_of(mixed, "LONG_CODE:CA", "sender:GB")
    config = ConfigurationSet(mixed, "Config", configuration_set_name="acme")
    SmsSendQueue(
        mixed,
        "Send",
        origination_identity=pool,
        configuration_set=config,
        max_parts_per_second=5,
        routes=SendRoute.from_pool(pool) | {"*": SendRoute(5)} if with_routes else None,
    )
    warnings = Annotations.from_stack(mixed).find_warning(
        "/TestStack/Send", Match.string_like_regexp("SendQueueExceedsIdentityMps")
    )
    assert len(warnings) == (0 if with_routes else 1)
