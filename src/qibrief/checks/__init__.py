"""Endnote and citation checks: sources, each output, and across outputs.

Interface used by the pipeline and the CLI (the issue-4 work fills in the rules):
- check_sources(sources, ast) after the parse; ast is Pandoc's JSON AST (a dict) with citeproc applied.
- check_outputs(files, names, sources) on the rendered artifacts in memory, before they are published.
- check_paths(paths) on standalone .pdf/.docx/.html files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..problems import Problem

if TYPE_CHECKING:
    from ..pipeline import Sources


def check_sources(sources: "Sources", ast: dict) -> list[Problem]:
    """Problems in the sources beyond Pandoc's own warnings (which the parse already turns into errors)."""
    return []


def check_outputs(files: dict[str, bytes], names: dict[str, str], sources: "Sources | None" = None) -> list[Problem]:
    """Problems in the rendered artifacts, each named by file and note number."""
    return []


def check_paths(paths: list[Path]) -> list[Problem]:
    """Problems in standalone .pdf, .docx or .html files."""
    return []
