"""End-to-end tests through the real command line, on the sample brief and on brief 50."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest

from conftest import REPO, SAMPLE, pdftotext, run_cli


def test_help_lists_every_command_with_an_example():
    """`--help` lists build, check, refs and clean, and each command's help shows an example."""
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("build", "check", "refs", "clean"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.M), command
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "python build.py" in sub.stdout, command


def test_usage_error_exits_2():
    """An unknown format is a usage error with exit code 2."""
    done = run_cli("build", "--format", "odt")
    assert done.returncode == 2
    assert "odt" in done.stderr


def test_sample_build_writes_three_named_artifacts(sample_build):
    """The sample brief builds into PDF, DOCX and HTML named after its series and number."""
    names = sorted(p.name for p in sample_build.iterdir() if not p.name.startswith("."))
    assert names == ["qi-brief-7.docx", "qi-brief-7.html", "qi-brief-7.pdf"]
    assert (sample_build / "qi-brief-7.pdf").read_bytes().startswith(b"%PDF-")
    assert zipfile.ZipFile(sample_build / "qi-brief-7.docx").testzip() is None


def test_pdf_cover_shows_series_number_title_and_author(sample_build):
    """The PDF's first page shows "QI Brief", the number, the title and the author."""
    cover = pdftotext(sample_build / "qi-brief-7.pdf", "-f", "1", "-l", "1")
    flat = " ".join(cover.split())
    assert "QI BRIEF 7" in flat.upper()
    assert "Small Brief on Large Questions" in flat
    assert "Ada Example" in flat


def test_pdf_has_notes_under_citations(sample_build):
    """The notes are numbered 1..5 under the heading "Citations" at the end of the PDF."""
    text = pdftotext(sample_build / "qi-brief-7.pdf")
    tail = text[text.rindex("Citations"):]
    assert re.findall(r"^\s*(\d+)\.\s", tail, re.M) == ["1", "2", "3", "4", "5"]
    assert "Jane Smith, A Report on the Questions at Hand" in " ".join(tail.split())


def test_pdf_uses_only_brand_fonts(sample_build):
    """Every font in the PDF is an embedded face of the brand's families."""
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts is missing: run `bash scripts/install.sh --test` (installs poppler-utils)")
    import subprocess

    lines = subprocess.run(["pdffonts", str(sample_build / "qi-brief-7.pdf")], capture_output=True, text=True).stdout
    fonts = [line.split()[0].split("+", 1)[1] for line in lines.splitlines()[2:]]
    assert fonts and all(f.startswith(("Source-Serif-4", "Source-Sans-3")) for f in fonts), fonts


def test_html_is_standalone(sample_build):
    """The web page inlines its styles and fonts and requests nothing from outside."""
    page = (sample_build / "qi-brief-7.html").read_text(encoding="utf-8")
    assert "<style>" in page and "data:font/woff2;base64," in page
    assert not re.search(r'<(link|script|img)[^>]+(href|src)="https?:', page)
    assert 'role="doc-endnotes"' in page and ">Citations</h1>" in page


def test_build_prints_stages_timings_and_paths(tmp_path):
    """A build announces each stage with its time and lists the files it wrote."""
    done = run_cli("build", "--root", str(SAMPLE), "--out", str(tmp_path), "--format", "html")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^Parsing with citeproc, writing HTML \(\d+\.\d\d s\)$", done.stdout, re.M)
    assert f"wrote {tmp_path / 'qi-brief-7.html'}" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [".qibrief-cache.json", "qi-brief-7.html"]


def test_second_brief_builds_with_repository_styles(tmp_path):
    """A brief folder without styles/ or templates/ builds with the repository's, into its own dist/."""
    brief = tmp_path / "other"
    shutil.copytree(SAMPLE, brief)
    meta = brief / "content" / "metadata.yaml"
    meta.write_text(meta.read_text().replace("number: 7", "number: 12"))
    done = run_cli("build", "--root", str(brief), "--format", "html")
    assert done.returncode == 0, done.stderr
    assert (brief / "dist" / "qi-brief-12.html").is_file()


def test_missing_citation_fails_with_location(sample_copy, tmp_path):
    """A citation of an unknown key fails the build with file and line, and writes nothing."""
    section = sample_copy / "content" / "03.conclusion.md"
    section.write_text(section.read_text() + "\nA new claim [@nobody2024].\n")
    done = run_cli("build", "--root", str(sample_copy), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "content/03.conclusion.md:6: citation @nobody2024 is not in references.yaml" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_refs_lists_every_entry_in_style(tmp_path):
    """`refs` lists each reference in the order the brief first cites it, with its full and short note forms as
    Pandoc's citeproc prints them in the brief's style (the full one with the first citation's locator)."""
    done = run_cli("refs", "--root", str(SAMPLE))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")] == ["smith2020", "jones2021", "agency2019"]
    assert lines[:3] == [
        "smith2020: cited 3 times, first at content/02.introduction.md:3",
        "  full:  Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020), 5, "
        "https://example.org/report.pdf.",
        "  short: Smith, Report on the Questions.",
    ]


def test_refs_flags_unused_and_incomplete_entries(sample_copy):
    """`refs` warns about an entry never cited and one without a date or creator."""
    refs = sample_copy / "references.yaml"
    refs.write_text(refs.read_text() + '  - id: orphan\n    type: webpage\n    title: "Orphan"\n')
    done = run_cli("refs", "--root", str(sample_copy))
    assert "references.yaml:27: warning: 'orphan' is never cited" in done.stdout
    assert "references.yaml:27: warning: 'orphan' has neither an issued nor an accessed date" in done.stdout
    assert "references.yaml:27: warning: 'orphan' has no author, publisher or container" in done.stdout


def test_clean_removes_only_artifacts(tmp_path):
    """`clean` removes the brief's artifacts and leaves other files in the output folder alone."""
    out = tmp_path / "dist"
    out.mkdir()
    for name in ("qi-brief-7.pdf", "qi-brief-7.html", "notes.txt"):
        (out / name).write_text("x")
    done = run_cli("clean", "--root", str(SAMPLE), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_brief_50_builds(tmp_path):
    """Brief 50 builds into its three artifacts, with the cover and 40 notes under Citations."""
    done = run_cli("build", "--root", str(REPO), "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / "qi-brief-50.pdf"
    # A line may break after the en dash; pdftotext then puts a space there.
    cover = " ".join(pdftotext(pdf, "-f", "1", "-l", "1").split()).replace("– ", "–")
    assert "QI BRIEF 50" in cover.upper()
    assert "Responsibly Demilitarizing U.S.–Mexico Bilateral Security Relations" in cover
    assert "Aileen Teague" in cover
    text = pdftotext(pdf)
    tail = text[text.rindex("Citations"):]
    assert re.findall(r"^\s*(\d+)\.\s", tail, re.M) == [str(n) for n in range(1, 41)]
    assert (tmp_path / "qi-brief-50.docx").is_file() and (tmp_path / "qi-brief-50.html").is_file()


def test_no_command_builds(sample_copy):
    """`python build.py` with no command builds the brief in the current folder, like `build`."""
    done = run_cli(cwd=sample_copy)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (sample_copy / "dist").iterdir() if not p.name.startswith(".")) == [
        "qi-brief-7.docx", "qi-brief-7.html", "qi-brief-7.pdf"]
