"""Message-part counting, property-tested against the documented rules (GSM-7 160/153, UCS-2 70/67, escapes count 2)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from sms_constructs_runtime.parts import GSM_BASIC, GSM_EXTENSION, MAX_PARTS, Encoding, count_parts

basic = st.sampled_from(sorted(GSM_BASIC))
extension = st.sampled_from(sorted(GSM_EXTENSION))
gsm_text = st.text(alphabet=st.one_of(basic, extension), max_size=1600)
non_gsm = st.characters(blacklist_characters=sorted(GSM_BASIC | GSM_EXTENSION), blacklist_categories=("Cs",))
any_text = st.text(alphabet=st.one_of(basic, extension, non_gsm), max_size=700)


def documented_units(body: str) -> tuple[Encoding, int]:
    """The documented rules, written independently of the implementation."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in body):
        return Encoding.GSM7, sum(2 if c in "^{}\\[]~|€\f" else 1 for c in body)
    return Encoding.UCS2, len(body.encode("utf-16-le")) // 2


def documented_parts(body: str) -> int:
    encoding, units = documented_units(body)
    single, multi = (160, 153) if encoding is Encoding.GSM7 else (70, 67)
    return 1 if units <= single else math.ceil(units / multi)


def test_character_tables_are_gsm_03_38() -> None:
    assert len(GSM_BASIC) == 127  # 128 septets minus ESC
    assert frozenset("\f^{}\\[]~|€") == GSM_EXTENSION
    assert not GSM_BASIC & GSM_EXTENSION


@given(gsm_text)
def test_gsm_bodies_are_gsm7_with_escapes_counting_two(body: str) -> None:
    count = count_parts(body)
    assert (count.encoding, count.units) == documented_units(body)


@given(any_text)
def test_parts_never_fewer_than_the_documented_formula_and_at_most_one_more(body: str) -> None:
    count = count_parts(body)
    assert (count.encoding, count.units) == documented_units(body)
    assert documented_parts(body) <= count.parts <= documented_parts(body) + 1


@given(st.text(alphabet=basic, max_size=1600))
def test_single_width_bodies_match_the_formula_exactly(body: str) -> None:
    assert count_parts(body).parts == documented_parts(body)


@given(any_text, st.one_of(basic, extension, non_gsm))
def test_adding_a_character_never_reduces_the_parts(body: str, extra: str) -> None:
    assert count_parts(body + extra).parts >= count_parts(body).parts


def test_boundaries() -> None:
    assert count_parts("a" * 160).parts == 1
    assert count_parts("a" * 161).parts == 2
    assert count_parts("a" * 306).parts == 2
    assert count_parts("a" * 307).parts == 3
    assert count_parts("€" * 80).parts == 1  # 160 septets
    assert count_parts("€" * 81).parts == 2
    assert count_parts("a" * 152 + "€").parts == 1  # 154 septets fit one part
    assert count_parts("a" * 152 + "€" + "a" * 8).parts == 2
    assert count_parts("a" * 152 + "€" + "a" * 152).parts == 3  # the escape sequence moves to part 2
    assert count_parts("ç" * 70).encoding is Encoding.UCS2
    assert count_parts("ç" * 70).parts == 1
    assert count_parts("ç" * 71).parts == 2
    assert count_parts("😀" * 35).parts == 1
    assert count_parts("😀" * 36).parts == 2
    assert count_parts("").parts == 1


def test_a_valid_body_can_take_one_part_more_than_max_parts() -> None:
    """Never under-count: a 1530-septet body whose escapes straddle every boundary needs 11 parts of 153."""
    body = ("a" * 152 + "€") * 9 + "a" * (1530 - 9 * 154)
    count = count_parts(body)
    assert (count.units, count.too_long, count.parts) == (1530, False, MAX_PARTS + 1)


def test_too_long() -> None:
    assert not count_parts("a" * 1530).too_long
    assert count_parts("a" * 1531).too_long
    assert not count_parts("ç" * 630).too_long
    assert count_parts("ç" * 631).too_long
