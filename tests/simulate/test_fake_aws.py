"""The in-memory SQS and DynamoDB behave like the services where the handlers depend on it."""

from __future__ import annotations

import pytest

from sms_constructs.simulate.clock import SimulatedClock
from sms_constructs.simulate.fake_aws import FakeDynamoDB, FakeSqs


def test_visibility_timeout_receive_count_delay_and_redrive() -> None:
    now = [1000.0]
    sqs = FakeSqs(lambda: now[0])
    dlq = sqs.create_queue("dlq")
    url = sqs.create_queue("send", visibility_timeout=30, dead_letter_url=dlq, max_receive_count=2)
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    [first] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert (first["Body"], first["Attributes"]["ApproximateReceiveCount"]) == ("a", "1")
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10) == {}  # in flight; the other one delayed
    now[0] += 30
    [again] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # a stale receipt deletes nothing
    assert sqs.depth(url) == 2
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0)
    now[0] += 30
    [delayed] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]  # "a" moved to the DLQ
    assert delayed["Body"] == "later"
    assert [m.body for m in sqs.queues[dlq].messages.values()] == ["a"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=5)


def test_conditional_writes_and_updates() -> None:
    db = FakeDynamoDB()
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    db.put_item(TableName="t", Item={**key, "n": {"N": "1"}, "status": {"S": "NEW"}})
    condition = {
        "ConditionExpression": "attribute_not_exists(#id) OR (#s = :done AND NOT #n > :limit)",
        "ExpressionAttributeNames": {"#id": "pk", "#s": "status", "#n": "n"},
        "ExpressionAttributeValues": {":done": {"S": "DONE"}, ":limit": {"N": "5"}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    with pytest.raises(db.exceptions.ConditionalCheckFailedException) as failed:
        db.put_item(TableName="t", Item=key, **condition)
    assert failed.value.response["Item"]["status"] == {"S": "NEW"}  # type: ignore[typeddict-item]
    db.update_item(
        TableName="t",
        Key=key,
        UpdateExpression="SET #s = :done, #n = #n + :one",
        ExpressionAttributeNames={"#s": "status", "#n": "n"},
        ExpressionAttributeValues={":done": {"S": "DONE"}, ":one": {"N": "1"}},
    )
    db.put_item(TableName="t", Item=key, **condition)  # DONE and n = 2: passes
    assert db.get_item(TableName="t", Key=key)["Item"] == key
    db.delete_item(TableName="t", Key=key)
    assert db.get_item(TableName="t", Key=key) == {}


def test_calls_take_their_latency_on_the_simulated_clock() -> None:
    clock = SimulatedClock(0.0)
    db = FakeDynamoDB(clock.sleep, latency=lambda _: 0.01)
    done: list[float] = []

    def actor() -> None:
        db.put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
        done.append(clock.now())

    clock.spawn("writer", actor)
    clock.run()
    assert done == [pytest.approx(0.01)]
    assert db.calls == {"PutItem": 1}
