"""Routes: the country of a destination number (calling codes, the NANP area codes), the routes of a send queue from
its settings, and the pacer per route key (a saturated route's key never delays another key; parking never waits)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sms_constructs_runtime import routes as routes_module
from sms_constructs_runtime.pacing import MICROS, BeyondHorizonError, MemorySchedule, Pacer
from sms_constructs_runtime.routes import (
    CALLING_CODES,
    DEFAULT_ROUTE,
    NANP_AREA_CODES,
    NANP_NON_GEOGRAPHIC,
    Route,
    Routes,
    country_of,
)

from sms_constructs.resources.countries import SMS_COUNTRY_CODES

#: The service's simulator destination numbers, by country (User Guide, "Test phone numbers"), and a few more.
KNOWN_NUMBERS = {
    "+61455944038": "AU",
    "+43676800442031": "AT",
    "+32460213922": "BE",
    "+56229140630": "CL",
    "+420790542286": "CZ",
    "+4525919410": "DK",
    "+37282720792": "EE",
    "+3584573979110": "FI",
    "+33755512501": "FR",
    "+85257048426": "HK",
    "+36707178770": "HU",
    "+394390009172": "IT",
    "+447937404990": "JE",
    "+352691385880": "LU",
    "+3197008100148": "NL",
    "+4759449384": "NO",
    "+48732141440": "PL",
    "+351927946948": "PT",
    "+40783900330": "RO",
    "+34683783440": "ES",
    "+46790645100": "SE",
    "+41798075872": "CH",
    "+886903444630": "TW",
    "+447860019066": "GB",
    "+14254147755": "US",
    # NANP: Toronto, Vancouver, Montréal; Jamaica, Puerto Rico, the Dominican Republic; New York
    "+14165550123": "CA",
    "+16045550123": "CA",
    "+15145550123": "CA",
    "+18765550123": "JM",
    "+17875550123": "PR",
    "+18295550123": "DO",
    "+12125550123": "US",
    # Jersey's 07700 3 range, and Ofcom's drama range 07700 900xxx (the UK's); Guernsey, the Isle of Man
    "+447700312345": "JE",
    "+447700900123": "GB",
    "+447781123456": "GG",
    "+447624123456": "IM",
    # Mexico City, Kazakhstan (+7 7), Russia (+7 9), Mayotte (+262 639), Réunion (+262 692)
    "+525512345678": "MX",
    "+77011234567": "KZ",
    "+79161234567": "RU",
    "+262639123456": "YT",
    "+262692123456": "RE",
}


@pytest.mark.parametrize(("number", "country"), sorted(KNOWN_NUMBERS.items()))
def test_known_numbers_map_to_their_country(number: str, country: str) -> None:
    assert country_of(number) == country


@pytest.mark.parametrize(
    "number",
    [
        "+18005550123",  # toll-free: shared by the NANP countries
        "+18885550123",
        "+15005550123",  # personal communications services
        "+80012345678",  # international freephone
        "+8812345678",  # satellite
        "+1416555012",  # 9 national digits: no NANP number
        "14165550123",  # no "+"
        "+1 416 555 0123",  # not E.164
        "",
        "+",
    ],
)
def test_numbers_of_no_country_map_to_none(number: str) -> None:
    assert country_of(number) is None


def test_the_calling_codes_are_prefix_free() -> None:
    """No code starts another: a number's calling code is the one code that starts it."""
    codes = sorted(CALLING_CODES)
    clashes = [(a, b) for a in codes for b in codes if a != b and b.startswith(a)]
    assert clashes == []
    assert all(code.isdigit() and 1 <= len(code) <= 3 and code[0] != "0" for code in codes)


@given(st.text(alphabet="0123456789", min_size=1, max_size=15))
def test_every_e164_number_has_at_most_one_calling_code(digits: str) -> None:
    matching = [code for code in CALLING_CODES if digits.startswith(code)]
    assert len(matching) <= 1
    country = country_of(f"+{digits}")
    if not matching:
        assert country is None
    else:
        assert country is None or (len(country) == 2 and country.isupper())


@given(st.sampled_from(sorted(NANP_AREA_CODES)), st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_every_nanp_area_code_in_the_table_maps_to_its_country(area: str, subscriber: str) -> None:
    assert country_of(f"+1{area}{subscriber}") == NANP_AREA_CODES[area]


@given(
    st.text(alphabet="23456789", min_size=1, max_size=1).flatmap(
        lambda first: st.text(alphabet="0123456789", min_size=2, max_size=2).map(lambda rest: first + rest)
    ),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)
def test_every_other_geographic_nanp_area_code_is_the_united_states(area: str, subscriber: str) -> None:
    expected = None if area in NANP_NON_GEOGRAPHIC else NANP_AREA_CODES.get(area, "US")
    assert country_of(f"+1{area}{subscriber}") == expected


def test_the_nanp_table_is_well_formed() -> None:
    """Area codes are NXX (N 2-9), none both a country's and non-geographic, every country an ISO code."""
    for area in [*NANP_AREA_CODES, *NANP_NON_GEOGRAPHIC]:
        assert re.fullmatch("[2-9][0-9]{2}", area), area
    assert not set(NANP_AREA_CODES) & NANP_NON_GEOGRAPHIC
    assert "US" not in NANP_AREA_CODES.values()
    assert {"416", "604", "514", "902", "867"} <= {a for a, c in NANP_AREA_CODES.items() if c == "CA"}


def test_every_country_the_service_sends_to_has_a_calling_code() -> None:
    """Each ISO code of the service's SMS destination list can come out of ``country_of``."""
    reachable = (
        set(CALLING_CODES.values())
        | set(NANP_AREA_CODES.values())
        | {"US"}
        | {country for shared in routes_module._SHARED.values() for country in shared.values()}
    )
    assert sorted(SMS_COUNTRY_CODES - reachable) == []


# -- Routes from the settings ---------------------------------------------------------------------------------------

QUEUE = "https://sqs.us-east-1.amazonaws.com/111122223333"
ARN = "arn:aws:sqs:us-east-1:111122223333"


def test_routes_from_settings_add_the_default_route_at_the_queues_mps() -> None:
    routes = Routes(("CA=1", "GB=10"), 5, (f"CA={QUEUE}/park-ca", f"GB={QUEUE}/park-gb", f"*={QUEUE}/park-any"))
    assert routes.by_country == {
        "CA": Route("CA", 1, f"{QUEUE}/park-ca"),
        "GB": Route("GB", 10, f"{QUEUE}/park-gb"),
        DEFAULT_ROUTE: Route(DEFAULT_ROUTE, 5, f"{QUEUE}/park-any"),
    }
    assert routes.of_number("+14165550123") == routes.by_country["CA"]
    assert routes.of_number("+447860019066") == routes.by_country["GB"]
    assert routes.of_number("+525512345678") == routes.by_country[DEFAULT_ROUTE]
    assert routes.of_number("+18005550123") == routes.by_country[DEFAULT_ROUTE]
    assert routes.of_parking_queue(f"{ARN}:park-gb") == routes.by_country["GB"]
    assert routes.of_parking_queue(f"{ARN}:send") is None
    assert routes.of_parking_queue(None) is None


def test_an_explicit_default_route_keeps_its_own_mps() -> None:
    routes = Routes(("CA=1", "*=20"), 5)
    assert routes.by_country[DEFAULT_ROUTE].parts_per_second == 20


def test_a_queue_without_routes_has_none() -> None:
    routes = Routes((), 5, ())
    assert not routes
    assert routes.of_number("+14165550123") is None


def test_route_keys() -> None:
    assert Route("CA", 1).key("pacer#arn") == "pacer#arn#route#CA"
    assert Route(DEFAULT_ROUTE, 1).key("pacer#arn") == "pacer#arn"


@pytest.mark.parametrize(
    ("routes", "parking", "match"),
    [
        (("CA=0",), (), "must be above 0"),
        (("CA=1", "CA=2"), (), "given twice"),
        (("CA",), (), "name=value"),
        (("CA=1",), (f"GB={QUEUE}/park-gb",), "'GB' is not a route"),
    ],
)
def test_fails_on_malformed_route_settings(routes: tuple[str, ...], parking: tuple[str, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Routes(routes, 5, parking)


# -- the pacer per route key ----------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_saturated_route_key_never_delays_another_key() -> None:
    """CA (1 MPS) has 30 s of slots reserved; a GB send on its own key starts at once."""
    clock, schedule = Clock(), MemorySchedule()
    ca = Pacer(schedule, "pacer#p#route#CA", 1, clock=clock, sleep=clock.sleep)
    gb = Pacer(schedule, "pacer#p#route#GB", 10, clock=clock, sleep=clock.sleep)
    schedule.tat[ca.key] = round((clock() + 30) * MICROS)
    assert gb.acquire(1)
    assert sum(clock.sleeps) < 0.01
    assert schedule.tat[ca.key] == round(1_030 * MICROS)


def test_park_raises_at_once_beyond_the_horizon_and_reserves_nothing() -> None:
    clock, schedule = Clock(), MemorySchedule()
    ca = Pacer(schedule, "pacer#p#route#CA", 1, clock=clock, sleep=clock.sleep)
    busy_until = round((clock() + 30) * MICROS)
    schedule.tat[ca.key] = busy_until
    with pytest.raises(BeyondHorizonError) as refused:
        ca.acquire(1, horizon=0.1, park=True)
    assert refused.value.next_start_us == busy_until
    assert clock.sleeps == []
    assert schedule.tat[ca.key] == busy_until


def test_park_takes_a_slot_within_the_horizon() -> None:
    clock, schedule = Clock(), MemorySchedule()
    ca = Pacer(schedule, "pacer#p#route#CA", 1, clock=clock, sleep=clock.sleep)
    schedule.tat[ca.key] = round((clock() + 0.05) * MICROS)
    assert ca.acquire(1, horizon=0.1, park=True)
    assert clock.sleeps == pytest.approx([0.05], abs=1e-6)


def test_park_tries_the_reserved_share_under_the_same_horizon() -> None:
    """Both the route's shared key and the lane's own key are busy: parked, neither waited for nor reserved; with the
    own key free, the send goes there."""
    clock, schedule = Clock(), MemorySchedule()
    shared = Pacer(schedule, "k#route#CA", 2, clock=clock, sleep=clock.sleep)
    own = Pacer(schedule, "k#route#CA#lane#bulk", 1, clock=clock, sleep=clock.sleep)
    schedule.tat[shared.key] = round((clock() + 30) * MICROS)
    schedule.tat[own.key] = round((clock() + 20) * MICROS)
    with pytest.raises(BeyondHorizonError):
        shared.acquire(1, horizon=0.1, fallback=own, park=True)
    assert clock.sleeps == []
    del schedule.tat[own.key]
    assert shared.acquire(1, horizon=0.1, fallback=own, park=True)
    assert own.key in schedule.tat
    assert schedule.tat[shared.key] == round((1_000 + 30) * MICROS)


def test_without_park_a_refused_lane_still_waits_for_its_horizon() -> None:
    """``park`` is off by default: a lower lane sleeps until the slot is within its horizon, as before routes."""
    clock, schedule = Clock(), MemorySchedule()
    pacer = Pacer(schedule, "k", 1, clock=clock, sleep=clock.sleep)
    schedule.tat["k"] = round((clock() + 5) * MICROS)
    assert pacer.acquire(1, horizon=1.0)
    assert clock.sleeps == pytest.approx([4.0, 1.0], abs=1e-5)
