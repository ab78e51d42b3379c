"""Citations inside an author's note, written so that Chicago's form comes out: `[@key, 3]` and `@key [3]` both
print in place, without parentheses (filters/note-citations.lua); what cannot come out right is refused with the
spelling to use instead.

- A page typed after a bare citation, `@key, 3`: the page is plain text, so it prints after the whole citation
  (after the URL of a full one) instead of where the style puts it.
- A citation in typed parentheses, `(@key)` or `(see @key, 3)`: the parentheses print as typed.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..problems import Problem
from ..sections import Section
from .markdown import CITATION, lines

# After a bare citation: a comma, optionally a page label, and a number (a page or a range).
_PAGE_AFTER = re.compile(r",\s*((?:pp?\.|pages?|chap\.|para\.)?\s*\d+(?:\s*[-\u2013]\s*\d+)?)(?![\w.]*\w)")
# Pandoc's in-text form's suffix: `@key [3]`.
_BRACKET_AFTER = re.compile(r"\s?\[([^\[\]@]+)\]")
_NOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")
_BRACKET = re.compile(r"[\[\]]")


def _text_outside_code(section: Section) -> list[str]:
    # The section's lines with code blocks emptied and code spans blanked, so positions still hold.
    out: list[str] = []
    for line in lines(section):
        while len(out) < line.number - 1:
            out.append("")
        out.append(line.text)
    return out


def note_spans(section: Section) -> Iterator[tuple[int, int, str]]:
    """(line, column, text) of each stretch of an author's note: the inside of every inline note ^[...], and every
    note definition [^x]: with its indented continuation lines; a line at a time."""
    text_lines = _text_outside_code(section)
    depth = 0  # inside an inline note: bracket depth counted from its ^[
    in_definition = False
    for number, text in enumerate(text_lines, start=1):
        if _NOTE_DEFINITION.match(text):
            in_definition = True
            start = _NOTE_DEFINITION.match(text).end()
            yield number, start + 1, text[start:]
            continue
        if in_definition:
            if text.strip() and not text.startswith((" ", "\t")):
                in_definition = False
            else:
                yield number, 1, text
                continue
        start = 0 if depth else None
        i = 0
        # From mark to mark (an opening ^[ outside a note, a bracket inside one) rather than character by character.
        while i < len(text):
            if depth == 0:
                i = text.find("^[", i)
                if i < 0:
                    break
                if i == 0 or text[i - 1] != "\\":
                    depth, start = 1, i + 2
                    i += 2
                else:
                    i += 1
                continue
            bracket = _BRACKET.search(text, i)
            if bracket is None:
                break
            i = bracket.start()
            if text[i - 1:i] != "\\":
                depth += 1 if text[i] == "[" else -1
                if depth == 0:
                    yield number, start + 1, text[start:i]
                    start = None
            i += 1
        if depth and start is not None:
            yield number, start + 1, text[start:]
        if not text.strip():
            depth = 0  # a blank line ends the paragraph, and an unclosed note with it


def check_note_citations(sections: list[Section]) -> list[Problem]:
    """Citations in authors' notes that would not print as Chicago prints them, with what to write instead."""
    problems = []
    for section in sections:
        for line, column, text in note_spans(section):
            for offset, message in _findings(text):
                problems.append(Problem(section.display, line, message, column=column + offset))
    return problems


def _findings(text: str) -> Iterator[tuple[int, str]]:
    groups_seen: set[int] = set()
    for match in CITATION.finditer(text):
        key = match.group(1) or match.group(2)
        group = _open_bracket(text, match.start())
        if group is not None:
            # Inside [..] of a bracketed citation Pandoc parses the page; only typed parentheses around the
            # whole group can go wrong, once per group.
            opened = _typed_parenthesis(text, group)
            closing = text.find("]", match.end())
            if opened is not None and group not in groups_seen:
                groups_seen.add(group)
                written = text[group:closing + 1] if closing > 0 else f"[@{key}]"
                yield opened, (f"in an author's note, the parentheses around {written} print as typed, which Chicago "
                               f"does not do; write {written} without them (the note prints it in place)")
            continue
        page = _PAGE_AFTER.match(text, match.end())
        bracket = _BRACKET_AFTER.match(text, match.end())
        locator = bracket.group(1).strip() if bracket else (page.group(1) if page else None)
        opened = _typed_parenthesis(text, match.start())
        if opened is not None:
            shown = locator or "page"
            yield opened, (f"in an author's note, the parentheses around @{key} print as typed, which Chicago does "
                           f"not do; write @{key} [{shown}] or [@{key}, {shown}] without them (the note prints it in "
                           "place)")
        elif locator is not None and bracket is None:
            yield match.start(), (f"in an author's note, the page after @{key} is typed as text and prints after the "
                                  f"whole citation (after its URL); write @{key} [{locator}] or [@{key}, {locator}]")


def _open_bracket(text: str, position: int) -> int | None:
    """Where the innermost [ still open at `position` starts, or None outside brackets."""
    opened: list[int] = []
    for i, ch in enumerate(text[:position]):
        if ch == "[" and text[i - 1:i] != "\\":
            opened.append(i)
        elif ch == "]" and text[i - 1:i] != "\\" and opened:
            opened.pop()
    return opened[-1] if opened else None


def _typed_parenthesis(text: str, position: int) -> int | None:
    # "(@key", "(see @key", "(cf. @key": a parenthesis opened for the citation (not "(as @key [3] shows)").
    match = re.search(r"\((?:see also|see|cf\.)?\s*$", text[:position], re.I)
    return match.start() if match else None
