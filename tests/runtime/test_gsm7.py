"""GSM-7 normalisation: property-tested (idempotent, never more parts, only when it makes the whole body GSM-7)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sms_constructs_runtime.gsm7 import REPLACEMENTS, normalize_gsm7
from sms_constructs_runtime.parts import GSM_BASIC, GSM_EXTENSION, Encoding, count_parts

GSM = sorted(GSM_BASIC | GSM_EXTENSION)
REPLACEABLE = sorted(REPLACEMENTS)

gsm_char = st.sampled_from(GSM)
replaceable = st.sampled_from(REPLACEABLE)
#: Characters that need UCS-2 and have no GSM-7 equivalent in the table (emoji, Cyrillic, "ç", bullets...).
other_ucs2 = st.characters(blacklist_characters=GSM + REPLACEABLE, blacklist_categories=("Cs",), min_codepoint=0x20)

gsm_text = st.text(alphabet=gsm_char, max_size=400)
#: GSM-7 text with pasted characters: what a word processor produces.
pasted_text = st.text(alphabet=st.one_of(gsm_char, gsm_char, replaceable), max_size=700)
any_text = st.text(alphabet=st.one_of(gsm_char, replaceable, other_ucs2), max_size=700)


@st.composite
def needs_ucs2(draw: st.DrawFn) -> str:
    """Pasted text with at least one character that has no GSM-7 equivalent, anywhere."""
    text = draw(pasted_text)
    position = draw(st.integers(0, len(text)))
    return text[:position] + draw(other_ucs2) + text[position:]


@given(any_text)
def test_normalisation_is_idempotent(body: str) -> None:
    once = normalize_gsm7(body).body
    assert normalize_gsm7(once).body == once


@given(any_text)
def test_normalisation_never_increases_parts(body: str) -> None:
    result = normalize_gsm7(body)
    assert count_parts(result.body).parts <= count_parts(body).parts
    assert result.parts_saved == count_parts(body).parts - count_parts(result.body).parts >= 0


@given(gsm_text)
def test_a_body_already_gsm7_is_never_touched(body: str) -> None:
    result = normalize_gsm7(body)
    assert result.body is body
    assert (result.changed, result.parts_saved) == (False, 0)


@given(needs_ucs2())
def test_a_body_that_needs_ucs2_for_another_character_is_never_touched(body: str) -> None:
    result = normalize_gsm7(body)
    assert result.body == body
    assert result.after.encoding is Encoding.UCS2


@given(any_text)
def test_a_changed_body_is_gsm7_and_only_the_table_was_replaced(body: str) -> None:
    result = normalize_gsm7(body)
    if result.changed:
        assert result.after.encoding is Encoding.GSM7
        assert result.body == "".join(REPLACEMENTS.get(c, c) for c in body)  # nothing else changed


@given(pasted_text)
def test_pasted_text_is_normalised_unless_that_costs_parts_or_blanks_it(body: str) -> None:
    result = normalize_gsm7(body)
    replaced = "".join(REPLACEMENTS.get(c, c) for c in body)
    costs_parts = count_parts(replaced).parts > count_parts(body).parts or count_parts(replaced).too_long
    if replaced != body and replaced.strip() and not costs_parts:
        assert result.body == replaced
    else:
        assert result.body == body


def test_the_table_maps_to_gsm_basic_characters_only() -> None:
    assert all(c not in GSM_BASIC and c not in GSM_EXTENSION for c in REPLACEMENTS)
    assert all(set(value) <= GSM_BASIC for value in REPLACEMENTS.values())  # no escape sequence is ever added
    assert all(unicodedata.name(c, "") or c == "\t" for c in REPLACEMENTS)  # named Unicode characters


def test_a_smart_apostrophe_makes_a_two_part_message_one_part() -> None:
    body = (
        "Hi Sam, it\u2019s Acme Dental \u2013 your appointment is on Tuesday 14 May at 10:30. Reply C to confirm\u2026"
    )
    result = normalize_gsm7(body)
    assert result.body == (
        "Hi Sam, it's Acme Dental - your appointment is on Tuesday 14 May at 10:30. Reply C to confirm..."
    )
    assert (result.before.encoding, result.before.parts) == (Encoding.UCS2, 2)
    assert (result.after.encoding, result.after.parts, result.parts_saved) == (Encoding.GSM7, 1, 1)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("10\u00a0km", "10 km"),
        ("a\u202fb\u2009c\u2002d", "a b c d"),
        ("gov\u200b.uk", "gov.uk"),
        ("co\u00adoperate", "cooperate"),
        ("\ufeffHello", "Hello"),
        ("line\u2028next", "line\nnext"),
        ("\u201equoted\u201c", '"quoted"'),
        ("5\u2032 11\u2033", "5' 11\""),
        ("\u22125 C", "-5 C"),
        ("a\tb", "a b"),
    ],
)
def test_each_kind_of_replacement(body: str, expected: str) -> None:
    assert normalize_gsm7(body).body == expected


@pytest.mark.parametrize(
    "body",
    [
        "Caf\u00e9 \u2013 \u00e7a va",  # ç has no GSM-7 equivalent in the table: the dash stays too
        "It\u2019s done \U0001f44d",  # an emoji
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u2014 \u0434\u0430",  # Cyrillic
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # the zero-width joiners of an emoji sequence stay
        "\u2022 item",  # a bullet has no equivalent with the same meaning
    ],
)
def test_a_body_that_stays_ucs2_keeps_every_character(body: str) -> None:
    assert normalize_gsm7(body).body == body


def test_an_ellipsis_body_that_would_take_more_parts_is_left_alone() -> None:
    body = "\u2026" * 70  # 1 UCS-2 part; as "..." it would be 210 septets, 2 parts
    result = normalize_gsm7(body)
    assert (result.body, result.after.parts) == (body, 1)


def test_a_body_of_invisible_characters_is_not_emptied() -> None:
    body = "\u200b\u200d"
    assert normalize_gsm7(body).body == body


def test_a_body_too_long_for_ucs2_that_fits_gsm7_is_normalised() -> None:
    body = "It\u2019s " + "a" * 700  # 705 UCS-2 units (over 630); 705 septets once normalised
    result = normalize_gsm7(body)
    assert result.before.too_long
    assert not result.after.too_long
    assert result.body == "It's " + "a" * 700
