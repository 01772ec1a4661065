"""``import sms_constructs`` loads a construct's module only when the app uses the construct.

Each test that looks at ``sys.modules`` runs a fresh interpreter: the test process has long since imported everything.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sms_constructs
from tests.conftest import REPO_ROOT

#: Modules an app that only sends through a queue must not load: registrations (and their forms and fields), RCS
#: agents, notify configurations, and the cdk-nag rule pack (with cdk-nag itself).
NOT_FOR_A_SEND_QUEUE = (
    "sms_constructs.resources.registration",
    "sms_constructs.resources.registration_attachment",
    "sms_constructs.resources.registration_fields",
    "sms_constructs.resources.registration_forms",
    "sms_constructs._private.registration_provider",
    "sms_constructs.resources.rcs_agent",
    "sms_constructs.resources.notify_configuration",
    "sms_constructs.checks",
    "cdk_nag",
)


def _run(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON document as its last line, which is returned."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO_ROOT,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_a_send_queue_app_loads_no_registration_rcs_notify_or_checks_module() -> None:
    report = _run(
        """
        import json, sys
        import aws_cdk as cdk
        from sms_constructs import ConfigurationSet, PhoneNumber, SmsSendQueue

        stack = cdk.Stack(cdk.App(), "Stack", env=cdk.Environment(account="111122223333", region="us-east-1"))
        number = PhoneNumber.from_phone_number_arn(
            stack, "Number", "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-abc"
        )
        config = ConfigurationSet.from_configuration_set_name(stack, "Config", "sends")
        SmsSendQueue(stack, "Send", origination_identity=number, configuration_set=config, max_parts_per_second=1)
        print(json.dumps({"modules": sorted(sys.modules)}))
        """
    )
    modules = set(report["modules"])  # type: ignore[arg-type]

    assert "sms_constructs.patterns.send_queue" in modules  # the probe really built the queue
    assert sorted(modules.intersection(NOT_FOR_A_SEND_QUEUE)) == []


def test_importing_the_package_loads_no_construct_module() -> None:
    report = _run(
        """
        import json, sys
        import sms_constructs
        print(json.dumps({"modules": sorted(m for m in sys.modules if m.startswith(("sms_constructs.", "aws_cdk")))}))
        """
    )

    assert report["modules"] == []


def test_a_name_loads_on_first_use_through_the_package() -> None:
    report = _run(
        """
        import json, sys
        import sms_constructs
        before = "sms_constructs.resources.registration" in sys.modules
        registration = sms_constructs.Registration
        print(json.dumps({"before": before, "after": "sms_constructs.resources.registration" in sys.modules,
                          "module": registration.__module__, "same": registration is sms_constructs.Registration}))
        """
    )

    assert report == {
        "before": False,
        "after": True,
        "module": "sms_constructs.resources.registration",
        "same": True,
    }


def test_every_public_name_resolves_to_the_object_of_its_defining_module() -> None:
    for name in sms_constructs.__all__:
        module = importlib.import_module(sms_constructs._MODULE_OF[name], "sms_constructs")
        assert getattr(sms_constructs, name) is getattr(module, name), name


def test_dir_lists_every_public_name() -> None:
    assert set(sms_constructs.__all__) <= set(dir(sms_constructs))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchConstruct"):
        sms_constructs.NoSuchConstruct  # type: ignore[attr-defined]  # noqa: B018


def test_the_lazy_table_and_the_type_checking_imports_name_the_same_modules_and_names() -> None:
    """What type checkers and the API reference read (the ``if TYPE_CHECKING:`` block) is what runs."""
    tree = ast.parse(Path(sms_constructs.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    imported = {
        alias.name: ("." * node.level) + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }

    assert imported == sms_constructs._MODULE_OF
    assert set(imported) == set(sms_constructs.__all__)
