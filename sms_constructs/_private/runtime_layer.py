"""The ``sms_constructs_runtime`` Lambda layer: the producer client and the contract for producer functions.

The layer is built without Docker: CDK's local bundling copies the runtime package, as the wheel installed it, into
``python/sms_constructs_runtime`` (the folder Lambda puts on ``sys.path``). It holds only the standard-library code of
the runtime; boto3 comes with Lambda's Python runtimes. One layer per stack serves every producer in it.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import aws_cdk.aws_lambda as lambda_
import jsii
from constructs import Construct

from .assets import ASSET_EXCLUDES, LAMBDA_ROOT
from .stacks import stack_of

#: The runtime package's sources (in the checkout, or in the installed wheel).
RUNTIME_SOURCE: Path = LAMBDA_ROOT / "sms_constructs_runtime"
#: The runtime uses Python 3.11 features.
MIN_PYTHON_MINOR = 11
_LAYER_ID = "SmsConstructsRuntimeLayer"
_PYTHON_RUNTIME = re.compile(r"python3\.(\d+)")


@jsii.implements(cdk.ILocalBundling)
class _CopyRuntime:
    """Local bundling: copy the runtime package into the layer's ``python/`` folder (no Docker)."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:  # noqa: ARG002 - the jsii interface's signature
        shutil.copytree(
            RUNTIME_SOURCE,
            Path(output_dir) / "python" / RUNTIME_SOURCE.name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        return True


#: Where :func:`python_minor` keeps a runtime's name on its Python object.
_NAME = "_sms_constructs_runtime_name"


def runtime_layer(scope: Construct) -> lambda_.LayerVersion:
    """The runtime layer of ``scope``'s stack (created on first use)."""
    stack = stack_of(scope)
    existing = stack.node.try_find_child(_LAYER_ID)
    if existing is not None:
        return existing  # type: ignore[return-value]
    code = lambda_.Code.from_asset(
        str(RUNTIME_SOURCE),
        exclude=ASSET_EXCLUDES,
        bundling=cdk.BundlingOptions(
            # Never pulled: local bundling always succeeds. The image only satisfies the required prop.
            image=cdk.DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
            # jsii calls try_bundle(output_dir, options); the generated stub spells the struct out as keywords.
            local=cast(cdk.ILocalBundling, _CopyRuntime()),
        ),
    )
    return lambda_.LayerVersion(
        stack,
        _LAYER_ID,
        code=code,
        compatible_runtimes=compatible_runtimes(),
        compatible_architectures=[lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64],
        description="sms-constructs runtime: SmsProducer and the send-queue contract (stdlib only)",
        license="Apache-2.0",
    )


def python_minor(runtime: lambda_.Runtime) -> int | None:
    """The minor version of a ``python3.X`` runtime, ``None`` for other runtimes."""
    name = runtime.__dict__.get(_NAME)
    if name is None:  # a runtime's name never changes: ask jsii once per runtime object
        name = runtime.__dict__[_NAME] = runtime.name
    match = _PYTHON_RUNTIME.fullmatch(name)
    return int(match.group(1)) if match else None


def compatible_runtimes() -> list[lambda_.Runtime]:
    """Every Python runtime of the installed aws-cdk-lib from 3.11 on (newer releases add theirs)."""
    return list(_compatible_runtimes())


@functools.cache
def _compatible_runtimes() -> tuple[lambda_.Runtime, ...]:
    # aws-cdk-lib's runtimes are static objects of the one jsii process: about 50 round trips, asked once.
    return tuple(r for r in lambda_.Runtime.ALL if (python_minor(r) or 0) >= MIN_PYTHON_MINOR)
