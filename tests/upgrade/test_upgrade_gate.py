"""The upgrade gate: the released apps (``tests/upgrade/baseline/``, made by ``make upgrade-baseline``) against HEAD.

A stateful resource that HEAD removes or replaces fails the build unless the unreleased upgrade notes of
``CHANGELOG.md`` name it (see :mod:`tests.upgrade.gate` and docs/upgrading.md).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import aws_cdk.aws_dynamodb as dynamodb
import aws_cdk.aws_sqs as sqs
import pytest

from tests.upgrade import gate
from tests.upgrade.apps import APPS, synthesize
from tests.upgrade.make_baseline import BASELINE_DIR, MANIFEST

MANIFEST_DATA: dict[str, Any] = json.loads((BASELINE_DIR / MANIFEST).read_text())


def baseline(app_name: str) -> dict[str, Any]:
    """The released templates of one app, by stack name."""
    return {name: json.loads((BASELINE_DIR / f"{name}.json").read_text()) for name in MANIFEST_DATA["apps"][app_name]}


# -- the gate on the guarded apps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_name", sorted(APPS))
def test_no_unannounced_removal_or_replacement_of_a_stateful_resource(app_name: str) -> None:
    findings = gate.compare(baseline(app_name), synthesize(app_name))
    missing = gate.unannounced(findings, gate.CHANGELOG.read_text())
    assert not missing, gate.failure_message(app_name, missing)


def test_baseline_covers_every_guarded_app_and_nothing_else() -> None:
    assert sorted(MANIFEST_DATA["apps"]) == sorted(APPS)
    files = {path.name for path in BASELINE_DIR.glob("*.json")} - {MANIFEST}
    assert files == {f"{name}.json" for names in MANIFEST_DATA["apps"].values() for name in names}
    assert len(MANIFEST_DATA["commit"]) == 40


def test_baseline_holds_stateful_resources_of_every_listed_kind_the_apps_use() -> None:
    types = {
        resource["Type"]
        for app_name in APPS
        for template in baseline(app_name).values()
        for resource in template["Resources"].values()
    }
    # What a guard that compared nothing would miss: the apps really do carry the stateful types.
    assert types & gate.STATEFUL_TYPES >= {
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::SQS::Queue",
        "AWS::SMSVOICE::OptOutList",
        "AWS::SMSVOICE::PhoneNumber",
        "AWS::SMSVOICE::Pool",
        "AWS::SMSVOICE::ConfigurationSet",
        "Custom::SmsRegistration",
    }


def test_changelog_has_the_unreleased_upgrade_notes_the_gate_reads() -> None:
    gate.upgrade_notes(gate.CHANGELOG.read_text())  # raises when the section or subsection is missing


# -- the schemas come from cfn-lint ----------------------------------------------------------------------------------


def test_create_only_properties_are_read_from_cfn_lint_schemas() -> None:
    assert gate.replacing_properties("AWS::SQS::Queue") == ("/properties/FifoQueue", "/properties/QueueName")
    assert "/properties/KeySchema" in gate.replacing_properties("AWS::DynamoDB::Table")  # conditional create-only
    assert "/properties/LogGroupName" in gate.replacing_properties("AWS::Logs::LogGroup")
    assert gate.replacing_properties("Custom::SmsRegistration") == ()


def test_every_stateful_cloudformation_type_has_a_schema() -> None:
    for resource_type in sorted(gate.STATEFUL_TYPES):
        gate.replacing_properties(resource_type)  # KeyError when cfn-lint has none


# -- what the gate finds, on real synthesized stacks -----------------------------------------------------------------

TABLE_ID = "Table"


def _synth(*, table_id: str = TABLE_ID, fifo: bool = False, sort_key: bool = False, stack_name: str = "App") -> Any:
    app = cdk.App()
    stack = cdk.Stack(app, stack_name)
    dynamodb.Table(
        stack,
        table_id,
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING) if sort_key else None,
    )
    sqs.Queue(stack, "Queue", fifo=fifo or None, visibility_timeout=cdk.Duration.seconds(60 if fifo else 30))
    sqs.Queue(stack, "Other", visibility_timeout=cdk.Duration.seconds(60 if sort_key else 30))
    cdk.CfnWaitConditionHandle(stack, "NotStateful")
    return {stack_name: app.synth().get_stack_by_name(stack_name).template}


@pytest.fixture(scope="module")
def released() -> Any:
    return _synth()


def _logical_id(templates: Any, resource_type: str, prefix: str) -> str:
    (stack,) = templates.values()
    return str(
        next(lid for lid, r in stack["Resources"].items() if r["Type"] == resource_type and lid.startswith(prefix))
    )


def test_same_templates_have_no_finding(released: Any) -> None:
    assert gate.compare(released, _synth()) == []


def test_fails_a_removed_table(released: Any) -> None:
    table = _logical_id(released, "AWS::DynamoDB::Table", TABLE_ID)
    findings = gate.compare(released, _synth(table_id="Renamed"))
    assert [(f.id, f.resource_type, f.change) for f in findings] == [
        (f"App/{table}", "AWS::DynamoDB::Table", "is removed: its logical id is gone from the stack")
    ]


def test_fails_a_queue_made_fifo(released: Any) -> None:
    queue = _logical_id(released, "AWS::SQS::Queue", "Queue")
    findings = gate.compare(released, _synth(fifo=True))
    assert [(f.id, f.change) for f in findings] == [(f"App/{queue}", "is replaced: create-only FifoQueue changed")]


def test_fails_a_table_whose_key_schema_changed_but_not_an_updatable_change(released: Any) -> None:
    table = _logical_id(released, "AWS::DynamoDB::Table", TABLE_ID)
    findings = gate.compare(released, _synth(sort_key=True))  # also changes Other's VisibilityTimeout: updatable
    assert [(f.id, f.change) for f in findings] == [(f"App/{table}", "is replaced: create-only KeySchema changed")]


def test_fails_every_stateful_resource_of_a_renamed_stack(released: Any) -> None:
    findings = gate.compare(released, _synth(stack_name="Renamed"))
    assert sorted(f.resource_type for f in findings) == ["AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SQS::Queue"]
    assert {f.change for f in findings} == {"is removed: its stack is gone (renamed or removed)"}


def test_ignores_resources_that_hold_no_state(released: Any) -> None:
    head = copy.deepcopy(released)
    del head["App"]["Resources"]["NotStateful"]
    assert gate.compare(released, head) == []


def test_fails_a_changed_type_and_a_dropped_retain(released: Any) -> None:
    table = _logical_id(released, "AWS::DynamoDB::Table", TABLE_ID)
    queue = _logical_id(released, "AWS::SQS::Queue", "Queue")
    head = copy.deepcopy(released)
    head["App"]["Resources"][queue]["Type"] = "AWS::SNS::Topic"
    del head["App"]["Resources"][table]["DeletionPolicy"]
    assert sorted((f.logical_id, f.change) for f in gate.compare(released, head)) == sorted(
        [
            (queue, "changes type to AWS::SNS::Topic"),
            (table, "is no longer retained: DeletionPolicy Delete (the default)"),
        ]
    )


def test_compares_intrinsic_functions_structurally_without_resolving() -> None:
    def log_group(name: Any) -> Any:
        return {"S": {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name}}}}}

    joined = {
        "Fn::Join": ["", ["/sms-constructs/a/", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]]
    }
    assert gate.compare(log_group(joined), log_group(copy.deepcopy(joined))) == []
    renamed: Any = copy.deepcopy(joined)
    renamed["Fn::Join"][1][0] = "/sms-constructs/b/"
    assert [f.change for f in gate.compare(log_group(joined), log_group(renamed))] == [
        "is replaced: create-only LogGroupName changed"
    ]
    assert [f.change for f in gate.compare(log_group(joined), log_group({"Ref": "AWS::NoValue"}))] == [
        "is replaced: create-only LogGroupName changed"
    ]


def test_value_at_follows_list_pointers_and_stops_at_intrinsics() -> None:
    properties = {"A": [{"B": 1}, {"B": 2}], "C": {"Fn::If": ["Cond", {"D": 1}, {"D": 2}]}}
    assert gate.value_at(properties, "/properties/A/*/B") == [1, 2]
    assert gate.value_at(properties, "/properties/C/D") == properties["C"]
    assert gate.value_at(properties, "/properties/E") is gate.value_at({}, "/properties/E")


# -- the upgrade notes accept a finding ------------------------------------------------------------------------------


def _changelog(notes: str, released_notes: str = "") -> str:
    return (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Something.\n\n"
        f"### Upgrade notes\n\n{notes}\n\n## [0.1.0] - 2026-11-30\n\n### Upgrade notes\n\n{released_notes}\n"
    )


def test_passes_when_the_unreleased_upgrade_notes_name_the_finding(released: Any) -> None:
    (finding,) = gate.compare(released, _synth(table_id="Renamed"))
    assert gate.unannounced([finding], _changelog(f"- `App/{finding.logical_id}`: export the items first.")) == []


def test_fails_when_only_a_released_section_a_comment_or_another_subsection_names_it(released: Any) -> None:
    (finding,) = gate.compare(released, _synth(table_id="Renamed"))
    note = f"- `{finding.id}`: export the items first."
    assert gate.unannounced([finding], _changelog("", released_notes=note)) == [finding]
    assert gate.unannounced([finding], _changelog(f"<!-- {note} -->")) == [finding]
    elsewhere = _changelog("").replace("- Something.", note)
    assert gate.unannounced([finding], elsewhere) == [finding]


def test_fails_without_the_unreleased_section_or_its_upgrade_notes() -> None:
    with pytest.raises(ValueError, match=r"no '## \[Unreleased\]' section"):
        gate.noted_ids("# Changelog\n\n## [0.1.0] - 2026-11-30\n")
    with pytest.raises(ValueError, match="no '### Upgrade notes' subsection"):
        gate.noted_ids("# Changelog\n\n## [Unreleased]\n\n### Added\n")


def test_failure_message_says_exactly_what_to_add(released: Any) -> None:
    (finding,) = gate.compare(released, _synth(table_id="Renamed"))
    message = gate.failure_message("demo", [finding])
    assert "under '### Upgrade notes' in the '## [Unreleased]' section of CHANGELOG.md" in message
    line = f"- `App/{finding.logical_id}` (AWS::DynamoDB::Table) is removed: its logical id is gone from the stack."
    assert line in message
    # The suggested line, pasted as it is, is accepted.
    assert gate.unannounced([finding], _changelog(finding.note())) == []


def test_baseline_dir_is_the_committed_one() -> None:
    assert Path(gate.__file__).parent / "baseline" == BASELINE_DIR
