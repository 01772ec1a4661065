"""The package version has one source, ``pyproject.toml``, and the package reports it."""

from __future__ import annotations

import re
import tomllib

import sms_constructs
from tests.conftest import REPO_ROOT

PYPROJECT_VERSION: str = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_is_the_one_in_pyproject() -> None:
    assert sms_constructs.__version__ == PYPROJECT_VERSION


def test_version_is_semver() -> None:
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", PYPROJECT_VERSION)


def test_changelog_has_an_entry_for_the_version_or_it_is_unreleased() -> None:
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert released, "CHANGELOG.md has no released version"
    # The newest entry is the version pyproject.toml carries: a release bumps both together.
    assert released[0] == PYPROJECT_VERSION
