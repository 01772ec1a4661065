"""Where alphanumeric sender IDs can be used: the data behind ``SenderId``'s country check.

Sources, read on 2026-11-30 with the documentation search tool (stored copies of the pages, not the live site):

- "Supported countries and regions for SMS messaging with AWS End User Messaging SMS",
  https://docs.aws.amazon.com/sms-voice/latest/userguide/phone-numbers-sms-by-country.html, and the per-region tables
  of the AWS End User Messaging User Guide that replace it ("Supported countries": North America,
  https://docs.aws.amazon.com/end-user-messaging/latest/userguide/nx-supported-countries-north-america.html; Asia,
  .../nx-supported-countries-asia.html), column **SMS Sender IDs**, where "No" means the capability is not supported
  and "Registration required" that a sender ID must be registered before it can send;
- "Sender IDs", https://docs.aws.amazon.com/sms-voice/latest/userguide/sender-id.html: "Several major markets
  (including Canada, China, and the United States) don't support sender ID";
- "Supported countries and regions" of the Amazon SNS Developer Guide: "a dedicated number such as a 10DLC number or a
  toll-free number is required to send SMS messages to the United States and its territories (Guam, Puerto Rico,
  American Samoa Islands, and the US Virgin Islands)";
- "Spain registration", https://docs.aws.amazon.com/end-user-messaging/latest/userguide/nx-country-reg-es.html: sender
  IDs must be registered with the CNMC; unregistered ones are blocked from 2026-09-15.

Only rows that could be read in those copies are listed; a country missing from both sets is not checked (the
service decides). Compare with the live tables when you adopt a new release.
"""

from __future__ import annotations

#: Countries whose **SMS Sender IDs** column says "No" (or that the pages above name as not supporting sender IDs):
#: a ``SenderId`` there can never send. (American Samoa, also named there, is not in ``SMS_COUNTRY_CODES``.)
SENDER_ID_NOT_SUPPORTED: frozenset[str] = frozenset(
    {
        # The sender-ID page: "Canada, China, and the United States".
        "CA", "CN", "US",
        # US territories: a dedicated number (10DLC or toll-free) is required.
        "GU", "PR", "VI",
        # North America table, "SMS Sender IDs: No".
        "BS", "CR", "DO", "KY", "SV",
    }
)  # fmt: skip

#: Countries whose **SMS Sender IDs** column says "Registration required" (or whose registration page requires one):
#: a ``SenderId`` there sends only once its registration is approved.
SENDER_ID_REGISTRATION_REQUIRED: frozenset[str] = frozenset({"BD", "ES", "IN", "KH"})
