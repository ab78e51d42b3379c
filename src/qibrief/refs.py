"""The bibliography (references.yaml): reading it, listing it in the brief's style, and linting it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from .citestyle import resolve_style
from .metadata import read_metadata
from .pandoc import READER, run_pandoc
from .problems import WARNING, BuildError, Problem
from .project import locate_project
from .sections import collect_sections
from .yamlfile import load_yaml

CREATOR_FIELDS = ("author", "editor", "publisher", "container-author", "authority")


def read_references(path: Path, display: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Load the CSL-YAML entries; return them with the problems of ids (missing, non-string, duplicate)."""
    raw = load_yaml(path, display)
    entries = raw.get("references") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise BuildError("References refused.", [Problem(display, 1, "expected 'references:' followed by a list of entries")])
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    good = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(display, None, f"entry {index}: expected a mapping with id:, type:, title:"))
            continue
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident:
            problems.append(Problem(display, None, f"entry {index}: id {ident!r} must be a non-empty string (quote it)"))
            continue
        if ident in seen:
            problems.append(Problem(display, None, f"duplicate id '{ident}' (entries {seen[ident]} and {index})"))
            continue
        seen[ident] = index
        good.append(entry)
    return good, problems


def lint_references(entries: list[dict[str, Any]], cited: set[str], display: str) -> list[Problem]:
    """Flag entries never cited, and entries without a title, a date, or an author or publisher."""
    problems = []
    for entry in entries:
        ident = entry["id"]
        if ident not in cited:
            problems.append(Problem(display, None, f"'{ident}' is never cited", WARNING))
        if not entry.get("title"):
            problems.append(Problem(display, None, f"'{ident}' has no title"))
        if not entry.get("issued") and not entry.get("accessed") and entry.get("type") != "legislation":
            problems.append(Problem(display, None, f"'{ident}' has neither an issued nor an accessed date", WARNING))
        if not any(entry.get(f) for f in CREATOR_FIELDS) and not entry.get("container-title"):
            problems.append(Problem(display, None, f"'{ident}' has no author, publisher or container", WARNING))
    return problems


def cited_keys(ast: dict) -> set[str]:
    """Every citation key cited anywhere in a Pandoc JSON AST."""
    return {citation["citationId"] for citation in _walk_citations(ast)}


def _walk_citations(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            yield from node["c"][0]
        for value in node.values():
            yield from _walk_citations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_citations(value)


def render_entries(entries: list[dict[str, Any]], csl: Path, lang: str) -> list[tuple[str, str]]:
    """Each entry as (id, text) in the style's bibliography form, rendered by citeproc-py."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(csl), locale=lang, validate=False)
    rendered = []
    for entry in entries:
        source = CiteProcJSON([_for_citeproc_py(entry)])
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        bibliography.register(Citation([CitationItem(entry["id"])]))
        texts = [str(item) for item in bibliography.bibliography()]
        rendered.append((entry["id"], " ".join(texts)))
    return sorted(rendered, key=lambda pair: pair[1].lower())


_PANDOC_SPAN = re.compile(r"\[([^\]]*)\]\{[^}]*\}")


def _for_citeproc_py(entry: dict[str, Any]) -> dict[str, Any]:
    # citeproc-py wants CSL-JSON: string values, ids in lower case as it looks them up, and no
    # Pandoc markup such as [than]{.nocase}, which Pandoc's citeproc reads but citeproc-py prints.
    text = json.dumps(entry, default=str, ensure_ascii=False)
    data = json.loads(_PANDOC_SPAN.sub(lambda m: m.group(1), text))
    data["id"] = data["id"].lower()
    return data


def list_references(root: Path) -> tuple[list[str], list[Problem]]:
    """The `refs` command: one line per entry, and the problems found."""
    project = locate_project(root)
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    display = project.display(project.references_file)
    entries, problems = read_references(project.references_file, display)
    sections, section_problems = collect_sections(project.content_dir, project.root)
    problems += section_problems
    ast = json.loads(run_pandoc(["--from", READER, "--to", "json", *[str(s.path) for s in sections]], sections=sections).output)
    problems += lint_references(entries, cited_keys(ast), display)
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    listing = [f"{ident}: {text}" for ident, text in render_entries(entries, csl, meta.lang)]
    return listing, problems
