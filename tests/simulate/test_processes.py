"""The simulator's real-process mode can fail: it runs ``sender.handler.main`` in several processes through botocore,
with wake-up jitter, and reports a pacer that bursts or loses throughput (broken on purpose by
``tests/simulate/broken_pacers.py``) — and passes the real one. Small runs on a machine the test suite shares with
other work (pytest-xdist, 2 cores): rates here are checked against 0.75 of the MPS and the broken pacer runs at a third
of it, so the two never meet; the 0.95 target is measured on a quiet machine by ``benchmarks/pacing_processes.py``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sms_constructs.simulate.__main__ import main
from sms_constructs.simulate.processes import (
    NOT_MODELLED,
    ProcessOptions,
    ProcessResult,
    _backend,
    _client,
    report,
    run_processes,
)
from sms_constructs.simulate.run import Deployment, SimulationOptions, deploy
from sms_constructs.simulate.sms_server import SPEND_LIMIT_REASON, SmsServer

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MPS = 20
PROCESSES = 6


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return deploy(SimulationOptions(mps=MPS, concurrency=PROCESSES))


#: The rate the real pacer must reach here (a shared test machine); the slow pacer sends a third of the MPS.
MIN_RATE = 0.75


def _run(deployment: Deployment, seconds: float, processes: int, *setup: str) -> ProcessResult:
    options = ProcessOptions(
        processes=processes, mps=MPS, seconds=seconds, jitter_ms=10, min_rate=MIN_RATE, setup=setup
    )
    return run_processes(options, deployment=deployment)


def test_the_real_pacer_stays_within_the_bound_at_the_rate(deployment: Deployment) -> None:
    result = _run(deployment, 6, PROCESSES)
    text = report(result)
    # The pacer's guarantee is on its releases: strict.
    assert result.over_the_bound(result.releases) == 0, text
    assert result.busiest_second(result.releases) <= MPS, text
    # The SMS API also sees the time between a release and its HTTP request: on a test machine shared with other
    # work a worker can lose the CPU there, and one send lands in the next window (up to MPS + 2 seen under load;
    # 0 windows over on a quiet machine, docs/benchmarks.md). A bursting pacer puts twice the MPS there (below).
    assert result.busiest_second() <= MPS + 2, text
    assert result.rate() >= MIN_RATE, text
    assert (result.lost, result.duplicates, len(result.sent)) == (0, 0, len(result.requests)), text
    assert result.metrics["MessagesSent"] == len(result.requests)  # read from the workers' EMF lines
    assert result.late_wake_ups(0.002) > 0  # the jitter reached the pacer's sleeps
    assert not [f for f in result.failures if "over the bound" not in f], text


def test_a_bursting_pacer_is_reported_over_the_bound(deployment: Deployment) -> None:
    result = _run(deployment, 3, 4, "tests.simulate.broken_pacers:bursting")
    assert result.busiest_second() > MPS + 2
    assert result.busiest_second(result.releases) > MPS
    assert result.over_the_bound() > 0
    assert any("over the bound" in problem for problem in result.failures)
    assert (result.lost, result.duplicates) == (0, 0)


def test_a_pacer_that_loses_throughput_is_reported_short(deployment: Deployment) -> None:
    result = _run(deployment, 3, 4, "tests.simulate.broken_pacers:slow")
    assert result.rate() < 0.5  # about a third of the MPS
    assert result.over_the_bound(result.releases) == 0
    assert any(f"below {MIN_RATE:g}" in problem for problem in result.failures)
    assert f"of the MPS, below {MIN_RATE:g}" in report(result)


def test_the_command_exits_non_zero_and_says_what_it_does_not_model(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "--processes", "2", "--mps", "10", "--messages", "12", "--jitter-ms", "0",
            "--worker-setup", "tests.simulate.broken_pacers:bursting",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "windows over the bound" in out
    for item in NOT_MODELLED:
        assert item in out


def test_conditional_writes_on_the_shared_back_end_are_atomic() -> None:
    processes, increments = 4, 25
    script = textwrap.dedent(
        """
        import sys, boto3
        client = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="x", aws_secret_access_key="x")
        key = {"pk": {"S": "counter"}, "sk": {"S": "counter"}}
        done = 0
        while done < int(sys.argv[2]):
            value = client.get_item(TableName="t", Key=key, ConsistentRead=True)["Item"]["n"]["N"]
            try:
                client.update_item(TableName="t", Key=key, UpdateExpression="SET n = n + :one",
                                   ConditionExpression="n = :seen",
                                   ExpressionAttributeValues={":one": {"N": "1"}, ":seen": {"N": value}})
                done += 1
            except client.exceptions.ConditionalCheckFailedException:
                pass
        """
    )
    with _backend() as endpoint:
        client = _client("dynamodb", endpoint)
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="t", Item={"pk": {"S": "counter"}, "sk": {"S": "counter"}, "n": {"N": "0"}})
        workers = [
            subprocess.Popen([sys.executable, "-c", script, endpoint, str(increments)]) for _ in range(processes)
        ]
        assert [w.wait(timeout=120) for w in workers] == [0] * processes
        item = client.get_item(TableName="t", Key={"pk": {"S": "counter"}, "sk": {"S": "counter"}})["Item"]
        assert int(item["n"]["N"]) == processes * increments


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> SmsServer:
    server = SmsServer().start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", server.endpoint_url)
    yield server  # type: ignore[misc]
    server.stop()


def _sms_client(**config: object) -> object:
    return boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, **config),  # type: ignore[arg-type]
    )


def test_the_sms_server_is_reached_through_botocore_and_records_parts(sms: SmsServer) -> None:
    client: object = _sms_client()
    body = "Olá 📦 " * 20  # UCS-2: 140 code units, 3 parts of 67
    response = client.send_text_message(  # type: ignore[attr-defined]
        DestinationPhoneNumber="+14254147755", MessageBody=body, Context={"smsRequestId": "r-1", "smsAttempt": "1"}
    )
    assert response["MessageId"]
    [call] = sms.calls
    assert (call.request_id, call.attempt, call.parts, call.accepted) == ("r-1", "1", 3, True)


def test_the_sms_server_refuses_what_the_model_refuses(sms: SmsServer) -> None:
    client: object = _sms_client(parameter_validation=False)
    with pytest.raises(ClientError) as raised:
        client.send_text_message(MessageBody="no destination")  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "DestinationPhoneNumber" in sms.invalid[0]
    assert sms.calls == []


def test_the_sms_server_holds_with_the_spend_limit_error_as_botocore_parses_it(sms: SmsServer) -> None:
    client: object = _sms_client()
    sms.hold(60)
    with pytest.raises(ClientError) as raised:
        client.send_text_message(DestinationPhoneNumber="+14254147755", MessageBody="hi")  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert raised.value.response["Reason"] == SPEND_LIMIT_REASON  # where the sender reads it
    assert [c.error for c in sms.calls] == ["ServiceQuotaExceededException"]
    sms.hold(0)
    client.send_text_message(DestinationPhoneNumber="+14254147755", MessageBody="hi")  # type: ignore[attr-defined]
    assert sms.calls[-1].accepted
