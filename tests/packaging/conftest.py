"""Builds of the checkout, one at a time: the wheel and the sdist are both built in place (setuptools writes
``build/`` and ``sms_constructs.egg-info/`` into the checkout), and pytest-xdist may run the two modules in two workers
at once, where one build would read or delete the other's files."""

from __future__ import annotations

import fcntl
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import REPO_ROOT

#: Held while a build runs (in the ignored .pytest_cache folder: it never lands in a commit).
LOCK_FILE = REPO_ROOT / ".pytest_cache" / "packaging-build.lock"


def build_in_checkout(command: Sequence[str], outdir: Path, pattern: str) -> Path:
    """Run the build ``command`` in the checkout, alone, and return the one file matching ``pattern`` in ``outdir``."""
    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    with LOCK_FILE.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(list(command), cwd=REPO_ROOT, check=True, capture_output=True)
    (built,) = outdir.glob(pattern)
    return built
