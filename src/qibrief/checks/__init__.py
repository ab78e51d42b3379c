"""Endnote and citation checks: sources, each output, and across outputs.

Interface used by the pipeline and the CLI; each rule lives in the module named for what it reads:
- check_sources(sources, ast) after the parse; ast is Pandoc's JSON AST (a dict) with citeproc applied, or
  None when the parse itself failed (the text-level checks still run).
- check_outputs(files, names, sources) on the rendered artifacts in memory, before they are published.
- check_paths(paths, reference, built_dirs, forms_of) on standalone .pdf/.docx/.html files: a DOCX's package audited,
  the notes aligned with the reference (the sources' notes, or a built HTML) when given, else with each other,
  and, with neither, one file's note count with a release's manifest.json in built_dirs; forms_of, inside a
  brief, gives citeproc's full and short forms that judge a DOCX's citation fields.
- read_notes(fmt, data, name) and check_across(outputs): the same output checks in two steps, for a
  pipeline that reads each artifact as soon as it is rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..formats import FORMATS, READER_BY_SUFFIX
from ..problems import BuildError, Problem
from ..sources import Sources
from ..docx.audit import audit_package
from .across import check_across
from .built import check_count, manifest_count
from .chicago import check_chicago, check_repeated_full_citations, entry_forms
from ..document import cite_groups
from .docx import FormsOf, read_docx
from .html import read_html
from .pdf import read_pdf
from .notecitations import check_note_citations
from .pullquotes import check_pull_quotes
from .references import check_unused, read_entries
from .rendered import RenderedNotes
from .sources import check_citation_keys, check_notes, check_typed_numbers, cited_in_text

# The file extensions `check FILE` reads, and the note reader of each kind of file (formats.Format.reader).
SUFFIXES = READER_BY_SUFFIX
_READERS: dict[str, Callable[[bytes, str], tuple[RenderedNotes, list[Problem]]]] = {
    "html": read_html, "docx": read_docx, "pdf": read_pdf,
}


def read_notes(fmt: str, data: bytes, name: str) -> tuple[RenderedNotes, list[Problem]]:
    """One artifact's notes (fmt: a format, formats.FORMATS) and the problems found reading them."""
    return _READERS[FORMATS[fmt].reader](data, name)


def check_sources(sources: Sources, ast: dict | None,
                  forms_of: Callable[[list[str]], dict[str, tuple[str, str]]] | None = None) -> list[Problem]:
    """Problems in the sources beyond Pandoc's own warnings (which the parse already turns into errors).
    forms_of(keys) gives the cited entries' full and short forms (default: chicago.entry_forms)."""
    sections = sources.sections
    project = sources.project
    references_display = project.display(project.references_file)
    entries, problems = read_entries(project.references_file, references_display)
    problems += check_notes(sections)
    problems += check_typed_numbers(sections)
    problems += check_pull_quotes(sections)
    problems += check_note_citations(sections)
    citations = cited_in_text(sections)
    if entries:
        problems += check_citation_keys(sections, {e.ident for e in entries})
    groups = cite_groups(ast) if ast is not None else []
    cited = {key for group in groups for key in group.keys} | {key for key, _, _ in citations}
    problems += check_unused(entries, cited, references_display)
    if groups:
        places: dict[str, list[tuple[str, int]]] = {}
        for key, path, line in citations:
            places.setdefault(key, []).append((path, line))
        keys = sorted({key for group in groups for key in group.keys} & {e.ident for e in entries})
        try:
            forms = forms_of(keys) if forms_of is not None else entry_forms(sources, keys)
        except BuildError as exc:  # the main parse reports the same sources problems
            return problems + list(exc.problems)
        problems += check_chicago(groups, forms, places)
    return problems


def _check_rendered(files: dict[str, bytes], names: dict[str, str]) -> tuple[list[RenderedNotes], list[Problem]]:
    outputs, problems = [], []
    for fmt, data in files.items():
        rendered, found = read_notes(fmt, data, names[fmt])
        outputs.append(rendered)
        problems += found
    problems += check_across(outputs)
    return outputs, problems


def check_outputs(files: dict[str, bytes], names: dict[str, str], sources: Sources | None = None) -> list[Problem]:
    """Problems in the rendered artifacts, each named by file and note number."""
    outputs, problems = _check_rendered(files, names)
    if sources is None:
        for rendered in outputs:
            problems += check_repeated_full_citations(rendered.name, rendered.texts)
    return problems


def check_paths(paths: list[Path], reference: RenderedNotes | None = None,
                built_dirs: tuple[Path, ...] = (), forms_of: FormsOf | None = None) -> list[Problem]:
    """Problems in standalone .pdf, .docx or .html files: each alone, then their notes aligned with the
    reference (default: with each other; a single file with the note count of a release in built_dirs).
    forms_of, inside a brief, gives citeproc's full and short forms for a DOCX's citation fields."""
    problems: list[Problem] = []
    outputs: list[RenderedNotes] = []
    for path in paths:
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            problems.append(Problem(str(path), None, "not a .pdf, .docx or .html file"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(path), None, f"cannot read ({exc.strerror or exc})"))
            continue
        if fmt == "docx":
            problems += [Problem(str(path), None, f"{finding}; Word or LibreOffice may refuse to open it")
                         for finding in audit_package(data)]
        rendered, found = (read_docx(data, str(path), forms_of) if fmt == "docx"
                           else read_notes(fmt, data, str(path)))
        outputs.append(rendered)
        problems += found
        problems += check_repeated_full_citations(rendered.name, rendered.texts)
    if reference is None and len(outputs) == 1:
        for folder in built_dirs:
            count = manifest_count(folder, paths[0])
            if count is not None:
                problems += check_count(outputs[0], count, folder / "manifest.json")
                break
    problems += check_across(outputs, reference)
    return problems
