"""Across formats, and `check FILE...` on standalone outputs: same N, same note texts, exit codes 0, 1 and 2."""

from __future__ import annotations

import re

import pytest

from click.testing import CliRunner

from checks_support import NAMES, SAMPLE, docx_with, note_kind, sample_artifacts, without_lines
from qibrief.checks import check_outputs
from qibrief.checks.across import pdf_text_matches
from qibrief.cli import main
from qibrief.problems import sort_problems


def test_sample_outputs_agree():
    """The sample's HTML, PDF and DOCX hold the same five notes with the same texts."""
    artifacts = sample_artifacts()
    assert check_outputs(artifacts.files, NAMES, artifacts.sources) == []


def test_changed_note_text_in_one_format():
    """A word changed in one DOCX note is reported with the note number and the differing words."""
    artifacts = sample_artifacts()
    kind = note_kind(artifacts.files["docx"])
    files = dict(artifacts.files)
    files["docx"] = docx_with(files["docx"], f"word/{kind}s.xml", lambda t: t.replace("Jane Smith,", "Jane Smyth,", 1))
    assert without_lines(check_outputs(files, NAMES, artifacts.sources)) == [
        'qi-brief-7.docx: note 1 in "Introduction" after "The first claim cites a report.": the text differs from '
        'qi-brief-7.html: "Smyth," for "Smith,"'
    ]


def test_note_deleted_in_one_format():
    """A note deleted from the HTML (marker and entry) is one message for the PDF and one for the DOCX: the notes
    are aligned by content, so the notes after it do not count as changed."""
    artifacts = sample_artifacts()
    files = dict(artifacts.files)
    html = files["html"].decode("utf-8")
    html = html.replace('<a href="#fn5" class="footnote-ref" id="fnref5" role="doc-noteref"><sup>5</sup></a>', "")
    files["html"] = re.sub(r'<li id="fn5">.*?</li>', "", html, flags=re.S).encode("utf-8")
    found = without_lines(sort_problems(check_outputs(files, NAMES, artifacts.sources)))
    agency = 'Example Agency, "What the Agency Says,"\u2026'
    assert found == [
        f'qi-brief-7.docx: a new note after note 4: note 5 in "Conclusion" after "Do the first thing. It matters." '
        f"({agency}) is not in qi-brief-7.html",
        f"qi-brief-7.pdf: a new note after note 4: note 5 ({agency}) is not in qi-brief-7.html",
    ]


def test_pdf_line_breaks_and_hyphenation():
    """A PDF note matches across a line break inside a URL or after a hyphen that hyphenation added."""
    assert pdf_text_matches("See https://example.org/report.pdf and security.", "See https://example.org/\nreport.pdf and secu-\nrity.")
    assert pdf_text_matches("U.S.-Mexico ties.", "U.S.-\nMexico ties.")
    assert not pdf_text_matches("Security ties.", "Secu-\nrity bonds.")


def _write_sample(tmp_path):
    artifacts = sample_artifacts()
    paths = {}
    for fmt, name in NAMES.items():
        paths[fmt] = tmp_path / name
        paths[fmt].write_bytes(artifacts.files[fmt])
    return paths


def test_check_files_exit_0(tmp_path):
    """`check FILE...` on the sample's three outputs exits 0 and says so."""
    paths = _write_sample(tmp_path)
    result = CliRunner().invoke(main, ["check", *(str(p) for p in paths.values())])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("check: no errors found")


def test_check_files_exit_1_with_sorted_messages(tmp_path):
    """A broken standalone HTML fails with exit 1 and one sorted line per problem, location first."""
    paths = _write_sample(tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    paths["html"].write_text(html.replace('<a href="#fn2" class', '<a href="#fn3" class').replace("<sup>4</sup>", "<sup>7</sup>"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(paths["html"])])
    assert result.exit_code == 1
    lines = [re.sub(r"\.html:\d+:", ".html:N:", line.replace(str(tmp_path) + "/", "")) for line in result.output.splitlines()]
    assert lines == [
        "qi-brief-7.html: note 4: no marker in the text refers to it",
        "qi-brief-7.html:N: note 2: marker links to #fn3; expected #fn2",
        "qi-brief-7.html:N: note 7: marker follows note 3; expected 4",
        'qi-brief-7.html:N: note 7: marker has id "fnref4"; expected "fnref7"',
        "qi-brief-7.html:N: note 7: marker has no note in the notes list (it holds 5)",
        "qi-brief-7.html:N: note 7: marker links to #fn4; expected #fn7",
        "qi-brief-7.html:N: note 5: marker follows note 7; expected 8",
        "check failed: 7 errors.",
    ]


def test_check_other_file_is_a_usage_error(tmp_path):
    """`check` on a file that is not PDF, DOCX or HTML is a usage error: exit 2."""
    other = tmp_path / "notes.txt"
    other.write_text("1. A note\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(other)])
    assert result.exit_code == 2
    assert "expected a .pdf, .docx or .html file" in result.output


def test_check_strict_turns_warnings_into_errors(tmp_path):
    """An unused reference is a warning (exit 0) and, with --strict, an error (exit 1)."""
    import shutil

    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    with (brief / "references.yaml").open("a", encoding="utf-8") as stream:
        stream.write('  - id: unused2024\n    type: book\n    title: "Never Cited"\n')
    relaxed = CliRunner().invoke(main, ["check", "--root", str(brief)])
    assert relaxed.exit_code == 0
    assert "references.yaml:27: warning: 'unused2024' is never cited" in relaxed.output
    strict = CliRunner().invoke(main, ["check", "--root", str(brief), "--strict"])
    assert strict.exit_code == 1
    assert "references.yaml:27: 'unused2024' is never cited" in strict.output


# Note lists aligned by content: (reference texts, other texts, expected messages of compare_notes).
_NOTES = ["Smith, Report, 5.", "Jones, \u201cStory,\u201d Daily, 2021.", "An explanatory note.", "Smith, Report, 12.",
          "Agency, \u201cWhat It Says,\u201d 2019."]
ALIGNED = {
    "same": (_NOTES, list(_NOTES), []),
    "one removed": (_NOTES, _NOTES[:1] + _NOTES[2:], ["note 2 (Jones, \"Story,\" Daily, 2021.) was removed after note 1 (compared with ref)"]),
    "one added": (_NOTES, _NOTES[:3] + ["A new note by the editor."] + _NOTES[3:],
                  ["a new note after note 3: note 4 (A new note by the editor.) is not in ref"]),
    "one changed after one removed": (_NOTES, _NOTES[1:4] + ["Agency, \u201cWhat It Said,\u201d 2019."], [
        "note 1 (Smith, Report, 5.) was removed before note 1 (compared with ref)",
        'note 4: the text differs from ref (its note 5): "Said,"" for "Says,""']),
    "one moved": (_NOTES, [_NOTES[3]] + _NOTES[:3] + _NOTES[4:],
                  ["note 1 (Smith, Report, 12.) was moved here: it is note 4 in ref"]),
    "a note replaced by an unrelated one": (_NOTES, _NOTES[:2] + ["Something else entirely, 1999."] + _NOTES[3:], [
        "note 3 (An explanatory note.) was removed after note 2 (compared with ref)",
        "a new note after note 2: note 3 (Something else entirely, 1999.) is not in ref"]),
}


@pytest.mark.parametrize("case", ALIGNED)
def test_notes_are_aligned_by_content(case):
    """One removed, added, moved or changed note is one message, whatever follows it."""
    from qibrief.checks.across import compare_notes
    from qibrief.checks.rendered import RenderedNotes

    a, b, expected = ALIGNED[case]
    reference = RenderedNotes("ref", "html", texts=dict(enumerate(a, start=1)))
    other = RenderedNotes("other", "docx", texts=dict(enumerate(b, start=1)))
    assert [p.message for p in compare_notes(reference, other)] == expected


def test_pdf_layout_is_not_a_change():
    """Hyphenation at a line end and a break inside a URL neither misalign a PDF note nor show in a message."""
    from qibrief.checks.across import compare_notes, unbreak
    from qibrief.checks.rendered import RenderedNotes

    html = ["Security ties, https://example.org/a/long/report.pdf.", "Another one."]
    pdf = ["Secu-\nrity ties, https://example.org/a/\nlong/report.pdf.", "Another one."]
    assert unbreak(pdf[0], html[0]) == html[0]
    reference = RenderedNotes("ref", "html", texts=dict(enumerate(html, start=1)))
    assert compare_notes(reference, RenderedNotes("pdf", "pdf", texts=dict(enumerate(pdf, start=1)))) == []
    edited = RenderedNotes("pdf", "pdf", texts={1: pdf[0].replace("ties", "bonds"), 2: pdf[1]})
    assert [p.message for p in compare_notes(reference, edited)] == ['note 1: the text differs from ref: "bonds," for "ties,"']
