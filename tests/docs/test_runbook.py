"""The incident runbook follows the alarms, and the benchmarks page speaks to users.

The alarm list comes from a synthesized ``SmsMonitoring`` with every input that adds an alarm, so an alarm added to
the construct without its section on ``docs/operations/incidents.md`` fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pymdownx.slugs import slugify

from sms_constructs import SmsMonitoring
from tests.conftest import REPO_ROOT
from tests.patterns.test_monitoring import every_alarm

INCIDENTS = REPO_ROOT / "docs" / "operations" / "incidents.md"
BENCHMARKS = REPO_ROOT / "docs" / "benchmarks.md"
#: The site's heading ids (mkdocs.yml: pymdownx.slugs.slugify with case "lower").
_SLUG = slugify(case="lower")


def _sections(page: Path) -> dict[str, str]:
    """Each level-2 section of ``page`` by its anchor, with its text."""
    text = page.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {_SLUG(title.strip(), "-"): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def _documented(key: str) -> str:
    """How the runbook names an alarm key: ``MonthlySpend<P>`` for the spend alarms,
    ``QuotaWarning.<producer>.<Period>`` and ``QuotaExhausted.<producer>.<Period>`` for the quota alarms, the key itself
    otherwise."""
    quota = re.fullmatch(r"(QuotaWarning|QuotaExhausted)\..+\.(Day|Month)", key)
    if quota:
        return f"{quota[1]}.<producer>.<Period>"
    return re.sub(r"\d+$", "<P>", key)


def test_every_alarm_has_its_section_in_the_incident_runbook() -> None:
    monitoring, _ = every_alarm()
    sections = _sections(INCIDENTS)
    missing = {key: SmsMonitoring.runbook_anchor(key) for key in monitoring.alarms}
    missing = {key: anchor for key, anchor in missing.items() if anchor not in sections}
    assert not missing, f"alarms without a section on {INCIDENTS.name}: {missing}"


def test_every_alarm_section_says_how_to_confirm_what_to_do_and_how_to_check() -> None:
    monitoring, _ = every_alarm()
    sections = _sections(INCIDENTS)
    for key in monitoring.alarms:
        body = sections[SmsMonitoring.runbook_anchor(key)]
        for step in ("**Confirm", "**What to do", "**Redrive", "**Check"):
            assert step in body, (key, step)
        assert re.search(r"`" + re.escape(_documented(key)) + r"`", body), key


def test_the_summary_table_names_every_alarm_key() -> None:
    monitoring, _ = every_alarm()
    text = INCIDENTS.read_text(encoding="utf-8")
    table = text[: text.index("## ")]
    for key in monitoring.alarms:
        assert f"`{key}`" in table or f"`{_documented(key)}`" in table, key


def test_both_dead_letter_queues_share_one_procedure() -> None:
    procedure = _sections(INCIDENTS)["dead-letter-queues"]
    for needle in (
        "start-message-move-task",
        "--destination-arn",
        "list-dead-letter-source-queues",
        "list-message-move-tasks",
        "(#send-queue-dead-letters)",
        "(#retry-dead-letters)",
    ):
        assert needle in procedure, needle


@pytest.mark.parametrize("page", [BENCHMARKS, INCIDENTS], ids=lambda page: page.name)
def test_user_pages_have_no_issue_numbers_commit_ids_or_development_paths(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.findall(r"(?i)\bissues? \d+", text)
    hashes = [h for h in re.findall(r"\b[0-9a-f]{7,40}\b", text) if re.search(r"\d", h) and re.search(r"[a-f]", h)]
    assert not hashes
    assert not re.findall(r"(?<![\w.])/(?:tmp|home|work|Users|root)/", text)


def test_every_benchmark_figure_is_one_image_linked_to_full_size_and_explained() -> None:
    text = BENCHMARKS.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\((images/[\w.-]+\.png)\)", text)
    assert images
    for image in images:
        assert (BENCHMARKS.parent / image).is_file(), image
        assert f"]({image})]({image})" in text, f"{image} is not linked to its full size"
    assert "images/pacing.png" not in text
    for section, body in _sections(BENCHMARKS).items():
        if section != "test-suite":
            assert "**What it means for you**" in body, section
        assert "```" in body, f"{section}: no command"
