"""The built wheel ships the Lambda sources and works when installed into a clean virtualenv."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CONSUMER_APP = textwrap.dedent(
    """
    import json, sys
    import aws_cdk as cdk
    import sms_constructs
    import sms_constructs_runtime
    from sms_constructs._private.assets import LAMBDA_ROOT
    from sms_constructs.resources.opt_out_list import OptOutList

    app = cdk.App(outdir=sys.argv[1])
    stack = cdk.Stack(app, "Consumer")
    OptOutList(stack, "OptOuts")
    app.synth()
    print(json.dumps({
        "package": sms_constructs.__file__,
        "runtime": sms_constructs_runtime.__file__,
        "lambda_root": str(LAMBDA_ROOT),
    }))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(outdir), "."],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = outdir.glob("sms_constructs-*.whl")
    return built


def test_wheel_contains_lambda_sources_and_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    lambda_sources = {p.relative_to(REPO_ROOT / "lambda").as_posix() for p in (REPO_ROOT / "lambda").rglob("*.py")}
    assert lambda_sources, "no Lambda source in the checkout"
    missing = {s for s in lambda_sources if f"sms_constructs/_lambda/{s}" not in names}
    assert missing == set()
    assert "sms_constructs_runtime/__init__.py" in names
    assert "sms_constructs/py.typed" in names
    assert not any("/tests/" in n or n.startswith("tests/") for n in names)


def test_installed_wheel_synthesizes_a_consumer_app(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies come from the test environment's site-packages; PYTHONPATH entries do not process .pth files, so
    # the editable install of the checkout stays invisible and `sms_constructs` must come from the installed wheel.
    deps = sysconfig.get_paths()["purelib"]
    (tmp_path / "consumer.py").write_text(CONSUMER_APP)
    result = subprocess.run(
        [str(python), "consumer.py", str(tmp_path / "cdk.out")],
        cwd=tmp_path,
        env={"PYTHONPATH": deps, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PATH": os.environ["PATH"]},
        check=True,
        capture_output=True,
        text=True,
    )
    located = result.stdout.strip().splitlines()[-1]
    assert str(env_dir) in located
    assert str(REPO_ROOT) not in located
    assert (tmp_path / "cdk.out" / "Consumer.template.json").exists()
