"""The source distribution (what ``make dist`` builds beside the wheel) is complete: pip installs it into a clean
virtualenv, and the installed package carries the Lambda sources, the JSON data files and ``py.typed``.

About 12 s: one sdist per module, one virtualenv."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.packaging.conftest import build_in_checkout

VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]

#: The build backend the sdist needs (pyproject.toml's build-system), taken from the test environment so the install
#: needs no index; nothing else of the test environment is visible to pip (no sms-constructs metadata to replace).
BACKEND = ("setuptools", "_distutils_hack", "pkg_resources", "wheel")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("sdist")
    command = [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(outdir), "."]
    return build_in_checkout(command, outdir, "sms_constructs-*.tar.gz")


def _lambda_sources() -> set[str]:
    root = REPO_ROOT / "lambda"
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in (".py", ".json", ".typed")}
    return {name for name in found if "__pycache__" not in name}


def test_the_sdist_is_named_after_the_one_version(sdist: Path) -> None:
    import sms_constructs  # noqa: PLC0415 - the installed package's version, from its metadata

    assert sdist.name == f"sms_constructs-{VERSION}.tar.gz"
    assert sms_constructs.__version__ == VERSION


def test_the_sdist_holds_the_lambda_sources_data_files_and_typing_markers(sdist: Path) -> None:
    prefix = f"sms_constructs-{VERSION}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    assert _lambda_sources(), "no Lambda source in the checkout"
    assert {f"lambda/{source}" for source in _lambda_sources()} - names == set()
    assert {"sms_constructs/py.typed", "sms_constructs/resources/registration_fields.json", "pyproject.toml"} <= names
    assert not any(name.startswith("tests/") for name in names)


def test_the_sdist_installs_into_a_clean_virtualenv(sdist: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip_install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    pip_install.append("--no-index")
    deps = Path(sysconfig.get_paths()["purelib"])
    backend = tmp_path / "backend"
    backend.mkdir()
    for name in BACKEND:
        if (deps / name).exists():
            (backend / name).symlink_to(deps / name)
    install = subprocess.run(
        [*pip_install, "--no-build-isolation", str(sdist)],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(backend)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    installed = site / "sms_constructs" / "_lambda"
    assert {source for source in _lambda_sources() if not (installed / source).is_file()} == set()
    for data_file in (
        "sms_constructs/py.typed",
        "sms_constructs/resources/registration_fields.json",
        "sms_constructs_runtime/py.typed",
        "sms_constructs_runtime/contract.schema.json",
    ):
        assert (site / data_file).is_file(), data_file
    assert (site / f"sms_constructs-{VERSION}.dist-info").is_dir()
    # (test_wheel.py synthesizes a consumer app from an installed wheel; the sdist builds that same wheel.)
