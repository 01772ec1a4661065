"""``sms-constructs-verify-destination``: complete the verification of a sandbox destination number.

While an account is in the SMS sandbox it sends only to verified destination numbers. CloudFormation creates a
``VerifiedDestinationNumber`` in status ``PENDING`` (the sample app does for each of ``verifiedDestinationNumbers`` in
``cdk.json``); this command sends the number a one-time code (``SendDestinationNumberVerificationCode``), then submits
the code its holder reads out (``VerifyDestinationNumber``)::

    make verify-destination NUMBER=+14255550142              # sends the code, then asks for it
    sms-constructs-verify-destination +14255550142 --code 123456

Without AWS credentials it says so in one line.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from sms_constructs_runtime.contract import E164_PATTERN

from ._aws import EXIT_CANNOT_RUN, CannotRunError, ClientError, aws_error, session

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
            f"{phone_number} is not a verified destination number of this account and Region: add it to "
            "verifiedDestinationNumbers in cdk.json and run make deploy (or create it in the console)."
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
    if E164.fullmatch(phone_number) is None:
        raise CannotRunError(
            f"{phone_number!r} is not an E.164 number (+ then the country code and number, no spaces)."
        )
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
        code = ask("Code received: ").strip()
    if CODE.fullmatch(code) is None:
        raise CannotRunError(f"{code!r} does not look like a verification code (letters and digits).")
    result = sms.verify_destination_number(VerifiedDestinationNumberId=number_id, VerificationCode=code)
    status = result.get("Status", "?")
    print(f"{phone_number}: {status}.", file=out)
    return 0 if status == "VERIFIED" else 1


def main(argv: Sequence[str] | None = None, *, ask: Callable[[str], str] | None = None) -> int:
    """Console entry point (``sms-constructs-verify-destination``)."""
    parser = argparse.ArgumentParser(prog="sms-constructs-verify-destination", description=__doc__.split("\n\n")[0])
    parser.add_argument("phone_number", help="the destination number, E.164 (+14255550142)")
    parser.add_argument("--code", help="the code the number received (default: send one, then ask for it)")
    parser.add_argument("--channel", choices=CHANNELS, default="TEXT", help="how the code is sent (default TEXT)")
    parser.add_argument("--language", choices=LANGUAGES, help="language of the code message (default: the service's)")
    parser.add_argument("--origination-identity", help="number, pool or sender ID that sends the code (default: any)")
    parser.add_argument("--configuration-set", help="configuration set of the code message (default: none)")
    parser.add_argument("--aws-profile", help="AWS named profile (default: the environment's credentials)")
    parser.add_argument("--region", help="AWS Region of the number (default: the environment's)")
    args = parser.parse_args(argv)
    interactive = ask if ask is not None else (input if sys.stdin.isatty() else None)
    try:
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
    except CannotRunError as problem:
        print(problem, file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ClientError as error:
        print(f"AWS refused the call: {aws_error(error)}", file=sys.stderr)
        return EXIT_CANNOT_RUN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
