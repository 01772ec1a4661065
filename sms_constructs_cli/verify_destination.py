"""``sms-constructs-verify-destination``: complete the verification of a sandbox destination number.

While an account is in the SMS sandbox it sends only to verified destination numbers. CloudFormation creates a
``VerifiedDestinationNumber`` in status ``PENDING`` (the sample app does for each of ``verifiedDestinationNumbers`` in
``cdk.json``); this command sends the number a one-time code (``SendDestinationNumberVerificationCode``), then submits
the code its holder reads out (``VerifyDestinationNumber``)::

    make verify-destination NUMBER=+14255550142              # sends the code, then asks for it
    sms-constructs-verify-destination +14255550142 --code 123456

Every fault is one line on stderr with a documented exit code (``--help`` lists them): without AWS credentials, at
Ctrl-D or Ctrl-C at the code prompt (the code was sent: finish with ``--code``), when the code does not match.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from sms_constructs_runtime.contract import E164_PATTERN

from ._aws import ClientError, aws_error, session
from ._cli import BadInputError, CannotRunError, IncompleteError, command_parser, run_command

E164 = re.compile(E164_PATTERN)
CODE = re.compile(r"[A-Za-z0-9]{1,64}")
CHANNELS = ("TEXT", "VOICE")
#: ``LanguageCode`` values of ``SendDestinationNumberVerificationCode``.
LANGUAGES = (
    "DE_DE",
    "EN_GB",
    "EN_US",
    "ES_419",
    "ES_ES",
    "FR_CA",
    "FR_FR",
    "IT_IT",
    "JA_JP",
    "KO_KR",
    "PT_BR",
    "ZH_CN",
    "ZH_TW",
)


def find_number(sms: Any, phone_number: str) -> dict[str, Any]:
    """The verified destination number record of ``phone_number``, or :class:`CannotRunError`."""
    found = sms.describe_verified_destination_numbers(DestinationPhoneNumbers=[phone_number])
    numbers = found.get("VerifiedDestinationNumbers", [])
    if not numbers:
        raise CannotRunError(
            f"{phone_number} is not a verified destination number of this account and Region: create it first (a "
            "VerifiedDestinationNumber construct, verifiedDestinationNumbers in the sample app's cdk.json, or the "
            "console)."
        )
    return dict(numbers[0])


def verify(
    sms: Any,
    phone_number: str,
    *,
    code: str | None = None,
    channel: str = "TEXT",
    language: str | None = None,
    origination_identity: str | None = None,
    configuration_set: str | None = None,
    ask: Callable[[str], str] | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Send the code (unless ``code`` is given), then verify with ``code`` or the answer of ``ask``. Returns the exit
    status: 0 when the number is verified, or when the code was sent and no answer can be asked for."""
    if code is not None and CODE.fullmatch(code) is None:
        raise BadInputError(f"--code {code!r} does not look like a verification code (letters and digits).")
    if E164.fullmatch(phone_number) is None:
        raise BadInputError(f"{phone_number!r} is not an E.164 number (+ then the country code and number, no spaces).")
    number = find_number(sms, phone_number)
    number_id = number["VerifiedDestinationNumberId"]
    if number.get("Status") == "VERIFIED":
        print(f"{phone_number} is already verified ({number_id}).", file=out)
        return 0
    if code is None:
        request: dict[str, Any] = {"VerifiedDestinationNumberId": number_id, "VerificationChannel": channel}
        for key, value in (
            ("LanguageCode", language),
            ("OriginationIdentity", origination_identity),
            ("ConfigurationSetName", configuration_set),
        ):
            if value is not None:
                request[key] = value
        sms.send_destination_number_verification_code(**request)
        print(f"Verification code sent to {phone_number} by {channel.lower()} ({number_id}).", file=out)
        if ask is None:
            print(f"When it arrives, run: sms-constructs-verify-destination {phone_number} --code <code>", file=out)
            return 0
        finish = f"run sms-constructs-verify-destination {phone_number} --code <code> when it arrives"
        try:
            code = ask("Code received: ").strip()
        except EOFError:
            raise IncompleteError(f"No code entered (the code was sent to {phone_number}): {finish}.") from None
        except KeyboardInterrupt:
            raise IncompleteError(f"Interrupted (the code was sent to {phone_number}): {finish}.") from None
        if CODE.fullmatch(code) is None:
            raise BadInputError(f"{code!r} does not look like a verification code (letters and digits): {finish}.")
    try:
        result = sms.verify_destination_number(VerifiedDestinationNumberId=number_id, VerificationCode=code)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ValidationException":
            raise
        raise IncompleteError(f"{phone_number} is not verified: {aws_error(error)}") from error
    status = result.get("Status", "?")
    print(f"{phone_number}: {status}.", file=out)
    return 0 if status == "VERIFIED" else 1


def main(argv: Sequence[str] | None = None, *, ask: Callable[[str], str] | None = None) -> int:
    """Console entry point (``sms-constructs-verify-destination``)."""
    parser = command_parser("sms-constructs-verify-destination", __doc__.split("\n\n")[0])
    parser.add_argument("phone_number", help="the destination number, E.164 (+14255550142)")
    parser.add_argument("--code", help="the code the number received (default: send one, then ask for it)")
    parser.add_argument("--channel", choices=CHANNELS, default="TEXT", help="how the code is sent (default TEXT)")
    parser.add_argument("--language", choices=LANGUAGES, help="language of the code message (default: the service's)")
    parser.add_argument("--origination-identity", help="number, pool or sender ID that sends the code (default: any)")
    parser.add_argument("--configuration-set", help="configuration set of the code message (default: none)")
    parser.add_argument("--aws-profile", help="AWS named profile (default: the environment's credentials)")
    parser.add_argument("--region", help="AWS Region of the number (default: AWS_DEFAULT_REGION or the profile's)")
    args = parser.parse_args(argv)
    interactive = ask if ask is not None else (input if sys.stdin.isatty() else None)

    def action() -> int:
        if E164.fullmatch(args.phone_number) is None:  # before any credentials are looked for
            raise BadInputError(
                f"{args.phone_number!r} is not an E.164 number (+ then the country code and number, no spaces)."
            )
        if args.code is not None and CODE.fullmatch(args.code) is None:
            raise BadInputError(f"--code {args.code!r} does not look like a verification code (letters and digits).")
        aws = session(args.aws_profile, args.region)
        return verify(
            aws.client("pinpoint-sms-voice-v2"),
            args.phone_number,
            code=args.code,
            channel=args.channel,
            language=args.language,
            origination_identity=args.origination_identity,
            configuration_set=args.configuration_set,
            ask=interactive,
        )

    return run_command(action)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
