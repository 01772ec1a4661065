"""A snapshot of every sample stack's template per profile (asset hashes scrubbed).

Update after an intended change with ``.venv/bin/python -m pytest tests/sample_app --snapshot-update`` and review the
diff of ``tests/sample_app/__snapshots__/`` like any other code change.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.sample_app.synth import PROFILES, synthesized_sample
from tests.upgrade.apps import scrub


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("profile", PROFILES)
def test_sample_stacks_match_snapshot(profile: str, json_snapshot: SnapshotAssertion) -> None:
    stacks = synthesized_sample(profile).stacks
    templates = {stack.stack_name: scrub(Template.from_stack(stack).to_json()) for stack in stacks.all}
    assert templates == json_snapshot


def test_scrub_replaces_asset_hashes_only() -> None:
    digest = "a" * 64
    assert scrub({"S3Key": f"{digest}.zip", "n": 1, "l": ["x"]}) == {"S3Key": "<asset-hash>.zip", "n": 1, "l": ["x"]}
