"""Brief 50 end to end: its sources and its built outputs pass the note checks; a broken copy fails by file and line
or by note number."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from checks_support import REPO, docx_with, errors_of, note_kind, reference_runs, docx_parts
from conftest import run_cli
from qibrief.checks import check_paths
from qibrief.pipeline import check_sources_only

pytestmark = pytest.mark.slow


def test_brief50_sources_pass():
    """`check` on brief 50 finds no error (warnings, such as near pull quotes, may remain)."""
    done = run_cli("check", "--root", str(REPO))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("check: no errors found")


def test_brief50_outputs_pass(brief50_build):
    """`check FILE...` on brief 50's built PDF, DOCX and HTML (and print PDF) finds no problem."""
    files = sorted(p for p in brief50_build.iterdir() if p.suffix in (".pdf", ".docx", ".html"))
    assert {p.suffix for p in files} == {".pdf", ".docx", ".html"}
    assert [str(p) for p in check_paths(files)] == []


@pytest.fixture
def broken_brief(tmp_path) -> Path:
    """A copy of brief 50's sources with a hand-typed number, an undefined note label and a misspelt key."""
    root = tmp_path / "brief50"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "references.yaml", root / "references.yaml")
    intro = root / "content" / "02.introduction.md"
    text = intro.read_text(encoding="utf-8")
    assert "Justin Trudeau.^[" in text and "[@dress2023]" in text
    text = text.replace("Justin Trudeau.^[", "Justin Trudeau.1 Then[^missing] ^[", 1).replace("[@dress2023]", "[@dres2023]", 1)
    intro.write_text(text, encoding="utf-8")
    return root


def test_broken_brief50_sources_fail_with_file_and_line(broken_brief):
    """The broken copy fails `check` with exit 1, each error naming the section file and line."""
    done = run_cli("check", "--root", str(broken_brief))
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).splitlines()
    intro_line = next(n for n, t in enumerate((broken_brief / "content" / "02.introduction.md").read_text().splitlines(), 1)
                      if "Trudeau.1" in t)
    key_line = next(n for n, t in enumerate((broken_brief / "content" / "02.introduction.md").read_text().splitlines(), 1)
                    if "dres2023" in t)
    for expected in (
        f'content/02.introduction.md:{intro_line}: note number "1" after "Trudeau." typed by hand; write a note or a citation',
        f"content/02.introduction.md:{intro_line}: note [^missing] has no definition; Pandoc would print it as literal text",
        f"content/02.introduction.md:{key_line}: citation @dres2023 is not in references.yaml",
    ):
        assert expected in lines, "\n".join(lines)


def test_broken_brief50_docx_fails_by_note_number(brief50_build, tmp_path):
    """Brief 50's DOCX with note 17's reference deleted (its note left behind) fails by note number against the
    HTML: the stray note, and note 17 removed after its sentence; the notes after it are not reported."""
    original = next(brief50_build.glob("*.docx"))
    data = original.read_bytes()
    kind = note_kind(data)

    def delete_17(doc: str) -> str:
        run = reference_runs(doc, kind)[16]
        return doc[:run.start()] + doc[run.end():]

    broken = tmp_path / original.name
    broken.write_bytes(docx_with(data, "word/document.xml", delete_17))
    html = next(brief50_build.glob("*.html"))
    messages = [str(p) for p in check_paths([broken, html])]
    assert len(messages) == 2, messages
    assert re.fullmatch(rf"{broken}: after note 16 in the notes: a note that no marker in the text refers to \(.+\); "
                        "Word and LibreOffice do not show it", messages[0]), messages
    assert re.fullmatch(rf'{broken}: note 17 \(.+\) was removed in ".+" after ".+" \(compared with {html}\)', messages[1]), messages


def test_one_deleted_note_with_the_pdf_is_one_message(brief50_build, tmp_path):
    """Note 5 deleted from brief 50's DOCX (reference and note, as a word processor does) and a word changed in
    note 24: checked with the PDF, one message each, through PDF hyphenation and URL breaks."""
    original = next(brief50_build.glob("*.docx"))
    data = original.read_bytes()
    kind = note_kind(data)
    runs = reference_runs(docx_parts(data)["word/document.xml"].decode("utf-8"), kind)
    fifth, twenty_fourth = runs[4].group(1), runs[23].group(1)

    def document(doc: str) -> str:
        run = reference_runs(doc, kind)[4]
        return doc[:run.start()] + doc[run.end():]

    def notes(text: str) -> str:
        text = re.sub(rf'<w:{kind} w:id="{fifth}">.*?</w:{kind}>', "", text, flags=re.S)
        note = re.search(rf'<w:{kind} w:id="{twenty_fourth}">.*?</w:{kind}>', text, re.S)
        edited = re.sub(r'(<w:t xml:space="preserve">)(\w+)', r"\1\2x", note.group(0), count=1)
        return text[:note.start()] + edited + text[note.end():]

    broken = tmp_path / original.name
    broken.write_bytes(docx_with(docx_with(data, "word/document.xml", document), f"word/{kind}s.xml", notes))
    pdf = brief50_build / original.name.replace(".docx", ".pdf")
    messages = [str(p) for p in check_paths([broken, pdf])]
    assert len(messages) == 2, messages
    assert re.fullmatch(rf"{broken}: note 5 \(.+\) was removed after note 4 \(compared with {pdf}\)", messages[0]), messages
    assert re.fullmatch(rf'{broken}: note 23 in ".+" after ".+": the text differs from {pdf} \(its note 24\): '
                        r'"\w+x" for "\w+"', messages[1]), messages
