"""The Pandoc runs of a build. In the side work, one run gives the source checks' full and short forms and the
DOCX's sections read alone, exactly what the two runs alone give; when it fails, the build reports what the two
runs report. In the parse, the notes' citations follow the brief's lang."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import REPO, SAMPLE, run_cli
from qibrief import pipeline
from qibrief.checks.chicago import entry_forms, entry_forms_and_apart
from qibrief.checks.references import read_entries
from qibrief.docx import citations
from qibrief.document import cite_groups, notes
from qibrief.roundtrip.sent import count_notes, read_apart
from qibrief.sources import read_sources
from qibrief.writers import parse_brief


def _cited_keys(sources, tree: dict) -> list[str]:
    # The keys checks.check_sources asks forms for: cited, and in references.yaml.
    entries, _ = read_entries(sources.project.references_file, "references.yaml")
    return sorted({key for group in cite_groups(tree) for key in group.keys} & {e.ident for e in entries})


@pytest.mark.parametrize("root", [REPO, SAMPLE], ids=["brief50", "sample"])
def test_one_run_gives_the_forms_and_the_sections_apart(root):
    sources = read_sources(root)
    tree = json.loads(parse_brief(sources).ast)
    keys = _cited_keys(sources, tree)
    assert keys
    forms, apart = entry_forms_and_apart(sources, keys, tree["pandoc-api-version"])
    assert forms == entry_forms(sources, keys) and len(forms) == len(keys)
    alone = read_apart(sources.sections, sources.project.references_file, tree["pandoc-api-version"],
                       cwd=sources.project.root)
    assert apart == alone and len(apart.blocks) == len(sources.sections) and apart.items


def test_a_build_reads_the_sections_once_for_the_checks_and_the_docx(monkeypatch):
    sources = read_sources(SAMPLE)
    ast = parse_brief(sources).ast
    runs: list[str] = []
    for module, name in ((pipeline, "entry_forms_and_apart"), (pipeline, "entry_forms"), (citations, "read_apart")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: runs.append(_name) or _real(*a, **k))
    result = pipeline.check_sources_and_write_docx(sources, ast, 0, "endnotes", "qi-brief-7.docx")
    assert runs == ["entry_forms_and_apart"] and result.docx and not result.problems
    # Without a DOCX to write, the forms alone.
    runs.clear()
    assert not pipeline.check_sources_and_write_docx(sources, ast, 0, "endnotes", None).problems
    assert runs == ["entry_forms"]


def test_mark_sources_given_the_sections_apart_writes_what_it_reads_itself():
    sources = read_sources(SAMPLE)
    ast = parse_brief(sources).ast
    tree = json.loads(ast)
    _, apart = entry_forms_and_apart(sources, _cited_keys(sources, tree), tree["pandoc-api-version"])
    assert citations.mark_sources(ast, sources, apart) == citations.mark_sources(ast, sources)


def test_a_note_referenced_from_another_section_fails_as_before(tmp_path):
    # Read alone, the section that defines the note warns that it is never used: the one run fails, and the
    # build reports what reading the sections alone reports (a build's only message about it).
    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    with (brief / "content" / "02.introduction.md").open("a", encoding="utf-8") as text:
        text.write("\nA far note.[^far]\n")
    with (brief / "content" / "03.conclusion.md").open("a", encoding="utf-8") as text:
        text.write("\n[^far]: Defined in the conclusion, see [@smith2020].\n")
    done = run_cli("build", "--root", str(brief), "--out", str(tmp_path / "out"), "--no-cache")
    assert done.returncode == 1
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    assert "pandoc:6: note [^far] is defined but never referenced" in lines
    assert "Pandoc reported problems; nothing was written." in lines


def test_count_notes_counts_nested_notes():
    note = {"t": "Note", "c": [{"t": "Para", "c": [{"t": "Str", "c": "a"},
                                                  {"t": "Note", "c": [{"t": "Plain", "c": []}]}]}]}
    blocks = [{"t": "Para", "c": [{"t": "Str", "c": "x"}, note, {"t": "Space"}]},
              {"t": "BlockQuote", "c": [{"t": "Para", "c": [note]}]}]
    assert count_notes(blocks) == 4 and count_notes([]) == 0


@pytest.mark.parametrize(("lang", "expected"), [("en-US", "Again Jones, “Newspaper Story.”"),
                                                ("en-GB", "Again Jones, ‘Newspaper Story’.")])
def test_a_notes_period_goes_inside_the_quotes_by_the_briefs_lang(tmp_path, lang, expected):
    # filters/note-citations.lua reads the lang in a pass over the metadata before it sees the notes.
    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    metadata = brief / "content" / "metadata.yaml"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace("lang: en-US", f"lang: {lang}"), encoding="utf-8")
    with (brief / "content" / "03.conclusion.md").open("a", encoding="utf-8") as text:
        text.write("\nA story.^[See [@jones2021].] Again a story.^[Again [@jones2021].]\n")
    found = notes(json.loads(parse_brief(read_sources(brief)).ast))
    assert [note for note in found if note.startswith("Again")] == [expected]
