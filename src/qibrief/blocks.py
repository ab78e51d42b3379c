"""The brand's blocks: the fenced divs a section may hold (`::: pull-quote`), and the Word paragraph style each one
gets in the DOCX. A block is styled by its class: print.css and web.css style `.pull-quote`, and the DOCX's
paragraphs get the style of the same name from docx/reference.py ("Pull Quote"), added here (style_blocks), so an
author never writes `custom-style=`. Any other class on a fenced div, or custom style, would be rendered as plain
text without a word: the lint refuses it (block_problems), listing the known ones and suggesting the closest.
"""

from __future__ import annotations

import difflib
from typing import Iterator

from .document import elements

# Class -> the DOCX paragraph style docx/reference.py defines for it. The only list of the brand's blocks.
BLOCKS = {
    "executive-summary": "Executive Summary",
    "pull-quote": "Pull Quote",
}
STYLES = tuple(BLOCKS.values())
CUSTOM_STYLE = "custom-style"


def _closest(word: str, known: tuple[str, ...]) -> str | None:
    # Case and separators aside ("Pullquote", "pull_quote"), then difflib's ratio.
    folded = {_fold(name): name for name in known}
    if _fold(word) in folded:
        return folded[_fold(word)]
    found = difflib.get_close_matches(_fold(word), list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def _fold(word: str) -> str:
    return "".join(char for char in word.lower() if char.isalnum())


def class_problem(name: str) -> str:
    """The message for a fenced div class the brand does not know."""
    closest = _closest(name, tuple(BLOCKS))
    hint = f"; did you mean '{closest}'?" if closest else ""
    return f"fenced div class '{name}' is not a block of the brand{hint} (the brand's blocks: {', '.join(BLOCKS)})"


def style_problem(style: str, kind: str) -> str:
    """The message for a custom style the brand does not know, or one on a span."""
    written = " or ".join(f"::: {name}" for name in BLOCKS)
    if kind != "Div":
        return (f'custom-style="{style}" on a span is not allowed: the brand\'s styles are for blocks, written '
                f"{written}")
    closest = _closest(style, STYLES)
    hint = f'; did you mean "{closest}"?' if closest else ""
    known = ", ".join(f'"{name}"' for name in STYLES)
    return (f'custom-style="{style}" is not a style of the brand{hint} (the brand\'s styles: {known}; the class '
            f"alone is enough: {written})")


def block_problems(kind: str, classes: list[str], attributes: list[list[str]]) -> Iterator[tuple[str, str]]:
    """What is wrong with a Div's or Span's classes and custom style, as (message, text to find it by)."""
    style = next((value for key, value in attributes if key == CUSTOM_STYLE), None)
    if kind == "Div":
        for name in classes:
            if name not in BLOCKS:
                yield class_problem(name), name
    if style is None:
        return
    if style not in STYLES or kind != "Div":
        yield style_problem(style, kind), f"{CUSTOM_STYLE}="
        return
    if not any(name in BLOCKS for name in classes):
        block = next(name for name, styled in BLOCKS.items() if styled == style)
        yield (f'custom-style="{style}" styles only the DOCX; write the class, which styles every format: '
               f"::: {block}", f"{CUSTOM_STYLE}=")
    for name in classes:
        if name in BLOCKS and BLOCKS[name] != style:
            yield (f'custom-style="{style}" contradicts the class {name} (styled "{BLOCKS[name]}"); '
                   f"drop custom-style=, the class alone is enough", f"{CUSTOM_STYLE}=")


def style_blocks(tree: dict) -> bool:
    """Give each brand block's Div in the AST its DOCX paragraph style (custom-style), unless it has it; True if
    any changed."""
    return _add_styles(tree.get("blocks", []))


def _add_styles(blocks: list) -> bool:
    changed = False
    for div in elements(blocks, "Div"):
        if len(div["c"]) == 2:
            changed = _add_style(div["c"][0]) or changed
    return changed


def _add_style(attr: list) -> bool:
    _, classes, attributes = attr
    known = [BLOCKS[name] for name in classes if name in BLOCKS]
    if known and not any(key == CUSTOM_STYLE for key, _ in attributes):
        attributes.append([CUSTOM_STYLE, known[0]])
        return True
    return False
