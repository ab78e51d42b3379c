"""What the DOCX was made from: each section read on its own (where one ends in the one parse), the bibliography
as CSL JSON (the item data of the citation fields), and the digest of each section file sent."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..document import elements
from ..pandoc import READER, run_pandoc
from ..sections import Section

FILTER = Path(__file__).resolve().parent.parent / "filters" / "sections-apart.lua"
# The custom property that holds the digest of each section file sent: PROPERTY + file name.
PROPERTY = "qibrief-sent-"


@dataclass(frozen=True)
class Apart:
    """Each section's blocks as Pandoc reads the section alone, and the bibliography's CSL JSON items by id."""

    blocks: tuple[list, ...]
    items: dict[str, dict]


def read_apart(sections: Sequence[Section], references: Path | None, api_version: list[int], *,
               cwd: Path | None = None) -> Apart:
    """Read every section on its own (one Pandoc run), and the references as CSL JSON when given."""
    args = ["--from", "json", "--to", "json", "--lua-filter", str(FILTER)]
    if references is not None:
        args += ["--bibliography", str(references)]
    run = run_pandoc(args, stdin=apart_document(sections, api_version), cwd=cwd, sections=sections,
                     what="reading each section on its own")
    return apart_from(json.loads(run.output))


def apart_document(sections: Sequence[Section], api_version: list[int], keys: Sequence[str] | None = None) -> bytes:
    """The input of filters/sections-apart.lua: each section's text in a code block, the reader in the metadata,
    and the keys whose full and short forms it formats, when given."""
    meta: dict = {"qibrief-reader": {"t": "MetaString", "c": READER}}
    if keys is not None:
        meta["qibrief-keys"] = {"t": "MetaList", "c": [{"t": "MetaString", "c": key} for key in keys]}
    document = {
        "pandoc-api-version": api_version,
        "meta": meta,
        "blocks": [{"t": "CodeBlock", "c": [["", [], []], section.text]} for section in sections],
    }
    return json.dumps(document).encode("utf-8")


def apart_from(tree: dict) -> Apart:
    """The Apart in the document filters/sections-apart.lua makes: one Div per section, the CSL JSON in its
    metadata."""
    blocks = tuple(div["c"][1] for div in tree["blocks"])
    items: dict[str, dict] = {}
    csl = tree.get("meta", {}).get("qibrief-csljson")
    if csl:
        text = csl["c"] if csl["t"] == "MetaString" else _stringify_raw(csl)
        items = {item["id"]: item for item in json.loads(text)}
    return Apart(blocks=blocks, items=items)


def _stringify_raw(value: dict) -> str:
    # A metadata string Pandoc kept as inlines or blocks: its text as written.
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            kind = node.get("t")
            if kind == "Str":
                parts.append(node["c"])
            elif kind in ("Space", "SoftBreak"):
                parts.append(" ")
            elif kind == "LineBreak":
                parts.append("\n")
            elif kind in ("RawBlock", "RawInline", "CodeBlock", "Code"):
                parts.append(node["c"][1])
            else:
                walk(node.get("c"))
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(value)
    return "".join(parts)


# A note's mark in a section's text: `^[` opens an inline note, `[^label]` (not followed by ":") refers to one.
_NOTE_MARK = re.compile(r"\^(?<!\\\^)\[|\[(?<!\\\[)\^([^\]\s]+)\](?!:)")


def note_labels(section: Section, blocks: list) -> list[str | None]:
    """The label of each of a section's notes in reading order (None for an inline note); [] when the text's
    note marks and the parse's notes do not match one for one."""
    return _labels(section, count_notes(blocks))


def note_labels_or_none(section: Section, blocks: list) -> list[str | None]:
    """note_labels, or None for each note when they do not match: one entry per note of the section."""
    count = count_notes(blocks)
    return _labels(section, count) or [None] * count


def _labels(section: Section, count: int) -> list[str | None]:
    labels = [found.group(1) for found in _NOTE_MARK.finditer(section.text)]
    return labels if len(labels) == count else []


def with_note_labels(section: Section, blocks: list) -> list:
    """A section's blocks with each note written [^label] carrying its label (canonical.LABEL), as the import
    gives them: the input of canonical.write_sections for a section as it is."""
    from .canonical import LABEL

    labels = iter(note_labels(section, blocks))

    def walk(node):
        if isinstance(node, list):
            return [walk(child) for child in node]
        if isinstance(node, dict):
            out = {**node, "c": walk(node["c"])} if "c" in node else dict(node)
            if node.get("t") == "Note":
                label = next(labels, None)
                if label is not None:
                    out[LABEL] = label
            return out
        return node

    return walk(blocks)


def count_notes(node) -> int:
    """How many notes an AST fragment holds, nested ones included."""
    return sum(1 for _ in elements(node, "Note"))


def digest(text: str) -> str:
    """The digest of a section file's text, as the DOCX records it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sent_properties(sections: Sequence[Section]) -> dict[str, str]:
    """The custom properties that record what was sent: one digest per section file."""
    return {PROPERTY + section.path.name: digest(section.text) for section in sections}


_API_VERSION: list[int] = []


def api_version() -> list[int]:
    """The JSON AST version of the Pandoc the build runs."""
    if not _API_VERSION:
        run = run_pandoc(["--from", "markdown", "--to", "json"], stdin=b"", what="asking Pandoc its AST version")
        _API_VERSION.extend(json.loads(run.output)["pandoc-api-version"])
    return list(_API_VERSION)
