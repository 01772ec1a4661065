"""Session fixtures: the sample app synthesized once per profile, as the CLI would write it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest

from sms_constructs.sample_app import PROFILE_CONTEXT_KEY, SampleStacks, build_sample_app
from tests.conftest import cdk_json_context

PROFILES = ("sandbox", "production")


@dataclass
class SynthesizedSample:
    """One profile of the sample app: its construct tree and the cloud assembly written to ``outdir``."""

    app: cdk.App
    stacks: SampleStacks
    outdir: Path

    @property
    def templates(self) -> list[Path]:
        return sorted(self.outdir.glob("*.template.json"))


@pytest.fixture(scope="session", params=PROFILES)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SynthesizedSample:
    """The sample app for each profile, synthesized without the nag packs (the nag gate checks those itself)."""
    outdir = tmp_path_factory.mktemp(f"cdk-out-{request.param}")
    app = cdk.App(outdir=str(outdir), context=cdk_json_context(**{PROFILE_CONTEXT_KEY: request.param}))
    stacks = build_sample_app(app)
    app.synth()
    return SynthesizedSample(app=app, stacks=stacks, outdir=outdir)
