"""The canonical Markdown form of a section: what `import` writes, and the form a brief's sections keep so that
`import(build(sources)) == sources` byte for byte.

It is Pandoc's Markdown writer with typographic characters kept as they are (`-smart`), one sentence per line (a
line ends where a sentence does: `git diff` shows an edit on the sentence's own line, and a note's text stays on
its line), and a note of one paragraph written where its mark is (`^[...]`), as authors write them; a longer note
gets a label made from the section's name and its number. A line break inside a paragraph is a space in every
output (the HTML is written with --wrap=none), so the form changes no rendered text. A fenced div is written as
authors write the brand's blocks: `::: pull-quote`, and an attribute value that needs no quotes without them
(`::: {.pull-quote edited=true}`; the writer would quote it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Sequence

from ..pandoc import run_pandoc
from ..problems import BuildError

WRITER = ["--from", "json", "--to", "markdown-smart", "--wrap=preserve"]
# Words that cannot occur in a brief (letters and digits only, so the writer escapes nothing around them).
_NOTE = "qibriefinlinenote{}x"
_REF = "qibriefnoteref{}x"
# The key of a Note (in the AST given) that names the label the note had in the sources ([^label]).
LABEL = "qibrief-label"
_SPLIT = "qibriefsplitx"
_LEAD = "qibriefleadx"
_HELD = re.compile(r"^qibrief(?:inlinenote|noteref)\d+x$")
# A sentence ends with . ! or ? (and closing quotes or brackets) after a word (not inside emphasis), and the next
# begins with a capital or a digit; abbreviations like U.S. or Sen. end none.
_ENDS = re.compile(r"[.!?][”’\"')\]]*$")
_BEGINS = re.compile(r"^[“‘\"'(\[]*[A-Z0-9À-Þ]")
_ABBREVIATION = re.compile(r"(?:^|[\s(“‘])(?:(?:[A-Za-z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|No|Nos|vs|Jan|Feb|"
                           r"Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|cf|p|pp|ed|eds|vol|ch)\.)[”’\"')\]]*$")


def write_sections(sections: Sequence[list], api_version: list[int], *, labels: Sequence[str] = (),
                   cwd: Path | None = None) -> list[str]:
    """Each section's blocks (Pandoc's JSON AST) as canonical Markdown text, in one Pandoc run."""
    notes: list[list] = []
    defined: list[tuple[int, str, list]] = []  # (section, label, blocks) of the notes written [^label]
    current = 0

    def hold_notes(node):
        if isinstance(node, list):
            return [hold_notes(child) for child in node]
        if isinstance(node, dict):
            if node.get("t") == "Note":
                label = node.get(LABEL)
                if label is None and len(node["c"]) == 1 and node["c"][0]["t"] in ("Para", "Plain"):
                    notes.append(hold_notes(node["c"][0]["c"]))
                    return {"t": "Str", "c": _NOTE.format(len(notes) - 1)}
                if label is None:
                    label = f"{labels[current] if current < len(labels) else current + 1}-" \
                            f"{sum(1 for d in defined if d[0] == current) + 1}"
                defined.append((current, label, _spaces(node["c"])))
                return {"t": "Str", "c": _REF.format(len(defined) - 1)}
            if "c" in node:
                return {**node, "c": hold_notes(node["c"])}
        return node

    split = {"t": "Para", "c": [{"t": "Str", "c": _SPLIT}]}
    held = []
    for current, section in enumerate(sections):
        held.append(_break_sentences(hold_notes(_spaces(section))))
    blocks: list = []
    for inlines in notes:
        # After a word, so that nothing in the note is escaped as if it began a line.
        blocks += [{"t": "Para", "c": [{"t": "Str", "c": _LEAD}, *inlines]}, split]
    for _, _, note_blocks in defined:
        blocks += [*note_blocks, split]
    written = [index for index, section in enumerate(held) if section]
    for index in written:
        blocks.extend(held[index])
        blocks.append(split)
    document = {"pandoc-api-version": api_version, "meta": {}, "blocks": blocks}
    run = run_pandoc(WRITER, stdin=json.dumps(document).encode("utf-8"), cwd=cwd, what="writing the sections")
    text = run.output.decode("utf-8")
    parts = (text.rstrip("\n") + "\n\n").split(f"\n\n{_SPLIT}\n\n")[:-1] if blocks else []
    if len(parts) != len(written) + len(notes) + len(defined):
        raise BuildError("pandoc: the Markdown writer's output did not split into the sections given "
                         f"({len(parts)} parts for {len(written)} sections and {len(notes) + len(defined)} notes)")
    bodies = [p.removeprefix(_LEAD) for p in parts[:len(notes)]]
    bodies = [b[:-1] if b.endswith("\n") else b for b in bodies]
    definitions = [_definition(label, text) for (_, label, _), text in
                   zip(defined, parts[len(notes):len(notes) + len(defined)])]
    texts = dict(zip(written, parts[len(notes) + len(defined):]))
    out = []
    for index in range(len(sections)):
        part = _unquote_div_attributes(texts.get(index, ""))
        part = re.sub(_NOTE.format(r"(\d+)"), lambda m: "^[" + bodies[int(m.group(1))] + "]", part)
        part = re.sub(_REF.format(r"(\d+)"), lambda m: f"[^{defined[int(m.group(1))][1]}]", part)
        own = [definitions[i] for i, (section, _, _) in enumerate(defined) if section == index]
        part = "\n\n".join([part.rstrip("\n"), *own]) if own else part
        out.append(part.rstrip("\n") + "\n" if part.strip() else "")
    return out


_DIV_OPENING = re.compile(r"^:{3,} \{.*\}$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_QUOTED_VALUE = re.compile(r'(?<=[\w-])="([\w.-]+)"')


def _unquote_div_attributes(text: str) -> str:
    """The text with `key="value"` on fenced div openings written `key=value` where the value needs no quotes."""
    lines = text.split("\n")
    fence = ""
    for number, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence:
            fence = "" if opened and opened.group(1).startswith(fence) and line.strip() == opened.group(1) else fence
        elif opened:
            fence = opened.group(1)
        elif _DIV_OPENING.match(line):
            lines[number] = _QUOTED_VALUE.sub(r"=\1", line)
    return "\n".join(lines)


def _definition(label: str, text: str) -> str:
    """A note's text as its definition at the end of the section: `[^label]: ...`, later lines indented."""
    lines = text.strip("\n").split("\n")
    return "\n".join([f"[^{label}]: {lines[0]}", *[("    " + line) if line else "" for line in lines[1:]]])


def _spaces(node):
    """The node with every soft line break a space: where lines break is the canonical form's to decide."""
    if isinstance(node, list):
        return [_spaces(child) for child in node]
    if isinstance(node, dict):
        if node.get("t") == "SoftBreak":
            return {"t": "Space"}
        if "c" in node:
            return {**node, "c": _spaces(node["c"])}
    return node


def _break_sentences(node):
    """The node with a line break after each sentence of a paragraph (not inside notes or emphasis)."""
    if isinstance(node, list):
        return [_break_sentences(child) for child in node]
    if not isinstance(node, dict) or "c" not in node or node.get("t") in ("Note", "Cite"):
        return node
    if node["t"] in ("Para", "Plain"):
        return {**node, "c": _break_line(node["c"])}
    if node["t"] in ("Header", "CodeBlock", "RawBlock", "Table", "Figure"):
        return node
    return {**node, "c": _break_sentences(node["c"])}


def _break_line(inlines: list) -> list:
    out = list(inlines)
    for index, inline in enumerate(out):
        if inline["t"] != "Space" or index + 1 >= len(out):
            continue
        before = index - 1
        while before >= 0 and (out[before]["t"] in ("Cite", "Note") or
                               (out[before]["t"] == "Str" and _HELD.match(out[before]["c"]))):
            before -= 1
        following = out[index + 1]
        if before < 0 or out[before]["t"] != "Str" or following["t"] != "Str":
            continue
        word = out[before]["c"]
        if _ENDS.search(word) and not _ABBREVIATION.search(" " + word) and _BEGINS.match(following["c"]):
            out[index] = {"t": "SoftBreak"}
    return out
