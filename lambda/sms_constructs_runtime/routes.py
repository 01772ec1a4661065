"""Routes of a send queue: which country a destination number is in, and the pace and parking queue of each route.

A pool picks the member that sends a message by the destination's country, and each member has its own MPS (a
Canadian long code 1, a UK sender ID 10, shared routes 20: the service's defaults by origination identity). A send
queue with routes (``SmsSendQueue(routes={"CA": SendRoute(1), "GB": SendRoute(10)})``) therefore paces each
destination country on a key of its own, ``<pacer key>#route#<ISO>``, at that route's MPS; every other destination
goes to the ``*`` route, paced on the queue's own key (``<pacer key>``) at the ``*`` route's MPS (the queue's
``max_parts_per_second`` unless the queue declares ``*``). A record whose route is saturated is *parked* on that
route's parking queue rather than waiting in an invocation that also holds other routes' records.

The country of a number comes from its E.164 country calling code (the longest code that starts the number: the codes
are prefix-free), then, where one code serves several countries, from the digits that follow it:

- **+1, the North American Numbering Plan**: the three-digit area code. Canada's and the other NANP countries' and
  territories' area codes are listed below; the shared non-geographic codes (toll-free 8XX, personal communications
  5XX) belong to no country (``None``: the ``*`` route); every other area code is the United States'.
- **+7**: Kazakhstan for +76 and +77, else Russia. **+44**: Guernsey, Jersey and the Isle of Man by their number
  ranges, else the United Kingdom. **+262**: Mayotte for +262 269 and +262 639, else Réunion. **+358**: Åland for
  +358 18, else Finland. **+599**: Caribbean Netherlands for +599 3, 4 and 7, else Curaçao.

Sources: ITU-T, "List of ITU-T Recommendation E.164 assigned country codes" (complement to E.164, position of
15 December 2016, with the later assignments 383 Kosovo (not an ISO 3166-1 code: left out) and the retirement of
+599 for Netherlands Antilles); NANPA (North American Numbering Plan Administrator), "NPA (area code) assignments",
geographic NPAs by country and the non-geographic service codes, as published in 2024; the number ranges of the Crown
Dependencies as Ofcom allocated them (01481, 01534, 01624 and the mobile ranges below, as listed in the metadata of
Google's libphonenumber; 07700 900xxx, Ofcom's range for drama, stays the United Kingdom's). Numbering
plans change: a new Canadian area code missing here is taken for the United States until the table is updated, so
check it when a route's country gains an overlay code. Non-country codes (+800 international freephone, +870 and
+881-+883 satellite and global services, +979, +991) map to ``None``.

Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from .lanes import parse_items, queue_of_arn, queue_of_url

__all__ = [
    "CALLING_CODES",
    "DEFAULT_ROUTE",
    "NANP_AREA_CODES",
    "NANP_NON_GEOGRAPHIC",
    "PARKED_LANE_ATTRIBUTE",
    "ROUTE_KEY_SEPARATOR",
    "ROUTE_WAIT_PER_BATCH_SECONDS",
    "Route",
    "Routes",
    "country_of",
]

#: The route of every destination country no other route names.
DEFAULT_ROUTE: Final = "*"
#: A route's pacer key is the queue's pacer key, this, and the route's ISO code (``pacer#<identity>#route#CA``).
ROUTE_KEY_SEPARATOR: Final = "#route#"
#: Message attribute of a parked copy: the lane whose queue the record was parked from (a parking queue is no lane's).
PARKED_LANE_ATTRIBUTE: Final = "smsParkedLane"
#: A record on a lane's queue waits at most this long divided by the batch size for a slot on its route before it is
#: parked: a batch of records of saturated routes delays the other records of its batch by at most about 1 s in all.
ROUTE_WAIT_PER_BATCH_SECONDS: Final = 1.0

#: E.164 country calling code → ISO 3166-1 alpha-2 code (the country the code is assigned to, or the main one where
#: several share it: see :data:`_SHARED`). ``1`` is the NANP (see :data:`NANP_AREA_CODES`). The codes are prefix-free.
CALLING_CODES: Final[Mapping[str, str]] = {
    "1": "US", "7": "RU",
    "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU", "39": "IT",
    "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE",
    "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE",
    "60": "MY", "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH",
    "81": "JP", "82": "KR", "84": "VN", "86": "CN",
    "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "98": "IR",
    "211": "SS", "212": "MA", "213": "DZ", "216": "TN", "218": "LY",
    "220": "GM", "221": "SN", "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE",
    "228": "TG", "229": "BJ", "230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD",
    "236": "CF", "237": "CM", "238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD",
    "244": "AO", "245": "GW", "246": "IO", "247": "SH", "248": "SC", "249": "SD", "250": "RW", "251": "ET",
    "252": "SO", "253": "DJ", "254": "KE", "255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM",
    "261": "MG", "262": "RE", "263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ",
    "269": "KM", "290": "SH", "291": "ER", "297": "AW", "298": "FO", "299": "GL",
    "350": "GI", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY",
    "358": "FI", "359": "BG", "370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY",
    "376": "AD", "377": "MC", "378": "SM", "380": "UA", "381": "RS", "382": "ME", "385": "HR", "386": "SI",
    "387": "BA", "389": "MK",
    "420": "CZ", "421": "SK", "423": "LI",
    "500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA",
    "508": "PM", "509": "HT", "590": "GP", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY",
    "596": "MQ", "597": "SR", "598": "UY", "599": "CW",
    "670": "TL", "672": "NF", "673": "BN", "674": "NR", "675": "PG", "676": "TO", "677": "SB", "678": "VU",
    "679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS", "686": "KI", "687": "NC",
    "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH",
    "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA", "880": "BD", "886": "TW",
    "960": "MV", "961": "LB", "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE",
    "968": "OM", "970": "PS", "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN",
    "977": "NP", "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ",
}  # fmt: skip

#: Countries that share a calling code with the one :data:`CALLING_CODES` names: national number prefix (the digits
#: after the calling code) → ISO code; the longest prefix that starts the national number wins.
_SHARED: Final[Mapping[str, Mapping[str, str]]] = {
    "7": {"6": "KZ", "7": "KZ"},
    "44": {
        "1481": "GG", "7781": "GG", "7839": "GG", "79111": "GG", "79117": "GG",
        "1534": "JE", "7509": "JE", "77003": "JE", "77007": "JE", "77008": "JE", "7797": "JE", "7829": "JE",
        "7937": "JE",
        "1624": "IM", "74576": "IM", "7524": "IM", "7624": "IM", "7924": "IM",
    },
    "262": {"269": "YT", "639": "YT"},
    "358": {"18": "AX"},
    "599": {"3": "BQ", "4": "BQ", "7": "BQ"},
}  # fmt: skip

#: NANP area codes (NPAs) of every country and territory of +1 but the United States: NPA → ISO code.
NANP_AREA_CODES: Final[Mapping[str, str]] = {
    # Canada (geographic NPAs, and the Canadian non-geographic 600 and 622)
    **dict.fromkeys(
        (
            "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367", "368", "382",
            "387", "403", "416", "418", "428", "431", "437", "438", "450", "460", "468", "474", "506", "514", "519",
            "548", "579", "581", "584", "587", "600", "604", "613", "622", "639", "647", "672", "683", "705", "709",
            "742", "753", "778", "780", "782", "807", "819", "825", "867", "873", "879", "902", "905", "942",
        ),
        "CA",
    ),
    # The Caribbean, Bermuda and the US territories with ISO codes of their own
    "242": "BS", "246": "BB", "264": "AI", "268": "AG", "284": "VG", "340": "VI", "345": "KY", "441": "BM",
    "473": "GD", "649": "TC", "658": "JM", "876": "JM", "664": "MS", "670": "MP", "671": "GU", "684": "AS",
    "721": "SX", "758": "LC", "767": "DM", "784": "VC", "787": "PR", "939": "PR", "809": "DO", "829": "DO",
    "849": "DO", "868": "TT", "869": "KN",
}  # fmt: skip

#: NANP non-geographic service codes shared by the NANP countries: toll-free and personal communications services.
NANP_NON_GEOGRAPHIC: Final = frozenset(
    {"500", "521", "522", "523", "524", "525", "526", "527", "528", "529", "533", "544", "566", "577", "588",
     "800", "833", "844", "855", "866", "877", "888"}
)  # fmt: skip

#: The longest calling code.
_LONGEST_CODE: Final = max(len(code) for code in CALLING_CODES)


def country_of(number: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country an E.164 number (``+14165550123``) is in, or ``None`` when it is not
    an E.164 number or its code belongs to no country (a non-geographic NANP code, +800, a satellite service)."""
    if not number.startswith("+") or not number[1:].isdigit():
        return None
    digits = number[1:]
    for length in range(1, _LONGEST_CODE + 1):
        code = digits[:length]
        country = CALLING_CODES.get(code)
        if country is None:
            continue
        national = digits[length:]
        if code == "1":
            return _nanp_country(national)
        shared = _SHARED.get(code, {})
        for prefix_length in range(max((len(p) for p in shared), default=0), 0, -1):
            other = shared.get(national[:prefix_length])
            if other is not None and len(national) > prefix_length:
                return other
        return country
    return None


def _nanp_country(national: str) -> str | None:
    """The country of a NANP number's 10 national digits (area code first)."""
    area = national[:3]
    if len(national) != 10 or area in NANP_NON_GEOGRAPHIC:
        return None
    return NANP_AREA_CODES.get(area, "US")


@dataclass(frozen=True)
class Route:
    """One route of a send queue.

    :param country: The route's ISO 3166-1 alpha-2 code, or :data:`DEFAULT_ROUTE` (``*``) for every other country.
    :param parts_per_second: Its MPS.
    :param parking_queue_url: Its parking queue, or ``None`` (a queue without routes).
    """

    country: str
    parts_per_second: float
    parking_queue_url: str | None = None

    def key(self, pacer_key: str) -> str:
        """The route's pacer key: ``pacer_key`` itself for the ``*`` route, else ``<pacer_key>#route#<ISO>``."""
        return pacer_key if self.country == DEFAULT_ROUTE else f"{pacer_key}{ROUTE_KEY_SEPARATOR}{self.country}"


class Routes:
    """The routes of a send queue, from its settings (``SenderSettings.routes``, ``route_parking_queues``).

    :param routes: ``ISO=mps`` items (``CA=1``), ``*`` for every other country; empty for a queue without routes.
    :param parking_queues: ``ISO=queueUrl`` items, one per route. Default: none.
    :param default_parts_per_second: The ``*`` route's MPS when ``routes`` does not name ``*`` (the queue's).
    """

    def __init__(
        self, routes: Iterable[str], default_parts_per_second: float, parking_queues: Iterable[str] = ()
    ) -> None:
        rates = parse_items(routes, "routes")
        urls = parse_items(parking_queues, "route_parking_queues")
        for country in urls:
            if country not in rates and not (country == DEFAULT_ROUTE and rates):
                raise ValueError(f"route_parking_queues: {country!r} is not a route ({', '.join(rates) or 'none'})")
        self.by_country: dict[str, Route] = {}
        for country, raw in rates.items():
            rate = float(raw)
            if not rate > 0:
                raise ValueError(f"routes: the MPS of {country!r} must be above 0, not {raw}")
            self.by_country[country] = Route(country, rate, urls.get(country))
        if self.by_country and DEFAULT_ROUTE not in self.by_country:
            self.by_country[DEFAULT_ROUTE] = Route(DEFAULT_ROUTE, default_parts_per_second, urls.get(DEFAULT_ROUTE))
        self._by_parking_queue = {
            queue_of_url(route.parking_queue_url): route
            for route in self.by_country.values()
            if route.parking_queue_url is not None
        }

    def __bool__(self) -> bool:
        return bool(self.by_country)

    def of_number(self, number: str) -> Route | None:
        """The route of a destination number: its country's, else ``*``; ``None`` for a queue without routes."""
        if not self.by_country:
            return None
        country = country_of(number)
        route = self.by_country.get(country) if country is not None else None
        return route or self.by_country[DEFAULT_ROUTE]

    def of_parking_queue(self, event_source_arn: str | None) -> Route | None:
        """The route whose parking queue ``event_source_arn`` (a record's) is, or ``None``."""
        if not event_source_arn:
            return None
        queue = queue_of_arn(event_source_arn)
        return self._by_parking_queue.get(queue) if queue is not None else None
