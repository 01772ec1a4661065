"""The destination countries and regions AWS End User Messaging SMS can send to, as ISO 3166-1 alpha-2 codes.

Protect configurations keep every country they do not list at ``ALLOW``, so blocking "every other country" means
listing each of them with ``BLOCK``. ``ProtectConfiguration.allow_only`` and ``CountryRules.allow_only`` use this list
for that.

Source: the table "Supported countries and regions for SMS messaging with AWS End User Messaging SMS",
https://docs.aws.amazon.com/sms-voice/latest/userguide/phone-numbers-sms-by-country.html — the page the API reference
of ``UpdateProtectConfigurationCountryRuleSet`` names as the list of supported ISO codes (botocore 1.44.8,
``pinpoint-sms-voice-v2`` model, member ``CountryRuleSetUpdates``). The codes below were taken from the stored copy of
that table in ``awsdocs/amazon-sns-developer-guide`` (``doc_source/sns-supported-regions-countries.md``, commit
``09c315366915637a4368d3bd0479b284aba02ec8``), with two corrections:

- Mongolia is ``MN`` (the copy repeats Macau's ``MO``);
- ``AN`` (Netherlands Antilles) is left out: ISO 3166 withdrew the code in 2010.

The live page may list countries added since that copy. A country missing here is not blocked by ``allow_only``; pass
``known_countries=`` (or add rules with ``add_country_rule``) to cover it, and compare with the console's protect
configuration country list when you adopt a new release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from constructs import IConstruct

from .._private.errors import ValidationError
from .._private.validation import is_unresolved

#: ISO 3166-1 alpha-2 codes of the SMS destination countries and regions (see the module docstring for the source).
SMS_COUNTRY_CODES: frozenset[str] = frozenset(
    {
        # A
        "AF", "AL", "DZ", "AD", "AO", "AI", "AG", "AR", "AM", "AW", "AU", "AT", "AZ",
        # B
        "BS", "BH", "BD", "BB", "BY", "BE", "BZ", "BJ", "BM", "BT", "BO", "BA", "BW", "BR", "BN", "BG", "BF", "BI",
        # C
        "KH", "CM", "CA", "CV", "KY", "CF", "TD", "CL", "CN", "CO", "KM", "CK", "CR", "HR", "CY", "CZ",
        # D-F
        "CD", "DK", "DJ", "DM", "DO", "EC", "EG", "SV", "GQ", "EE", "ET", "FO", "FJ", "FI", "FR", "GF",
        # G-H
        "GA", "GM", "GE", "DE", "GH", "GI", "GR", "GL", "GD", "GP", "GU", "GT", "GN", "GW", "GY", "HT", "HN", "HK",
        "HU",
        # I-L
        "IS", "IN", "ID", "IQ", "IE", "IL", "IT", "CI", "JM", "JP", "JO", "KZ", "KE", "KI", "KW", "KG", "LA", "LV",
        "LB", "LS", "LR", "LY", "LI", "LT", "LU",
        # M
        "MO", "MK", "MG", "MW", "MY", "MV", "ML", "MT", "MQ", "MR", "MU", "MX", "MD", "MC", "MN", "ME", "MS", "MA",
        "MZ", "MM",
        # N-P
        "NA", "NP", "NL", "NC", "NZ", "NI", "NE", "NG", "NO", "OM", "PK", "PW", "PS", "PA", "PG", "PY", "PE", "PH",
        "PL", "PT", "PR",
        # Q-S
        "QA", "CG", "RE", "RO", "RU", "RW", "KN", "LC", "VC", "WS", "ST", "SA", "SN", "RS", "SC", "SL", "SG", "SK",
        "SI", "SB", "SO", "ZA", "KR", "SS", "ES", "LK", "SR", "SZ", "SE", "CH",
        # T-Z
        "TW", "TJ", "TZ", "TH", "TL", "TG", "TO", "TT", "TN", "TR", "TM", "TC", "UG", "UA", "AE", "GB", "US", "UY",
        "UZ", "VU", "VE", "VN", "VG", "VI", "YE", "ZM", "ZW",
    }
)  # fmt: skip

#: Context key of extra ISO codes every country check accepts (a list of strings), for destinations the service added
#: after this release: ``cdk.json`` ``"context": {"sms-constructs:additionalCountryCodes": ["XK"]}``.
ADDITIONAL_COUNTRY_CODES_CONTEXT = "sms-constructs:additionalCountryCodes"

#: Codes people write for a country whose ISO 3166-1 alpha-2 code is another.
_COMMON_MISTAKES = {"UK": "GB", "EL": "GR"}


def known_country_codes(scope: IConstruct) -> frozenset[str]:
    """``SMS_COUNTRY_CODES`` plus the codes of the ``sms-constructs:additionalCountryCodes`` context key."""
    extra = scope.node.try_get_context(ADDITIONAL_COUNTRY_CODES_CONTEXT) or []
    if isinstance(extra, str) or not all(isinstance(code, str) for code in extra):
        raise ValidationError(scope, f"context {ADDITIONAL_COUNTRY_CODES_CONTEXT}", "must be a list of strings", extra)
    return SMS_COUNTRY_CODES | frozenset(extra)


def check_country_code(scope: IConstruct | str, prop: str, code: Any, known: Iterable[str]) -> None:
    """Raise unless ``code`` is an upper-case ISO 3166-1 alpha-2 code in ``known`` (unresolved tokens pass).

    The one country check of the library: phone numbers, sender IDs, protect configuration rules and
    ``CountryRules.allow_only`` all use it, so ``"UK"`` or ``"us"`` is refused the same way everywhere.
    """
    if isinstance(code, str) and is_unresolved(code):
        return
    if not isinstance(code, str) or re.fullmatch(r"[A-Z]{2}", code) is None:
        hint = f"; use {code.upper()!r}" if isinstance(code, str) and re.fullmatch(r"[A-Za-z]{2}", code) else ""
        raise ValidationError(scope, prop, f"must match ^[A-Z]{{2}}$ (ISO 3166-1 alpha-2, upper case){hint}", code)
    if code not in set(known):
        hint = f"; did you mean {_COMMON_MISTAKES[code]!r}?" if code in _COMMON_MISTAKES else ""
        raise ValidationError(
            scope,
            prop,
            "must be a destination the service supports (sms_constructs.SMS_COUNTRY_CODES, or the context key "
            f"{ADDITIONAL_COUNTRY_CODES_CONTEXT}){hint}",
            code,
        )
