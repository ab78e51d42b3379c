"""Section files: content/NN.name.md, read in the order of their two-digit prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import brieffiles
from .brieffiles import MAX_SECTION_BYTES
from .problems import Problem

SECTION_NAME = re.compile(r"^(\d{2})\.[A-Za-z0-9][A-Za-z0-9._-]*\.md$")


@dataclass(frozen=True)
class Section:
    """One section file's path, its name as shown in messages, and its text."""

    path: Path
    display: str
    text: str


def collect_sections(content_dir: Path, display_root: Path) -> tuple[list[Section], list[Problem]]:
    """Read every content/NN.name.md in prefix order; return the sections and the problems found.

    A section must be a regular file inside the project (display_root), read by brieffiles.read_text: a link
    to a file elsewhere, a folder or a pipe named like a section is refused rather than read.
    """
    sections: list[Section] = []
    problems: list[Problem] = []
    seen_prefix: dict[str, str] = {}
    inside = display_root.resolve()
    try:
        candidates = sorted(p for p in content_dir.iterdir() if p.suffix == ".md" and p.name.lower() != "readme.md")
    except OSError as exc:
        return [], [Problem(_shown(content_dir, display_root), None, f"cannot list the folder ({exc.strerror or exc})")]
    for path in candidates:
        display = _shown(path, display_root)
        match = SECTION_NAME.match(path.name)
        if not match:
            problems.append(Problem(display, None, "section file name must be NN.name.md (two-digit prefix)"))
            continue
        prefix = match.group(1)
        if prefix in seen_prefix:
            problems.append(Problem(display, None, f"prefix {prefix} is also used by {seen_prefix[prefix]}; order is ambiguous"))
        seen_prefix[prefix] = display
        try:
            text = brieffiles.read_text(path, display=display, within=(inside,), limit=MAX_SECTION_BYTES)
        except brieffiles.FileRefused as exc:
            problems.append(exc.problem)
            continue
        problems.extend(_check_text(display, text))
        sections.append(Section(path=path, display=display, text=text))
    if not candidates:
        problems.append(Problem(_shown(content_dir, display_root), None, "no section files (expected NN.name.md)"))
    elif sections and not any(s.text.strip() for s in sections):
        problems.append(Problem(sections[0].display, None, "every section file is empty"))
    return sections, problems


def _shown(path: Path, display_root: Path) -> str:
    return str(path.relative_to(display_root)) if path.is_relative_to(display_root) else str(path)


def _check_text(display: str, text: str) -> list[Problem]:
    # Pandoc reads YAML blocks anywhere in a section; one could set csl: or bibliography: to an
    # outside file or URL, which --sandbox does not cover. Sections carry no metadata at all.
    problems = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.rstrip() == "---" and (number == 1 or not lines[number - 2].strip()):
            following = lines[number] if number < len(lines) else ""
            if re.match(r"^[A-Za-z_][\w-]*\s*:", following):
                problems.append(
                    Problem(display, number, "YAML metadata block in a section; put metadata in content/metadata.yaml")
                )
    return problems


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fenced_lines(text: str) -> Iterator[tuple[int, str, bool]]:
    """Each line with its 1-based number and whether it belongs to a fenced code block (fences included)."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = _FENCE.match(line)
        if fence is not None:
            # A fence closes on a run of the same character at least as long as the one that opened it.
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            yield number, line, True
        elif opened:
            fence = opened.group(1)
            yield number, line, True
        else:
            yield number, line, False
