"""Reading section Markdown the way the checks need it: lines outside code, note labels, citation keys,
fenced divs, paragraphs, and a paragraph's plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from ..sections import Section, fenced_lines

# Pandoc's citation key: starts with a letter, digit or _, internal punctuation allowed, not at the end.
# Each pattern's look behind follows its first character ("@(?<![\w\\@]@)", not "(?<![\w\\@])@"): a pattern that
# starts with a character lets the regex engine skip to where that character is; one that starts with a look
# behind is tried at every position of the text (ten to twenty times the CPU on the sections).
CITATION = re.compile(r"@(?<![\w\\@]@)(?:\{([^}\s]+)\}|([\w](?:[\w:.#$%&\-+?<>~/]*[\w])?))")
NOTE_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
NOTE_REFERENCE = re.compile(r"\[(?<!\\\[)\^([^\]\s]+)\](?!:)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
DIV_OPEN = re.compile(r"^ {0,3}(:{3,})\s*(\{[^}]*\}|[\w-]+)\s*:*\s*$")
DIV_CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
# `edited=true`, `edited="why"` or `edited='why'` among a div's attributes (`edited=false` is no mark).
EDITED = re.compile(r"""(?:^|[\s{])edited=(?!["']?false["']?(?:[\s}]|$))(?:"[^"]+"|'[^']+'|[^\s}"']+)""")


@dataclass(frozen=True)
class Line:
    """One line of a section outside code blocks, code spans blanked out (so columns still hold)."""

    section: Section
    number: int
    text: str


def lines(section: Section) -> Iterator[Line]:
    """The section's lines outside fenced code blocks, with inline code blanked."""
    return iter(_lines(section))


# Each section read into lines once: six of the source checks go through every section's lines.
@lru_cache(maxsize=256)
def _lines(section: Section) -> tuple[Line, ...]:
    return tuple(Line(section, number, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), raw))
                 for number, raw, in_code in fenced_lines(section.text) if not in_code)


def citation_keys(text: str) -> list[tuple[int, str]]:
    """(column, key) of each citation in a line of text."""
    return [(m.start() + 1, m.group(1) or m.group(2)) for m in CITATION.finditer(text)]


@dataclass
class Block:
    """A run of non-blank lines: a paragraph, a heading, a list item group, or a fenced div's content."""

    section: Section
    line: int
    text: str
    pull_quote: bool = False
    # The pull quote's div carries `edited=...`: its difference from the body is deliberate.
    edited: bool = False


def blocks(section: Section) -> list[Block]:
    """Paragraph-like blocks of a section, each marked whether it sits inside a pull-quote div."""
    found: list[Block] = []
    divs: list[tuple[bool, bool]] = []  # (pull quote, edited) of each open div
    current: list[Line] = []

    def close() -> None:
        if current:
            found.append(Block(section, current[0].number, "\n".join(l.text for l in current),
                               any(quote for quote, _ in divs), any(quote and edited for quote, edited in divs)))
            current.clear()

    for line in lines(section):
        opened = DIV_OPEN.match(line.text)
        if opened and not DIV_CLOSE.match(line.text):
            close()
            attributes = opened.group(2)
            divs.append((bool(re.search(r"(^|[\s{.])pull-quote(?=[\s}]|$)", attributes)),
                         bool(EDITED.search(attributes))))
            continue
        if DIV_CLOSE.match(line.text) and divs:
            close()
            divs.pop()
            continue
        if not line.text.strip():
            close()
            continue
        current.append(line)
    close()
    return found


def _drop_bracketed(text: str, opener: str) -> str:
    """Remove every `opener...]` span with balanced brackets (inline notes ^[...] or citations [@...])."""
    out = []
    i = 0
    while True:
        start = text.find(opener, i)  # the text between spans is copied whole (a character at a time was slow)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        depth = 0
        j = start + opener.index("[")
        while j < len(text):
            if text[j] == "[" and (j == 0 or text[j - 1] != "\\"):
                depth += 1
            elif text[j] == "]" and text[j - 1] != "\\":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        i = j + 1
    return "".join(out)


def plain(markdown: str) -> str:
    """A block's text as a reader sees it: no notes, citations, emphasis marks, link targets or escapes."""
    text = _drop_bracketed(markdown, "^[")
    text = _drop_bracketed(text, "[@")
    text = _drop_bracketed(text, "[-@")
    text = NOTE_REFERENCE.sub("", text)
    text = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", text, flags=re.M)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    text = re.sub(r"\{[#.][^}]*\}", "", text)
    text = re.sub(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = re.sub(r"\\(.)", r"\1", text)
    return text
