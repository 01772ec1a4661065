"""The built wheel ships the Lambda sources and works when installed into a clean virtualenv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.packaging.conftest import build_in_checkout

CONSUMER_APP = textwrap.dedent(
    """
    import json, sys
    import aws_cdk as cdk
    import sms_constructs
    import sms_constructs_runtime
    from sms_constructs._private.assets import LAMBDA_ROOT
    from sms_constructs.resources.opt_out_list import OptOutList
    from sms_constructs.resources.registration import Registration
    from sms_constructs.resources.registration_forms import UsTenDlcBrandVettingForm

    app = cdk.App(outdir=sys.argv[1])
    stack = cdk.Stack(app, "Consumer")
    OptOutList(stack, "OptOuts")
    # the shipped field definitions and the provider's checks load from the wheel
    Registration(stack, "Vetting", form=UsTenDlcBrandVettingForm())
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
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(outdir)]
    return build_in_checkout([*command, "."], outdir, "sms_constructs-*.whl")


def test_wheel_contains_lambda_sources_and_runtime(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    lambda_sources = {p.relative_to(REPO_ROOT / "lambda").as_posix() for p in (REPO_ROOT / "lambda").rglob("*.py")}
    assert lambda_sources, "no Lambda source in the checkout"
    missing = {s for s in lambda_sources if f"sms_constructs/_lambda/{s}" not in names}
    assert missing == set()
    assert "sms_constructs_runtime/__init__.py" in names
    assert "sms_constructs_runtime/contract.schema.json" in names
    assert "sms_constructs/py.typed" in names
    assert "sms_constructs/resources/registration_fields.json" in names  # the registration field definitions
    assert not any("/tests/" in n or n.startswith("tests/") for n in names)


def test_wheel_ships_the_simulator_as_an_extra_with_its_console_script(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    simulator = {p.name for p in (REPO_ROOT / "sms_constructs" / "simulate").glob("*.py")}
    assert {f"sms_constructs/simulate/{name}" for name in simulator} <= names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "sms-constructs-simulate = sms_constructs.simulate.__main__:main" in archive.read(entry_points).decode()
    [metadata_file] = [n for n in names if n.endswith(".dist-info/METADATA")]
    requirements = archive.read(metadata_file).decode()
    simulate_extra = [line for line in requirements.splitlines() if line.endswith('extra == "simulate"')]
    assert "sms_constructs/simulate/two_way_inbound_payload.json" in names  # the replies' AWS-documented payload
    for requirement in ("duckdb", "pyarrow", "sqlglot", "tqdm", "aws-lambda-powertools", "jsonschema"):
        assert any(line.startswith(f"Requires-Dist: {requirement}") for line in simulate_extra), requirement


def test_the_library_loads_neither_the_simulator_nor_cdk_nag() -> None:
    """The simulator is optional (its extra), and cdk-nag is loaded only by an app that attaches the packs."""
    code = (
        "import sys, json; import sms_constructs, sms_constructs.sample_app, sms_constructs_runtime;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('sms_constructs.simulate', 'cdk_nag')))))"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT, env=env
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


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


# -- the run-time half needs no CDK --------------------------------------------------------------------------------

RUNTIME_ONLY = textwrap.dedent(
    """
    import json, sys
    from sms_constructs_runtime import SmsProducer
    import boto3
    from botocore.stub import ANY, Stubber

    sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    url = "https://sqs.us-east-1.amazonaws.com/111122223333/send"
    with Stubber(sqs) as stubber:  # validates the request against the real SQS model
        stubber.add_response(
            "send_message",
            {"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274"},
            {"QueueUrl": url, "MessageBody": ANY, "DelaySeconds": 0, "MessageAttributes": ANY},
        )
        request_id = SmsProducer(url, client=sqs).send("+14255550123", "Your code is 123456", request_id="otp-1")
        stubber.assert_no_pending_responses()
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"aws_cdk", "jsii", "constructs", "sms_constructs"})
    runtime = sys.modules[SmsProducer.__module__].__file__
    print(json.dumps({"request_id": request_id, "cdk_modules": loaded, "runtime": runtime}))
    """
)


def test_importing_the_runtime_loads_no_cdk_jsii_constructs_nor_boto3() -> None:
    code = (
        "import sys, json; import sms_constructs_runtime; from sms_constructs_runtime import SmsProducer, SendRequest;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'aws_cdk', 'jsii', 'constructs', 'boto3', 'botocore', 'sms_constructs'})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert json.loads(result.stdout) == []


def test_the_producer_runs_from_the_wheel_with_only_boto3_and_no_node(wheel: Path, tmp_path: Path) -> None:
    """A Lambda function or container: boto3 and the wheel (--no-deps), no aws-cdk-lib, no node on PATH."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"boto3=={metadata.version('boto3')}"], check=True, capture_output=True)
    subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    (tmp_path / "producer.py").write_text(RUNTIME_ONLY)
    bare_path = str(env_dir / "bin")  # no /usr/bin: no node
    assert shutil.which("node", path=bare_path) is None
    result = subprocess.run(
        [str(python), "producer.py"], cwd=tmp_path, env={"PATH": bare_path}, capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["request_id"] == "otp-1"
    assert report["cdk_modules"] == []
    assert str(env_dir) in report["runtime"]
    missing = subprocess.run(
        [str(python), "-c", "import aws_cdk"], env={"PATH": bare_path}, capture_output=True, check=False
    )
    assert missing.returncode != 0  # aws-cdk-lib is not there at all


# -- install beside any CDK app --------------------------------------------------------------------------------------

NEWEST_CONSUMER = textwrap.dedent(
    """
    import json, sys
    from importlib import metadata
    import aws_cdk as cdk
    import aws_cdk.aws_lambda as lambda_
    from sms_constructs import (ConfigurationSet, MandatoryKeywords, NumberCapability, NumberType, PhoneNumber,
                                SmsRetry, SmsSendQueue)

    app = cdk.App(outdir=sys.argv[1])
    stack = cdk.Stack(app, "Consumer", env=cdk.Environment(account="111122223333", region="us-east-1"))
    number = PhoneNumber(stack, "Number", iso_country_code="US", number_type=NumberType.SIMULATOR,
                         capabilities=[NumberCapability.SMS],
                         keywords=MandatoryKeywords(help="Acme: help at acme.example. Reply STOP to end.",
                                                    stop="You are unsubscribed."))
    config = ConfigurationSet(stack, "Config")
    queue = SmsSendQueue(stack, "Send", origination_identity=number, configuration_set=config, max_parts_per_second=1)
    SmsRetry(stack, "Retry", send_queue=queue, configuration_set=config)
    producer = lambda_.Function(stack, "Producer", runtime=lambda_.Runtime.PYTHON_3_13, handler="p.main",
                                code=lambda_.Code.from_inline("def main(e, c):\\n    return None\\n"))
    queue.add_producer(producer)
    app.synth()
    print(json.dumps({name: metadata.version(name) for name in ("aws-cdk-lib", "constructs", "cdk-nag")}))
    """
)


def test_the_wheel_installs_with_the_newest_releases_and_synthesizes(wheel: Path, tmp_path: Path) -> None:
    """pyproject.toml declares ranges, not pins: the wheel with its dependencies resolved from the registry (the newest
    aws-cdk-lib, constructs and cdk-nag inside the ranges) synthesizes a consumer app using the patterns."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    (tmp_path / "consumer.py").write_text(NEWEST_CONSUMER)
    result = subprocess.run(
        [str(python), "consumer.py", str(tmp_path / "cdk.out")],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    versions = json.loads(result.stdout.strip().splitlines()[-1])
    newest = subprocess.run(
        [str(python), "-m", "pip", "index", "versions", "aws-cdk-lib", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[0]  # "aws-cdk-lib (2.x.y)"
    assert newest == f"aws-cdk-lib ({versions['aws-cdk-lib']})"
    template = json.loads((tmp_path / "cdk.out" / "Consumer.template.json").read_text())
    assert "AWS::Lambda::LayerVersion" in {r["Type"] for r in template["Resources"].values()}
