"""The typed construct↔handler settings: encoding, decoding, errors, client settings and the deadline margin.

How the constructs fill them and the handlers read them is tested on synthesized templates (tests/patterns and
tests/handlers); these tests pin the encoding itself.
"""

from __future__ import annotations

import pytest
from sms_constructs_runtime.settings import (
    DYNAMODB_CLIENT,
    QUEUE_CLIENT,
    SENDER_DEADLINE_MARGIN_SECONDS,
    SMS_CLIENT,
    ClientSettings,
    RetrySettings,
    SenderSettings,
    SettingsError,
)

SENDER = SenderSettings(
    table_name="store",
    queue_url="https://sqs.us-east-1.amazonaws.com/111122223333/send",
    origination_identity="arn:aws:sms-voice:us-east-1:111122223333:pool/pool-1",
    configuration_set_name="acme",
    max_parts_per_second=2.5,
    retention_seconds=1_209_600,
    service_name="SmsSendQueue-abc",
    metrics_namespace="SmsConstructs",
    message_type="PROMOTIONAL",
    time_to_live_seconds=300,
    max_price="0.05",
    validate_numbers=True,
    number_cache_ttl_seconds=3600,
    trace_sdk_calls=True,
)

#: Every setting set, those left out of the environment while they hold their default (lanes, quotas, routes) too.
EVERY_SETTING = SenderSettings(
    **{
        **SENDER.__dict__,
        "lanes": ("urgent=https://sqs.us-east-1.amazonaws.com/111122223333/urgent", f"normal={SENDER.queue_url}"),
        "lane_reserved_shares": ("normal=0.1",),
        "batch_size": 5,
        "producer_quotas": ("otp=/20000", "appointments=5000/100000"),
        "routes": ("CA=1", "GB=10"),
        "route_parking_queues": ("CA=https://sqs.us-east-1.amazonaws.com/111122223333/park-ca",),
    }
)


def test_sender_settings_round_trip_through_the_environment() -> None:
    environment = SENDER.to_environment()
    assert environment["SMS_MAX_PARTS_PER_SECOND"] == "2.5"
    assert environment["SMS_VALIDATE_NUMBERS"] == "true"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "SmsSendQueue-abc"
    assert all(isinstance(v, str) for v in environment.values())
    assert SenderSettings.from_environment(environment) == SENDER


def test_whole_numbers_are_written_without_a_fraction() -> None:
    environment = SenderSettings(**{**SENDER.__dict__, "max_parts_per_second": 3.0}).to_environment()
    assert environment["SMS_MAX_PARTS_PER_SECOND"] == "3"


def test_unset_optional_settings_are_left_out_and_read_back_as_their_defaults() -> None:
    bare = SenderSettings(**{**SENDER.__dict__, "message_type": None, "time_to_live_seconds": None, "max_price": None})
    environment = bare.to_environment()
    assert {"SMS_MESSAGE_TYPE", "SMS_TIME_TO_LIVE_SECONDS", "SMS_MAX_PRICE"}.isdisjoint(environment)
    assert SenderSettings.from_environment(environment) == bare


def test_retry_settings_round_trip_tuples() -> None:
    settings = RetrySettings(
        table_name="store",
        send_queue_url="https://sqs.us-east-1.amazonaws.com/111122223333/send",
        final_failure_topic_arn="arn:aws:sns:us-east-1:111122223333:final",
        retention_seconds=1_209_600,
        service_name="SmsRetry-abc",
        metrics_namespace="SmsConstructs",
        max_attempts=3,
        delays_seconds=(60, 600),
        jitter=0.1,
        window_seconds=259_200,
        statuses=("CARRIER_UNREACHABLE", "TTL_EXPIRED"),
        deadline_required_statuses=(),
    )
    environment = settings.to_environment()
    assert (environment["SMS_RETRY_DELAYS_SECONDS"], environment["SMS_RETRY_STATUSES"]) == (
        "60,600",
        "CARRIER_UNREACHABLE,TTL_EXPIRED",
    )
    assert RetrySettings.from_environment(environment) == settings


def test_tokens_pass_through_untouched() -> None:
    """At synth time a table name is a token string: it must reach the template as it is."""
    token = "${Token[TOKEN.123]}"
    assert SenderSettings(**{**SENDER.__dict__, "table_name": token}).to_environment()["SMS_TABLE_NAME"] == token


def test_fails_on_a_missing_variable_naming_it() -> None:
    environment = SENDER.to_environment()
    del environment["SMS_QUEUE_URL"]
    with pytest.raises(SettingsError, match="SMS_QUEUE_URL is not set"):
        SenderSettings.from_environment(environment)


@pytest.mark.parametrize(
    ("variable", "value", "match"),
    [
        ("SMS_VALIDATE_NUMBERS", "yes", "SMS_VALIDATE_NUMBERS='yes': must be true or false"),
        ("SMS_RETENTION_SECONDS", "two weeks", "SMS_RETENTION_SECONDS='two weeks'"),
        ("SMS_MAX_PARTS_PER_SECOND", "fast", "SMS_MAX_PARTS_PER_SECOND='fast'"),
    ],
)
def test_fails_on_a_value_of_the_wrong_type(variable: str, value: str, match: str) -> None:
    environment = {**SENDER.to_environment(), variable: value}
    with pytest.raises(SettingsError, match=match):
        SenderSettings.from_environment(environment)


def test_environment_names_are_every_variable() -> None:
    assert SenderSettings.environment_names() == set(EVERY_SETTING.to_environment())


def test_settings_added_later_stay_out_of_the_environment_while_they_hold_their_default() -> None:
    """A queue without lanes, quotas or routes renders exactly the environment it rendered before they existed."""
    later = {
        "SMS_LANES",
        "SMS_LANE_RESERVED_SHARES",
        "SMS_BATCH_SIZE",
        "SMS_PRODUCER_QUOTAS",
        "SMS_ROUTES",
        "SMS_ROUTE_PARKING_QUEUES",
    }
    assert later <= SenderSettings.environment_names()
    assert not later & set(SENDER.to_environment())
    assert later <= set(EVERY_SETTING.to_environment())
    assert SenderSettings.from_environment(EVERY_SETTING.to_environment()) == EVERY_SETTING
    assert SenderSettings.from_environment(SENDER.to_environment()) == SENDER


# -- clients and the deadline margin ----------------------------------------------------------------------------------


def test_worst_case_of_a_client_is_every_attempt_timing_out_plus_the_back_off() -> None:
    assert SMS_CLIENT.worst_case_seconds == 13  # one attempt of 3 + 10 s
    assert DYNAMODB_CLIENT.worst_case_seconds == 3 * (2 + 2) + 1 + 2
    assert ClientSettings(max_attempts=8, connect_timeout=1, read_timeout=1).worst_case_seconds == 16 + (
        1 + 2 + 4 + 8 + 16 + 20 + 20
    )  # the back-off is capped at 20 s


def test_the_deadline_margin_fits_a_send_and_the_idempotency_write() -> None:
    assert SMS_CLIENT.worst_case_seconds + DYNAMODB_CLIENT.worst_case_seconds <= SENDER_DEADLINE_MARGIN_SECONDS
    assert SENDER_DEADLINE_MARGIN_SECONDS == 30


@pytest.mark.parametrize("client", [SMS_CLIENT, DYNAMODB_CLIENT, QUEUE_CLIENT])
def test_botocore_config_carries_the_settings(client: ClientSettings) -> None:
    config = client.botocore_config()
    assert config.retries == {"mode": "standard", "total_max_attempts": client.max_attempts}
    assert (config.connect_timeout, config.read_timeout) == (client.connect_timeout, client.read_timeout)


def test_sdk_tracing_loads_the_xray_sdk_only_when_asked_for() -> None:
    """Importing a handler never loads the X-Ray SDK unless its environment turns SDK tracing on."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from sms_constructs_runtime.settings import TRACE_SDK_CALLS_VARIABLE  # noqa: PLC0415

    lambda_root = Path(__file__).resolve().parents[2] / "lambda"
    probe = "import sys, sender.handler, retry.handler; print('aws_xray_sdk' in sys.modules)"
    base = {**os.environ, "POWERTOOLS_SERVICE_NAME": "probe", "AWS_DEFAULT_REGION": "us-east-1"}
    base.pop(TRACE_SDK_CALLS_VARIABLE, None)
    loaded = {}
    for value in (None, "true"):
        env = {**base, **({TRACE_SDK_CALLS_VARIABLE: value} if value else {})}
        out = subprocess.run(
            [sys.executable, "-c", probe], cwd=lambda_root, env=env, capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr
        loaded[value] = out.stdout.strip()
    assert loaded == {None: "False", "true": "True"}
