"""Fewer billed parts: what GSM-7 normalisation saves on text pasted from a word processor and on a realistic mix.

Every body goes through the sender's own functions (``sms_constructs_runtime.gsm7.normalize_gsm7`` and
``sms_constructs_runtime.parts.count_parts``, imported from ``lambda/`` as Lambda imports them): the parts as written
are what a queue without normalisation sends, the parts of the normalised body what ``SmsSendQueue`` sends with
``normalize_characters=True`` (the default). No AWS, no simulator clock: the saving depends only on the bodies.
Two message sets, and optionally your own:

- **word processor**: the message set of ``make simulate``'s ``word-processor`` scenario
  (``sms_constructs.simulate.scenarios.WordProcessor``: 200 messages cycling through 11 kinds, most of them pasted
  with curly quotes, dashes, ellipses, non-breaking and zero-width spaces);
- **realistic mix**: 10,000 messages of a healthcare team (one-time codes, two-part appointment reminders, results
  and prescription notices, a few offers with an emoji) to recipients whose names are sometimes written with letters
  outside GSM-7 (Françoise, Łukasz, Siobhán); a share of the senders' templates (``--pasted``, 15 %) was written in a
  word processor, so their apostrophes, quotes and dashes are "smart" ones. The shares are assumptions, stated below;
- ``--bodies FILE``: your own bodies, one per line (a line starting with ``"`` is read as a JSON string, for bodies
  with line breaks).

Per set: parts as written and as sent, the share saved, the spend saved at ``--price`` USD per part (default 0.0398,
the simulator's list price for GB), messages already GSM-7, normalised (and how many of those saved a part: a body of
at most 70 characters is one part either way), and the messages left UCS-2 by reason. Every body is also checked
against the properties the sender relies on: normalisation never increases parts, is idempotent, and never changes a
body that is already GSM-7 or that needs UCS-2 for another character.

Run: ``.venv/bin/python benchmarks/parts_saved.py``. Writes ``benchmarks/results/parts_saved.json`` and the plot
``docs/images/parts_saved.png``; ``--plot-only`` redraws it from the stored results without computing anything.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import IMAGES, REPO, RESULTS, pyplot, write_result

LAMBDA = REPO / "lambda"

#: The realistic mix: (kind, share of the messages, template as typed plainly). ``{name}``, ``{code}``, ``{ref}``,
#: ``{date}`` and ``{time}`` are filled in per message.
TEMPLATES: tuple[tuple[str, float, str], ...] = (
    ("one-time code", 0.40, "Your Acme Health code is {code}. It expires in 5 minutes. Don't share it with anyone."),
    (
        "appointment reminder (2 parts)",
        0.30,
        "Hi {name}, this is a reminder of your appointment at Acme Health on {date} at {time}. Reply C to confirm or R "
        "to rearrange. Can't make it? Call 0161 496 0000 - we're open 8am-6pm.",
    ),
    ("results ready", 0.15, 'Hi {name}, your "test results" are ready - log in to the Acme Health app to see them.'),
    (
        "prescription ready",
        0.12,
        "Your prescription (ref {ref}) is ready to collect from Acme Pharmacy - open 9am-5:30pm, Mon to Sat.",
    ),
    ("offer with an emoji", 0.03, "Hi {name} \U0001f44b flu jabs are back at Acme Health - book yours today..."),
)

#: First names of the recipients; the last four hold a letter outside GSM-7 (ç, ł, á, ë).
NAMES: tuple[str, ...] = (
    "Sam",
    "Priya",
    "James",
    "Olivia",
    "Mohammed",
    "Emma",
    "Noah",
    "Chloé",  # é is GSM-7
    "José",
    "Jürgen",  # ü is GSM-7
    "Aisha",
    "Tom",
    "Mei",
    "Liam",
    "Sofia",
    "Daniel",
    "Grace",
    "Omar",
    "Isla",
    "Ben",
    "Françoise",
    "Łukasz",
    "Siobhán",
    "Zoë",
)

#: What a word processor's autocorrect does to a template typed plainly ("smart" quotes, en dashes, an ellipsis).
_SMART = (
    (" - ", " \u2013 "),
    ("...", "\u2026"),
    ("8am-6pm", "8am\u20136pm"),
    ("9am-5:30pm", "9am\u20135:30pm"),
    ("'", "\u2019"),
)


def smarten(text: str) -> str:
    """``text`` as a word processor's autocorrect writes it: curly quotes and apostrophes, en dashes, an ellipsis."""
    for plain, smart in _SMART:
        text = text.replace(plain, smart)
    opening = True
    out = []
    for character in text:
        if character == '"':
            out.append("\u201c" if opening else "\u201d")
            opening = not opening
        else:
            out.append(character)
    return "".join(out)


def realistic_mix(messages: int, pasted: float, seed: int) -> list[str]:
    """``messages`` bodies of :data:`TEMPLATES` by their shares; a share ``pasted`` of the templates smartened."""
    rng = random.Random(seed)
    kinds = [template for _, _, template in TEMPLATES]
    weights = [share for _, share, _ in TEMPLATES]
    bodies = []
    for _ in range(messages):
        template = rng.choices(kinds, weights)[0]
        if rng.random() < pasted:
            template = smarten(template)
        bodies.append(
            template.format(
                name=rng.choice(NAMES),
                code=f"{rng.randrange(1_000_000):06d}",
                ref=f"RX{rng.randrange(100_000):05d}",
                date=f"{rng.choice(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])} {rng.randrange(1, 29)} May",
                time=f"{rng.randrange(8, 18)}:{rng.choice(['00', '15', '30', '45'])}",
            )
        )
    return bodies


def word_processor_set() -> list[str]:
    """The bodies of the simulator's ``word-processor`` scenario, with its defaults."""
    from sms_constructs.simulate.scenarios import WordProcessor  # noqa: PLC0415

    return [planned.body for planned in WordProcessor().traffic()]


def read_bodies(path: Path) -> list[str]:
    """One body per line of ``path``; a line starting with ``"`` is a JSON string."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) if line.startswith('"') else line for line in lines if line.strip()]


def _kind(character: str) -> str:
    if ord(character) > 0xFFFF or unicodedata.category(character) in {"So", "Sk"}:
        return "an emoji or symbol"
    if unicodedata.category(character).startswith("L"):
        return "a letter outside GSM-7"
    if unicodedata.category(character).startswith("P"):
        return "punctuation outside the table"
    return "another character"


def measure(bodies: Iterable[str], price: float) -> dict[str, Any]:
    """Parts as written and as sent, spend, what was normalised and why the rest was left UCS-2; the properties."""
    from sms_constructs_runtime.gsm7 import REPLACEMENTS, normalize_gsm7  # noqa: PLC0415
    from sms_constructs_runtime.parts import Encoding, count_parts, is_gsm7  # noqa: PLC0415

    table = str.maketrans(dict(REPLACEMENTS))
    written = sent = count = already = normalised = saved_a_part = 0
    reasons: Counter[str] = Counter()
    examples: defaultdict[str, Counter[str]] = defaultdict(Counter)
    violations: Counter[str] = Counter()
    for body in bodies:
        count += 1
        result = normalize_gsm7(body)
        written += result.before.parts
        sent += result.after.parts
        others = [c for c in body if c not in REPLACEMENTS and not is_gsm7(c)]
        if result.after.parts > result.before.parts:
            violations["more parts"] += 1
        if normalize_gsm7(result.body).body != result.body:
            violations["not idempotent"] += 1
        if result.changed and (result.before.encoding is Encoding.GSM7 or others):
            violations["changed a body it must leave alone"] += 1
        if result.before.encoding is Encoding.GSM7:
            already += 1
        elif result.changed:
            normalised += 1
            saved_a_part += result.parts_saved > 0
        if result.after.encoding is Encoding.UCS2:
            if others:
                reason = f"needs UCS-2 for {_kind(others[0])}"
                examples[reason][others[0]] += 1
            elif count_parts(body.translate(table)).parts > result.before.parts:
                reason = "normalising would take more parts"
            else:
                reason = "blank or too long once normalised"
            reasons[reason] += 1
    return {
        "messages": count,
        "parts_as_written": written,
        "parts_sent": sent,
        "parts_saved": written - sent,
        "share_saved": round((written - sent) / written, 4) if written else 0.0,
        "price_per_part_usd": price,
        "spend_as_written_usd": round(written * price, 2),
        "spend_sent_usd": round(sent * price, 2),
        "spend_saved_usd": round((written - sent) * price, 2),
        "spend_saved_per_10000_messages_usd": round((written - sent) * price / count * 10_000, 2) if count else 0.0,
        "already_gsm7": already,
        "normalised": normalised,
        "normalised_saving_a_part": saved_a_part,
        "left_ucs2": sum(reasons.values()),
        "left_ucs2_by_reason": dict(reasons.most_common()),
        "left_ucs2_examples": {
            reason: [f"U+{ord(c):04X} {c}" for c, _ in characters.most_common(4)]
            for reason, characters in examples.items()
        },
        "violations": dict(violations),
    }


#: The sets in the order of the table and the plot.
LABELS = {"word_processor": "pasted from a word processor", "realistic_mix": "realistic mix", "yours": "your bodies"}


def plot(sets: dict[str, dict[str, Any]]) -> Path:
    """Billed parts per 1,000 messages of each set, as written and as sent, with the share saved."""
    plt = pyplot()
    plt.rcParams.update({"font.size": 13})
    names = [name for name in LABELS if name in sets]
    figure, ax = plt.subplots(figsize=(9, 5))
    positions = range(len(names))
    for offset, key, colour, label in (
        (-0.18, "parts_as_written", "#ff7f0e", "as written (no normalisation)"),
        (0.18, "parts_sent", "#2ca02c", "as sent (normalize_characters=True)"),
    ):
        values = [sets[name][key] / sets[name]["messages"] * 1000 for name in names]
        bars = ax.bar([p + offset for p in positions], values, width=0.36, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=12)
    for position, name in zip(positions, names, strict=True):
        figure_set = sets[name]
        top = figure_set["parts_as_written"] / figure_set["messages"] * 1000
        ax.annotate(
            f"{figure_set['share_saved']:.0%} fewer parts",
            (position, top),
            textcoords="offset points",
            xytext=(0, 26),
            ha="center",
            fontweight="bold",
        )
    ax.set_xticks(list(positions), labels=[f"{LABELS[name]}\n({sets[name]['messages']:,} messages)" for name in names])
    highest = max(sets[name]["parts_as_written"] / sets[name]["messages"] * 1000 for name in names)
    ax.set_ylim(0, highest * 1.3)
    ax.set_ylabel("billed parts per 1,000 messages")
    ax.set_title("GSM-7 normalisation: parts billed as written and as sent", fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=11)
    figure.tight_layout()
    path = IMAGES / "parts_saved.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def table(sets: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| message set | messages | parts as written | parts sent | saved | spend saved | per 10,000 messages | "
        "already GSM-7 | normalised (saving a part) | left UCS-2 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in (n for n in LABELS if n in sets):
        s = sets[name]
        lines.append(
            f"| {LABELS[name]} | {s['messages']:,} | {s['parts_as_written']:,} | {s['parts_sent']:,} | "
            f"**{s['share_saved']:.1%}** | {s['spend_saved_usd']:,.2f} USD | "
            f"{s['spend_saved_per_10000_messages_usd']:,.2f} USD | {s['already_gsm7']:,} | "
            f"{s['normalised']:,} ({s['normalised_saving_a_part']:,}) | {s['left_ucs2']:,} |"
        )
    lines += ["", "| message set | left UCS-2 because | messages | first such characters |", "|---|---|---|---|"]
    for name in (n for n in LABELS if n in sets):
        s = sets[name]
        for reason, messages in s["left_ucs2_by_reason"].items():
            characters = ", ".join(s["left_ucs2_examples"].get(reason, [])) or "—"
            lines.append(f"| {LABELS[name]} | {reason} | {messages:,} | {characters} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages of the realistic mix")
    parser.add_argument("--pasted", type=float, default=0.15, help="share of the mix's templates from a word processor")
    parser.add_argument("--price", type=float, default=0.0398, help="USD per part (default: GB in the simulator)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bodies", type=Path, default=None, help="your own bodies, one per line")
    parser.add_argument(
        "--plot-only", action="store_true", help="redraw the plot from the stored results; compute nothing"
    )
    args = parser.parse_args()
    if args.plot_only:
        stored = json.loads((RESULTS / "parts_saved.json").read_text(encoding="utf-8"))
        print(f"Plot: {plot(stored['figures']['sets']).relative_to(REPO)}\n")
        print(table(stored["figures"]["sets"]))
        return 0
    sys.path.insert(0, str(LAMBDA))
    from sms_constructs_runtime.parts import is_gsm7  # noqa: PLC0415

    sets = {
        "word_processor": measure(word_processor_set(), args.price),
        "realistic_mix": measure(realistic_mix(args.messages, args.pasted, args.seed), args.price),
    }
    if args.bodies is not None:
        sets["yours"] = measure(read_bodies(args.bodies), args.price)
    figures = {
        "price_per_part_usd": args.price,
        "realistic_mix": {
            "messages": args.messages,
            "pasted": args.pasted,
            "seed": args.seed,
            "templates": {kind: share for kind, share, _ in TEMPLATES},
            "names_outside_gsm7": round(sum(1 for name in NAMES if not is_gsm7(name)) / len(NAMES), 4),
        },
        "sets": sets,
    }
    path = write_result("parts_saved", figures)
    image = plot(sets)
    print(f"Results: {path.relative_to(REPO)}; plot: {image.relative_to(REPO)}\n")
    print(table(sets))
    violations = sum(sum(s["violations"].values()) for s in sets.values())
    print(
        "\n"
        + "; ".join(
            f"{LABELS[name]}: {s['parts_saved']:,} of {s['parts_as_written']:,} parts saved ({s['share_saved']:.1%}), "
            f"{s['spend_saved_per_10000_messages_usd']:,.2f} USD per 10,000 messages at {args.price} USD per part"
            for name, s in sets.items()
        )
        + f"; property violations {violations}"
    )
    return 0 if violations == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
