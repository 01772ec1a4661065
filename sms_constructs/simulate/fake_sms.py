"""A fake ``pinpoint-sms-voice-v2`` client that behaves like AWS End User Messaging SMS: the one fake of the SMS API,
used by the handler tests and by the simulator (``make simulate``).

What it does, per ``SendTextMessage``:

- validates the request against botocore's service model (a request the real client would refuse is refused), and
  every response and modelled error against the model's output and error shapes;
- refuses opted-out destinations (``ConflictException`` ``DESTINATION_PHONE_NUMBER_OPTED_OUT``), bodies over 1530
  GSM-7 / 630 UCS-2 units (``ValidationException`` ``MAXIMUM_SIZE_EXCEEDED``), and prices over ``MaxPrice``
  (``ValidationException`` ``PRICE_OVER_THRESHOLD``) — the reasons ``sms_constructs_runtime.send_errors`` classifies;
- meters each origination identity's MPS **in message parts** (``sms_constructs_runtime.parts``): a send is accepted
  while the identity's last second holds fewer parts than its MPS (a message's parts are charged at once, so a
  10-part message can go out at 1 MPS), otherwise ``ThrottlingException``; with ``route_mps`` (a pool whose members
  serve different countries: a Canadian long code at 1 MPS, a UK sender ID at 10, shared routes at 20) each
  destination country is metered on its own at its member's MPS, by the fake's own country table (calling codes,
  and for +1 the Canadian area codes), so a burst over a country's MPS is throttled as the service would;
- prices each part by destination country (list prices of the simulator's table, USD) and, when ``on_event`` is set,
  reports the message's events — intermediate (``PENDING``, sometimes a non-final ``SUCCESSFUL``) then one final
  status, with realistic delays, duplicate final receipts of multi-part messages and occasional out-of-order delivery
  — as event records of the library's schema (``sms_constructs_runtime.events``).

Destinations decide the outcome, as with the service's simulator:

- AWS's destination simulator numbers (``SIMULATOR_NUMBERS``, §4 of the service facts): the *success* number of each
  country is delivered; AWS does not document which failure status the *failure* number produces, so the fake
  reports :data:`SIMULATOR_FAILURE_STATUS` for it;
- the fake's own numbers ``+1 425 555 0190–0199`` (fictional, ``FAKE_OUTCOME_NUMBERS``) give one outcome each —
  carrier unreachable, blocked, TTL expired, opted out… — to exercise every path;
- every other number draws its outcome from ``rates`` (:class:`OutcomeRates`) with the fake's seeded random numbers.

``faults`` (error codes, ``(code, reason)`` pairs, ``(code, reason, fields)`` triples whose ``Fields`` list — e.g.
``[{"Name": "MessageBody", "Message": "..."}]`` — is checked against the model, or exceptions, returned by the next
calls) and ``number_types`` (``CarrierLookup`` answers) let tests force a path.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator, validate_parameters
from sms_constructs_runtime.events import SmsEvent
from sms_constructs_runtime.parts import Encoding, count_parts
from sms_constructs_runtime.simulator import SIMULATOR_NUMBERS

__all__ = [
    "FAKE_OUTCOME_NUMBERS",
    "OPTED_OUT",
    "SIMULATOR_FAILURE_STATUS",
    "SIMULATOR_NUMBERS",
    "FakeSms",
    "OutcomeRates",
    "Send",
]

#: The final status the fake reports for a simulator *failure* number (AWS does not say which one the service sends).
SIMULATOR_FAILURE_STATUS: Final = "UNREACHABLE"
#: An outcome that is not a delivery event: the send itself is refused as opted out.
OPTED_OUT: Final = "OPTED_OUT"
#: The fake's own destination numbers, one outcome each (fictional 555-01xx numbers; not AWS simulator numbers).
FAKE_OUTCOME_NUMBERS: Final[Mapping[str, str]] = {
    "+14255550190": "DELIVERED",
    "+14255550191": "CARRIER_UNREACHABLE",
    "+14255550192": "UNREACHABLE",
    "+14255550193": "BLOCKED",
    "+14255550194": "CARRIER_BLOCKED",
    "+14255550195": "TTL_EXPIRED",
    "+14255550196": "INVALID",
    "+14255550197": "SPAM",
    "+14255550198": "UNKNOWN",
    "+14255550199": OPTED_OUT,
}

#: (calling code, ISO country, MCC, carriers, USD per part, carrier fee per part): the longest calling code matches.
_COUNTRIES: Final = (
    ("1", "US", "310", ("T-Mobile USA Inc.", "Verizon Wireless", "AT&T Mobility"), 0.00581, 0.00302),
    ("44", "GB", "234", ("Vodafone UK", "EE", "O2"), 0.0398, 0.0),
    ("49", "DE", "262", ("Telekom Deutschland", "Vodafone DE"), 0.0741, 0.0),
    ("33", "FR", "208", ("Orange", "SFR", "Bouygues"), 0.0643, 0.0),
    ("91", "IN", "405", ("Jio", "Airtel"), 0.0017, 0.0),
    ("55", "BR", "724", ("Vivo", "Claro"), 0.0452, 0.0),
    ("61", "AU", "505", ("Telstra", "Optus"), 0.0389, 0.0),
)
#: Canadian area codes of the North American Numbering Plan (+1): a number with one of them is in Canada.
_CA_AREA_CODES: Final = (
    "204", "226", "236", "249", "250", "263", "289", "306", "343", "354", "365", "367", "368", "382", "403",
    "416", "418", "428", "431", "437", "438", "450", "468", "474", "506", "514", "519", "548", "579", "581",
    "584", "587", "604", "613", "639", "647", "672", "683", "705", "709", "742", "753", "778", "780", "782",
    "807", "819", "825", "867", "873", "879", "902", "905",
)  # fmt: skip
#: Canada (calling code 1 and a Canadian area code) and Mexico: the simulator's approximate prices, for the
#: mixed-country scenario (``python -m sms_constructs.simulate --scenario mixed-country-pool``).
_NORTH_AMERICA: Final = (
    *(("1" + area, "CA", "302", ("Rogers", "Bell Mobility", "Telus"), 0.00758, 0.0) for area in _CA_AREA_CODES),
    ("52", "MX", "334", ("Telcel", "Movistar MX", "AT&T Mexico"), 0.0237, 0.0),
)
_OTHER_COUNTRY: Final = ("", "ZZ", "001", ("Other carrier",), 0.05, 0.0)
#: Statuses for which the fake bills nothing (the message never reached a carrier that bills it).
_UNBILLED: Final = frozenset({"BLOCKED", "INVALID", "CARRIER_BLOCKED", "SPAM", "INVALID_MESSAGE"})
_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "PENDING": "Message is pending delivery",
    "SUCCESSFUL": "Message has been accepted by phone carrier",
    "DELIVERED": "Message has been accepted by phone",
    "CARRIER_UNREACHABLE": "Phone carrier is currently unreachable/unavailable",
    "UNREACHABLE": "Phone is currently unreachable/unavailable",
    "BLOCKED": "Phone has blocked SMS",
    "CARRIER_BLOCKED": "Phone carrier has blocked this message",
    "TTL_EXPIRED": "Message was not delivered before its time to live expired",
    "INVALID": "Destination phone number is invalid",
    "SPAM": "Phone carrier has flagged this message as spam",
    "UNKNOWN": "Unknown error attempting to reach phone",
}


@dataclass(frozen=True)
class OutcomeRates:
    """Chance of each final failure for a destination that is not a simulator or fake-outcome number (the rest is
    delivered), and of the quirks of event delivery.

    :param failures: Final status → probability per send.
    :param opted_out: Probability that the destination is on the opt-out list (refused at send, never an event).
    :param duplicate_receipts: Probability that a multi-part message's final receipt comes once per part.
    :param out_of_order: Probability that an intermediate event is delivered after the final one.
    """

    failures: Mapping[str, float] = field(
        default_factory=lambda: {
            "CARRIER_UNREACHABLE": 0.02,
            "UNREACHABLE": 0.02,
            "TTL_EXPIRED": 0.005,
            "UNKNOWN": 0.005,
            "BLOCKED": 0.005,
            "INVALID": 0.005,
            "SPAM": 0.002,
        }
    )
    opted_out: float = 0.01
    duplicate_receipts: float = 0.5
    out_of_order: float = 0.02


@dataclass
class Send:
    """One accepted ``SendTextMessage`` call."""

    at: float
    params: dict[str, Any]
    message_id: str
    parts: int = 1
    price: float = 0.0
    country: str = "US"
    #: The final status the fake decided for it.
    status: str = "DELIVERED"


EventSink = Callable[[dict[str, Any], float], None]


@dataclass
class FakeSms:
    """A fake ``pinpoint-sms-voice-v2`` client (see the module docstring).

    :param clock: Seconds since the epoch (simulated in tests and in the simulator).
    :param faults: Errors returned by the next calls, in order: a code, a ``(code, reason)`` pair, a
        ``(code, reason, fields)`` triple (a ``ValidationException``'s ``Fields``), or an exception raised as is (a
        botocore network error, an HTTP 5xx).
    :param opted_out: Destinations on the opt-out list.
    :param number_types: ``CarrierLookup`` ``PhoneNumberType`` per number (default ``MOBILE``).
    :param mps: Parts per second each origination identity accepts. Default: ``None``, no throttling.
    :param route_mps: Parts per second per destination country, each metered on its own (the pool member, or shared
        routes, that serves it): ISO code → MPS, ``"*"`` for every other country (without ``"*"``, every other country
        shares ``mps``). Default: none, each identity metered at ``mps`` whatever the destination.
    :param rates: Outcomes of ordinary destinations. Default: no failures (every message is delivered).
    :param on_event: Receives each event record and the simulated time it is delivered to the event destinations.
        Default: ``None``, no events.
    :param seed: Seed of the fake's random numbers (outcomes, delays, message ids). Default: random.
    :param origination_number: ``originationPhoneNumber`` of the events.
    """

    clock: Callable[[], float]
    faults: list[Any] = field(default_factory=list)
    opted_out: set[str] = field(default_factory=set)
    number_types: dict[str, str] = field(default_factory=dict)
    mps: float | None = None
    route_mps: Mapping[str, float] = field(default_factory=dict)
    rates: OutcomeRates = field(default_factory=lambda: OutcomeRates(failures={}, opted_out=0.0))
    on_event: EventSink | None = None
    seed: int | None = None
    origination_number: str = "+12065550152"
    #: Accepted sends, in order.
    sends: list[Send] = field(default_factory=list)
    #: Every ``SendTextMessage`` call, accepted or not.
    attempts: int = 0
    #: Calls refused with ``ThrottlingException``.
    throttled: int = 0
    #: (time, parts) of every call that reached the MPS meter, accepted or throttled: what the identity was offered.
    offered: list[tuple[float, int]] = field(default_factory=list)
    #: With ``route_mps``: per route (ISO code or ``"*"``), (time, parts) of every call that reached its meter.
    route_offered: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    #: With ``route_mps``: calls refused with ``ThrottlingException`` per route.
    route_throttled: Counter[str] = field(default_factory=Counter)
    #: Numbers looked up with ``CarrierLookup``.
    lookups: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1")
        self.meta = self._client.meta
        self.exceptions = self._client.exceptions
        self._model = self._client.meta.service_model
        self._random = random.Random(self.seed)
        self._window: dict[str, deque[tuple[float, int]]] = {}
        self._validator = ParamValidator()

    # -- the API ------------------------------------------------------------------------------------------------------

    def send_text_message(self, **params: Any) -> dict[str, Any]:
        """``SendTextMessage``: see the module docstring."""
        self._validate_request("SendTextMessage", params)
        self.attempts += 1
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):  # a botocore exception as the client raises it (network, HTTP 5xx, ...)
                raise fault
            if isinstance(fault, tuple) and len(fault) == 3:  # (code, reason, Fields): checked against the model
                code, reason, fields = fault
                raise self._error(code, f"simulated {code}", Reason=reason, Fields=list(fields))
            code, reason = fault if isinstance(fault, tuple) else (fault, None)
            # a forced fault may carry what a newer model defines (a reason, a member): not checked against this model
            raise self._error(code, f"simulated {code}", checked=False, **({"Reason": reason} if reason else {}))
        destination = params["DestinationPhoneNumber"]
        outcome = self._outcome(destination)
        if destination in self.opted_out or outcome == OPTED_OUT:
            raise self._error(
                "ConflictException",
                "The destination phone number is opted out.",
                Reason="DESTINATION_PHONE_NUMBER_OPTED_OUT",
                ResourceType="opted-out-number",
                ResourceId=destination,
            )
        count = count_parts(params.get("MessageBody", ""))
        if count.too_long:
            raise self._error("ValidationException", "The message body is too long.", Reason="MAXIMUM_SIZE_EXCEEDED")
        country = _country(destination)
        price = round(country[4] * count.parts, 5)
        if "MaxPrice" in params and price > float(params["MaxPrice"]):
            raise self._error(
                "ValidationException",
                f"The price {price} is over MaxPrice {params['MaxPrice']}.",
                Reason="PRICE_OVER_THRESHOLD",
            )
        self.offered.append((self.clock(), count.parts))
        route = self.route_of(destination)
        if route is not None:
            self.route_offered[route].append((self.clock(), count.parts))
        if not self._admit(str(params.get("OriginationIdentity", "")), count.parts, route):
            self.throttled += 1
            if route is not None:
                self.route_throttled[route] += 1
            raise self._error("ThrottlingException", "Rate exceeded: the origination identity's MPS.")
        message_id = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        send = Send(self.clock(), params, message_id, count.parts, price, country[1], outcome)
        self.sends.append(send)
        if self.on_event is not None:
            self._report(send, count.encoding, country)
        return self._respond("SendTextMessage", {"MessageId": message_id})

    def carrier_lookup(self, **params: Any) -> dict[str, Any]:
        """``CarrierLookup``: the type from ``number_types`` (default ``MOBILE``)."""
        self._validate_request("CarrierLookup", params)
        number = params["PhoneNumber"]
        self.lookups.append(number)
        country = _country(number)
        return self._respond(
            "CarrierLookup",
            {
                "E164PhoneNumber": number,
                "IsoCountryCode": country[1],
                "PhoneNumberType": self.number_types.get(number, "MOBILE"),
            },
        )

    # -- for tests and reports ----------------------------------------------------------------------------------------

    def route_of(self, destination: str) -> str | None:
        """The route ``destination`` is metered on with ``route_mps``: its country's ISO code if it has a rate of its
        own, else ``"*"``; ``None`` without ``route_mps``."""
        if not self.route_mps:
            return None
        country = str(_country(destination)[1])
        return country if country in self.route_mps else "*"

    def sent_request_ids(self) -> list[tuple[str, str]]:
        """(request id, attempt) of every accepted send, from the ``Context`` the sender passes."""
        return [(s.params["Context"]["smsRequestId"], s.params["Context"]["smsAttempt"]) for s in self.sends]

    # -- machinery ----------------------------------------------------------------------------------------------------

    def _validate_request(self, operation: str, params: Mapping[str, Any]) -> None:
        shape = self._model.operation_model(operation).input_shape
        assert shape is not None
        validate_parameters(dict(params), shape)

    def _respond(self, operation: str, response: dict[str, Any]) -> dict[str, Any]:
        shape = self._model.operation_model(operation).output_shape
        assert shape is not None
        report = self._validator.validate(response, shape)
        if report.has_errors():
            raise AssertionError(f"the fake built an invalid {operation} response: {report.generate_report()}")
        return response

    def _error(self, code: str, message: str, *, checked: bool = True, **members: Any) -> ClientError:
        if checked:
            report = self._validator.validate({"Message": message, **members}, self._model.shape_for(code))
            if report.has_errors():
                raise AssertionError(f"the fake built an invalid {code}: {report.generate_report()}")
        error_class: Any = self.exceptions.from_code(code)
        error: ClientError = error_class({"Error": {"Code": code, "Message": message}, **members}, "SendTextMessage")
        return error

    def _admit(self, identity: str, parts: int, route: str | None = None) -> bool:
        """The identity's MPS in parts (with a ``route``, the MPS of the member serving it, metered on its own):
        accepted while its last second holds fewer parts than the MPS."""
        mps = self.mps if route is None else self.route_mps.get(route, self.mps)
        if mps is None:
            return True
        now = self.clock()
        window = self._window.setdefault(identity if route is None else f"{identity}#{route}", deque())
        while window and window[0][0] <= now - 1.0:
            window.popleft()
        if sum(p for _, p in window) >= mps:
            return False
        window.append((now, parts))
        return True

    def _outcome(self, destination: str) -> str:
        if destination in FAKE_OUTCOME_NUMBERS:
            return FAKE_OUTCOME_NUMBERS[destination]
        for success, failure in SIMULATOR_NUMBERS.values():
            if destination == success:
                return "DELIVERED"
            if destination == failure:
                return SIMULATOR_FAILURE_STATUS
        draw = self._random.random()
        if draw < self.rates.opted_out:
            return OPTED_OUT
        draw = self._random.random()
        for status, chance in self.rates.failures.items():
            if draw < chance:
                return status
            draw -= chance
        return "DELIVERED"

    def _report(self, send: Send, encoding: Encoding, country: tuple[Any, ...]) -> None:
        """Schedule the message's events: intermediate ones, the final one, duplicates, late deliveries."""
        assert self.on_event is not None
        rng = self._random
        sent_ms = round(send.at * 1000)
        status = send.status
        ttl = int(send.params.get("TimeToLive", 259_200))
        steps: list[tuple[str, bool, float]] = [("PENDING", False, rng.uniform(0.2, 1.0))]
        if status == "DELIVERED":
            if rng.random() < 0.3:
                steps.append(("SUCCESSFUL", False, rng.uniform(1.0, 3.0)))
            steps.append(("DELIVERED", True, rng.uniform(3.0, 12.0)))
        elif status == "TTL_EXPIRED":
            steps.append(("TTL_EXPIRED", True, float(ttl)))
        else:
            steps.append((status, True, rng.uniform(2.0, 30.0)))
        if (
            steps[-1][0] in ("DELIVERED", *self.rates.failures)
            and send.parts > 1
            and rng.random() < self.rates.duplicate_receipts
        ):
            steps += [steps[-1]] * (send.parts - 1)  # one final receipt per part
        carrier = rng.choice(country[3])
        for name, final, after in steps:
            event_ms = sent_ms + round(after * 1000)
            lag = rng.uniform(0.05, 2.0)
            if not final and rng.random() < self.rates.out_of_order:
                lag += rng.uniform(15.0, 60.0)  # delivered after the final event
            record = self._record(send, name, final, event_ms, encoding, country, carrier)
            SmsEvent.from_record(record)  # the library's parser accepts what the fake emits
            self.on_event(record, event_ms / 1000 + lag)

    def _record(
        self,
        send: Send,
        status: str,
        final: bool,
        event_ms: int,
        encoding: Encoding,
        country: tuple[Any, ...],
        carrier: str,
    ) -> dict[str, Any]:
        billed = status not in _UNBILLED
        record: dict[str, Any] = {
            "eventType": f"TEXT_{status}",
            "eventVersion": "1.0",
            "eventTimestamp": event_ms,
            "isFinal": final,
            "originationPhoneNumber": self.origination_number,
            "destinationPhoneNumber": send.params["DestinationPhoneNumber"],
            "isoCountryCode": country[1],
            "isInternationalSend": country[1] != "US",
            "mcc": country[2],
            "mnc": f"{sum(map(ord, carrier)) % 90 + 10}",
            "carrierName": carrier,
            "messageId": send.message_id,
            "messageRequestTimestamp": round(send.at * 1000),
            "messageEncoding": "GSM" if encoding is Encoding.GSM7 else "UNICODE",
            "messageType": send.params.get("MessageType", "TRANSACTIONAL"),
            "messageStatus": status,
            "messageStatusDescription": _DESCRIPTIONS.get(status, status.lower()),
            "totalMessageParts": send.parts,
            "totalMessagePrice": send.price if billed else 0.0,
            "totalCarrierFee": round(country[5] * send.parts, 5) if billed else 0.0,
        }
        if send.params.get("Context"):
            record["context"] = dict(send.params["Context"])
        return record


def _country(number: str) -> tuple[Any, ...]:
    digits = number.lstrip("+")
    matches = [c for c in (*_COUNTRIES, *_NORTH_AMERICA) if digits.startswith(c[0])]
    return max(matches, key=lambda c: len(c[0])) if matches else _OTHER_COUNTRY
