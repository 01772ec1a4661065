"""Tables of the docs that must follow the code: the SmsChecks rules, and an L2 (or a reason) per AWS::SMSVOICE type."""

from __future__ import annotations

import re

import aws_cdk.aws_smsvoice as smsvoice

import sms_constructs
from sms_constructs.checks import RULES
from tests.conftest import REPO_ROOT


def test_the_checks_page_lists_every_rule_with_its_level() -> None:
    text = (REPO_ROOT / "docs" / "checks.md").read_text()
    rows = {m["id"]: m["level"] for m in re.finditer(r"^\| `(?P<id>SmsChecks-\w+)` \| (?P<level>\w+) \|", text, re.M)}

    assert rows == {rule.rule_id: "Error" if rule.level.name == "ERROR" else "Warning" for rule in RULES}


def test_the_index_gives_every_smsvoice_type_an_l2_or_a_reason() -> None:
    types = {
        name.removeprefix("Cfn") for name in smsvoice.__all__ if name.startswith("Cfn") and not name.endswith("Props")
    }
    text = (REPO_ROOT / "docs" / "index.md").read_text()
    rows = {
        m["type"]: (m["l2"], m["notes"].strip())
        for m in re.finditer(r"^\| `(?P<type>\w+)` \| (?P<l2>[^|]+) \|(?P<notes>[^|]*)\|$", text, re.M)
    }

    assert len(types) == 12
    assert set(rows) == types
    for name, (l2, notes) in rows.items():
        exported = re.fullmatch(r"`(\w+)`.*", l2.strip())
        assert (exported and hasattr(sms_constructs, exported.group(1))) or notes, name
