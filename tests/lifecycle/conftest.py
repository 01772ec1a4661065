"""The lifecycle tests drive the provider handlers as Lambda imports them (``account_provider.handler``)."""

from __future__ import annotations

import sys

from tests.conftest import REPO_ROOT

if str(REPO_ROOT / "lambda") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "lambda"))
