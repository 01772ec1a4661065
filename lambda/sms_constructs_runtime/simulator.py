"""AWS End User Messaging SMS's destination simulator numbers (service facts §4, the AWS user guide): one source for
the simulator (``sms_constructs.simulate``), the operator commands and producers' own tests. Standard library only.

A send to a country's *success* number is reported delivered, to its *failure* number failed; nothing reaches a phone.
Origination simulator numbers exist only in the United States and send only to destinations of the same country.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["SIMULATOR_NUMBERS"]

#: AWS's destination simulator numbers per country: (success, failure).
SIMULATOR_NUMBERS: Final[Mapping[str, tuple[str, str]]] = {
    "AU": ("+61455944038", "+61455944039"),
    "AT": ("+43676800442031", "+43676800442032"),
    "BE": ("+32460213922", "+32460213923"),
    "CL": ("+56229140630", "+56229140631"),
    "CZ": ("+420790542286", "+420790542287"),
    "DK": ("+4525919410", "+4525919215"),
    "EE": ("+37282720792", "+37282720793"),
    "FI": ("+3584573979110", "+3584573979111"),
    "FR": ("+33755512501", "+33755512502"),
    "HK": ("+85257048426", "+85257048854"),
    "HU": ("+36707178770", "+36707178772"),
    "IT": ("+394390009172", "+394390009174"),
    "JE": ("+447937404990", "+447937404992"),
    "LU": ("+352691385880", "+352691385882"),
    "NL": ("+3197008100148", "+3197008100150"),
    "NO": ("+4759449384", "+4759449387"),
    "PL": ("+48732141440", "+48732141442"),
    "PT": ("+351927946948", "+351927946950"),
    "RO": ("+40783900330", "+40783900332"),
    "ES": ("+34683783440", "+34683783442"),
    "SE": ("+46790645100", "+46790645102"),
    "CH": ("+41798075872", "+41798075874"),
    "TW": ("+886903444630", "+886903444632"),
    "GB": ("+447860019066", "+447860019067"),
    "US": ("+14254147755", "+14254147167"),
}
