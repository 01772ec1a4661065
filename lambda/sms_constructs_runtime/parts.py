"""Message-part counting for SMS bodies (GSM 03.38 / UCS-2), the unit of MPS and of billing.

The rules (AWS End User Messaging SMS User Guide, "SMS character limits"):

- A body made only of GSM 03.38 characters is sent as GSM-7: up to **160** characters fit in one part; a longer body
  is split into parts of **153** characters (the user data header takes the rest of the 140 bytes).
- The GSM characters of the extension table (``^ { } \\ [ ] ~ |`` and ``€``, plus the form feed) are sent as an
  escape character followed by the character, so each counts **2**.
- Any other character switches the whole body to UCS-2: **70** characters in one part, **67** per part when split.
  UCS-2 counts UTF-16 code units, so a character outside the Basic Multilingual Plane (most emoji) counts 2.
- A body may be at most 1530 GSM-7 units or 630 UCS-2 units; the API field itself is capped at 1600 characters.

When splitting, an escape sequence or a surrogate pair is never cut in two (handsets could not reassemble it), so a
part may carry one unit less than its capacity. That can make a message one part longer than ``ceil(units / 153)``;
counting it that way never under-estimates the parts the service bills and meters, which is what pacing needs.

Stdlib only: it runs inside Lambda, in the producer client and at synth time.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Final

#: The GSM 03.38 basic character set (one septet each). ESC (0x1B) is not a character a body may contain.
GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The GSM 03.38 extension table: sent as ESC + character, so each counts 2 septets.
GSM_EXTENSION: Final = frozenset("\f^{}\\[]~|€")

GSM_SINGLE_PART: Final = 160
GSM_MULTI_PART: Final = 153
UCS2_SINGLE_PART: Final = 70
UCS2_MULTI_PART: Final = 67
#: Longest body the service accepts, in units of each encoding.
GSM_MAX_UNITS: Final = 1530
UCS2_MAX_UNITS: Final = 630
#: Longest ``MessageBody`` the API accepts, in characters.
API_MAX_CHARACTERS: Final = 1600
#: Parts of the longest valid body when its parts are full (1530 / 153 = 10; 630 / 67 rounds up to 10), what the
#: construct sizes the sender's timeout with. Escape sequences cut at part boundaries can make a 1530-unit GSM-7 body
#: take 11 (``count_parts`` counts that; the timeout's 20 % slack absorbs it).
MAX_PARTS: Final = 10


class Encoding(enum.Enum):
    """The encoding the service picks for a body."""

    GSM7 = "GSM"
    UCS2 = "UCS2"


@dataclass(frozen=True)
class PartCount:
    """How a body is sent: its encoding, its length in units of that encoding, and the number of parts."""

    encoding: Encoding
    #: Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.
    units: int
    parts: int

    @property
    def too_long(self) -> bool:
        """True when the service refuses the body (over 1530 GSM-7 or 630 UCS-2 units)."""
        limit = GSM_MAX_UNITS if self.encoding is Encoding.GSM7 else UCS2_MAX_UNITS
        return self.units > limit


def is_gsm7(body: str) -> bool:
    """True when every character of ``body`` is in the GSM 03.38 basic or extension table."""
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in body)


def _weights(body: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if c in GSM_EXTENSION else 1 for c in body]
    return [2 if ord(c) > 0xFFFF else 1 for c in body]


@functools.lru_cache(maxsize=1024)
def count_parts(body: str) -> PartCount:
    """The encoding, length in units and number of parts of ``body`` (an empty body is one part).

    Memoized (the last 1,024 bodies): the sender validates a request several times on its way (parse, idempotent
    send, store), and a campaign repeats its bodies; a ``PartCount`` is immutable."""
    encoding = Encoding.GSM7 if is_gsm7(body) else Encoding.UCS2
    single, multi = (
        (GSM_SINGLE_PART, GSM_MULTI_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE_PART, UCS2_MULTI_PART)
    )
    weights = _weights(body, encoding)
    units = sum(weights)
    if units <= single:
        return PartCount(encoding, units, 1)
    parts, used = 1, 0
    for weight in weights:  # fill parts greedily; an escape sequence or surrogate pair never straddles two parts
        if used + weight > multi:
            parts, used = parts + 1, 0
        used += weight
    return PartCount(encoding, units, parts)
