"""The HTML's notes: markers 1..N in reading order linking to note k, and note k linking back to its marker."""

from __future__ import annotations

import re

import lxml.html

from ..problems import Problem
from .handtyped import describe, glued_numbers, superscript_digits
from .text import describe_place
from .rendered import Marker, RenderedNotes, check_marker_order, check_markers_against_notes

_NUMBER = re.compile(r"^\d+$")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "li", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "figcaption")


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _is_marker(element) -> bool:
    return element.tag == "a" and ("footnote-ref" in _classes(element) or element.get("role") == "doc-noteref")


def _is_backlink(element) -> bool:
    return element.tag == "a" and ("footnote-back" in _classes(element) or element.get("role") == "doc-backlink")


def _notes_section(root):
    found = root.xpath('//*[@role="doc-endnotes" or @id="footnotes" or contains(concat(" ", @class, " "), " footnotes ")]')
    return found[0] if found else None


def _note_text(item) -> str:
    parts = []

    def walk(element) -> None:
        if _is_backlink(element):
            if element.tail:
                parts.append(element.tail)
            return
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if element is not item and element.tail:
            parts.append(element.tail)

    walk(item)
    return "".join(parts)


def _body_text_without_markers(element) -> str:
    parts = []

    def walk(node) -> None:
        if isinstance(node.tag, str) and (_is_marker(node) or node.tag in ("sup", "script", "style")):
            pass
        else:
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
        if node is not element and node.tail:
            parts.append(node.tail)

    walk(element)
    return "".join(parts)


def _text_before(marker) -> str:
    """The text of the marker's paragraph (or list item, cell, quote) up to the marker, without other markers."""
    block = next((a for a in marker.iterancestors() if a.tag in _BLOCKS), None)
    if block is None:
        return ""
    parts: list[str] = []

    def walk(node) -> bool:
        if node is marker:
            return True
        if not (_is_marker(node) or node.tag in ("sup", "script", "style")):
            parts.append(node.text or "")
            for child in node:
                if not isinstance(child.tag, str):
                    parts.append(child.tail or "")
                    continue
                if walk(child):
                    return True
                parts.append(child.tail or "")
        return False

    walk(block)
    return "".join(parts)


def read_html(data: bytes, name: str) -> tuple[RenderedNotes, list[Problem]]:
    """Read an HTML document's markers and notes; return them with the problems found."""
    rendered = RenderedNotes(name=name, fmt="html")
    try:
        root = lxml.html.document_fromstring(data)
    except Exception as exc:  # noqa: BLE001 - lxml raises several types for unreadable input
        return rendered, [Problem(name, None, f"cannot read the HTML ({exc})")]
    problems: list[Problem] = []
    ids = {element.get("id"): element for element in root.iter() if isinstance(element.tag, str) and element.get("id")}
    section = _notes_section(root)
    inside_notes = set(section.iter()) if section is not None else set()

    heading: str | None = None
    for element in root.iter():
        if not isinstance(element.tag, str) or element in inside_notes:
            continue
        if element.tag in _HEADINGS and element.get("class") != "title":
            heading = _body_text_without_markers(element).strip() or heading
        if _is_marker(element):
            shown = element.text_content().strip()
            if not _NUMBER.match(shown):
                problems.append(Problem(name, element.sourceline, f'marker shows "{shown}"; expected a note number'))
                continue
            k = int(shown)
            rendered.markers.append(Marker(k, line=element.sourceline))
            before = _text_before(element)
            rendered.contexts.setdefault(k, before)
            rendered.places.setdefault(k, describe_place(heading, before))
            href = element.get("href") or ""
            if href != f"#fn{k}":
                problems.append(Problem(name, element.sourceline, f"note {k}: marker links to {href or 'nothing'}; expected #fn{k}"))
            elif href[1:] not in ids:
                problems.append(Problem(name, element.sourceline, f"note {k}: marker links to {href}, which does not exist"))
            if element.get("id") != f"fnref{k}":
                problems.append(Problem(name, element.sourceline, f"note {k}: marker has id \"{element.get('id') or ''}\"; expected \"fnref{k}\""))
        elif element.tag == "sup" and not any(_is_marker(a) for a in element.iterancestors()):
            shown = element.text_content().strip()
            if _NUMBER.match(shown):
                problems.append(Problem(name, element.sourceline, f'superscript "{shown}" typed by hand; expected a note marker'))
        elif element.tag in ("p", "li", "h1", "h2", "h3", "blockquote", "td"):
            text = _body_text_without_markers(element)
            for typed in glued_numbers(text) + superscript_digits(text):
                problems.append(Problem(name, element.sourceline, f"note number {describe(typed)} typed by hand; expected a note marker"))

    if section is None:
        if rendered.markers:
            problems.append(Problem(name, None, "markers but no notes section (role=\"doc-endnotes\")"))
        problems += check_marker_order(name, rendered.markers)
        return rendered, problems
    problems += _read_notes_list(name, section, ids, rendered)
    problems += check_marker_order(name, rendered.markers)
    problems += check_markers_against_notes(name, rendered.markers, list(range(1, rendered.count + 1)), "the notes list")
    return rendered, problems


def _read_notes_list(name: str, section, ids: dict, rendered: RenderedNotes) -> list[Problem]:
    """Record each note's text in `rendered`; find list items and back-links out of step with their numbers."""
    problems: list[Problem] = []
    lists = section.xpath(".//ol")
    items = [li for li in lists[0] if li.tag == "li"] if lists else []
    if lists and lists[0].get("start") not in (None, "1"):
        problems.append(Problem(name, lists[0].sourceline, f"notes list starts at {lists[0].get('start')}; expected 1"))
    for k, item in enumerate(items, start=1):
        rendered.texts[k] = _note_text(item)
        if item.get("id") != f"fn{k}":
            problems.append(Problem(name, item.sourceline, f"note {k}: list item has id \"{item.get('id') or ''}\"; expected \"fn{k}\""))
        backs = [a for a in item.iter("a") if _is_backlink(a)]
        if not backs:
            problems.append(Problem(name, item.sourceline, f"note {k}: no back-link to its marker"))
        for back in backs:
            href = back.get("href") or ""
            if href != f"#fnref{k}":
                problems.append(Problem(name, back.sourceline, f"note {k}: back-link goes to {href or 'nothing'}; expected #fnref{k}"))
            elif href[1:] not in ids:
                problems.append(Problem(name, back.sourceline, f"note {k}: back-link goes to {href}, which does not exist"))
    return problems
