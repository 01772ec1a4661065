"""GSM-7 normalisation: fewer billed parts for text pasted from a word processor.

One character outside the GSM 03.38 alphabet sends the whole body as UCS-2: 70 characters per part instead of 160
(67 instead of 153 when split). Word processors, phones and web forms put such characters into ordinary text: a
"smart" apostrophe (U+2019), an en dash (U+2013), an ellipsis (U+2026), a non-breaking space (U+00A0), a zero-width
space (U+200B). Each has a GSM-7 equivalent with the same meaning, listed in :data:`REPLACEMENTS`.

:func:`normalize_gsm7` replaces them **only when that alone makes the whole body GSM-7**, and it does not take more
parts (an ellipsis becomes three full stops) nor leave the body blank. Anything else is returned unchanged: a body that
is already GSM-7, or that needs UCS-2 for another character (an emoji, Cyrillic, a bullet, "ç"), keeps every
character as written — a zero-width joiner inside an emoji sequence, or a zero-width non-joiner in Persian, is never
removed, because such a body is UCS-2 anyway. Nothing else is ever changed: no accent is stripped, no letter is
transliterated.

Sources of the table: the replacement list of GOV.UK Notify (``notifications_utils.sanitise_text``, which replaces
these characters before it sends an SMS), and the Unicode character database for the names and the other dashes and
spaces of the same kind; the GSM-7 alphabet is 3GPP TS 23.038 (``sms_constructs_runtime.parts``). Unlike GOV.UK
Notify, a line or paragraph separator becomes a line feed (Notify removes it), and nothing outside the table is
downgraded (Notify strips accents, "é" → "e", and turns other characters into "?").

Stdlib only: it runs inside Lambda (the sender), in the producer client and at synth time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .parts import Encoding, PartCount, count_parts, is_gsm7

__all__ = ["REPLACEMENTS", "Normalization", "normalize_gsm7"]

#: Character → its GSM-7 equivalent (an empty string: the character is removed). Every replacement is made of GSM
#: 03.38 basic characters only, so it never adds an escape sequence.
REPLACEMENTS: Final = MappingProxyType(
    {
        # quotation marks and apostrophes
        "\u2018": "'",  # LEFT SINGLE QUOTATION MARK
        "\u2019": "'",  # RIGHT SINGLE QUOTATION MARK (the "smart" apostrophe)
        "\u201a": "'",  # SINGLE LOW-9 QUOTATION MARK
        "\u201b": "'",  # SINGLE HIGH-REVERSED-9 QUOTATION MARK
        "\u2032": "'",  # PRIME (feet, minutes)
        "\u201c": '"',  # LEFT DOUBLE QUOTATION MARK
        "\u201d": '"',  # RIGHT DOUBLE QUOTATION MARK
        "\u201e": '"',  # DOUBLE LOW-9 QUOTATION MARK
        "\u201f": '"',  # DOUBLE HIGH-REVERSED-9 QUOTATION MARK
        "\u2033": '"',  # DOUBLE PRIME (inches, seconds)
        # dashes and minus signs
        "\u2010": "-",  # HYPHEN
        "\u2011": "-",  # NON-BREAKING HYPHEN
        "\u2012": "-",  # FIGURE DASH
        "\u2013": "-",  # EN DASH
        "\u2014": "-",  # EM DASH
        "\u2015": "-",  # HORIZONTAL BAR
        "\u2212": "-",  # MINUS SIGN
        # ellipsis
        "\u2026": "...",  # HORIZONTAL ELLIPSIS
        # spaces
        "\t": " ",  # CHARACTER TABULATION (not in GSM 03.38)
        "\u00a0": " ",  # NO-BREAK SPACE
        "\u2000": " ",  # EN QUAD
        "\u2001": " ",  # EM QUAD
        "\u2002": " ",  # EN SPACE
        "\u2003": " ",  # EM SPACE
        "\u2004": " ",  # THREE-PER-EM SPACE
        "\u2005": " ",  # FOUR-PER-EM SPACE
        "\u2006": " ",  # SIX-PER-EM SPACE
        "\u2007": " ",  # FIGURE SPACE
        "\u2008": " ",  # PUNCTUATION SPACE
        "\u2009": " ",  # THIN SPACE
        "\u200a": " ",  # HAIR SPACE
        "\u202f": " ",  # NARROW NO-BREAK SPACE
        "\u205f": " ",  # MEDIUM MATHEMATICAL SPACE
        # line breaks
        "\u2028": "\n",  # LINE SEPARATOR
        "\u2029": "\n",  # PARAGRAPH SEPARATOR
        # invisible characters, removed
        "\u00ad": "",  # SOFT HYPHEN
        "\u180e": "",  # MONGOLIAN VOWEL SEPARATOR
        "\u200b": "",  # ZERO WIDTH SPACE
        "\u200c": "",  # ZERO WIDTH NON-JOINER
        "\u200d": "",  # ZERO WIDTH JOINER
        "\u2060": "",  # WORD JOINER
        "\ufeff": "",  # ZERO WIDTH NO-BREAK SPACE (byte order mark)
    }
)

_TABLE: Final = str.maketrans(dict(REPLACEMENTS))


@dataclass(frozen=True)
class Normalization:
    """A body as written and as the sender sends it when it normalises, with the parts of each.

    ``body`` is ``original`` itself unless replacing the characters of :data:`REPLACEMENTS` made the whole body
    GSM-7 without taking more parts; then ``after`` is GSM-7 and ``parts_saved`` says what it saved (0 or more).
    """

    #: The body as written.
    original: str
    #: The body to send: ``original`` normalised, or ``original`` unchanged.
    body: str
    #: Encoding, units and parts of ``original``.
    before: PartCount
    #: Encoding, units and parts of ``body``.
    after: PartCount

    @property
    def changed(self) -> bool:
        """True when ``body`` differs from ``original``."""
        return self.body != self.original

    @property
    def parts_saved(self) -> int:
        """Parts of ``original`` minus parts of ``body`` (0 when unchanged; never negative)."""
        return self.before.parts - self.after.parts


@functools.lru_cache(maxsize=1024)
def normalize_gsm7(body: str) -> Normalization:
    """Replace the characters of :data:`REPLACEMENTS` in ``body`` when that alone makes it GSM-7 and takes no more
    parts (nor leaves it blank or over the service's length limit); otherwise return it unchanged.

    Idempotent; never increases the parts; never changes a body that is already GSM-7 or that needs UCS-2 for a
    character without a GSM-7 equivalent. Memoized (the last 1,024 bodies), like ``count_parts``.

    :param body: A message body.
    :returns: The body to send and the parts before and after (``parts_saved``).
    """
    before = count_parts(body)
    unchanged = Normalization(body, body, before, before)
    if before.encoding is Encoding.GSM7:
        return unchanged
    candidate = body.translate(_TABLE)
    if candidate == body or not candidate.strip() or not is_gsm7(candidate):
        return unchanged
    after = count_parts(candidate)
    if after.parts > before.parts or (after.too_long and not before.too_long):
        return unchanged
    return Normalization(body, candidate, before, after)
