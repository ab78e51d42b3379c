"""`check` on a DOCX as an editor returns it: a table of edited files (XML edits standing in for Word, and a
LibreOffice re-save), each run through the real command line with its exact messages and exit code.

The base file is the sample brief's DOCX as built: each citation is a Word citation field (`ADDIN CSL_CITATION
{json}`, the shape Zotero writes and Pandoc's docx reader reads) with hidden `XE` markers beside it, so that
Chicago's full-then-short order is checked on the file as it came back.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from checks_support import NAMES, REPO, SAMPLE, docx_parts, docx_with, reference_runs, sample_artifacts
import libreoffice_edit
from conftest import run_cli

DATE = "2026-11-30T10:00:00Z"
ENDNOTES = "word/endnotes.xml"
DOCUMENT = "word/document.xml"


@lru_cache(maxsize=1)
def base_docx() -> bytes:
    """The sample's DOCX as built: each citation in its citation field, with the XE markers of the round trip."""
    return sample_artifacts().files["docx"]


def _sentence_and_reference(doc: str, sentence: str, n: int) -> tuple[int, int]:
    """Where the run holding `sentence` starts and where the n-th note reference's run after it ends."""
    run = reference_runs(doc, "endnote")[n - 1]
    return doc.rindex("<w:r>", 0, doc.index(sentence, 0, run.start())), run.end()


def _as_deleted(runs: str) -> str:
    return runs.replace("<w:t ", "<w:delText ").replace("<w:t>", "<w:delText>").replace("</w:t>", "</w:delText>")


def tracked_deletion(data: bytes, sentence: str, n: int, note_too: bool = False) -> bytes:
    """The sentence that carries note n deleted with Track Changes, as LibreOffice writes it (the reference
    run inside w:del); with note_too, the note's own text deleted too, as Word does."""
    ident = reference_runs(docx_parts(data)[DOCUMENT].decode("utf-8"), "endnote")[n - 1].group(1)

    def document(doc: str) -> str:
        start, end = _sentence_and_reference(doc, sentence, n)
        return (doc[:start] + f'<w:del w:id="901" w:author="Editor" w:date="{DATE}">' + _as_deleted(doc[start:end])
                + "</w:del>" + doc[end:])

    def notes(text: str) -> str:
        note = re.search(rf'(<w:endnote w:id="{ident}"><w:p>(?:<w:pPr>.*?</w:pPr>)?)(.*?)(</w:p></w:endnote>)', text, re.S)
        inner = f'<w:del w:id="902" w:author="Editor" w:date="{DATE}">{_as_deleted(note.group(2))}</w:del>'
        return text[:note.start()] + note.group(1) + inner + note.group(3) + text[note.end():]

    data = docx_with(data, DOCUMENT, document)
    return docx_with(data, ENDNOTES, notes) if note_too else data


def untracked_deletion(data: bytes, sentence: str, n: int) -> bytes:
    """The sentence that carries note n deleted with Track Changes off: its reference and its note are gone."""
    ident = reference_runs(docx_parts(data)[DOCUMENT].decode("utf-8"), "endnote")[n - 1].group(1)

    def document(doc: str) -> str:
        start, end = _sentence_and_reference(doc, sentence, n)
        return doc[:start] + doc[end:]

    data = docx_with(data, DOCUMENT, document)
    return docx_with(data, ENDNOTES, lambda t: re.sub(rf'<w:endnote w:id="{ident}">.*?</w:endnote>', "", t, flags=re.S))


NEW_SENTENCE = '<w:r><w:t xml:space="preserve"> A new claim.</w:t></w:r>'
NEW_REFERENCE = '<w:r><w:rPr><w:rStyle w:val="EndnoteReference"/></w:rPr><w:endnoteReference w:id="99"/></w:r>'
NEW_NOTE_RUNS = ('<w:r><w:rPr><w:rStyle w:val="EndnoteReference"/></w:rPr><w:endnoteRef/></w:r>'
                 '<w:r><w:t xml:space="preserve"> An editor\u2019s added note.</w:t></w:r>')


def inserted_note(data: bytes, tracked: bool) -> bytes:
    """A sentence with a new note after "It matters too.", with Track Changes on or off."""
    open_, close = (f'<w:ins w:id="903" w:author="Editor" w:date="{DATE}">', "</w:ins>") if tracked else ("", "")
    data = docx_with(data, DOCUMENT, lambda d: d.replace(
        "It matters too.</w:t></w:r>", "It matters too.</w:t></w:r>" + open_ + NEW_SENTENCE + NEW_REFERENCE + close, 1))
    note = ('<w:endnote w:id="99"><w:p><w:pPr><w:pStyle w:val="EndnoteText"/></w:pPr>'
            + open_.replace("903", "904") + NEW_NOTE_RUNS + close + "</w:p></w:endnote>")
    return docx_with(data, ENDNOTES, lambda t: t.replace("</w:endnotes>", note + "</w:endnotes>"))


def tracked_note_edit(data: bytes) -> bytes:
    """"Jane Smith" made "Jane Smyth" in note 1's text with Track Changes on."""
    return docx_with(data, ENDNOTES, lambda t: t.replace(
        '<w:r><w:t xml:space="preserve">Jane Smith,</w:t></w:r>',
        f'<w:r><w:t xml:space="preserve">Jane </w:t></w:r><w:del w:id="905" w:author="Editor" w:date="{DATE}"><w:r>'
        f'<w:delText>Smith,</w:delText></w:r></w:del><w:ins w:id="906" w:author="Editor" w:date="{DATE}"><w:r>'
        '<w:t xml:space="preserve">Smyth,</w:t></w:r></w:ins>', 1))


def typed_superscript(data: bytes) -> bytes:
    """A superscript "6" typed after the last sentence."""
    return docx_with(data, DOCUMENT, lambda d: d.replace(
        "It matters too.</w:t></w:r>",
        'It matters too.</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>6</w:t></w:r>', 1))


def commented(data: bytes) -> bytes:
    """An editor's comment on the sentence that carries note 2 (comment range, reference run, comments.xml)."""
    comment = (f'<w:comment w:id="0" w:author="Editor" w:date="{DATE}" w:initials="E"><w:p><w:r>'
               '<w:t>Is this the right newspaper?</w:t></w:r></w:p></w:comment>')
    # The built DOCX has no comments part (an empty one is left out): add it as Word does, with its
    # relationship and content type.
    parts = docx_parts(data)
    assert "word/comments.xml" not in parts
    data = docx_with(data, "[Content_Types].xml", lambda t: t.replace("</Types>", (
        '<Override PartName="/word/comments.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')))
    data = docx_with(data, "word/_rels/document.xml.rels", lambda t: t.replace("</Relationships>", (
        '<Relationship Id="rIdComments" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/comments" Target="comments.xml"/></Relationships>')))
    data = docx_with(data, "word/comments.xml", lambda _: (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"{comment}</w:comments>"))

    def document(doc: str) -> str:
        start, end = _sentence_and_reference(doc, "A second claim cites a newspaper.", 2)
        return (doc[:start] + '<w:commentRangeStart w:id="0"/>' + doc[start:end] + '<w:commentRangeEnd w:id="0"/>'
                '<w:r><w:commentReference w:id="0"/></w:r>' + doc[end:])

    return docx_with(data, DOCUMENT, document)


def moved_paragraph(data: bytes) -> bytes:
    """The paragraph with the short citations (note 4) moved before the one with the full citation (note 1)."""
    def document(doc: str) -> str:
        paragraphs = list(re.finditer(r"<w:p>(?:(?!<w:p>).)*?</w:p>", doc, re.S))
        short = next(p for p in paragraphs if "cited again in short form" in p.group(0))
        first = next(p for p in paragraphs if "The first claim cites a report." in p.group(0))
        doc = doc[:short.start()] + doc[short.end():]
        return doc[:first.start()] + short.group(0) + doc[first.start():]

    return docx_with(data, DOCUMENT, document)


def without_item_data(data: bytes) -> bytes:
    """Every citation field's JSON without its items' itemData (keys only, as some tools write them)."""
    def strip(match: re.Match) -> str:
        payload = json.loads(html.unescape(match.group(2)))
        for item in payload["citationItems"]:
            item.pop("itemData", None)
        return match.group(1) + escape(json.dumps(payload)) + match.group(3)

    def fields(text: str) -> str:
        return re.sub(r"(<w:instrText[^>]*>\s*ADDIN CSL_CITATION )(\{.*?\})(\s*</w:instrText>)", strip, text, flags=re.S)

    return docx_with(docx_with(data, ENDNOTES, fields), DOCUMENT, fields)


def without_endnotes_relationship(data: bytes) -> bytes:
    """word/_rels/document.xml.rels without its endnotes relationship."""
    return docx_with(data, "word/_rels/document.xml.rels",
                     lambda t: re.sub(r'<Relationship [^>]*relationships/endnotes"[^>]*/>|<Relationship [^>]*Target="endnotes.xml"[^>]*/>', "", t))


def without_endnotes_content_type(data: bytes) -> bytes:
    """[Content_Types].xml without the endnotes override."""
    return docx_with(data, "[Content_Types].xml", lambda t: re.sub(r'<Override PartName="/word/endnotes.xml"[^>]*/>', "", t))


def libreoffice_resave(data: bytes, folder: Path, name: str = NAMES["docx"]) -> bytes:
    """The DOCX opened and saved again by LibreOffice (its own profile for this run)."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed (bash scripts/install.sh --test installs libreoffice-writer-nogui)"
    source, out = folder / "lo-in" / name, folder / "lo-out"
    source.parent.mkdir()
    source.write_bytes(data)
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/lo-profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)],
                   capture_output=True, timeout=180, check=False, env={**os.environ, "HOME": str(folder)})
    # LibreOffice exits 0 even when it could not load the file: the output must exist.
    return (out / name).read_bytes()


def libreoffice(action: str, *texts: str):
    """An edit made in LibreOffice through UNO (tests/libreoffice_edit.py), with its own profile per run."""
    def edit(data: bytes, folder: Path) -> bytes:
        source, target = folder / "lo-source.docx", folder / "lo-edited.docx"
        source.write_bytes(data)
        done = libreoffice_edit.edit(source, target, folder / "lo-profile", action, *texts)
        assert done.returncode == 0 and target.exists(), done.stdout + done.stderr
        return target.read_bytes()

    return edit


def _change_date(path: Path) -> str:
    """The day LibreOffice stamped on the file's tracked changes (its clock: the edit was made just now)."""
    found = re.search(r'w:date="(\d{4}-\d\d-\d\d)', docx_parts(path.read_bytes())[DOCUMENT].decode("utf-8"))
    return found.group(1) if found else ""


INTRO = 'in "Introduction" after "'
NOTE_3_PLACE = f'{INTRO}\u2026claim cites a newspaper. An explanatory note follows here."'
NEW_PLACE = 'in "Conclusion" after "Do the second thing. It matters too. A new claim."'
EXPLAINS = "This note explains something, and cites\u2026"
PACKAGE = "; Word or LibreOffice may refuse to open it"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"

FIELD_CODES = ("qibrief", "XE ", "ADDIN", "CSL_CITATION", "citationItems", "\\u00")

# name: (edit of the base DOCX, checked with the sources (--root), extra options, expected lines, exit code)
CASES = {
    "tracked deletion of a noted sentence": (
        lambda d, _: tracked_deletion(d, "An explanatory note follows here.", 3), True, [],
        [f"warning: note 3 {NOTE_3_PLACE}: deleted with Track Changes by Editor on 2026-11-30, not yet accepted or "
         f"rejected; accepting it removes the note ({EXPLAINS})", "check: no errors found"], 0),
    "tracked deletion, strict": (
        lambda d, _: tracked_deletion(d, "An explanatory note follows here.", 3), True, ["--strict"],
        [f"note 3 {NOTE_3_PLACE}: deleted with Track Changes by Editor on 2026-11-30, not yet accepted or "
         f"rejected; accepting it removes the note ({EXPLAINS})", "check failed: 1 error."], 1),
    "tracked deletion of a sentence and its note's text (Word)": (
        lambda d, _: tracked_deletion(d, "An explanatory note follows here.", 3, note_too=True), True, [],
        [f"warning: note 3 {NOTE_3_PLACE}: deleted with Track Changes by Editor on 2026-11-30, not yet accepted or "
         f"rejected; accepting it removes the note ({EXPLAINS})", "check: no errors found"], 0),
    "tracked deletion that leaves a short citation first": (
        lambda d, _: tracked_deletion(d, "A second claim cites a newspaper.", 2), True, [],
        [f'warning: note 2 {INTRO}\u2026claim cites a report. A second claim cites a newspaper.": deleted with Track '
         'Changes by Editor on 2026-11-30, not yet accepted or rejected; accepting it removes the note (Sam Jones, '
         '"A Newspaper Story About the\u2026)',
         f'note 3 {INTRO}The report is cited again in short form.": first citation of @jones2021 is in short form; '
         "expected the full form", "check failed: 1 error."], 1),
    "tracked insertion of a note": (
        lambda d, _: inserted_note(d, tracked=True), True, [],
        [f"warning: note 6 {NEW_PLACE}: inserted with Track Changes by Editor on 2026-11-30, not yet accepted or "
         "rejected; a new note (An editor's added note.)", "check: no errors found"], 0),
    "tracked edit of a note's text": (
        lambda d, _: tracked_note_edit(d), True, [],
        [f'warning: note 1 {INTRO}The first claim cites a report.": its text was edited with Track Changes by Editor '
         'on 2026-11-30, not yet accepted or rejected: "Smyth," for "Smith,"', "check: no errors found"], 0),
    "untracked deletion of a note": (
        lambda d, _: untracked_deletion(d, "An explanatory note follows here.", 3), True, [],
        [f"note 3 ({EXPLAINS}) was removed {NOTE_3_PLACE} (compared with the sources)", "check failed: 1 error."], 1),
    "a note inserted": (
        lambda d, _: inserted_note(d, tracked=False), True, [],
        [f"a new note after note 5: note 6 {NEW_PLACE} (An editor's added note.) is not in the sources",
         "check failed: 1 error."], 1),
    "a hand-typed superscript": (
        lambda d, _: typed_superscript(d), True, [],
        ['in "Conclusion" after "Do the second thing. It matters too.": superscript "6" typed by hand (after note 5); '
         "expected a Word note reference", "check failed: 1 error."], 1),
    "a comment": (lambda d, _: commented(d), True, [], ["check: no errors found"], 0),
    "a moved paragraph that breaks full-then-short": (
        lambda d, _: moved_paragraph(d), False, [],
        [f'note 1 {INTRO}The report is cited again in short form.": first citation of @{key} is in short form; '
         "expected the full form" for key in ("jones2021", "smith2020")] + ["check failed: 2 errors."], 1),
    "a moved paragraph, checked inside the brief (citeproc's forms)": (
        lambda d, _: moved_paragraph(d), True, [],
        [f'note 1 {INTRO}The report is cited again in short form." (Smith, Report on the Questions, 12; Jon\u2026) was '
         "moved here: it is note 4 in the sources"]
        + [f'note 1 {INTRO}The report is cited again in short form.": first citation of @{key} is in short form; '
           "expected the full form" for key in ("jones2021", "smith2020")] + ["check failed: 3 errors."], 1),
    "fields without item data, a moved paragraph, inside the brief (its references' forms)": (
        lambda d, _: moved_paragraph(without_item_data(d)), True, [],
        [f'note 1 {INTRO}The report is cited again in short form." (Smith, Report on the Questions, 12; Jon\u2026) was '
         "moved here: it is note 4 in the sources"]
        + [f'note 1 {INTRO}The report is cited again in short form.": first citation of @{key} is in short form; '
           "expected the full form" for key in ("jones2021", "smith2020")] + ["check failed: 3 errors."], 1),
    "a removed endnotes relationship": (
        lambda d, _: without_endnotes_relationship(d), True, [],
        ["word/_rels/document.xml.rels has no endnotes relationship, but word/document.xml refers to endnotes "
         f"(word/endnotes.xml is there){PACKAGE}", "check failed: 1 error."], 1),
    "a removed content type": (
        lambda d, _: without_endnotes_content_type(d), True, [],
        [f"word/endnotes.xml has content type application/xml in [Content_Types].xml; expected {CT}{PACKAGE}",
         "check failed: 1 error."], 1),
    "LibreOffice re-save (clean)": (libreoffice_resave, True, [], ["check: no errors found"], 0),
    "LibreOffice: tracked deletion of a noted sentence": (
        libreoffice("delete-tracked", "An explanatory note follows here."), True, [],
        [f"warning: note 3 {NOTE_3_PLACE}: deleted with Track Changes by Editor on {{date}}, not yet accepted or "
         f"rejected; accepting it removes the note ({EXPLAINS})", "check: no errors found"], 0),
    "LibreOffice: tracked insertion of a note": (
        libreoffice("insert-note-tracked", "It matters too.", "An editor\u2019s added note."), True, [],
        ['warning: note 6 in "Conclusion" after "Do the second thing. It matters too.": inserted with Track Changes '
         "by Editor on {date}, not yet accepted or rejected; a new note (An editor's added note.)",
         "check: no errors found"], 0),
    "LibreOffice: untracked deletion of a note": (
        libreoffice("delete", "An explanatory note follows here."), True, [],
        [f'note 3 ({EXPLAINS}) was removed {NOTE_3_PLACE} (compared with the sources)', "check failed: 1 error."], 1),
    "LibreOffice: a note inserted": (
        libreoffice("insert-note", "It matters too.", "An editor\u2019s added note."), True, [],
        ['a new note after note 5: note 6 in "Conclusion" after "Do the second thing. It matters too." '
         "(An editor's added note.) is not in the sources", "check failed: 1 error."], 1),
}


def _lines(done: subprocess.CompletedProcess, path: Path) -> list[str]:
    return [line.replace(f"{path}: ", "") for line in (done.stdout + done.stderr).splitlines()]


@pytest.mark.parametrize("case", CASES)
def test_returned_docx(case, tmp_path):
    """Each returned file gives exactly its messages, placed by note number, heading and quoted sentence."""
    edit, with_sources, options, expected, code = CASES[case]
    path = tmp_path / NAMES["docx"]
    path.write_bytes(edit(base_docx(), tmp_path))
    done = run_cli("check", *(["--root", str(SAMPLE)] if with_sources else []), *options, str(path), cwd=tmp_path)
    date = _change_date(path)
    assert (_lines(done, path), done.returncode) == ([line.replace("{date}", date) for line in expected], code)
    assert not any("w:id" in line or re.search(r"paragraph \d", line) for line in _lines(done, path))
    # Nothing of a field's code (the XE markers, a citation field's instruction) shows in a quoted fragment.
    assert not any(code in line for line in _lines(done, path) for code in FIELD_CODES)


def test_base_docx_is_clean(tmp_path):
    """The base file (citation fields around every note) passes alone and against the sources."""
    path = tmp_path / NAMES["docx"]
    path.write_bytes(base_docx())
    for args in ([], ["--root", str(SAMPLE)]):
        done = run_cli("check", *args, str(path), cwd=tmp_path)
        assert (_lines(done, path), done.returncode) == (["check: no errors found"], 0)


def test_one_deleted_note_with_the_pdf_is_one_message(tmp_path):
    """A note deleted from the DOCX, checked with the PDF, is one message naming the note and its sentence."""
    docx, pdf = tmp_path / NAMES["docx"], tmp_path / NAMES["pdf"]
    docx.write_bytes(untracked_deletion(base_docx(), "An explanatory note follows here.", 3))
    pdf.write_bytes(sample_artifacts().files["pdf"])
    done = run_cli("check", str(docx), str(pdf), cwd=tmp_path)
    assert (_lines(done, docx), done.returncode) == (
        [f"note 3 ({EXPLAINS}) was removed after note 2 (compared with {pdf})", "check failed: 1 error."], 1)


def test_checked_alone_beside_the_build(sample_build, tmp_path):
    """A returned copy checked alone beside a build (its signed cache record) is compared with the built HTML."""
    folder = tmp_path / "dist"
    shutil.copytree(sample_build, folder)
    path = folder / "qi-brief-7-edited.docx"
    path.write_bytes(untracked_deletion(base_docx(), "An explanatory note follows here.", 3))
    done = run_cli("check", str(path), cwd=tmp_path)
    assert (_lines(done, path), done.returncode) == ([
        f"note 3 ({EXPLAINS}) was removed {NOTE_3_PLACE} (compared with {folder / NAMES['html']})",
        "check failed: 1 error."], 1)


def test_note_count_against_a_release_manifest(tmp_path):
    """Beside a release's manifest.json (no HTML at hand), a returned copy with a note fewer is reported."""
    path = tmp_path / "qi-brief-7 (edited).docx"
    path.write_bytes(untracked_deletion(base_docx(), "An explanatory note follows here.", 3))
    (tmp_path / "manifest.json").write_text(json.dumps({"brief": {"name": "qi-brief-7", "notes": 5}, "files": {}}),
                                            encoding="utf-8")
    done = run_cli("check", str(path), cwd=tmp_path)
    assert (_lines(done, path), done.returncode) == ([
        f"holds 4 notes; 5 were built ({tmp_path / 'manifest.json'}); a note was removed", "check failed: 1 error."], 1)
    other = tmp_path / "qi-brief-70.docx"
    shutil.copy(path, other)
    assert run_cli("check", str(other), cwd=tmp_path).returncode == 0


def test_checked_alone_inside_its_brief(tmp_path):
    """Run inside the brief, with nothing built at hand, a copy named for the brief is compared with the sources;
    a file named for another brief is not."""
    path = tmp_path / "qi-brief-7-edited.docx"
    path.write_bytes(untracked_deletion(base_docx(), "An explanatory note follows here.", 3))
    done = run_cli("check", str(path), cwd=SAMPLE)
    assert (_lines(done, path), done.returncode) == (
        [f"note 3 ({EXPLAINS}) was removed {NOTE_3_PLACE} (compared with the sources)", "check failed: 1 error."], 1)
    other = tmp_path / "qi-brief-70.docx"
    shutil.copy(path, other)
    assert (_lines(run_cli("check", str(other), cwd=SAMPLE), other)) == ["check: no errors found"]


def test_brief50_docx_checks_clean_as_built_and_resaved(brief50_build, tmp_path):
    """Brief 50's DOCX, as built and as LibreOffice saves it again, checks clean with its PDF and HTML, inside the
    brief (its citation fields judged against citeproc's forms) and with --root."""
    built = brief50_build / "qi-brief-50.docx"
    resaved = tmp_path / built.name
    resaved.write_bytes(libreoffice_resave(built.read_bytes(), tmp_path, built.name))
    others = [str(built.with_suffix(".pdf")), str(built.with_suffix(".html"))]
    for docx in (built, resaved):
        for options in ([], ["--root", str(REPO)]):
            done = run_cli("check", *options, str(docx), *others, cwd=REPO)
            assert (done.stdout.strip().splitlines()[-1:], done.returncode) == (["check: no errors found"], 0), \
                done.stdout + done.stderr


def test_fields_judged_by_the_brief_the_files_are_named_for(tmp_path):
    """Run inside a brief, DOCX files named for it have their citation fields judged by the brief's citeproc forms
    (here fields without item data); files named for another brief are not judged by this brief's references."""
    moved = moved_paragraph(without_item_data(base_docx()))
    for slug, judged in (("qi-brief-7", True), ("qi-brief-70", False)):
        edited, other = tmp_path / f"{slug}-edited.docx", tmp_path / f"{slug}-other.docx"
        edited.write_bytes(moved)
        other.write_bytes(base_docx())
        done = run_cli("check", str(edited), str(other), cwd=SAMPLE)
        short = [f'{edited}: note 1 {INTRO}The report is cited again in short form.": first citation of @{key} is in '
                 "short form; expected the full form" for key in ("jones2021", "smith2020")]
        assert (done.stdout + done.stderr).splitlines() == (short if judged else []) + [
            f'{other}: note 4 {INTRO}The report is cited again in short form." (Smith, Report on the Questions, 12; '
            f"Jon\u2026) was moved here: it is note 1 in {edited}",
            "check failed: 3 errors." if judged else "check failed: 1 error."]
