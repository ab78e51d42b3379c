"""What was built, as `check FILE` compares a returned file with it: the notes the brief's sources render to,
the HTML an earlier build wrote (vouched for by the signed cache record), or the note count a release wrote
into manifest.json."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .. import cache
from ..document import notes as ast_notes, plain_text
from ..problems import Problem
from .html import read_html
from .rendered import RenderedNotes
from .text import describe_place


def _contexts(node: Any, parts: list[str], found: list[tuple[str | None, str]], heading: list[str]) -> None:
    """The heading above each note and the text before it in its block, in note order (the order
    document.notes gives)."""
    if isinstance(node, list):
        for item in node:
            _contexts(item, parts, found, heading)
        return
    if not isinstance(node, dict):
        return
    kind, content = node.get("t"), node.get("c")
    if kind == "Note":
        found.append((heading[-1] if heading else None, "".join(parts)))
        return
    if kind == "Header":
        heading.append(plain_text(content[2]).strip())
    if kind == "Str":
        parts.append(content)
    elif kind in ("Space", "SoftBreak", "LineBreak"):
        parts.append(" ")
    elif kind in ("Para", "Plain", "Header", "LineBlock"):
        parts.clear()
        _contexts(content, parts, found, heading)
        parts.clear()
    elif kind == "Quoted":
        parts.append("\u201c" if content[0]["t"] == "DoubleQuote" else "\u2018")
        _contexts(content[1], parts, found, heading)
        parts.append("\u201d" if content[0]["t"] == "DoubleQuote" else "\u2019")
    elif kind == "Cite":
        _contexts(content[1], parts, found, heading)
    elif kind in ("Code", "Math", "RawInline"):
        parts.append(content[-1])
    elif isinstance(content, list):
        _contexts(content, parts, found, heading)


def notes_from_ast(ast: dict, name: str) -> RenderedNotes:
    """The notes Pandoc's AST (after citeproc) holds, numbered as every output numbers them, with the text
    before each marker."""
    rendered = RenderedNotes(name=name, fmt="sources")
    rendered.texts = dict(enumerate(ast_notes(ast), start=1))
    found: list[tuple[str | None, str]] = []
    _contexts(ast.get("blocks", []), [], found, [])
    rendered.contexts = {k: before for k, (_, before) in enumerate(found, start=1)}
    rendered.places = {k: describe_place(heading, before) for k, (heading, before) in enumerate(found, start=1)}
    return rendered


def built_for(path: Path, slug: str) -> bool:
    """True when the file's name says it is (an edited copy of) the brief `slug`: 'qi-brief-50-edited.docx'."""
    return re.match(rf"{re.escape(slug)}(?!\d)", path.stem) is not None


def built_html(folder: Path, path: Path) -> RenderedNotes | None:
    """The notes of the HTML a build wrote into `folder` for the brief `path` belongs to, when this machine's
    signed cache record vouches for it (size and SHA-256); else None."""
    record = cache.load_cache(folder)
    for name, entry in sorted(record.items()):
        if not (name.endswith(".html") and isinstance(entry, dict) and built_for(path, Path(name).stem)):
            continue
        data = cache.read_artifact(folder, name)
        if data is None or entry.get("size") != len(data) or entry.get("sha256") != hashlib.sha256(data).hexdigest():
            continue
        rendered, _ = read_html(data, str(folder / name))
        return rendered
    return None


def manifest_count(folder: Path, path: Path) -> int | None:
    """The note count a release recorded in `folder`/manifest.json for the brief `path` belongs to, or None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        brief = manifest["brief"]
        slug, count = str(brief["name"]), brief["notes"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return count if isinstance(count, int) and built_for(path, slug) else None


def check_count(rendered: RenderedNotes, count: int, where: Path) -> list[Problem]:
    """The file's note count (before pending tracked changes) against the count recorded in `where`."""
    side = rendered.original or rendered
    if side.count == count:
        return []
    return [Problem(rendered.name, None, f"holds {side.count} notes; {count} were built ({where}); "
                    f"a note was {'removed' if side.count < count else 'added'}")]
