"""MkDocs hook: Mermaid served by the site itself, and a full-size view of every diagram.

Material for MkDocs renders each ```` ```mermaid ```` block with the global ``mermaid`` when a page defines one, and
otherwise fetches the script from a public CDN: offline, behind a proxy or read from disk the diagrams then stay raw
source. This hook makes the site self-contained:

- it copies ``node_modules/mermaid/dist/mermaid.min.js`` (the version ``package-lock.json`` pins; ``npm ci``
  installs it) to ``javascripts/mermaid.min.js`` in the site, and fails the build with the command to run when it is
  missing, rather than falling back to the CDN;
- it loads that script, before Material's own, on the pages that hold a diagram (and only there: it is 3.5 MB);
- it writes, beside each page with diagrams, one plain HTML page per diagram (``<page>-full-<n>.html``) that draws it
  at its natural size, and puts a "Full-size view" link under the diagram. Those pages load the same local script,
  so they too work from disk.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parents[2]
#: The script npm installs (``package.json`` pins the version), and where the site serves it.
MERMAID_SOURCE = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
MERMAID_URI = "javascripts/mermaid.min.js"
#: A ```` ```mermaid ```` fence at any indentation (inside an admonition or a tab too).
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```mermaid[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.MULTILINE | re.DOTALL
)
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$", re.MULTILINE)
#: Material's own script: Mermaid must be defined before it looks for it.
BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[^"]*"')

FULL_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · full size · {site_name}</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1rem 1.5rem; color: #212121; }}
  header {{ font-size: 0.9rem; margin-bottom: 1rem; }}
  h1 {{ font-size: 1.25rem; font-weight: 500; }}
  pre.mermaid {{ background: none; margin: 0; }}
</style>
</head>
<body>
<header><a href="{back}">&larr; {page}</a></header>
<h1>{title}</h1>
<pre class="mermaid">
{source}
</pre>
<script src="{script}"></script>
<script>
  mermaid.initialize({{ startOnLoad: true, securityLevel: "strict", flowchart: {{ useMaxWidth: false }} }});
</script>
</body>
</html>
"""


def full_size_uri(src_uri: str, number: int) -> str:
    """Where the full-size view of the ``number``-th diagram (from 1) of the page ``src_uri`` is written."""
    return f"{src_uri.removesuffix('.md')}-full-{number}.html"


def diagrams(markdown: str) -> list[tuple[str, str]]:
    """Each Mermaid diagram of ``markdown``: (the nearest heading above it, its source without the indentation)."""
    found = []
    for match in FENCE.finditer(markdown):
        headings = HEADING.findall(markdown, 0, match.start())
        title = headings[-1].strip() if headings else "Diagram"
        indent = match["indent"]
        body = "\n".join(line.removeprefix(indent) for line in match["body"].rstrip("\n").split("\n"))
        found.append((_plain(title), body))
    return found


def _plain(title: str) -> str:
    """A heading without its Markdown: ``code`` marks, links and attribute lists."""
    title = re.sub(r"\{[^}]*\}$", "", title).strip()
    title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return title.replace("`", "")


def full_size_page(*, title: str, source: str, uri: str, page_uri: str, page_title: str, site_name: str) -> str:
    """The HTML of the full-size view at ``uri`` of a diagram from the page ``page_uri`` (its ``.html`` address)."""
    return FULL_PAGE.format(
        title=html.escape(title),
        site_name=html.escape(site_name),
        back=html.escape(get_relative_url(page_uri, uri)),
        page=html.escape(page_title),
        source=html.escape(source),
        script=html.escape(get_relative_url(MERMAID_URI, uri)),
    )


def on_config(config: Any, **_: Any) -> Any:
    """Fail at once, with the fix, when the Mermaid script npm installs is not there."""
    if not MERMAID_SOURCE.is_file():
        raise PluginError(
            f"{MERMAID_SOURCE.relative_to(ROOT)} is missing: run `npm ci` (or `make node_modules/.installed`); "
            "the site serves Mermaid itself instead of loading it from a CDN"
        )
    return config


def on_files(files: Files, config: Any, **_: Any) -> Files:
    """Add the Mermaid script and a full-size page for every diagram of every page."""
    files.append(File.generated(config, MERMAID_URI, abs_src_path=str(MERMAID_SOURCE)))
    for file in list(files.documentation_pages()):
        text = file.content_string
        page_title = _page_title(text, file.src_uri)
        page_uri = file.src_uri.removesuffix(".md") + ".html"
        for number, (title, source) in enumerate(diagrams(text), start=1):
            uri = full_size_uri(file.src_uri, number)
            content = full_size_page(
                title=title,
                source=source,
                uri=uri,
                page_uri=page_uri,
                page_title=page_title,
                site_name=str(config["site_name"]),
            )
            files.append(File.generated(config, uri, content=content))
    return files


def _page_title(markdown: str, src_uri: str) -> str:
    first = re.search(r"^#[ \t]+(?P<text>.+?)[ \t#]*$", markdown, re.MULTILINE)
    return _plain(first["text"]) if first else src_uri.removesuffix(".md")


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    """A "Full-size view" link under each diagram (the pages were written by :func:`on_files`)."""
    number = 0

    def link(match: re.Match[str]) -> str:
        nonlocal number
        number += 1
        target = full_size_uri(page.file.src_uri, number).rsplit("/", 1)[-1]
        return (
            f"{match[0]}\n\n{match['indent']}[Full-size view of this diagram]({target})"
            '{ .diagram-full-size title="The diagram alone, at its natural size" }'
        )

    return FENCE.sub(link, markdown)


def on_post_page(output: str, page: Page, **_: Any) -> str:
    """Load the local Mermaid script, before Material's, on a page that holds a diagram."""
    if 'class="mermaid"' not in output:
        return output
    tag = f'<script src="{get_relative_url(MERMAID_URI, page.url)}"></script>\n'
    match = BUNDLE.search(output)
    at = match.start() if match else output.rindex("</body>")
    return output[:at] + tag + output[at:]
