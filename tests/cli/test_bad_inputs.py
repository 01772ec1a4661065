"""Bad inputs and ordinary faults, per command: each ends with its documented exit code, exactly one line on stderr, no
traceback, and nothing sent. SQS, DynamoDB and Logs are moto; CloudFormation and the SMS API are botocore Stubbers;
the unreachable endpoint is an ``EndpointConnectionError`` raised where the request would leave."""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from sms_constructs_cli import _cli, fixed_cost, test_message, verify_destination
from tests.cli.conftest import (
    SIMULATOR_FILTER,
    FakeSession,
    create_message_store,
    describe_stacks_response,
    simulator_numbers_response,
)

SMS = "pinpoint-sms-voice-v2"
GOOD, OTHER = "+14255550142", "+14255550199"
NUMBER_ID = "verifieddestinationnumber-0123456789abcdef0123456789abcdef"
TABLE, LOG_GROUP = "store", "/sms/quick-look"


def _unreachable(aws: FakeSession, service: str) -> None:
    """Every call of ``service``'s client fails as when its endpoint cannot be reached."""
    client = aws.client(service)
    if service in aws.stubbers:
        aws.stubbers.pop(service).deactivate()

    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=f"https://{service}.moon-1.amazonaws.com/")

    client.meta.events.register_first("before-send", refuse)


def _throttled(aws: FakeSession, service: str, operation: str) -> None:
    aws.stubber(service).add_client_error(
        operation, service_error_code="ThrottlingException", service_message="Rate exceeded", http_status_code=400
    )


def _deployed(aws: FakeSession, *, queues: int = 1) -> None:
    """One stack holding ``queues`` send queues (the first real) and a quick look."""
    url = aws.client("sqs").create_queue(QueueName="send")["QueueUrl"]
    outputs = {"SmsEventAnalyticsQuickLookLogGroupNameAppEvents1": LOG_GROUP}
    for n in range(queues):
        outputs[f"SmsSendQueueUrlAppSend{n}"] = url if n == 0 else f"{url}-{n}"
        outputs[f"SmsSendQueueMessageStoreTableNameAppSend{n}"] = TABLE
    aws.stubber("cloudformation").add_response("describe_stacks", describe_stacks_response("App", outputs), {})


def _sandbox(aws: FakeSession, verified: dict[str, str]) -> None:
    """An account in the SMS sandbox whose verified destination numbers have these statuses."""
    stubber = aws.stubber(SMS)
    stubber.add_response(
        "describe_account_attributes", {"AccountAttributes": [{"Name": "ACCOUNT_TIER", "Value": "SANDBOX"}]}, {}
    )
    stubber.add_response(
        "describe_verified_destination_numbers",
        {
            "VerifiedDestinationNumbers": [
                {
                    "VerifiedDestinationNumberArn": f"arn:aws:sms-voice:us-east-1:111122223333:x/{n}",
                    "VerifiedDestinationNumberId": NUMBER_ID,
                    "DestinationPhoneNumber": number,
                    "Status": status,
                    "CreatedTimestamp": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
                }
                for n, (number, status) in enumerate(verified.items())
            ]
        },
        None,
    )


@dataclass
class Case:
    """One bad input: the arguments, how AWS behaves, and the exit code and stderr line expected."""

    argv: list[str]
    exit_code: int
    stderr: str
    setup: Callable[[FakeSession], None] = lambda _: None
    #: ``env``: credentials and a Region in the environment, the real boto3 session; ``bare``: no Region either;
    #: ``none``: no credentials; ``fake``: the moto/Stubber session.
    session: str = "fake"
    stdin: list[str | type[BaseException]] = field(default_factory=list)


def _run(
    command: Callable[..., int],
    case: Case,
    aws: FakeSession,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    **kwargs: Any,
) -> str:
    """Run ``command`` on ``case``; assert the exit code and one stderr line without a traceback; return stderr."""
    module = {test_message.main: test_message, verify_destination.main: verify_destination}.get(command)
    if case.session == "fake" and module is not None:
        monkeypatch.setattr(module, "session", lambda *_: aws)
    elif case.session in ("bare", "none"):
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        monkeypatch.delenv("AWS_REGION", raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        if case.session == "none":
            monkeypatch.delenv("AWS_ACCESS_KEY_ID")
            monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
            monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    case.setup(aws)
    try:
        status = command(case.argv, **kwargs)
    except SystemExit as usage:  # argparse: one line too
        status = int(usage.code or 0)
    err = capsys.readouterr().err
    assert status == case.exit_code, err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert re.search(case.stderr, err), err
    return err


def _nothing_queued(aws: FakeSession) -> None:
    sqs = aws.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10), "a message was sent"


# --- sms-constructs-test-message --------------------------------------------------------------------------------

TEST_MESSAGE_CASES = {
    "timeout nan": Case(["--timeout", "nan"], 2, r"^sms-constructs-test-message: argument --timeout: 'nan' must be"),
    "timeout inf": Case(["--timeout", "inf"], 2, r"argument --timeout: 'inf' must be a finite number"),
    "timeout negative": Case(["--timeout", "-5"], 2, r"argument --timeout: '-5' must be"),
    "timeout zero": Case(["--timeout", "0"], 2, r"more than 0 to 259200"),
    "interval not a number": Case(["--interval", "soon"], 2, r"'soon' is not a number of seconds"),
    "unknown option": Case(["--queue", "x"], 2, r"unrecognized arguments: --queue x \(see --help\)$"),
    "not E.164": Case(["--to", "4255550142"], 2, r"^--to '4255550142' is not an E\.164 number"),
    "good then bad destination": Case(["--to", GOOD, "--to", "+1 425"], 2, r"^--to '\+1 425' is not an E\.164"),
    "a destination twice": Case(["--to", GOOD, "--to", GOOD], 2, r"^--to \+14255550142 is given twice\.$"),
    "no simulator outside the US": Case(
        ["--to", "+447860019066"], 3, r"^\+447860019066 is a GB simulator destination, but there is no simulator for GB"
    ),
    "invalid region": Case(
        ["--region", "moon-1"], 2, r"^Region 'moon-1' is not one where End User Messaging SMS is", session="env"
    ),
    "region typo": Case(["--region", "us-east1"], 2, r"\(a Region looks like ca-central-1\)", session="env"),
    "no region": Case([], 3, r"^No AWS Region set: pass --region, or set AWS_DEFAULT_REGION ", session="bare"),
    "no credentials": Case([], 3, r"^No AWS credentials found: set AWS_PROFILE", session="none"),
    "unreachable endpoint": Case(
        [],
        4,
        r"^Cannot reach AWS \(Could not connect to the endpoint URL: .*\): check the network and the Region\.$",
        setup=lambda aws: _unreachable(aws, "cloudformation"),
    ),
    "throttled": Case(
        [],
        4,
        r"^AWS throttled DescribeStacks \(ThrottlingException\): wait a minute and run again\.$",
        setup=lambda aws: _throttled(aws, "cloudformation", "describe_stacks"),
    ),
    "access denied": Case(
        [],
        4,
        r"^AWS refused DescribeStacks: AccessDenied: not allowed$",
        setup=lambda aws: aws.stubber("cloudformation").add_client_error(
            "describe_stacks", service_error_code="AccessDenied", service_message="not allowed"
        ),
    ),
    "stack not deployed": Case(
        ["--stack", "Mine"],
        3,
        r"^Stack Mine is not deployed in this account and Region: check --stack",
        setup=lambda aws: aws.stubber("cloudformation").add_client_error(
            "describe_stacks", service_error_code="ValidationError", service_message="Stack with id Mine does not exist"
        ),
    ),
    "no send queue anywhere": Case(
        [],
        3,
        r"^No SmsSendQueue found in any stack of this account and Region \(no SmsSendQueueUrl\* output\)",
        setup=lambda aws: aws.stubber("cloudformation").add_response(
            "describe_stacks", describe_stacks_response("Other", {"Unrelated": "x"}), {}
        ),
    ),
    "two send queues": Case(
        [],
        3,
        r"^2 SmsSendQueues found: App \(.*\), App \(.*\); choose one with --stack or --queue-url\.$",
        setup=lambda aws: _deployed(aws, queues=2),
    ),
    "no simulator origination number": Case(
        [],
        3,
        r"^No simulator origination number in us-east-1: the SMS simulator exists only for the United States",
        setup=lambda aws: (
            _deployed(aws),
            aws.stubber(SMS).add_response("describe_phone_numbers", {"PhoneNumbers": []}, SIMULATOR_FILTER),
        ),
    ),
    "sandbox, not verified": Case(
        ["--to", GOOD],
        3,
        r"^The account is in the SMS sandbox in us-east-1 and \+14255550142 cannot receive "
        r"\(it is not a verified destination\): run sms-constructs-verify-destination \+14255550142 first\.$",
        setup=lambda aws: (_deployed(aws), _sandbox(aws, {})),
    ),
    "sandbox, a verified number then a pending one": Case(
        ["--to", GOOD, "--to", OTHER],
        3,
        r"and \+14255550199 cannot receive \(its status is PENDING\)",
        setup=lambda aws: (_deployed(aws), _sandbox(aws, {GOOD: "VERIFIED", OTHER: "PENDING"})),
    ),
    "SMS API unreachable": Case(
        ["--to", GOOD],
        4,
        r"^Cannot reach AWS",
        setup=lambda aws: (_deployed(aws), _unreachable(aws, SMS)),
    ),
}


@pytest.mark.parametrize("name", TEST_MESSAGE_CASES)
def test_test_message_bad_input(
    name: str, aws: FakeSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = TEST_MESSAGE_CASES[name]
    _run(test_message.main, case, aws, monkeypatch, capsys)
    if case.session in ("fake", "env"):  # without credentials nothing can be sent (nor read back)
        _nothing_queued(aws)
    assert capsys.readouterr().out == ""


def test_test_message_sends_nothing_when_the_second_destination_is_bad(
    aws: FakeSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The deployment is found and the first number is fine: the second still stops everything before any send.
    _deployed(aws)
    case = Case(["--to", GOOD, "--to", "+0"], 2, r"^--to '\+0' is not an E\.164 number")
    _run(test_message.main, case, aws, monkeypatch, capsys)
    _nothing_queued(aws)
    aws.stubbers["cloudformation"].deactivate()  # never asked: arguments are checked first
    aws.stubbers.pop("cloudformation")


def test_test_message_throttled_mid_run_says_what_was_queued(
    aws: FakeSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _deployed(aws)
    aws.stubber(SMS).add_response("describe_phone_numbers", simulator_numbers_response(), SIMULATOR_FILTER)
    sqs, sent = aws.client("sqs"), []
    real = sqs.send_message

    def second_throttled(**kwargs: Any) -> Any:
        if sent:
            raise sqs.exceptions.ClientError(
                {"Error": {"Code": "AWS.SimpleQueueService.RequestThrottled", "Message": "slow"}}, "SendMessage"
            )
        sent.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(sqs, "send_message", second_throttled)
    case = Case([], 4, r"^AWS throttled SendMessage .*\(1 of 2 message\(s\) of run [0-9a-f]{8} were queued\.\)$")
    _run(test_message.main, case, aws, monkeypatch, capsys)


def test_test_message_without_a_quick_look_follows_only_the_send(aws: FakeSession) -> None:
    url = aws.client("sqs").create_queue(QueueName="send")["QueueUrl"]
    create_message_store(aws, TABLE)
    aws.stubber("cloudformation").add_response("describe_stacks", {"Stacks": []}, {})  # no quick look anywhere
    aws.stubber(SMS).add_response(
        "describe_account_attributes", {"AccountAttributes": [{"Name": "ACCOUNT_TIER", "Value": "PRODUCTION"}]}, {}
    )
    out = io.StringIO()
    status = test_message.run(
        aws,
        queue_url=url,
        table_name=TABLE,
        destinations=[GOOD],
        timeout_seconds=2,
        interval_seconds=1,
        out=out,
        sleep=lambda _: None,
        clock=iter(range(100)).__next__,
    )
    assert status == 1  # nothing recorded the send in time
    assert "no SmsEventAnalytics quick look found" in out.getvalue()
    [body] = [json.loads(m["Body"]) for m in aws.client("sqs").receive_message(QueueUrl=url)["Messages"]]
    assert body["destinationPhoneNumber"] == GOOD


# --- sms-constructs-verify-destination --------------------------------------------------------------------------


def _pending(aws: FakeSession) -> None:
    aws.stubber(SMS).add_response(
        "describe_verified_destination_numbers",
        {
            "VerifiedDestinationNumbers": [
                {
                    "VerifiedDestinationNumberArn": "arn:aws:sms-voice:us-east-1:111122223333:x/1",
                    "VerifiedDestinationNumberId": NUMBER_ID,
                    "DestinationPhoneNumber": GOOD,
                    "Status": "PENDING",
                    "CreatedTimestamp": datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
                }
            ]
        },
        {"DestinationPhoneNumbers": [GOOD]},
    )


def _code_sent(aws: FakeSession) -> None:
    _pending(aws)
    aws.stubber(SMS).add_response(
        "send_destination_number_verification_code",
        {"MessageId": "m-1"},
        {"VerifiedDestinationNumberId": NUMBER_ID, "VerificationChannel": "TEXT"},
    )


VERIFY_CASES = {
    "not E.164": Case(["425 555 0142"], 2, r"^'425 555 0142' is not an E\.164 number"),
    "code with a space": Case([GOOD, "--code", "12 34"], 2, r"^--code '12 34' does not look like a verification code"),
    "unknown channel": Case([GOOD, "--channel", "SMS"], 2, r"argument --channel: invalid choice: 'SMS'"),
    "invalid region": Case([GOOD, "--region", "moon-1"], 2, r"^Region 'moon-1' is not one", session="env"),
    "no region": Case([GOOD], 3, r"^No AWS Region set: .*AWS_DEFAULT_REGION", session="bare"),
    "no credentials": Case([GOOD], 3, r"^No AWS credentials found", session="none"),
    "unreachable endpoint": Case([GOOD], 4, r"^Cannot reach AWS", setup=lambda aws: _unreachable(aws, SMS)),
    "throttled": Case(
        [GOOD],
        4,
        r"^AWS throttled DescribeVerifiedDestinationNumbers",
        setup=lambda aws: _throttled(aws, SMS, "describe_verified_destination_numbers"),
    ),
    "unknown number": Case(
        [GOOD],
        3,
        r"is not a verified destination number of this account and Region: create it first",
        setup=lambda aws: aws.stubber(SMS).add_response(
            "describe_verified_destination_numbers", {"VerifiedDestinationNumbers": []}, None
        ),
    ),
    "wrong code": Case(
        [GOOD, "--code", "000000"],
        1,
        r"^\+14255550142 is not verified: ValidationException: no match$",
        setup=lambda aws: (
            _pending(aws),
            aws.stubber(SMS).add_client_error(
                "verify_destination_number", service_error_code="ValidationException", service_message="no match"
            ),
        ),
    ),
    "Ctrl-D at the code prompt": Case(
        [GOOD],
        1,
        r"^No code entered \(the code was sent to \+14255550142\): run sms-constructs-verify-destination "
        r"\+14255550142 --code <code> when it arrives\.$",
        setup=_code_sent,
        stdin=[EOFError],
    ),
    "Ctrl-C at the code prompt": Case(
        [GOOD], 1, r"^Interrupted \(the code was sent to \+14255550142\)", setup=_code_sent, stdin=[KeyboardInterrupt]
    ),
    "garbage at the code prompt": Case(
        [GOOD],
        2,
        r"^'12 34' does not look like a verification code .*--code <code> when it arrives\.$",
        setup=_code_sent,
        stdin=["12 34"],
    ),
}


@pytest.mark.parametrize("name", VERIFY_CASES)
def test_verify_destination_bad_input(
    name: str, aws: FakeSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = VERIFY_CASES[name]
    answers = list(case.stdin)

    def ask(_: str) -> str:
        answer = answers.pop(0) if answers else EOFError
        if isinstance(answer, type):
            raise answer
        return answer

    _run(verify_destination.main, case, aws, monkeypatch, capsys, ask=ask)


# --- sms-constructs-fixed-cost ----------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "Stack.template.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return tmp_path


FIXED_COST_CASES: dict[str, tuple[str | bytes | None, str]] = {
    "no assembly": (None, r"^no \*\.template\.json in .*: run `make synth` \(or cdk synth\) first$"),
    "truncated JSON": (
        '{"Resources": {',
        r"^Stack\.template\.json is not a CloudFormation template: invalid JSON at line 1",
    ),
    "a list": ("[]", r"template: the document is a JSON list, not an object\.$"),
    "Resources a list": ('{"Resources": []}', r"template: Resources is not an object\.$"),
    "resource without Type": ('{"Resources": {"A": {}}}', r"template: resource A has no string Type\.$"),
    "Properties a string": (
        '{"Resources": {"A": {"Type": "AWS::KMS::Key", "Properties": "x"}}}',
        r"template: the Properties of A are not an object\.$",
    ),
    "Metrics not a list": (
        '{"Resources": {"A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": 3}}}}',
        r"template: an alarm's Metrics is not a list\.$",
    ),
    "not UTF-8": (b"\xff\xfe{", r"^Cannot read .*Stack\.template\.json: UnicodeDecodeError"),
    "nested a million deep": ("[" * 1_000_000, r"^Cannot read .*: RecursionError|invalid JSON"),
}


@pytest.mark.parametrize("name", FIXED_COST_CASES)
def test_fixed_cost_bad_input(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, message = FIXED_COST_CASES[name]
    outdir = tmp_path / "missing" if text is None else _write(tmp_path, text)
    assert fixed_cost.main([str(outdir)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err
    assert re.search(message, captured.err), captured.err


def test_fixed_cost_unknown_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        fixed_cost.main(["--bogus"])
    assert raised.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        "sms-constructs-fixed-cost: unrecognized arguments: --bogus (see --help)"
    ]


@pytest.mark.parametrize("command", [test_message.main, verify_destination.main, fixed_cost.main])
def test_help_documents_every_exit_code(command: Callable[..., int], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        command(["--help"])
    assert raised.value.code == 0
    help_text = capsys.readouterr().out
    for code in (0, 1, 2, 3, 4, 130):
        assert f"\n  {code} " in help_text


@pytest.mark.parametrize("command", [test_message.main, verify_destination.main, fixed_cost.main])
def test_version(command: Callable[..., int], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        command(["--version"])
    assert raised.value.code == 0
    assert f"(sms-constructs {_cli.version()})" in capsys.readouterr().out
