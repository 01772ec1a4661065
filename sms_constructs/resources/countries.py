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
