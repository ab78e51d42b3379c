"""Pandoc's JSON AST after citeproc: its plain text, its notes in order, and its citation groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator


def plain_text(node: Any, *, raw: bool = True) -> str:
    """The text a reader sees in an AST fragment (notes inside it left out; raw markup too when not `raw`)."""
    parts: list[str] = []
    _plain(node, parts, raw)
    return "".join(parts)


def _plain(node: Any, parts: list[str], raw: bool) -> None:
    if isinstance(node, list):
        for item in node:
            _plain(item, parts, raw)
        return
    if not isinstance(node, dict):
        return
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        parts.append(content)
    elif kind in ("Space", "SoftBreak", "LineBreak"):
        parts.append(" ")
    elif kind == "Note":
        return
    elif kind == "Cite":
        _plain(content[1], parts, raw)
    elif kind == "Quoted":
        double = content[0]["t"] == "DoubleQuote"
        parts.append("\u201c" if double else "\u2018")
        _plain(content[1], parts, raw)
        parts.append("\u201d" if double else "\u2019")
    elif kind in ("Code", "Math") or (kind == "RawInline" and raw):
        parts.append(content[-1])
    elif kind == "RawInline":
        return
    elif kind in ("Link", "Image", "Span"):
        _plain(content[1], parts, raw)
    elif kind in ("Para", "Plain", "Header", "Div", "BlockQuote", "LineBlock"):
        inner = content[-1] if kind in ("Header", "Div") else content
        _plain(inner, parts, raw)
        parts.append(" ")
    elif isinstance(content, list):
        _plain(content, parts, raw)


def _note_content(note: dict) -> str:
    parts: list[str] = []
    for block in note["c"]:
        _plain(block, parts, True)
        parts.append(" ")
    return "".join(parts).strip()


@dataclass(frozen=True)
class CiteGroup:
    """One citation as written ([@a, 5; @b]): its note number, keys, and the text citeproc rendered for it."""

    note: int
    keys: tuple[str, ...]
    text: str


def elements(node: Any, kind: str) -> Iterator[dict]:
    """Every element of a kind ("Note", "Div") in an AST or part of one, in document order, nested ones included."""
    # An element before those it holds, by a stack that holds only
    # dicts and lists: nested generators, one per value (every Str's text included), were most of the source
    # checks' time. An element that holds no dict or list (a Str, a Space) is not pushed unless it is of the kind.
    # json.loads makes plain dicts and lists, hence type() rather than isinstance().
    stack = [node]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is dict:
            if node.get("t") == kind:
                yield node
            values = node.values()
        elif type(node) is list:
            values = node
        else:
            continue
        for value in reversed(values):
            if type(value) is dict:
                content = value.get("c")
                if (type(content) is list or type(content) is dict or len(value) > 2 or "t" not in value
                        or value["t"] == kind):
                    push(value)
            elif type(value) is list:
                push(value)


def notes(ast: dict) -> list[str]:
    """Each note's text, in note order (as Pandoc numbers them: by first appearance)."""
    found = []
    for node in elements(ast.get("blocks", []), "Note"):
        found.append(_note_content(node))
    return found


def cite_groups(ast: dict) -> list[CiteGroup]:
    """Every citation group in document order, with the note it sits in and the text rendered for it."""
    groups = []
    for node in elements(ast.get("blocks", []), "Cite"):
        citations, rendered = node["c"]
        note_numbers = [c.get("citationNoteNum") for c in citations if c.get("citationNoteNum")]
        inner = [n for n in rendered if isinstance(n, dict) and n.get("t") == "Note"]
        text = _note_content(inner[0]) if inner else plain_text(rendered)
        groups.append(CiteGroup(note_numbers[0] if note_numbers else 0, tuple(c["citationId"] for c in citations), text))
    return groups
