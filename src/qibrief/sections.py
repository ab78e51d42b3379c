"""Section files: content/NN.name.md (or NN-name.md, NN_name.md), read in the order of their two-digit prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import brieffiles
from .brieffiles import MAX_SECTION_BYTES
from .problems import Problem

# Manubot's NN.name.md, and the NN-name.md and NN_name.md of Quarto, bookdown and most Pandoc projects.
SECTION_NAME = re.compile(r"^(\d{2})[._-][A-Za-z0-9][A-Za-z0-9._-]*\.md$")
SEPARATORS = ".-_"
# Files an author may have meant as a section: Markdown under another extension (Quarto's .qmd, R Markdown's
# .Rmd), or numbered text. Anything else in content/ (metadata.yaml, images, a figures/ folder, notes.txt) is
# not a section and is left alone.
_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".qmd", ".rmd")
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
        candidates = sorted(p for p in content_dir.iterdir() if _looks_like_section(p.name))
    except OSError as exc:
        return [], [Problem(_shown(content_dir, display_root), None, f"cannot list the folder ({exc.strerror or exc})")]
    for path in candidates:
        display = _shown(path, display_root)
        match = SECTION_NAME.match(path.name)
        if not match:
            problems.append(Problem(display, None, name_problem(path.name)))
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
    if not sections and not problems:
        problems.append(Problem(_shown(content_dir, display_root), None,
                                "no section files (expected NN-name.md, NN.name.md or NN_name.md)"))
    elif sections and not any(s.text.strip() for s in sections):
        problems.append(Problem(sections[0].display, None, "every section file is empty"))
    return sections, problems


def _looks_like_section(name: str) -> bool:
    stem, dot, suffix = name.rpartition(".")
    if not dot or stem.lower() == "readme":
        return False
    return f".{suffix.lower()}" in _MARKDOWN_SUFFIXES or (suffix.lower() == "txt" and stem[:1].isdigit())


def name_problem(name: str) -> str:
    """What is wrong with a file name that is not a section name (NN-name.md, NN.name.md or NN_name.md), and
    the name it could have."""
    stem, _, suffix = name.rpartition(".")
    if name.startswith("."):
        return "a hidden file (its name starts with '.') is not a section; rename it or remove it"
    if suffix != "md":
        return (f"a section file ends in .md, not .{suffix}; rename it {stem}.md" if SECTION_NAME.match(f"{stem}.md")
                else f"a section file ends in .md, not .{suffix}, and its name is wrong too: {name_problem(stem + '.md')}")
    digits = re.match(r"^\d*", stem).group(0)
    rest = stem[len(digits):]
    example = f"01-{_example_name(rest.lstrip(SEPARATORS + ' '))}.md"
    if not digits:
        return (f"no two-digit prefix: a section file's name starts with its place in the order, such as "
                f"{example}")
    if len(digits) != 2:
        count = "one digit" if len(digits) == 1 else f"{len(digits)} digits"
        two = f"{int(digits):02d}" if int(digits) < 100 else "01"
        return (f"the prefix '{digits}' has {count}, not two; write it as two digits, such as "
                f"{two}-{_example_name(rest.lstrip(SEPARATORS + ' '))}.md")
    if not rest:
        return f"no name after the prefix {digits}; write a name after a separator, such as {digits}-introduction.md"
    if rest[0] not in SEPARATORS:
        if _NAME_PART.match(rest):
            return (f"the separator is missing after the prefix {digits}; write {digits}-{rest}.md "
                    f"(or {digits}.{rest}.md, {digits}_{rest}.md)")
        shown = "a space" if rest[0] == " " else f"'{rest[0]}'"
        return (f"{shown} after the prefix {digits} is not a separator; write -, . or _, such as "
                f"{digits}-{_example_name(rest[1:])}.md")
    part = rest[1:]
    if not part:
        return f"no name after '{digits}{rest[0]}'; write one, such as {digits}{rest[0]}introduction.md"
    bad = next((char for char in part if not re.match(r"[A-Za-z0-9._-]", char)), None)
    if bad is not None:
        shown = "a space" if bad == " " else f"'{bad}'"
        return (f"the name '{part}' holds {shown}; a section's name is ASCII letters, digits, '.', '-' and '_', "
                f"such as {digits}{rest[0]}{_example_name(part)}.md")
    return (f"the name '{part}' starts with '{part[0]}'; start it with a letter or digit, such as "
            f"{digits}{rest[0]}{_example_name(part)}.md")


def _example_name(text: str) -> str:
    # The author's own words, made into a name a section may have; "introduction" when nothing is left.
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "-".join(words).lower() or "introduction"


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
