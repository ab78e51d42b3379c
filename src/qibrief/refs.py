"""The bibliography (references.yaml) as the brief prints it: each entry's full and short note form, from
Pandoc's citeproc in the brief's style, and the entries that are never cited or incomplete.

citeproc-py reads each entry as CSL data (its date, name and field checks); the forms come from Pandoc's citeproc,
the engine that prints the brief's notes: one Pandoc run over a generated document that cites every entry twice,
first as the brief first cites it (with that citation's locator), then with no locator.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproc.source.json import CiteProcJSON

from .checks.references import Entry, check_unused, read_entries
from .checks.sources import cited_in_text
from .citestyle import load_style, resolve_style, style_files
from .document import cite_groups
from .metadata import read_metadata
from .pandoc import READER, run_pandoc
from .problems import WARNING, BuildError, Problem
from .project import Project, locate_project
from .sections import Section, collect_sections

CREATOR_FIELDS = ("author", "editor", "publisher", "container-author", "authority")


@dataclass(frozen=True)
class FirstCitation:
    """Where the brief first cites an entry, the suffix written there (Pandoc's JSON inlines), and how often."""

    place: str
    suffix: tuple
    count: int
    order: int  # the entry's rank among the cited ones, by first citation


@dataclass(frozen=True)
class Listed:
    """One entry as `refs` shows it."""

    ident: str
    full: str
    short: str
    first: FirstCitation | None
    gaps: tuple[str, ...]


def entry_gaps(entry: Entry) -> list[str]:
    """What an entry lacks for a complete note: a title, a date, a creator."""
    fields = entry.fields
    gaps = []
    if not fields.get("title"):
        gaps.append("no title")
    if not fields.get("issued") and not fields.get("accessed") and fields.get("type") != "legislation":
        gaps.append("no issued or accessed date")
    if not any(fields.get(f) for f in CREATOR_FIELDS) and not fields.get("container-title"):
        gaps.append("no author, publisher or container")
    return gaps


def lint_references(entries: list[Entry], display: str) -> list[Problem]:
    """Flag entries without a title (an error), without any date, or without an author, publisher or container."""
    problems = []
    for entry in entries:
        gaps, ident = entry_gaps(entry), entry.ident
        if "no title" in gaps:
            problems.append(Problem(display, entry.line, f"'{ident}' has no title"))
        if "no issued or accessed date" in gaps:
            problems.append(Problem(display, entry.line, f"'{ident}' has neither an issued nor an accessed date", WARNING))
        if "no author, publisher or container" in gaps:
            problems.append(Problem(display, entry.line, f"'{ident}' has no author, publisher or container", WARNING))
    return problems


_PANDOC_SPAN = re.compile(r"\[([^\]]*)\]\{[^}]*\}")


def _for_citeproc_py(entry: dict[str, Any]) -> dict[str, Any]:
    # citeproc-py wants CSL-JSON: string values, ids in lower case as it looks them up, and no
    # Pandoc markup such as [than]{.nocase}, which Pandoc's citeproc reads but citeproc-py keeps.
    text = json.dumps(entry, default=str, ensure_ascii=False)
    data = json.loads(_PANDOC_SPAN.sub(lambda m: m.group(1), text))
    data["id"] = str(data["id"]).lower()
    return data


def check_csl_data(entries: list[Entry], display: str) -> list[Problem]:
    """Each entry read as CSL data by citeproc-py: a value it cannot read is an error, a field or name part it
    does not know (a typo, often) a warning."""
    problems = []
    for entry in entries:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                CiteProcJSON([_for_citeproc_py(entry.fields)])
            except Exception as exc:  # noqa: BLE001 - citeproc-py raises whatever its readers meet
                problems.append(Problem(display, entry.line, f"'{entry.ident}' cannot be read as CSL data "
                                        f"({type(exc).__name__}: {exc}); see the CSL-YAML form of each field"))
                continue
        for warning in caught:
            text = str(warning.message)
            if "unsupported" in text:
                # citeproc-py spells CSL's hyphens as underscores: give the names back as the file has them.
                unknown = text.rsplit(":", 1)[-1].strip().replace("_", "-")
                part = "name part" if "for Name" in text else "field"
                problems.append(Problem(display, entry.line, f"'{entry.ident}' has a {part} CSL does not know: "
                                        f"{unknown} (a typo?)", WARNING))
    return problems


def first_citations(project: Project, sections: list[Section]) -> dict[str, FirstCitation]:
    """Each cited key's first citation in the brief, as Pandoc's reader parses the sections (no citeproc)."""
    if not sections:
        return {}
    run = run_pandoc(["--from", READER, "--to", "json", *[str(s.path) for s in sections]],
                     sections=sections, cwd=project.root, what="reading the sections' citations",
                     warnings_fail=False)  # the build reports Pandoc's warnings; here they change no citation
    ast = json.loads(run.output)
    places = _places(sections)
    found: dict[str, FirstCitation] = {}
    for citation in _citations(ast.get("blocks", [])):
        key = citation["citationId"]
        if key in found:
            previous = found[key]
            found[key] = FirstCitation(previous.place, previous.suffix, previous.count + 1, previous.order)
        else:
            suffix = tuple(citation.get("citationSuffix", []))
            found[key] = FirstCitation(places.get(key, "content/"), suffix, 1, len(found))
    return found


def _places(sections: list[Section]) -> dict[str, str]:
    # file:line of each key's first citation, for the listing (the AST holds no lines).
    places: dict[str, str] = {}
    for key, display, line in cited_in_text(sections):
        places.setdefault(key, f"{display}:{line}")
    return places


def _citations(node: Any):
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            yield from node["c"][0]
            yield from _citations(node["c"][1])
            return
        for value in node.values():
            yield from _citations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _citations(value)


def render_forms(project: Project, csl: Path, style: bytes, keys: list[str],
                 firsts: dict[str, FirstCitation], api_version: list) -> dict[str, tuple[str, str]]:
    """(full, short) of each key as the brief's notes print them: the full form with the suffix of the brief's
    first citation, the short form with none."""
    def cite(key: str, suffix: list) -> dict:
        citation = {"citationId": key, "citationPrefix": [], "citationSuffix": suffix,
                    "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 0, "citationHash": 0}
        return {"t": "Para", "c": [{"t": "Str", "c": "Text."}, {"t": "Cite", "c": [[citation], []]}]}

    blocks = [cite(key, list(firsts[key].suffix) if key in firsts else []) for key in keys]
    blocks += [cite(key, []) for key in keys]
    document = {"pandoc-api-version": api_version, "meta": {}, "blocks": blocks}
    run = run_pandoc(
        ["--from", "json", "--to", "json", "--metadata-file", str(project.metadata_file),
         "--citeproc", "--metadata", "suppress-bibliography=true",
         "--csl", str(csl), "--bibliography", str(project.references_file)],
        stdin=json.dumps(document).encode("utf-8"), cwd=project.root,
        files=style_files(csl, style), what="formatting each entry's full and short note",
    )
    groups = cite_groups(json.loads(run.output))
    if len(groups) != 2 * len(keys):
        raise BuildError(f"refs: Pandoc's citeproc gave {len(groups)} citations for {2 * len(keys)}")
    return {key: (groups[i].text, groups[len(keys) + i].text) for i, key in enumerate(keys)}


def _api_version() -> list:
    # The AST version of the installed Pandoc, from an empty document (the generated one must carry it).
    run = run_pandoc(["--from", "markdown", "--to", "json"], stdin=b"", what="reading Pandoc's AST version")
    return json.loads(run.output)["pandoc-api-version"]


def list_references(root: Path) -> tuple[list[str], list[Problem]]:
    """The `refs` command: each entry's full and short note form, with its marks, and the problems found."""
    project = locate_project(root)
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    display = project.display(project.references_file)
    entries, problems = read_entries(project.references_file, display)
    if any(p.is_error for p in problems):
        return [], problems  # Pandoc would stop on the same file
    problems += lint_references(entries, display) + check_csl_data(entries, display)
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    style = load_style(csl, display=project.display(csl), within=project.allowed_roots, styles_dir=project.styles_dir)

    sections, section_problems = collect_sections(project.content_dir, project.root)
    problems += section_problems
    firsts: dict[str, FirstCitation] | None = None
    if not any(p.is_error for p in section_problems):
        try:
            firsts = first_citations(project, sections)
        except BuildError as exc:
            problems += exc.problems or [Problem(project.display(project.content_dir), None, exc.message)]
    if firsts is None:
        problems.append(Problem(project.display(project.content_dir), None, "the sections could not be read, so "
                                "which entries they cite is unknown: none is called unused, and the full forms carry "
                                "no locator", WARNING))
    else:
        problems += check_unused(entries, set(firsts), display)

    keys = [e.ident for e in entries]
    forms = render_forms(project, csl, style, keys, firsts or {}, _api_version()) if keys else {}
    listed = [Listed(e.ident, *forms[e.ident], (firsts or {}).get(e.ident), tuple(entry_gaps(e))) for e in entries]
    return _listing(listed, cited_known=firsts is not None), problems


def _listing(listed: list[Listed], *, cited_known: bool) -> list[str]:
    # In the order the brief first cites them, then the entries it never cites, in file order.
    order = sorted(range(len(listed)), key=lambda i: (listed[i].first is None, listed[i].first.order if listed[i].first else i))
    lines = []
    for i in order:
        item = listed[i]
        marks = []
        if item.first is not None:
            times = "once" if item.first.count == 1 else f"{item.first.count} times"
            marks.append(f"cited {times}, first at {item.first.place}")
        elif cited_known:
            marks.append("never cited")
        if item.gaps:
            marks.append("incomplete: " + ", ".join(item.gaps))
        lines.append(f"{item.ident}: " + "; ".join(marks) if marks else f"{item.ident}:")
        lines.append(f"  full:  {item.full}")
        lines.append(f"  short: {item.short}")
    return lines
