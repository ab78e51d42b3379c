"""The bibliography (references.yaml): reading it, listing it in the brief's style, and linting it."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from .checks.references import Entry, check_unused, read_entries
from .checks.sources import cited_in_text
from .citestyle import load_style, resolve_style
from .metadata import read_metadata
from .problems import WARNING, Problem
from .project import locate_project
from .sections import collect_sections

CREATOR_FIELDS = ("author", "editor", "publisher", "container-author", "authority")


def lint_references(entries: list[Entry], display: str) -> list[Problem]:
    """Flag entries without a title, without any date, or without an author, publisher or container."""
    problems = []
    for entry in entries:
        fields, ident = entry.fields, entry.ident
        if not fields.get("title"):
            problems.append(Problem(display, entry.line, f"'{ident}' has no title"))
        if not fields.get("issued") and not fields.get("accessed") and fields.get("type") != "legislation":
            problems.append(Problem(display, entry.line, f"'{ident}' has neither an issued nor an accessed date", WARNING))
        if not any(fields.get(f) for f in CREATOR_FIELDS) and not fields.get("container-title"):
            problems.append(Problem(display, entry.line, f"'{ident}' has no author, publisher or container", WARNING))
    return problems


def render_entries(entries: list[dict[str, Any]], style_bytes: bytes, lang: str) -> list[tuple[str, str]]:
    """Each entry as (id, text) in the bibliography form of an independent style (citestyle.load_style),
    rendered by citeproc-py."""
    style = CitationStylesStyle(io.BytesIO(style_bytes), locale=lang, validate=False)
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
    entries, problems = read_entries(project.references_file, display)
    sections, section_problems = collect_sections(project.content_dir, project.root)
    problems += section_problems
    problems += check_unused(entries, {key for key, _, _ in cited_in_text(sections)}, display)
    problems += lint_references(entries, display)
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    style = load_style(csl, display=project.display(csl), within=project.allowed_roots, styles_dir=project.styles_dir)
    listing = [f"{ident}: {text}" for ident, text in render_entries([e.fields for e in entries], style, meta.lang)]
    return listing, problems
