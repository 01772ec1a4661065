"""What both commands need from AWS: a session with credentials, and a deployed stack's outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

__all__ = [
    "EXIT_CANNOT_RUN",
    "CannotRunError",
    "ClientError",
    "aws_error",
    "required_output",
    "session",
    "stack_outputs",
]

#: Exit status when the command cannot run (no credentials, no Region, stack not deployed).
EXIT_CANNOT_RUN = 2


class CannotRunError(Exception):
    """The command cannot run; the message is the one line shown to the operator."""


def session(profile_name: str | None = None, region_name: str | None = None) -> Any:
    """A boto3 session with credentials and a Region, or :class:`CannotRunError` saying what is missing."""
    import boto3  # noqa: PLC0415 - imported when the command runs

    try:
        found = boto3.Session(profile_name=profile_name, region_name=region_name)
        credentials = found.get_credentials()
    except BotoCoreError as error:
        raise CannotRunError(f"No usable AWS credentials ({error}); set AWS_PROFILE or AWS_ACCESS_KEY_ID.") from error
    if credentials is None:
        raise CannotRunError(
            "No AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again."
        )
    if not found.region_name:
        raise CannotRunError("No AWS Region set: set AWS_REGION (the Region the stacks are deployed to) and run again.")
    return found


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    """The outputs of ``stack_name`` (``DescribeStacks``), or :class:`CannotRunError` when it is not deployed."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        if code == "ValidationError" and "does not exist" in message:
            raise CannotRunError(
                f"Stack {stack_name} is not deployed in this account and Region: run make deploy."
            ) from error
        raise CannotRunError(f"Cannot read stack {stack_name}: {code} {message}") from error
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def required_output(outputs: Mapping[str, str], stack_name: str, key: str) -> str:
    """Output ``key`` of ``stack_name`` — or the one output whose logical ID holds it, as CDK names the outputs of
    nested constructs (``EventsQuickLookLogGroupName1A2B3C4D``) — or :class:`CannotRunError` naming it."""
    value = outputs.get(key)
    if value is None:
        matches = [v for k, v in outputs.items() if key in k]
        value = matches[0] if len(matches) == 1 else None
    if not value:
        raise CannotRunError(f"Stack {stack_name} has no output {key}: deploy the current version (make deploy).")
    return value


def aws_error(error: ClientError) -> str:
    """``Code: Message`` of a service error (and its ``Reason``, when the service gives one)."""
    details = error.response.get("Error", {})
    reason = error.response.get("Reason")
    return f"{details.get('Code', '?')}: {details.get('Message', error)}" + (f" ({reason})" if reason else "")
