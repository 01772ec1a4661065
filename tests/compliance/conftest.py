"""Session fixtures: the sample app synthesized once per profile, as the CLI would write it."""

from __future__ import annotations

import pytest

from tests.sample_app.synth import PROFILES, SynthesizedSample, synthesized_sample

__all__ = ["SynthesizedSample"]


@pytest.fixture(scope="session", params=PROFILES)
def sample(request: pytest.FixtureRequest) -> SynthesizedSample:
    """The sample app for each profile (:func:`tests.sample_app.synth.synthesized_sample`)."""
    return synthesized_sample(request.param)
