"""The screen PDF is PDF/UA-1 for every brief the build accepts: veraPDF and page-validation both pass brief 50,
the sample and a brief with only the required metadata, and what would break PDF/UA is refused with its place."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MINIMAL, run_cli, verapdf


def _page_validation(pdf: Path) -> list[str]:
    """page-validation's failed PDF/UA-1 rules for a PDF."""
    import page

    report = page.validate_pdf(str(pdf), profile="ua1")
    failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
    assert report.is_compliant or failures
    return failures


def _assert_verapdf_compliant(*pdfs: Path) -> None:
    done = verapdf("ua1", *pdfs)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "   FAIL " not in report, report
    assert report.count("compliant=true") == len(pdfs), report
    assert "PDF/UA-1 validation profile" in report


@pytest.mark.slow
def test_brief_50_screen_pdf_passes_verapdf(brief50_build):
    """veraPDF's PDF/UA-1 profile finds brief 50's screen PDF compliant, with no failed rule."""
    _assert_verapdf_compliant(brief50_build / "qi-brief-50.pdf")


def test_sample_screen_pdf_passes_verapdf(sample_build):
    """veraPDF's PDF/UA-1 profile finds the sample's screen PDF compliant, with no failed rule."""
    _assert_verapdf_compliant(sample_build / "qi-brief-7.pdf")


def test_minimal_brief_screen_pdf_passes_both_validators(minimal_build):
    """A brief with only title, series, number, author and lang gives a PDF/UA-1 screen PDF (both validators)."""
    pdf = minimal_build / "qi-brief-1.pdf"
    _assert_verapdf_compliant(pdf)
    assert _page_validation(pdf) == []


def test_minimal_brief_alt_text_and_metadata_are_derived(minimal_build):
    """Without organization:, subject: or keywords:, the cover mark's alt text, the PDF's Subject and Keywords
    (and the DOCX's) come from the series, number and title; none is empty."""
    import pikepdf

    with pikepdf.open(minimal_build / "qi-brief-1.pdf") as pdf:
        info = pdf.docinfo
        assert str(info.Title) == "QI Brief 1: Minimal Brief"
        assert str(info.Subject) == "Minimal Brief"
        assert str(info.Keywords) == "QI Brief, QI Brief 1"
        figures = []

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if node.S == "/Figure":
                    figures.append(str(node.get("/Alt", "")))
                if "/K" in node:
                    walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
    assert figures == ["QI Brief"]
    page = (minimal_build / "qi-brief-1.html").read_text(encoding="utf-8")
    assert '<title id="qi-mark-title">QI Brief</title>' in page
    assert 'class="cover-organization"' not in page and 'class="cover-date"' not in page
    import zipfile

    with zipfile.ZipFile(minimal_build / "qi-brief-1.docx") as docx:
        core = docx.read("docProps/core.xml").decode("utf-8")
    assert "<cp:keywords>QI Brief, QI Brief 1</cp:keywords>" in core
    assert "<dc:subject>Minimal Brief</dc:subject>" in core


def _minimal_copy(tmp_path: Path) -> Path:
    target = tmp_path / "brief"
    shutil.copytree(MINIMAL, target)
    return target


# Each case edits one section of the minimal brief: (file, old text, new text, expected messages).
REFUSED = [
    ("skipped level after a level-1 heading", "01.introduction.md", "## Background", "### Background", [
        'content/01.introduction.md:6:1: heading "Background" is level 3 (###) after a level-1 heading; expected '
        "level 2 (##) at most: PDF/UA-1 needs headings that skip no level",
    ]),
    ("first heading at level 3", "01.introduction.md", "# Introduction", "### Introduction", [
        'content/01.introduction.md:1:1: heading "Introduction" is level 3 (###) after a level-1 heading; expected '
        "level 2 (##) at most: PDF/UA-1 needs headings that skip no level",
    ]),
    ("skip inside a later section", "02.conclusion.md", "The conclusion ends the brief.",
     "The conclusion ends the brief.\n\n## Next\n\n#### Far below", [
        'content/02.conclusion.md:7:1: heading "Far below" is level 4 (####) after a level-2 heading; expected '
        "level 3 (###) at most: PDF/UA-1 needs headings that skip no level",
    ]),
    ("image with no alternative text", "02.conclusion.md", "The conclusion ends the brief.",
     "The conclusion ends the brief.\n\n![](mark.png)", [
        "content/02.conclusion.md:5:1: image mark.png has no alternative text; write ![what it shows](mark.png): "
        "PDF/UA-1 needs it",
    ]),
]


@pytest.mark.parametrize("section, old, new, expected", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_what_would_break_pdf_ua_is_refused_with_its_place(tmp_path, section, old, new, expected):
    """A brief that would give a non-compliant PDF fails the build (exit 1) with file:line and what to write,
    and no PDF is written."""
    from PIL import Image

    brief = _minimal_copy(tmp_path)
    Image.new("RGB", (40, 20), "red").save(brief / "mark.png")
    path = brief / "content" / section
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("build", "--root", str(brief), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    found = [line for line in done.stderr.splitlines() if line.startswith("content/")]
    assert found == expected, done.stderr
    assert not list(out.glob("*.pdf"))


def test_level_2_after_the_cover_title_is_accepted(tmp_path):
    """The cover's title is the first heading (level 1): a brief whose sections start at ## nests and builds."""
    brief = _minimal_copy(tmp_path)
    for path in (brief / "content").glob("*.md"):
        path.write_text(re.sub(r"^(#+) ", r"#\1 ", path.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    done = run_cli("build", "--root", str(brief), "--out", str(tmp_path / "out"), "--format", "pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _page_validation(tmp_path / "out" / "qi-brief-1.pdf") == []
