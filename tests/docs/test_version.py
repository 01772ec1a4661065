"""One version, pyproject.toml's: the installed package, and the documentation site's footer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import sms_constructs
from tests.conftest import REPO_ROOT
from tests.docs.tools import load_tool

VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_package_reports_pyproject_version() -> None:
    assert sms_constructs.__version__ == VERSION


def test_the_site_hook_reads_the_version_from_pyproject(tmp_path: Path) -> None:
    hook = load_tool("version")
    assert hook.release_version() == VERSION
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "x"\nversion = "9.8.7"\n')
    assert hook.release_version(other) == "9.8.7"  # read, not hard-coded


def test_the_site_hook_puts_the_version_in_the_footer() -> None:
    config = load_tool("version").on_config({"copyright": None, "extra": {}})
    assert config["copyright"] == f"sms-constructs {VERSION}"
    assert config["extra"]["version_number"] == VERSION
