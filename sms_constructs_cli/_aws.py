"""What the commands need from AWS: a session with credentials and a known Region, and the deployments the constructs
publish in their stacks' outputs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from ._cli import (
    EXIT_CANNOT_RUN,
    NO_REGION_HINT,
    BadInputError,
    CannotRunError,
    describe_fault,
    one_line,
)

__all__ = [
    "ANALYTICS_LOG_GROUP_OUTPUT",
    "EXIT_CANNOT_RUN",
    "SEND_QUEUE_TABLE_OUTPUT",
    "SEND_QUEUE_URL_OUTPUT",
    "CannotRunError",
    "ClientError",
    "Deployment",
    "aws_error",
    "check_region",
    "find_deployment",
    "required_output",
    "session",
    "stack_outputs",
]

#: Output logical-ID prefixes the constructs publish (the rest of the ID is the construct's unique id, the same for
#: the outputs of one construct): ``SmsSendQueue`` publishes its queue URL and message store table name,
#: ``SmsEventAnalytics`` (with a quick look) its log group name.
SEND_QUEUE_URL_OUTPUT: Final = "SmsSendQueueUrl"
SEND_QUEUE_TABLE_OUTPUT: Final = "SmsSendQueueMessageStoreTableName"
ANALYTICS_LOG_GROUP_OUTPUT: Final = "SmsEventAnalyticsQuickLookLogGroupName"
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
#: The service whose Regions a ``--region`` must be one of.
SMS_SERVICE: Final = "pinpoint-sms-voice-v2"


def check_region(aws: Any, region: str) -> None:
    """:class:`BadInputError` unless ``region`` is a Region where boto3 knows End User Messaging SMS."""
    known = {
        name
        for partition in aws.get_available_partitions()
        for name in aws.get_available_regions(SMS_SERVICE, partition_name=partition)
    }
    if region not in known:
        shape = "" if _REGION.fullmatch(region) else " (a Region looks like ca-central-1)"
        raise BadInputError(
            f"Region {region!r} is not one where End User Messaging SMS is available{shape}: check --region, "
            "AWS_DEFAULT_REGION and the profile's region."
        )


def session(profile_name: str | None = None, region_name: str | None = None) -> Any:
    """A boto3 session with credentials and a known Region, or a :class:`~._cli.CommandError` saying what is
    missing. ``profile_name`` and ``region_name`` default to the environment's."""
    import boto3  # noqa: PLC0415 - imported when the command runs

    try:
        found = boto3.Session(profile_name=profile_name, region_name=region_name)
        credentials = found.get_credentials()
    except BotoCoreError as error:
        line, _ = describe_fault(error)
        raise CannotRunError(line) from error
    if credentials is None:
        raise CannotRunError(
            "No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again."
        )
    if not found.region_name:
        raise CannotRunError(NO_REGION_HINT)
    check_region(found, found.region_name)
    return found


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The outputs of ``stack_name`` (``DescribeStacks``), or :class:`CannotRunError` when it is not deployed."""
    return dict(_stacks(cloudformation, [stack_name])[stack_name])


def _stacks(cloudformation: Any, stack_names: Sequence[str]) -> dict[str, dict[str, str]]:
    """The outputs of each of ``stack_names``, or of every stack of the account and Region when none is named."""
    found: dict[str, dict[str, str]] = {}
    pages: Iterable[Mapping[str, Any]]
    if stack_names:
        pages = []
        for name in stack_names:
            try:
                page = cloudformation.describe_stacks(StackName=name)
            except ClientError as error:
                message = error.response.get("Error", {}).get("Message", "")
                if error.response.get("Error", {}).get("Code") == "ValidationError" and "does not exist" in message:
                    raise CannotRunError(
                        f"Stack {name} is not deployed in this account and Region: check --stack and --region."
                    ) from error
                raise
            pages = [*pages, page]
    else:
        pages = cloudformation.get_paginator("describe_stacks").paginate()
    for page in pages:
        for stack in page.get("Stacks", []):
            found[stack["StackName"]] = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return found


def required_output(outputs: Mapping[str, str], stack_name: str, key: str) -> str:
    """Output ``key`` of ``stack_name`` — or the one output whose logical ID holds it — or :class:`CannotRunError`."""
    value = outputs.get(key)
    if value is None:
        matches = [v for k, v in outputs.items() if key in k]
        value = matches[0] if len(matches) == 1 else None
    if not value:
        raise CannotRunError(f"Stack {stack_name} has no output {key}: deploy the current version.")
    return value


@dataclass(frozen=True)
class Deployment:
    """Where a deployed ``SmsSendQueue`` (and the quick look of an ``SmsEventAnalytics``) can be reached."""

    queue_url: str
    table_name: str
    #: The quick-look log group of the events, or ``None`` (then only the message store is followed).
    log_group_name: str | None
    #: Where the values come from (stack names, or "the command line").
    source: str


def _by_construct(outputs: Mapping[str, Mapping[str, str]], prefix: str) -> dict[tuple[str, str], str]:
    """``(stack, construct id) -> value`` of every output whose logical ID starts with ``prefix``."""
    return {
        (stack, key.removeprefix(prefix)): value
        for stack, values in outputs.items()
        for key, value in values.items()
        if key.startswith(prefix)
    }


def find_deployment(
    cloudformation: Any | None,
    *,
    stacks: Sequence[str] = (),
    queue_url: str | None = None,
    table_name: str | None = None,
    log_group_name: str | None = None,
) -> Deployment:
    """The send queue, message store and quick-look log group to use: the explicit values, and for each one not
    given the one the constructs publish in the outputs of ``stacks`` (default: every stack of the account and
    Region). :class:`CannotRunError` when none, or more than one, is found."""
    if queue_url and table_name and log_group_name:
        return Deployment(queue_url, table_name, log_group_name, "the command line")
    if cloudformation is None:  # pragma: no cover - the command always passes a client
        raise CannotRunError("Give --queue-url, --table-name and --log-group-name.")
    outputs = _stacks(cloudformation, stacks)
    where = f"stack(s) {', '.join(stacks)}" if stacks else "any stack of this account and Region"
    urls = _by_construct(outputs, SEND_QUEUE_URL_OUTPUT)
    tables = _by_construct(outputs, SEND_QUEUE_TABLE_OUTPUT)
    home: str | None = None
    if queue_url is None or table_name is None:
        if queue_url is not None:
            candidates = [k for k in sorted(urls) if urls[k] == queue_url]
        elif table_name is not None:
            candidates = [k for k in sorted(tables) if tables[k] == table_name and k in urls]
        else:
            candidates = sorted(urls)
        if not candidates:
            given = " for that --queue-url" if queue_url else " for that --table-name" if table_name else ""
            raise CannotRunError(
                f"No SmsSendQueue found{given} in {where} (no {SEND_QUEUE_URL_OUTPUT}* output): give --stack, or "
                "both --queue-url and --table-name."
            )
        if len(candidates) > 1:
            listed = ", ".join(f"{stack} ({urls[(stack, cid)]})" for stack, cid in candidates)
            raise CannotRunError(
                f"{len(candidates)} SmsSendQueues found: {listed}; choose one with --stack or --queue-url."
            )
        key = candidates[0]
        queue_url = queue_url or urls[key]
        table_name = table_name or tables.get(key)
        if not table_name:
            raise CannotRunError(
                f"Stack {key[0]} has no {SEND_QUEUE_TABLE_OUTPUT}* output: deploy the current version, or give "
                "--table-name."
            )
        home = key[0]
    if log_group_name is None:
        groups = _by_construct(outputs, ANALYTICS_LOG_GROUP_OUTPUT)
        same_stack = [k for k in groups if k[0] == home]
        chosen = same_stack if len(same_stack) == 1 else sorted(groups)
        if len(chosen) > 1:
            listed = ", ".join(f"{stack} ({groups[(stack, cid)]})" for stack, cid in chosen)
            raise CannotRunError(
                f"{len(chosen)} SmsEventAnalytics quick looks found: {listed}; choose one with --stack or "
                "--log-group-name."
            )
        log_group_name = groups[chosen[0]] if chosen else None
    return Deployment(queue_url, table_name, log_group_name, f"stack {home}" if home else "the command line")


def aws_error(error: ClientError) -> str:
    """``Code: Message`` of a service error (and its ``Reason``, when the service gives one)."""
    details = error.response.get("Error", {})
    reason = error.response.get("Reason")
    return one_line(f"{details.get('Code', '?')}: {details.get('Message', error)}" + (f" ({reason})" if reason else ""))
