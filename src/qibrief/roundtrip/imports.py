"""The `import` command's work: read the brief and the edited DOCX, import, check what may be written, write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..metadata import read_metadata
from ..problems import BuildError, Problem, sort_problems
from ..project import locate_project
from ..sections import collect_sections
from .importer import Brief, block_styles, import_docx
from .sectionfiles import refusals, sent_digests, write_text
from .sent import api_version, read_apart
from .wordfields import NotADocx

MAX_DOCX_BYTES = 100_000_000
REVIEW_DIR = "review"


@dataclass(frozen=True)
class ImportResult:
    """The files written and what the import reports (warnings: edits the sources cannot hold, pending changes)."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    problems: tuple[Problem, ...]


def import_brief(docx: Path, root: Path, out: Path | None = None, review: bool = False) -> ImportResult:
    """Import an edited DOCX into the brief at root (or into out); refuse to overwrite work it does not hold."""
    project = locate_project(root)
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    sections, problems = collect_sections(project.content_dir, project.root)
    if any(p.is_error for p in problems):
        raise BuildError("Reading sections", problems)
    try:
        if docx.stat().st_size > MAX_DOCX_BYTES:
            raise BuildError(f"{docx}: larger than {MAX_DOCX_BYTES // 1_000_000} MB")
        data = docx.read_bytes()
    except OSError as exc:
        raise BuildError(f"{docx}: cannot read ({exc.strerror or exc})") from None
    version = api_version()
    apart = read_apart(sections, project.references_file, version, cwd=project.root)
    title_page = [("Title", meta.title), ("Subtitle", str(meta.raw.get("subtitle") or ""))]
    brief = Brief(styles=block_styles(), keys=frozenset(apart.items), notes_heading=meta.notes_heading,
                  api_version=version, content_display=project.display(project.content_dir), cwd=project.root,
                  title_page=tuple((style, text) for style, text in title_page if text),
                  metadata_display=project.display(project.metadata_file))
    try:
        imported = import_docx(data, brief, review=review)
    except NotADocx as exc:
        raise BuildError(f"{docx}: {exc}") from None
    if not imported.sections:
        raise BuildError(f"{docx}: no section markers: not a DOCX built by this pipeline (or its markers were "
                         "removed); nothing was written")
    known = {s.path.name for s in sections}
    lost = sorted(known - set(imported.sections))
    report = list(imported.problems)
    for name in lost:
        report.append(Problem(project.display(project.content_dir / name), None,
                              "its start is gone from the DOCX (its first heading or paragraph was deleted): its "
                              "text, if any is left, went into the section before it; this file was not touched"))
    target_dir = out if out is not None else project.content_dir
    targets = {name: target_dir / name for name in imported.sections}
    if out is None:
        refused = refusals(targets, sent_digests(data), project.root, project.display)
        if refused:
            raise BuildError("import: refused; nothing was written", refused)
    written, unchanged = [], []
    for name, text in imported.sections.items():
        path = targets[name]
        if out is None and path.is_file() and path.read_text(encoding="utf-8") == text:
            unchanged.append(path)
            continue
        write_text(path, text)
        written.append(path)
    review_dir = (out if out is not None else project.root) / REVIEW_DIR
    for name, text in imported.review.items():
        path = review_dir / name
        write_text(path, text)
        written.append(path)
    return ImportResult(written=tuple(written), unchanged=tuple(unchanged), problems=tuple(sort_problems(report)))
