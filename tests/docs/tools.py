"""Loading the docs build's own code (``docs/tools/*.py``), which is not a package, for its tests."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.conftest import REPO_ROOT

TOOLS = REPO_ROOT / "docs" / "tools"


def load_tool(name: str) -> ModuleType:
    """The module ``docs/tools/<name>.py``, loaded once per process."""
    module_name = f"docs_tools_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
