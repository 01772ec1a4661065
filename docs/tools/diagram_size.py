"""How large the generated architecture diagrams' text is on the site at a laptop's width.

``python docs/tools/diagram_size.py`` (``make docs-check`` runs it too) draws every Mermaid diagram of the pages
``make diagram`` writes (``docs/sample-app/diagram.md``, and the overview in ``README.md`` and ``docs/index.md``)
with the site's own Mermaid (``node_modules/mermaid``) in headless Chromium, reads each diagram's natural width (its
SVG ``viewBox``) and prints it with the text size it gets once scaled to the content column: Mermaid draws its labels
at :data:`FONT_PX` and the theme shrinks a diagram wider than the column (:data:`COLUMN_PX`, the content column of
the site in a 1280 px window) to fit it, so a diagram of natural width *w* shows its text at
``FONT_PX * min(1, COLUMN_PX / w)``. It exits 1 when a diagram's text is under :data:`MIN_TEXT_PX`.

Needs ``chromium`` and ``websocket-client`` (as ``render_check.py``); the unit tests hold a structural proxy for the
same rule (``tests/sample_app/test_diagram.py``), since the test suite has no browser.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_check import PAGE_TIMEOUT_S, DevTools, chromium, serve  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[2]
#: The Markdown files whose diagrams ``make diagram`` generates.
SOURCES = ("docs/sample-app/diagram.md", "README.md", "docs/index.md")
MERMAID_SCRIPT = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
#: The width of the site's content column in a 1280 px window (measured with render_check.py's browser).
COLUMN_PX = 750
#: Mermaid's label font size at natural size.
FONT_PX = 16
#: The smallest text the diagrams may show at 1280 px.
MIN_TEXT_PX = 11
FENCE = re.compile(r"^```mermaid[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"></head>
<body><div id="out"></div><script src="mermaid.min.js"></script>
<script>mermaid.initialize({ startOnLoad: false, securityLevel: "strict", flowchart: { useMaxWidth: false } });</script>
</body></html>
"""
#: Draws each source (a JSON list) and returns the ``viewBox`` width and height of each SVG.
RENDER_JS = r"""
(async (sources) => {
  const sizes = [];
  for (let i = 0; i < sources.length; i++) {
    const { svg } = await mermaid.render(`d${i}`, sources[i]);
    const box = /viewBox="([-\d.e]+) ([-\d.e]+) ([-\d.e]+) ([-\d.e]+)"/.exec(svg);
    sizes.push(box ? [Number(box[3]), Number(box[4])] : [0, 0]);
  }
  return sizes;
})
"""


@dataclasses.dataclass(frozen=True)
class Size:
    """One diagram's natural size and the text size it shows in the column."""

    source: str
    title: str
    width: float
    height: float

    def text_px(self, column: float = COLUMN_PX) -> float:
        """The label size once the diagram is scaled to fit ``column``."""
        return FONT_PX * min(1.0, column / self.width) if self.width else FONT_PX


def generated_diagrams(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """(file, nearest heading, Mermaid source) of every diagram of :data:`SOURCES`."""
    found = []
    for name in SOURCES:
        text = (root / name).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            headings = HEADING.findall(text, 0, match.start())
            found.append((name, headings[-1] if headings else "top", match["body"]))
    return found


def measure(diagrams: Sequence[tuple[str, str, str]], executable: str) -> list[Size]:
    """Every diagram drawn by the site's Mermaid in headless Chromium: its natural size."""
    with tempfile.TemporaryDirectory(prefix="diagram-size-") as folder:
        shutil.copy(MERMAID_SCRIPT, Path(folder) / "mermaid.min.js")
        (Path(folder) / "index.html").write_text(PAGE, encoding="utf-8")
        with serve(Path(folder)) as origin, chromium(executable) as ws_url:
            devtools = DevTools(ws_url)
            try:
                target = devtools.call("Target.createTarget", url="about:blank")["targetId"]
                session = devtools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
                devtools.call("Page.enable", session)
                devtools.call("Page.navigate", session, url=f"{origin}/index.html")
                devtools.wait_for("Page.loadEventFired", session, PAGE_TIMEOUT_S)
                sources = json.dumps([body for _, _, body in diagrams])
                sizes: list[list[float]] = devtools.evaluate(
                    session, f"({RENDER_JS})({sources})", "drawing the diagrams"
                )
            finally:
                devtools.close()
    return [Size(name, title, w, h) for (name, title, _), (w, h) in zip(diagrams, sizes, strict=True)]


def table(sizes: Sequence[Size], column: float = COLUMN_PX) -> str:
    """A Markdown table: file, heading, natural width and height, text size in the column."""
    lines = ["| File | Diagram | Natural width | Height | Text at 1280 px |", "|---|---|---:|---:|---:|"]
    for size in sizes:
        flag = "" if size.text_px(column) >= MIN_TEXT_PX else " **too small**"
        lines.append(
            f"| {size.source} | {size.title} | {size.width:.0f} px | {size.height:.0f} px | "
            f"{size.text_px(column):.1f} px{flag} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--chromium", default="chromium", help="the Chromium executable")
    parser.add_argument("--column", type=float, default=COLUMN_PX, help="the content column's width in px")
    args = parser.parse_args(argv)
    executable = shutil.which(args.chromium)
    if executable is None:
        print(f"{args.chromium} not found: install Chromium (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    sizes = measure(generated_diagrams(), executable)
    print(table(sizes, args.column))
    small = [size for size in sizes if size.text_px(args.column) < MIN_TEXT_PX]
    if small:
        print(f"{len(small)} diagram(s) with text under {MIN_TEXT_PX} px at 1280 px", file=sys.stderr)
    return 1 if small else 0


if __name__ == "__main__":
    sys.exit(main())
