"""The Chicago notes rule: in note order, a source's first citation is its full form and every later one is
its short form. The full and short forms of each entry come from citeproc itself (one small Pandoc run);
a citation is taken as full when it holds most of the words that only the full form has (given name,
publisher, date, URL)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ..citestyle import style_files
from ..pandoc import READER, run_pandoc
from ..problems import Problem
from ..roundtrip.sent import FILTER as APART_FILTER
from ..roundtrip.sent import Apart, apart_document, apart_from
from ..sources import Sources
from ..document import CiteGroup, cite_groups
from .text import normalise

_COMMON = {"https", "http", "www", "com", "org", "gov", "net", "edu", "html", "htm", "pdf", "the", "and", "of", "in",
           "on", "for", "to", "an", "accessed", "ibid", "no", "vol", "ed", "eds", "by"}
_TOKEN = re.compile(r"\w{2,}")


def _tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.findall(normalise(text).lower()) if t not in _COMMON}


def entry_forms(sources: Sources, keys: list[str]) -> dict[str, tuple[str, str]]:
    """(full, short) rendering of each key, as citeproc writes a first and a later citation without locator."""
    if not keys:
        return {}
    paragraphs = [f"Text.[@{key}]" for key in keys] + [f"Text.[@{key}]" for key in keys]
    run = run_pandoc(
        ["--from", READER, "--to", "json", "--citeproc", *_brief_citeproc(sources)],
        stdin="\n\n".join(paragraphs).encode("utf-8"),
        cwd=sources.project.root,
        files=style_files(sources.csl, sources.style),
        what="formatting each source's full and short note",
    )
    return _forms_of(json.loads(run.output), keys)


def entry_forms_and_apart(sources: Sources, keys: list[str], api_version: list[int]) -> tuple[
        dict[str, tuple[str, str]], Apart]:
    """entry_forms(sources, keys) and read_apart(the sections, the references) in one Pandoc run: the DOCX's
    reading of each section alone, and the bibliography parsed once for both."""
    run = run_pandoc(
        ["--from", "json", "--to", "json", "--lua-filter", str(APART_FILTER), *_brief_citeproc(sources)],
        stdin=apart_document(sources.sections, api_version, keys),
        cwd=sources.project.root, sections=sources.sections,
        files=style_files(sources.csl, sources.style),
        what="reading each section on its own and formatting each source's full and short note",
    )
    tree = json.loads(run.output)
    formatted = tree.get("meta", {}).get("qibrief-forms", {}).get("c", [])
    return _forms_of({"blocks": formatted}, keys), apart_from(tree)


def _brief_citeproc(sources: Sources) -> list[str]:
    # What citeproc formats the forms with: the brief's metadata, style and bibliography (no bibliography printed).
    project = sources.project
    return ["--metadata-file", str(project.metadata_file), "--metadata", "suppress-bibliography=true",
            "--csl", str(sources.csl), "--bibliography", str(project.references_file)]


def _forms_of(tree: dict, keys: list[str]) -> dict[str, tuple[str, str]]:
    # Each key's citation twice, after citeproc: the first round is the full form, the second the short.
    groups = cite_groups(tree)
    if len(groups) != 2 * len(keys):
        return {}
    return {key: (groups[i].text, groups[len(keys) + i].text) for i, key in enumerate(keys)}


# Cited between a key's first and later citation, so that the later one is its short form, never "Ibid.".
_SPACER = {"id": "qibrief-spacer", "type": "book", "title": "Spacer", "author": [{"family": "Spacer"}]}


def item_forms(style: bytes, items: dict[str, dict], metadata_file: Path | None = None) -> dict[str, tuple[str, str]]:
    """(full, short) of each CSL item (a citation field's itemData, by key) as citeproc writes a first and a later
    citation without locator in `style` (the brief's CSL) and the brief's metadata (its lang); {} when citeproc
    gives a different count."""
    items = {key: {**item, "id": key} for key, item in items.items() if isinstance(item, dict)}
    if not items:
        return {}
    keys = list(items)
    paragraphs = [f"Text.[@{{{key}}}]" for key in keys]
    paragraphs += [f"Text.[@{{{_SPACER['id']}}}] Text.[@{{{key}}}]" for key in keys]
    references = json.dumps({"references": [*items.values(), _SPACER], "suppress-bibliography": True})
    run = run_pandoc(
        ["--from", READER, "--to", "json", "--citeproc",
         *(["--metadata-file", str(metadata_file)] if metadata_file else []),
         "--metadata-file", "fields.yaml", "--csl", "fields.csl"],
        stdin="\n\n".join(paragraphs).encode("utf-8"),
        files={"fields.yaml": references.encode("utf-8"), "fields.csl": style},
        warnings_fail=False,
        what="formatting the citation fields' full and short notes",
    )
    groups = [g for g in cite_groups(json.loads(run.output)) if g.keys != (_SPACER["id"],)]
    if len(groups) != 2 * len(keys):
        return {}
    return {key: (groups[i].text, groups[len(keys) + i].text) for i, key in enumerate(keys)}


def _segments(group: CiteGroup) -> list[str]:
    # citeproc joins the citations of one group with "; "; when the count matches, each part is one citation.
    parts = group.text.strip("()").split("; ")
    return parts if len(parts) == len(group.keys) else [group.text] * len(group.keys)


def looks_full(text: str, full: str, short: str) -> bool | None:
    """True if `text` holds the full form, False if only the short one, None when the two cannot be told apart."""
    distinctive = _tokens(full) - _tokens(short)
    if not distinctive:
        return None
    present = len(distinctive & _tokens(text))
    return present >= max(1, math.ceil(0.5 * len(distinctive)))


def check_chicago(groups: list[CiteGroup], forms: dict[str, tuple[str, str]],
                  places: dict[str, list[tuple[str, int]]]) -> list[Problem]:
    """First citation of each source full, later ones short; places[key] lists (file, line) of its citations."""
    problems = []
    first_note: dict[str, int] = {}
    seen_count: dict[str, int] = {}
    for group in groups:
        for key, segment in zip(group.keys, _segments(group)):
            index = seen_count.get(key, 0)
            seen_count[key] = index + 1
            spots = places.get(key, [])
            path, line = spots[index] if index < len(spots) else ("references.yaml", None)
            if key not in forms:
                first_note.setdefault(key, group.note)
                continue
            full = looks_full(segment, *forms[key])
            if key not in first_note:
                first_note[key] = group.note
                if full is False:
                    problems.append(Problem(path, line, f"note {group.note}: first citation of @{key} is in short form; expected the full form"))
            elif full is True and group.note != first_note[key]:
                problems.append(Problem(
                    path, line, f"note {group.note}: @{key} is cited in full again (first in note {first_note[key]}); "
                    "expected the short form"
                ))
    return problems


def check_repeated_full_citations(name: str, texts: dict[int, str]) -> list[Problem]:
    """Without the sources: a URL that appears in two notes means a full citation was repeated."""
    problems = []
    first: dict[str, int] = {}
    for k in sorted(texts):
        for url in dict.fromkeys(re.findall(r"https?://\S+", texts[k].replace("\n", ""))):
            url = url.rstrip(".,;:)\u201d\u2019\"'")
            if url in first and first[url] != k:
                problems.append(Problem(
                    name, None, f"note {k}: repeats the full citation of note {first[url]} ({url}); expected the short form"
                ))
            first.setdefault(url, k)
    return problems
