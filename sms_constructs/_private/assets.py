"""Where the Lambda handler sources are, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _lambda_root() -> Path:
    installed = _PACKAGE_DIR / "_lambda"  # site-packages/sms_constructs/_lambda (wheel)
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent / "lambda"  # top-level lambda/ of a source checkout (editable install)
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"sms-constructs: Lambda sources not found next to {_PACKAGE_DIR}")


#: Folder that holds the handler packages and ``sms_constructs_runtime``: the top-level ``lambda/`` folder of a
#: checkout, or ``site-packages/sms_constructs/_lambda`` in an installed wheel.
LAMBDA_ROOT: Path = _lambda_root()

#: Files never shipped in a Lambda asset.
ASSET_EXCLUDES: list[str] = ["**/__pycache__", "**/*.pyc", "**/tests", "**/.mypy_cache", "**/.pytest_cache"]
