"""What every operator command shares: its exit codes, the parser (with ``--version``), argument checks, and the
one place that turns every fault into one line on stderr and a documented exit code — never a traceback."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from importlib import metadata
from typing import Final, NoReturn, TextIO

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectionError,
    CredentialRetrievalError,
    NoAuthTokenError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

__all__ = [
    "EXIT_AWS_FAULT",
    "EXIT_BAD_INPUT",
    "EXIT_CANNOT_RUN",
    "EXIT_CODES_HELP",
    "EXIT_INCOMPLETE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "NO_REGION_HINT",
    "AwsFaultError",
    "BadInputError",
    "CannotRunError",
    "CommandError",
    "IncompleteError",
    "InterruptedRunError",
    "command_parser",
    "one_line",
    "run_command",
    "seconds",
    "version",
]

#: The command did what was asked.
EXIT_OK: Final = 0
#: The command ran, but the outcome is not the one hoped for (a message not delivered or not followed to its end in
#: time; a number not verified, or no code entered).
EXIT_INCOMPLETE: Final = 1
#: An argument or an input file is wrong (argparse's usage errors too); nothing was sent.
EXIT_BAD_INPUT: Final = 2
#: The command cannot run here: no credentials, no Region, nothing deployed (or more than one candidate), a
#: destination the account may not send to; nothing was sent.
EXIT_CANNOT_RUN: Final = 3
#: AWS could not be reached, throttled the command, or refused a call.
EXIT_AWS_FAULT: Final = 4
#: InterruptedRunError (Ctrl-C).
EXIT_INTERRUPTED: Final = 130

#: The exit-code table every command's ``--help`` ends with (and docs/operations.md repeats).
EXIT_CODES_HELP: Final = f"""exit codes:
  {EXIT_OK}    done
  {EXIT_INCOMPLETE}    ran, but the outcome is not the one hoped for (see the last line of the output)
  {EXIT_BAD_INPUT}    bad argument or input file; nothing was sent
  {EXIT_CANNOT_RUN}    cannot run here (credentials, Region, deployment, destination); nothing was sent
  {EXIT_AWS_FAULT}    AWS unreachable, throttling, or a call refused
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
Every fault is one line on stderr."""

#: What to do when boto3 finds no Region (boto3 reads AWS_DEFAULT_REGION, not AWS_REGION).
NO_REGION_HINT: Final = (
    "No AWS Region set: pass --region, or set AWS_DEFAULT_REGION (boto3 does not read AWS_REGION), "
    "or set region in the AWS profile's config."
)
_CREDENTIALS_HINT: Final = "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run again"
#: Error codes AWS services use when they throttle a caller.
THROTTLING_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "AWS.SimpleQueueService.RequestThrottled",
    }
)


class CommandError(Exception):
    """A fault the operator can act on; the message is the one line shown and ``exit_code`` the status."""

    exit_code: int = EXIT_CANNOT_RUN


class IncompleteError(CommandError):
    """The command ran, but the outcome is not the one hoped for (exit 1)."""

    exit_code = EXIT_INCOMPLETE


class BadInputError(CommandError):
    """An argument or input file is wrong (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class CannotRunError(CommandError):
    """The command cannot run here: credentials, Region, deployment or destination (exit 3)."""

    exit_code = EXIT_CANNOT_RUN


class AwsFaultError(CommandError):
    """AWS could not be reached, throttled, or refused a call (exit 4)."""

    exit_code = EXIT_AWS_FAULT


class InterruptedRunError(CommandError):
    """Ctrl-C while the command runs, with what was done by then (exit 130)."""

    exit_code = EXIT_INTERRUPTED


def version() -> str:
    """The installed sms-constructs version (``0+unknown`` outside any installation)."""
    try:
        return metadata.version("sms-constructs")
    except metadata.PackageNotFoundError:  # pragma: no cover - only outside any installation
        return "0+unknown"


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {one_line(message)} (see --help)\n")


def command_parser(prog: str, description: str, *, epilog: str = "") -> argparse.ArgumentParser:
    """An argument parser for an operator command: ``--version``, and the exit-code table after ``epilog`` in
    ``--help``. ``epilog`` defaults to nothing."""
    parser = _Parser(
        prog=prog,
        description=description,
        epilog=f"{epilog}\n\n{EXIT_CODES_HELP}" if epilog else EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s (sms-constructs {version()})")
    return parser


def seconds(*, minimum: float, maximum: float, allow_minimum: bool = True) -> Callable[[str], float]:
    """An argparse ``type``: a finite number of seconds from ``minimum`` to ``maximum`` (``nan``, ``inf`` and values
    out of range are refused). ``allow_minimum`` (default True) says whether ``minimum`` itself is accepted."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        low_ok = value >= minimum if allow_minimum else value > minimum
        if not math.isfinite(value) or not low_ok or value > maximum:
            low = f"from {minimum:g}" if allow_minimum else f"more than {minimum:g}"
            raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds {low} to {maximum:g}")
        return value

    return parse


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


def describe_fault(error: BaseException) -> tuple[str, int]:  # noqa: PLR0911 - one return per kind of fault
    """The one line and exit code of a fault raised while a command runs."""
    if isinstance(error, CommandError):
        return one_line(error), error.exit_code
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "?")
        message = details.get("Message", "")
        reason = error.response.get("Reason")
        operation = error.operation_name
        if code in THROTTLING_CODES:
            return one_line(f"AWS throttled {operation} ({code}): wait a minute and run again."), EXIT_AWS_FAULT
        suffix = f" ({reason})" if reason else ""
        return one_line(f"AWS refused {operation}: {code}: {message}{suffix}"), EXIT_AWS_FAULT
    if isinstance(error, NoRegionError):
        return NO_REGION_HINT, EXIT_CANNOT_RUN
    if isinstance(error, NoCredentialsError | PartialCredentialsError | CredentialRetrievalError):
        return one_line(f"No usable AWS credentials ({error}): {_CREDENTIALS_HINT}."), EXIT_CANNOT_RUN
    if isinstance(error, ProfileNotFound):
        return one_line(f"{error}: check --aws-profile or AWS_PROFILE."), EXIT_CANNOT_RUN
    if isinstance(error, SSOError | TokenRetrievalError | NoAuthTokenError):
        return one_line(f"AWS sign-in expired or missing ({error}): run aws sso login and run again."), EXIT_CANNOT_RUN
    if isinstance(error, ConnectionError | ReadTimeoutError | ConnectionClosedError):
        return one_line(f"Cannot reach AWS ({error}): check the network and the Region."), EXIT_AWS_FAULT
    if isinstance(error, BotoCoreError):
        return one_line(f"AWS call failed: {error}"), EXIT_AWS_FAULT
    raise error


def run_command(action: Callable[[], int], *, err: TextIO | None = None) -> int:
    """Run ``action`` and return its exit status; every fault is one line on ``err`` (default: stderr) and the
    documented exit code, never a traceback."""
    stream = err if err is not None else sys.stderr
    try:
        return action()
    except KeyboardInterrupt:
        print("Interrupted.", file=stream)
        return EXIT_INTERRUPTED
    except (CommandError, ClientError, BotoCoreError) as error:
        line, code = describe_fault(error)
        print(line, file=stream)
        return code
