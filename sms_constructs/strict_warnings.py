"""Strict warnings: every unacknowledged ``sms-constructs:*`` warning fails synthesis (one switch for CI).

The constructs report soft problems as CDK warnings with stable ids (``sms-constructs:<Name>``). ``cdk synth`` prints
them, but nothing fails, and ``python app.py`` prints them only with the feature flag
``@aws-cdk/core:annotationsInValidationReport``. Add :class:`SmsStrictWarnings` to the app (or call
:meth:`SmsStrictWarnings.apply_from_context` and pass ``-c sms-constructs:strictWarnings=true``) and each such warning
becomes a synthesis error naming the construct path and the warning id, raised by ``app.synth()`` itself, so
``python app.py``, ``cdk synth`` and ``Template.from_stack`` in tests all fail. A warning acknowledged with
``cdk.Annotations.of(construct).acknowledge_warning(id, reason)`` stays acknowledged and fails nothing. Warnings of
other libraries (aws-cdk-lib's own) are left as they are: ``cdk synth --strict`` fails on those too.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct, IValidation

from ._private.errors import ValidationError

#: The context key that :meth:`SmsStrictWarnings.apply_from_context` reads (``true`` turns strict warnings on).
STRICT_WARNINGS_CONTEXT = "sms-constructs:strictWarnings"

#: The prefix of every warning id the library raises.
WARNING_ID_PREFIX = "sms-constructs:"

_WARNING = "aws:cdk:warning"
_ACK_PREFIX = "[ack: "


@jsii.implements(cdk.IAspect)
class SmsStrictWarnings:
    """An Aspect that turns every unacknowledged ``sms-constructs:*`` warning under its scope into a synthesis error.

    Add it once, to the app, so every stack is covered::

        app = cdk.App()
        ...  # stacks
        cdk.Aspects.of(app).add(SmsStrictWarnings(), priority=cdk.AspectPriority.READONLY)
        app.synth()  # raises: Validation failed ... [Stack/Number] sms-constructs:RegistrationRequired ...

    The error is raised by ``app.synth()`` (the construct tree's validation), with one line per warning:
    ``[<construct path>] <warning id> is an error under strict warnings: <warning text>``. Acknowledged warnings
    (``cdk.Annotations.of(construct).acknowledge_warning(id, reason)``, before or after the warning is raised) do not
    count. Only the library's own warning ids are affected; the warning itself stays in the cloud assembly.
    """

    def __init__(self) -> None:
        """Takes no props: every ``sms-constructs:*`` warning under the scope the Aspect is added to is strict."""
        self._checked: set[str] = set()

    @staticmethod
    def apply_from_context(scope: IConstruct) -> bool:
        """Add the Aspect to ``scope`` when the context key ``sms-constructs:strictWarnings`` is true.

        So CI turns strict warnings on without a code change: ``npx cdk synth -c sms-constructs:strictWarnings=true``
        (or ``"sms-constructs:strictWarnings": true`` in ``cdk.json``). Call it once, on the app, after creating it.

        :param scope: the app (or a stage) whose warnings become errors.
        :returns: whether strict warnings were turned on. ``true`` (boolean or the string ``"true"``, any case) turns
            them on; ``false``, ``"false"`` or no value leaves warnings as warnings.
        :raises ValueError: (a ``ValidationError``) when the context value is neither a boolean nor ``"true"`` or
            ``"false"``.
        """
        value = scope.node.try_get_context(STRICT_WARNINGS_CONTEXT)
        if value is None:
            return False
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise ValidationError(
                scope.node.path or "App", f"context {STRICT_WARNINGS_CONTEXT}", "must be true or false", value
            )
        if value:
            cdk.Aspects.of(scope).add(SmsStrictWarnings(), priority=cdk.AspectPriority.READONLY)
        return value

    def visit(self, node: IConstruct) -> None:
        """Register a check on ``node`` when it carries an ``sms-constructs:*`` warning (run at validation time, so an
        acknowledgement made after the warning is honoured)."""
        path = node.node.path
        if path in self._checked or not unacknowledged_warnings(node):
            return
        self._checked.add(path)
        node.node.add_validation(_StrictCheck(node))


@jsii.implements(IValidation)
class _StrictCheck:
    def __init__(self, node: IConstruct) -> None:
        self._node = node

    def validate(self) -> list[str]:
        return [
            f"{warning_id} is an error under strict warnings: {text} (fix it, or acknowledge it on this construct: "
            f"cdk.Annotations.of(construct).acknowledge_warning('{warning_id}', '<reason>'))"
            for warning_id, text in unacknowledged_warnings(self._node)
        ]


def unacknowledged_warnings(node: IConstruct) -> list[tuple[str, str]]:
    """The ``(warning id, text)`` of each ``sms-constructs:*`` warning still on ``node`` (acknowledged ones are gone:
    ``acknowledge_warning`` removes them, and refuses them when it comes first)."""
    found: list[tuple[str, str]] = []
    for entry in node.node.metadata:
        if entry.type != _WARNING:
            continue
        parsed = _split(entry.data)
        if parsed is not None and parsed[0].startswith(WARNING_ID_PREFIX):
            found.append(parsed)
    return found


def _split(data: Any) -> tuple[str, str] | None:
    """``"<text> [ack: <id>]"`` (what ``add_warning_v2`` records) → ``(id, text)``; ``None`` without an id."""
    if not isinstance(data, str) or not data.endswith("]"):
        return None
    start = data.rfind(_ACK_PREFIX)
    if start < 0:
        return None
    return data[start + len(_ACK_PREFIX) : -1], data[:start].rstrip()
