"""The consumer apps of the compliance gates, together, use every public construct and pattern of the library.

The four gates (cdk-nag, Control Tower, cfn-lint, checkov) run on ``test_consumer_app`` (the patterns) and
``test_new_resources`` (registrations, Notify, RCS, sender IDs, verified numbers). The public constructs are found by
introspection of ``sms_constructs.__all__``, so a new construct that neither app uses fails here.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

import sms_constructs
from tests.compliance.test_consumer_app import build_consumer_app
from tests.compliance.test_new_resources import build_new_resources_app


def public_construct_classes() -> dict[str, type]:
    """Every concrete construct class the package exports (the ``...Base`` classes are what importers return)."""
    return {
        name: obj
        for name in sms_constructs.__all__
        if inspect.isclass(obj := getattr(sms_constructs, name))
        and issubclass(obj, Construct)
        and not name.endswith("Base")
    }


def unused_constructs(apps: list[cdk.App]) -> list[str]:
    """The public construct classes of which no construct of ``apps`` is an instance."""
    used = {type(c) for app in apps for c in app.node.find_all()}
    return sorted(name for name, cls in public_construct_classes().items() if not any(issubclass(u, cls) for u in used))


def test_the_consumer_apps_use_every_public_construct(tmp_path: Path) -> None:
    apps = [build_consumer_app(tmp_path / "patterns"), build_new_resources_app(tmp_path / "resources")]

    assert unused_constructs(apps) == [], "add these to a consumer app of tests/compliance"


def test_fails_when_a_construct_is_not_used(tmp_path: Path) -> None:
    unused = unused_constructs([build_new_resources_app(tmp_path)])

    assert {"SmsSendQueue", "SmsRetry", "SmsMonitoring", "Pool"} <= set(unused)
    assert "RcsAgent" not in unused
