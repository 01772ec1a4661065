"""Keywords of phone numbers and pools: the mandatory HELP and STOP replies and optional keywords.

A keyword is a word a recipient texts to an origination identity; the service answers with the keyword's message
and, for opt-out and opt-in keywords, updates the opt-out list. HELP and STOP are mandatory on every phone number and
pool (``MandatoryKeywords`` in ``AWS::SMSVOICE::PhoneNumber`` and ``AWS::SMSVOICE::Pool``); other keywords are
optional (``OptionalKeywords``). Keywords are case-insensitive and cannot start or end with a space.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from constructs import IConstruct

from .._private.errors import ValidationError
from .._private.validation import is_unresolved
from .common import KeywordAction

#: Maximum length of a keyword message (``MandatoryKeyword.Message`` / ``OptionalKeyword.Message``).
MAX_MESSAGE_LENGTH = 1600
#: Maximum length of an optional keyword (``OptionalKeyword.Keyword``).
MAX_KEYWORD_LENGTH = 30
#: The keywords every phone number and pool must answer; they cannot be optional keywords.
RESERVED_KEYWORDS = frozenset({"HELP", "STOP"})
#: The service's required opt-out keywords (AWS End User Messaging SMS User Guide, "Required opt-out keywords"): every
#: phone number and pool already answers them as opt-outs with the STOP reply, and they cannot be deleted, so an
#: optional keyword with one of these words could never take effect.
OPT_OUT_KEYWORDS = frozenset(
    {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"}
)

# CloudFormation: ``^(?!\s*$)[\s\S]+$`` for messages and ``[ \S]+`` for keywords (spaces allowed, no other white space).
_KEYWORD_CHARACTERS = re.compile(r"[ \S]+")


@dataclasses.dataclass(frozen=True)
class MandatoryKeywords:
    """The replies to HELP and STOP that every phone number and pool must have.

    Carriers require both: HELP must return how to get support (who you are, a contact), STOP must confirm that the
    recipient is unsubscribed. Each message is 1–1600 characters and must not be blank.

    Example::

        MandatoryKeywords(
            help="Acme alerts: help at acme.example/sms or 1-800-555-0100. Msg&data rates apply. Reply STOP to end.",
            stop="Acme alerts: you are unsubscribed and will receive no more messages.",
        )
    """

    #: Reply to HELP. No default: required.
    help: str
    #: Reply to STOP (and the other opt-out keywords). No default: required.
    stop: str


@dataclasses.dataclass(frozen=True)
class OptionalKeyword:
    """A keyword other than HELP and STOP, with its reply and what the service does when it is received.

    Example::

        OptionalKeyword(keyword="START", message="Acme alerts: you are subscribed again.", action=KeywordAction.OPT_IN)
    """

    #: The keyword: 1–30 characters, no leading or trailing space, not HELP and not one of the service's required
    #: opt-out keywords (STOP, ARRET, CANCEL, END, OPT-OUT, OPTOUT, QUIT, REMOVE, TD, UNSUBSCRIBE; in any case). No
    #: default.
    keyword: str
    #: The reply: 1–1600 characters, not blank. No default.
    message: str
    #: What the service does besides replying. Default: ``KeywordAction.AUTOMATIC_RESPONSE`` (reply only).
    action: KeywordAction = KeywordAction.AUTOMATIC_RESPONSE


def validate_message(scope: IConstruct, prop: str, message: Any) -> None:
    """Raise unless ``message`` is a non-blank string of at most 1600 characters (tokens pass)."""
    if is_unresolved(message):
        return
    if not isinstance(message, str):
        raise ValidationError(scope, prop, "must be a string", message)
    if not message.strip():
        raise ValidationError(scope, prop, "must not be empty or only white space", message)
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            scope, prop, f"must be at most {MAX_MESSAGE_LENGTH} characters (it has {len(message)})", message
        )


def validate_mandatory_keywords(scope: IConstruct, keywords: Any) -> None:
    """Raise unless ``keywords`` is a ``MandatoryKeywords`` with valid HELP and STOP messages."""
    if not isinstance(keywords, MandatoryKeywords):
        raise ValidationError(scope, "keywords", "must be a MandatoryKeywords(help=..., stop=...)", keywords)
    validate_message(scope, "keywords.help", keywords.help)
    validate_message(scope, "keywords.stop", keywords.stop)


def validate_optional_keywords(scope: IConstruct, keywords: Sequence[Any] | None) -> None:
    """Raise on any optional keyword the service would refuse, and on duplicates (compared case-insensitively)."""
    seen: set[str] = set()
    for index, item in enumerate(keywords or ()):
        prop = f"optional_keywords[{index}]"
        if not isinstance(item, OptionalKeyword):
            raise ValidationError(scope, prop, "must be an OptionalKeyword(keyword=..., message=..., action=...)", item)
        if not isinstance(item.action, KeywordAction):
            raise ValidationError(
                scope,
                f"{prop}.action",
                f"must be a KeywordAction ({', '.join(a.name for a in KeywordAction)})",
                item.action,
            )
        validate_message(scope, f"{prop}.message", item.message)
        keyword = item.keyword
        if is_unresolved(keyword):
            continue
        _validate_keyword(scope, f"{prop}.keyword", keyword)
        folded = keyword.upper()
        if folded in seen:
            raise ValidationError(
                scope, f"{prop}.keyword", "keywords must be unique (keywords are case-insensitive); duplicate", keyword
            )
        seen.add(folded)


def _validate_keyword(scope: IConstruct, prop: str, keyword: Any) -> None:
    if not isinstance(keyword, str) or not keyword:
        raise ValidationError(scope, prop, "must be a non-empty string", keyword)
    if len(keyword) > MAX_KEYWORD_LENGTH:
        raise ValidationError(
            scope, prop, f"must be at most {MAX_KEYWORD_LENGTH} characters (it has {len(keyword)})", keyword
        )
    if keyword != keyword.strip(" "):
        raise ValidationError(scope, prop, "must not start or end with a space", keyword)
    if _KEYWORD_CHARACTERS.fullmatch(keyword) is None:
        raise ValidationError(scope, prop, "must not contain tabs or line breaks (spaces are allowed)", keyword)
    if keyword.upper() in RESERVED_KEYWORDS:
        raise ValidationError(
            scope,
            prop,
            "HELP and STOP are mandatory keywords; set their replies with keywords=MandatoryKeywords(...)",
            keyword,
        )
    if keyword.upper() in OPT_OUT_KEYWORDS:
        raise ValidationError(
            scope,
            prop,
            f"is one of the service's required opt-out keywords ({', '.join(sorted(OPT_OUT_KEYWORDS))}), which every "
            "number and pool already answers as an opt-out with the STOP reply (keywords=MandatoryKeywords(stop=...))"
            ": an optional keyword with this word could never take effect",
            keyword,
        )


MandatoryT = TypeVar("MandatoryT")
OptionalT = TypeVar("OptionalT")


def render_mandatory_keywords(
    keywords: MandatoryKeywords,
    keywords_type: Callable[..., MandatoryT],
    keyword_type: Callable[..., Any],
) -> MandatoryT:
    """The L1 ``MandatoryKeywords`` value (``CfnPhoneNumber`` and ``CfnPool`` have their own nested classes)."""
    return keywords_type(help=keyword_type(message=keywords.help), stop=keyword_type(message=keywords.stop))


def render_optional_keywords(
    keywords: Sequence[OptionalKeyword] | None, keyword_type: Callable[..., OptionalT]
) -> list[OptionalT] | None:
    """The L1 ``OptionalKeywords`` list, or ``None`` when there is none."""
    if not keywords:
        return None
    return [keyword_type(keyword=k.keyword, message=k.message, action=k.action.value) for k in keywords]
