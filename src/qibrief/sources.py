"""A brief's sources, read and checked: the first stage of a build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import lint
from .brand import Brand, read_brand
from .citestyle import load_style, resolve_style
from .metadata import Metadata, read_metadata
from .problems import Problem, fail_on
from .project import Project, locate_project
from .sections import Section, collect_sections
from .templates import TEMPLATE, read_template


@dataclass(frozen=True)
class Sources:
    """A brief's inputs, read and checked."""

    project: Project
    meta: Metadata
    brand: Brand
    sections: tuple[Section, ...]
    csl: Path
    # The independent CSL style Pandoc reads for `csl` (citestyle.load_style), and the HTML template's text
    # (templates.read_template): both checked, and handed to Pandoc from memory.
    style: bytes
    template: bytes
    warnings: tuple[Problem, ...] = ()


def collect_sources(root: Path) -> Sources:
    """Locate and read a brief's inputs and run the rules that must pass before Pandoc reads them; raise
    BuildError listing every problem found. The rest of the lint (lint.lint_beside_parse) is the caller's."""
    project = locate_project(root)  # every input file checked before any is read
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    brand = read_brand(project.styles_dir, project.display(project.styles_dir / "brand.yaml"))
    sections, problems = collect_sections(project.content_dir, project.root)
    warnings = fail_on(problems, "Reading sections")
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir, key=meta.style_key)
    style = load_style(csl, display=project.display(csl), within=project.allowed_roots, styles_dir=project.styles_dir)
    template = read_template(project, TEMPLATE)
    fail_on(lint.lint_before_parse(project, meta, sections, csl), "Checking the sources")
    return Sources(project=project, meta=meta, brand=brand, sections=tuple(sections), csl=csl, style=style,
                   template=template, warnings=tuple(warnings))


def read_sources(root: Path) -> Sources:
    """Locate and read a brief's inputs and lint them all; raise BuildError listing every problem found."""
    sources = collect_sources(root)
    fail_on(lint.lint_beside_parse(sources.project, sources.sections, sources.meta), "Checking the sources")
    return sources
