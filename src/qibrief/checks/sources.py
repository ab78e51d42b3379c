"""Section sources: note labels (one definition each, every definition used), note numbers typed by hand,
manual notes lists, and citation keys missing from references.yaml."""

from __future__ import annotations

import re

from ..pandoc import unknown_citation, unused_note
from ..problems import WARNING, Problem
from ..sections import Section
from .handtyped import describe, glued_numbers, superscript_digits
from .markdown import NOTE_DEFINITION, NOTE_REFERENCE, citation_keys, lines

_MANUAL_LIST = re.compile(
    r"^\s{0,3}(?:#{1,6}\s*|\*\*|__)?(citations|notes|endnotes|footnotes|references|sources|bibliography)(?:\*\*|__)?"
    r"\s*(?:\{[^}]*\})?\s*#*\s*$",
    re.IGNORECASE,
)
_PANDOC_SUPERSCRIPT = re.compile(r"\^(?<!\\\^)(\d{1,3})\^")
_RAW_SUP = re.compile(r"<sup>\s*\d{1,3}\s*</sup>", re.IGNORECASE)


def check_notes(sections: list[Section]) -> list[Problem]:
    """Every [^label] has exactly one definition, and every definition is referenced (Pandoc's log says the same
    in the same words where it can: pandoc.unused_note; a label defined twice it words without the first place)."""
    problems = []
    definitions: dict[str, tuple[str, int]] = {}
    references: dict[str, tuple[str, int]] = {}
    for section in sections:
        for line in lines(section):
            defined = NOTE_DEFINITION.match(line.text)
            rest = line.text
            if defined:
                label = defined.group(1)
                if label in definitions:
                    first = definitions[label]
                    problems.append(Problem(
                        section.display, line.number, f"note [^{label}] is defined twice (first at {first[0]}:{first[1]})"
                    ))
                else:
                    definitions[label] = (section.display, line.number)
                rest = line.text[defined.end():]
            for match in NOTE_REFERENCE.finditer(rest):
                label = match.group(1)
                if label in references:
                    first = references[label]
                    problems.append(Problem(
                        section.display, line.number,
                        f"note [^{label}] is referenced again (first at {first[0]}:{first[1]}); it would print as a "
                        "second note with the same text",
                        WARNING,
                    ))
                else:
                    references[label] = (section.display, line.number)
    for label, (display, number) in references.items():
        if label not in definitions:
            problems.append(Problem(
                display, number, f"note [^{label}] has no definition; Pandoc would print it as literal text"
            ))
    for label, (display, number) in definitions.items():
        if label not in references:
            problems.append(Problem(display, number, unused_note(label)))
    return problems


def check_typed_numbers(sections: list[Section]) -> list[Problem]:
    """No note numbers typed by hand and no hand-made notes list: notes come from [^label], ^[...] and [@key]."""
    problems = []
    for section in sections:
        for line in lines(section):
            text = line.text
            typed = glued_numbers(text) + superscript_digits(text)
            for found in typed:
                problems.append(Problem(
                    section.display, line.number, f"note number {describe(found)} typed by hand; write a note or a citation"
                ))
            for match in list(_PANDOC_SUPERSCRIPT.finditer(text)) + list(_RAW_SUP.finditer(text)):
                problems.append(Problem(
                    section.display, line.number, f'superscript "{match.group(0)}" typed by hand; write a note or a citation'
                ))
            heading = _MANUAL_LIST.match(text)
            if heading:
                problems.append(Problem(
                    section.display, line.number,
                    f'a "{heading.group(1)}" list typed by hand; the notes list is generated from the notes and citations',
                ))
    return problems


def check_citation_keys(sections: list[Section], known: set[str]) -> list[Problem]:
    """Every citation key is an id in references.yaml."""
    problems = []
    for section in sections:
        for line in lines(section):
            for _column, key in citation_keys(line.text):
                if key not in known:
                    problems.append(Problem(section.display, line.number, unknown_citation(key)))
    return problems


def cited_in_text(sections: list[Section]) -> list[tuple[str, str, int]]:
    """(key, file, line) for every citation in the sections, in document order."""
    found = []
    for section in sections:
        for line in lines(section):
            for _column, key in citation_keys(line.text):
                found.append((key, section.display, line.number))
    return found
