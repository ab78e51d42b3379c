"""Where a brief's relative links go in each format.

A relative link ([data](tables/data.csv)) is relative to the web page, and the web page keeps it. The PDF
and the DOCX have no such address of their own: WeasyPrint makes every relative link a file:// URI of the
build machine (its folders, its user name), and Word opens a relative target as a path on the reader's
disk. So in those two, each relative link is resolved against the web page's address when the metadata
gives one (`url: https://...`), and otherwise the link is left out and its text kept.

The lint has refused what is not a plain relative path by then (other schemes, //host, backslashes).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit


def is_relative(target: str) -> bool:
    """A target with no scheme and no host that is not a place in the document itself (#id)."""
    stripped = target.strip()
    if not stripped or stripped.startswith("#"):
        return False
    parts = urlsplit(stripped)
    return not parts.scheme and not parts.netloc and not stripped.startswith("//")


def resolve(target: str, base: str | None) -> str | None:
    """A relative target made absolute against the web page's address, or None when there is none."""
    return urljoin(base, target.strip()) if base else None


_A_TAG = re.compile(r"<a\b[^>]*>|</a\s*>", re.IGNORECASE)
_HREF = re.compile(r'(\shref=")([^"]*)(")', re.IGNORECASE)


def print_links(document: str, base: str | None) -> str:
    """The HTML for a PDF: each relative link resolved against `base`, or unwrapped to its text without one."""
    if "<a" not in document:
        return document
    out: list[str] = []
    opened: list[bool] = []  # for each open <a>, whether it was dropped (its </a> goes too)
    position = 0
    for tag in _A_TAG.finditer(document):
        out.append(document[position:tag.start()])
        position = tag.end()
        text = tag.group(0)
        if text.startswith("</"):
            dropped = opened.pop() if opened else False
            if not dropped:
                out.append(text)
            continue
        href = _HREF.search(text)
        target = html.unescape(href.group(2)) if href else ""
        if not href or not is_relative(target):
            opened.append(False)
            out.append(text)
            continue
        absolute = resolve(target, base)
        if absolute is None:
            opened.append(True)
            continue
        opened.append(False)
        out.append(text[:href.start(2)] + html.escape(absolute, quote=True) + text[href.end(2):])
    out.append(document[position:])
    return "".join(out)


# The end of a Link or Image node in Pandoc's JSON: its target and title, then the ends of "c" and of the node.
_TARGET_END = re.compile(rb'\["((?:[^"\\]|\\.)*)","(?:[^"\\]|\\.)*"\]\]\}')
_NOT_LOCAL = (b"http:", b"https:", b"mailto:", b"data:", b"#")


def docx_links(ast: bytes, base: str | None) -> bytes:
    """The JSON AST for the DOCX: each relative link resolved against `base`, or without one a Span of its text."""
    if b'"Link"' not in ast:
        return ast
    # Most briefs link only to the web and their own notes: a look at the targets spares parsing the AST (when
    # every Link's target was seen: Pandoc writes compact JSON; anything else takes the long way).
    targets = [found.group(1) for found in _TARGET_END.finditer(ast)]
    if len(targets) >= ast.count(b'"Link"') and all(target.startswith(_NOT_LOCAL) for target in targets):
        return ast
    tree = json.loads(ast)
    if not relink(tree, base):
        return ast
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def relink(tree: Any, base: str | None) -> bool:
    """In the AST, each relative link resolved against `base`, or without one a Span of its text; True if any changed."""
    # The stack holds lists and the dicts that are no Pandoc element (the document, metadata maps, citations): an
    # element is looked at in its list, and only its content pushed, so the many Str and Space cost a lookup each.
    # json.loads makes plain dicts and lists, hence type() rather than isinstance().
    changed = False
    stack = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if type(node) is dict:
            stack.extend(value for value in node.values() if type(value) is list or type(value) is dict)
            continue
        for index, child in enumerate(node):
            if type(child) is list:
                push(child)
            elif type(child) is dict:
                kind = child.get("t")
                if kind == "Link" and _local_link(child):
                    node[index] = child = _relinked(child, base)
                    changed = True
                if kind is None or len(child) > 2:  # not an element {"t", "c"}: each value walked
                    push(child)
                    continue
                content = child.get("c")
                if type(content) is list or type(content) is dict:
                    push(content)
    return changed


def _local_link(node: dict) -> bool:
    content = node.get("c")
    return (isinstance(content, list) and len(content) == 3 and isinstance(content[2], list) and content[2]
            and isinstance(content[2][0], str) and is_relative(content[2][0]))


def _relinked(node: dict, base: str | None) -> dict:
    attr, inlines, (target, *rest) = node["c"]
    absolute = resolve(target, base)
    if absolute is None:
        return {"t": "Span", "c": [attr, inlines]}
    return {"t": "Link", "c": [attr, inlines, [absolute, *rest]]}
