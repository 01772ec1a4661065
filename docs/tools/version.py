"""MkDocs hook: the release version on every page of the site (the footer), read from ``pyproject.toml``.

``pyproject.toml``'s ``[project] version`` is the package's only version source (``sms_constructs.__version__`` and
the operator commands' ``--version`` read the installed package's metadata, which is built from it), so the site
cannot drift from the release it documents.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def release_version(pyproject: Path = PYPROJECT) -> str:
    """``[project] version`` of ``pyproject`` (default: the repository's ``pyproject.toml``)."""
    version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    return str(version)


def on_config(config: Any, **_: Any) -> Any:
    """Show ``sms-constructs <version>`` in the footer and expose it to templates as ``config.extra.version_number``."""
    version = release_version()
    config["copyright"] = f"sms-constructs {version}"
    config["extra"]["version_number"] = version
    return config
