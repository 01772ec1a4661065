"""The sender's cold import against a bare ``import boto3``, its CPU per message without the API call, and the cost of
counting message parts.

- Cold import: each sample is a fresh interpreter that times ``import boto3`` or ``import sender.handler`` (from
  ``lambda/``, as Lambda imports it) with ``time.perf_counter``; samples of the three kinds are interleaved, and the
  medians are compared. ``sender.handler`` is measured as deployed by default (no ``SMS_TRACE_SDK_CALLS``) and with
  ``trace_sdk_calls=True`` (the X-Ray SDK), and from sources without bytecode (the Lambda asset ships none: the
  library's own modules are compiled at every cold start; boto3 and Powertools come with theirs).
- CPU per message: the real ``Sender`` handles batches of 10 single-part records against the simulator's in-memory
  DynamoDB, SQS and SMS API (no latency, no pacing wait: 3000 MPS); ``time.process_time`` around ``handle``, less the
  CPU spent inside the fakes (what the AWS calls would cost is not the sender's).
- Part counting: ``count_parts`` on real bodies (GSM-7, GSM-7 with escapes, UCS-2 with emoji), without its memo.

Run: ``.venv/bin/python benchmarks/sender_cost.py`` (``--samples 21``). Writes ``benchmarks/results/sender_cost.json``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, write_result

LAMBDA = REPO / "lambda"
PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, env: dict[str, str], cwd: Path = LAMBDA) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def cold_imports(samples: int, before: Path | None = None) -> dict[str, Any]:
    from sms_constructs_runtime.settings import TRACE_SDK_CALLS_VARIABLE  # noqa: PLC0415

    base = {k: v for k, v in os.environ.items() if k != TRACE_SDK_CALLS_VARIABLE and not k.startswith("PYTHON")}
    base |= {"POWERTOOLS_SERVICE_NAME": "sender", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as work:
        cached, uncompiled = Path(work) / "cached", Path(work) / "asset"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(LAMBDA, cached, ignore=ignore)
        shutil.copytree(LAMBDA, uncompiled, ignore=ignore)  # as the Lambda asset ships it: sources, no bytecode
        compileall.compile_dir(cached, quiet=1)
        earlier = Path(work) / "before"
        if before is not None:  # an earlier commit's lambda/, compiled like the current one
            shutil.copytree(before, earlier, ignore=ignore)
            compileall.compile_dir(earlier, quiet=1)
        traced = {**base, TRACE_SDK_CALLS_VARIABLE: "true", "LAMBDA_TASK_ROOT": "/var/task"}
        kinds = {
            "boto3": ("boto3", base, cached),
            "sender": ("sender.handler", base, cached),
            "sender_traced": ("sender.handler", traced, cached),
            "sender_uncompiled": ("sender.handler", base, uncompiled),
            **({"sender_before": ("sender.handler", base, earlier)} if before is not None else {}),
        }
        for module, env, cwd in kinds.values():  # warm the file caches once
            import_seconds(module, env, cwd)
        times: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(samples):
            for name, (module, env, cwd) in kinds.items():
                times[name].append(import_seconds(module, env, cwd))
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "samples": samples,
        "median_ms": {name: round(value * 1000, 1) for name, value in medians.items()},
        "min_ms": {name: round(min(values) * 1000, 1) for name, values in times.items()},
        "ratio_to_boto3": {name: round(value / medians["boto3"], 2) for name, value in medians.items()},
    }


class _Timed:
    """Forwards calls to a fake client and adds up the CPU they take (so it can be left out)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.cpu = 0.0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def timed(**params: Any) -> Any:
            started = time.process_time()
            try:
                return method(**params)
            finally:
                self.cpu += time.process_time() - started

        return timed


def cpu_per_message(messages: int, repeats: int) -> dict[str, Any]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "sender")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "SmsConstructs")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    import io  # noqa: PLC0415
    from contextlib import redirect_stdout  # noqa: PLC0415
    from dataclasses import replace  # noqa: PLC0415

    from sms_constructs_runtime.producer import SmsProducer  # noqa: PLC0415

    from sms_constructs.simulate.fake_aws import FakeDynamoDB, FakeSqs, LambdaContext, sqs_record  # noqa: PLC0415
    from sms_constructs.simulate.fake_sms import FakeSms  # noqa: PLC0415
    from sms_constructs.simulate.run import SimulationOptions, deploy  # noqa: PLC0415

    sys.path.insert(0, str(LAMBDA))
    from sender.handler import Sender  # noqa: PLC0415

    deployment = deploy(SimulationOptions(mps=3000))
    sqs = FakeSqs(time.time)
    url = sqs.create_queue("send")
    settings = replace(deployment.sender, queue_url=url)
    per_message = []
    for repeat in range(repeats):
        fakes = _Timed(FakeSms(time.time)), _Timed(sqs), _Timed(FakeDynamoDB())
        sender = Sender(settings, sms=fakes[0], sqs=fakes[1], dynamodb=fakes[2])
        producer = SmsProducer(url, client=sqs)
        for n in range(messages):
            producer.send(f"+1206{n:07d}", f"Acme: order {n} has shipped.", request_id=f"cpu-{repeat}-{n}")
        spent = 0.0
        with redirect_stdout(io.StringIO()):
            while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                event = {"Records": [sqs_record(m, sqs.queues[url].arn) for m in batch]}
                in_fakes = sum(fake.cpu for fake in fakes)
                started = time.process_time()
                sender.handle(event, LambdaContext(time.time, 900))
                spent += time.process_time() - started - (sum(fake.cpu for fake in fakes) - in_fakes)
                for message in batch:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        per_message.append(spent / messages)
    return {
        "messages": messages,
        "repeats": repeats,
        "median_cpu_ms_per_message": round(statistics.median(per_message) * 1000, 3),
    }


def parts_counting(repeat: int) -> list[dict[str, Any]]:
    from sms_constructs_runtime.parts import count_parts as memoized  # noqa: PLC0415

    count_parts = memoized.__wrapped__  # the count itself, not the memo's lookup

    bodies = {
        "GSM-7, 160 chars": "a" * 160,
        "GSM-7 with escapes, 600 chars": ("Price: 5€ [promo] {code} ~ " * 23)[:600],
        "UCS-2 with emoji, 300 chars": ("Olá 😀 " * 50)[:300],
        "GSM-7, 1530 chars": "b" * 1530,
    }
    rows = []
    for name, body in bodies.items():
        loops, samples = 2000, []
        for _ in range(repeat):
            started = time.perf_counter()
            for _ in range(loops):
                count_parts(body)
            samples.append((time.perf_counter() - started) / loops * 1e6)
        rows.append({"body": name, "parts": count_parts(body).parts, "median_us": round(statistics.median(samples), 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=21, help="cold imports of each kind")
    parser.add_argument("--messages", type=int, default=2000, help="messages per CPU repeat")
    parser.add_argument("--before", type=Path, default=None, help="lambda/ of an earlier commit, for comparison")
    args = parser.parse_args()
    sys.path.insert(0, str(LAMBDA))
    imports = cold_imports(args.samples, args.before)
    cpu = cpu_per_message(args.messages, 5)
    parts = parts_counting(7)
    path = write_result("sender_cost", {"cold_import": imports, "cpu": cpu, "parts": parts})
    print(f"Results: {path.relative_to(REPO)}\n")
    print("| body | parts | median µs per count (not memoized) |\n|---|---|---|")
    print("\n".join(f"| {r['body']} | {r['parts']} | {r['median_us']} |" for r in parts))
    print("\n| import | median ms | ÷ import boto3 |\n|---|---|---|")
    for name, label in (
        ("boto3", "import boto3"),
        ("sender", "import sender.handler"),
        ("sender_traced", "import sender.handler, trace_sdk_calls=True"),
        ("sender_uncompiled", "import sender.handler, its sources compiled at import (no bytecode, as in the asset)"),
        ("sender_before", "import sender.handler of --before"),
    ):
        if name in imports["median_ms"]:
            print(f"| {label} | {imports['median_ms'][name]} | {imports['ratio_to_boto3'][name]} |")
    print(
        f"\nSender CPU per message (API call excluded): {cpu['median_cpu_ms_per_message']} ms; cold import "
        f"{imports['ratio_to_boto3']['sender']}x a bare import boto3 ({imports['median_ms']['sender']} ms against "
        f"{imports['median_ms']['boto3']} ms), {imports['ratio_to_boto3']['sender_traced']}x with trace_sdk_calls"
    )


if __name__ == "__main__":
    main()
