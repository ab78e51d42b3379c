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
    """Brief 50's DOCX with note 17's reference deleted fails by note number, alone and against the HTML."""
    original = next(brief50_build.glob("*.docx"))
    data = original.read_bytes()
    kind = note_kind(data)
    ident = reference_runs(docx_parts(data)["word/document.xml"].decode("utf-8"), kind)[16].group(1)

    def delete_17(doc: str) -> str:
        run = reference_runs(doc, kind)[16]
        return doc[:run.start()] + doc[run.end():]

    broken = tmp_path / original.name
    broken.write_bytes(docx_with(data, "word/document.xml", delete_17))
    html = next(brief50_build.glob("*.html"))
    messages = [str(p) for p in check_paths([broken, html])]
    count = html.read_text(encoding="utf-8").count('class="footnote-ref"')
    assert any(re.match(rf".*\.docx: {kind} w:id={ident} \(.*\) has no marker in the text$", m) for m in messages), messages
    assert any(m.endswith(f".docx: holds {count - 1} notes; {html} holds {count}") for m in messages), messages
    assert any(".docx: note 17: text differs from" in m for m in messages), messages
