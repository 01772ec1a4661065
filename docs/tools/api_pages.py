"""MkDocs hook: the API reference pages, generated from ``__all__`` of ``sms_constructs`` and the runtime.

Every exported name is documented once, on the page of the module that defines it (``Pool`` and ``PoolBase`` on
``api/resources/pool.md``), and the pages are grouped by layer in the navigation. The names are read statically with
griffe (no import of aws-cdk-lib), so a name added to ``__all__`` gets its page without editing any file here.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import griffe
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
#: Where each documented package is found (as the wheel maps them).
SEARCH_PATHS = [ROOT, ROOT / "lambda"]
PACKAGES = ("sms_constructs", "sms_constructs_runtime")

#: Layers of the navigation, by the prefix of the defining module (first match wins), and the folder of their pages.
LAYERS = (
    ("sms_constructs.resources.", "Resources (L2)", "resources"),
    ("sms_constructs.patterns.", "Patterns (L3)", "patterns"),
    ("sms_constructs.checks", "Rule pack", "checks"),
    ("sms_constructs.strict_warnings", "Rule pack", "compliance"),
    ("sms_constructs._private.errors", "Errors", "errors"),
    ("sms_constructs_runtime.", "Runtime", "runtime"),
)
#: Constants whose value is longer than this (characters of source) are documented without it.
LONG_VALUE = 200
#: Page titles that are not the module's name in words.
TITLES = {
    "errors": "ValidationError",
    "checks": "SmsChecks",
    "common": "Common enums",
    "two_way": "Two-way SMS",
    "opt_out_list": "Opt-out list",
}
#: Words of module names written otherwise in titles.
WORDS = {"rcs": "RCS", "id": "ID", "sms": "SMS"}


@dataclasses.dataclass
class ApiPage:
    """One generated page: the public names one module defines."""

    module: str
    layer: str
    uri: str
    title: str
    #: (canonical path, name users import, packages that export it)
    names: list[tuple[str, str, list[str]]] = dataclasses.field(default_factory=list)
    #: Canonical paths of constants whose value is too long to print (a set of every country code).
    long_values: set[str] = dataclasses.field(default_factory=set)

    def markdown(self) -> str:
        """The page: a title, how to import its names, then a mkdocstrings block per name."""
        lines = [f"# {self.title}", "", f"Defined in `{self.module}`. Import with:", ""]
        for _, name, packages in self.names:
            also = f" (also exported by `{'`, `'.join(packages[1:])}`)" if len(packages) > 1 else ""
            lines.append(f"- `from {packages[0]} import {name}`{also}")
        for path, _, _ in self.names:
            lines.extend(["", f"::: {path}"])
            if path in self.long_values:
                lines.extend(["    options:", "      show_attribute_values: false"])
        return "\n".join(lines) + "\n"


@functools.cache
def api_pages() -> tuple[ApiPage, ...]:
    """The API pages, in navigation order (layers as in :data:`LAYERS`, then module path)."""
    loader = griffe.GriffeLoader(search_paths=[str(path) for path in SEARCH_PATHS])
    packages = {name: loader.load(name) for name in PACKAGES}
    loader.resolve_aliases(external=False)
    pages: dict[str, ApiPage] = {}
    for package_name, package in packages.items():
        assert isinstance(package, griffe.Module)
        for name in _exports(package):
            target = package[name]
            canonical = target.final_target if isinstance(target, griffe.Alias) else target
            module = canonical.module.path
            page = pages.get(module) or pages.setdefault(module, _page_for(module))
            existing = next((entry for entry in page.names if entry[0] == canonical.path), None)
            if existing is None:
                page.names.append((canonical.path, name, [package_name]))
                if isinstance(canonical, griffe.Attribute) and len(str(canonical.value or "")) > LONG_VALUE:
                    page.long_values.add(canonical.path)
            else:
                existing[2].append(package_name)
    for page in pages.values():
        # Runtime names are imported from the runtime first: that is what a producer without aws-cdk-lib can use.
        for _, _, exporters in page.names:
            exporters.sort(key=lambda package: (not page.module.startswith(package + "."), package))
    order = {layer: index for index, (_, layer, _) in enumerate(LAYERS)}
    return tuple(sorted(pages.values(), key=lambda page: (order[page.layer], page.title)))


def _exports(package: griffe.Module) -> list[str]:
    exports = package.exports
    if not exports:
        raise ValueError(f"{package.path} has no __all__ to document")
    return [str(name) for name in exports]


def _page_for(module: str) -> ApiPage:
    for prefix, layer, folder in LAYERS:
        if module == prefix.rstrip(".") or module.startswith(prefix):
            leaf = module.rsplit(".", 1)[-1].strip("_")
            words = " ".join(WORDS.get(word, word) for word in leaf.split("_"))
            title = TITLES.get(leaf) or words[:1].upper() + words[1:]
            uri = f"api/{folder}.md" if folder in ("checks", "errors") else f"api/{folder}/{leaf}.md"
            return ApiPage(module=module, layer=layer, uri=uri, title=title)
    raise ValueError(f"{module} defines a public name but belongs to no layer of the API reference: add it to LAYERS")


def index_markdown(pages: tuple[ApiPage, ...]) -> str:
    """The overview page: every public name, by layer, linked to its page."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings of every name in `sms_constructs.__all__` and `sms_constructs_runtime.__all__`",
        "(the runtime imports neither aws-cdk-lib nor Node.js: producers use it on its own). The guides in the other",
        "sections show each construct in use; these pages list every prop, method and default.",
    ]
    for _, layer, _ in LAYERS:
        in_layer = [page for page in pages if page.layer == layer]
        if not in_layer:
            continue
        lines.extend(["", f"## {layer}", "", "| Page | Names |", "|---|---|"])
        for page in in_layer:
            link = Path(page.uri).relative_to("api").as_posix()
            names = ", ".join(f"[`{name}`][{path}]" for path, name, _ in page.names)
            lines.append(f"| [{page.title}]({link}) | {names} |")
    return "\n".join(lines) + "\n"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Append the API reference section (overview, then the pages by layer) to the navigation."""
    pages = api_pages()
    section: list[Any] = ["api/index.md"]
    for _, layer, _ in LAYERS:
        in_layer = [{page.title: page.uri} for page in pages if page.layer == layer]
        if len(in_layer) == 1:
            section.append({layer: next(iter(in_layer[0].values()))})
        elif in_layer:
            section.append({layer: in_layer})
    config.nav = [*(config.nav or []), {"API reference": section}]
    return config


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Add the generated pages."""
    pages = api_pages()
    files.append(File.generated(config, "api/index.md", content=index_markdown(pages)))
    for page in pages:
        files.append(File.generated(config, page.uri, content=page.markdown()))
    return files
