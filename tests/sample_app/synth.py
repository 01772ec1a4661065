"""The sample app synthesized once per profile and test process, as the CLI would write it (shared by the snapshot,
wiring and compliance tests)."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk

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


@functools.cache
def synthesized_sample(profile: str) -> SynthesizedSample:
    """The sample app for ``profile`` (test production settings), synthesized without the nag packs (the nag gate
    checks those itself)."""
    outdir = Path(tempfile.mkdtemp(prefix=f"cdk-out-{profile}-"))
    app = cdk.App(outdir=str(outdir), context=cdk_json_context(**{PROFILE_CONTEXT_KEY: profile}))
    stacks = build_sample_app(app)
    app.synth()
    return SynthesizedSample(app=app, stacks=stacks, outdir=outdir)
