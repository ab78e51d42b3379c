"""The DOCX note checks: Word endnotes or footnotes, one reference per note, 1..N in decimal, no restart."""

from __future__ import annotations

import re

import pytest

from checks_support import (
    docx_parts, docx_with, note_kind, reference_runs, sample_artifacts, sample_footnotes_docx, without_lines,
)
from qibrief.checks.docx import read_docx
from qibrief.problems import sort_problems

NAME = "qi-brief-7.docx"


def _document(data: bytes) -> str:
    return docx_parts(data)["word/document.xml"].decode("utf-8")


def _ids(data: bytes) -> list[str]:
    """The note ids the references point to, in document order."""
    return [m.group(1) for m in reference_runs(_document(data), note_kind(data))]


def _paragraph_of(data: bytes, text: str) -> int:
    """1-based number of the first body paragraph holding `text`."""
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", _document(data).split("<w:body>", 1)[1], re.S)
    return next(n for n, p in enumerate(paragraphs, start=1) if text in p)


def delete_reference(doc: str, kind: str, n: int) -> str:
    """The document without its n-th note reference."""
    m = reference_runs(doc, kind)[n - 1]
    return doc[:m.start()] + doc[m.end():]


def duplicate_reference(doc: str, kind: str, n: int) -> str:
    """The document with its n-th note reference written twice."""
    m = reference_runs(doc, kind)[n - 1]
    return doc[:m.end()] + m.group(0) + doc[m.end():]


def point_reference(doc: str, kind: str, n: int, ident: str) -> str:
    """The document with its n-th reference pointing at note `ident`."""
    m = reference_runs(doc, kind)[n - 1]
    return doc[:m.start()] + re.sub(r'w:id="-?\d+"', f'w:id="{ident}"', m.group(0)) + doc[m.end():]


def custom_mark(doc: str, kind: str, n: int) -> str:
    """The document with its n-th reference turned into a typed mark ("*")."""
    m = reference_runs(doc, kind)[n - 1]
    run = m.group(0).replace(f"<w:{kind}Reference ", f'<w:{kind}Reference w:customMarkFollows="1" ')
    return doc[:m.start()] + run + "<w:r><w:t>*</w:t></w:r>" + doc[m.end():]


def typed_superscript(doc: str, kind: str) -> str:
    """The document with a superscript "6" typed after the last sentence."""
    return doc.replace(
        "It matters too.</w:t></w:r>",
        'It matters too.</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript" /></w:rPr><w:t>6</w:t></w:r>', 1,
    )


FORMATS = {"endnotes": lambda: sample_artifacts().files["docx"], "footnotes": sample_footnotes_docx}


@pytest.mark.parametrize("notes", FORMATS)
def test_sample_docx_passes(notes):
    """The sample's DOCX, with endnotes or with footnotes, has notes 1..5 and no problem."""
    data = FORMATS[notes]()
    rendered, problems = read_docx(data, NAME)
    assert note_kind(data) == notes[:-1]
    assert problems == []
    assert [m.number for m in rendered.markers] == [1, 2, 3, 4, 5]
    # A citation inside an author's note prints in place, as Chicago prints it (filters/note-citations.lua).
    assert rendered.texts[3] == "This note explains something, and cites Smith, Report on the Questions, 7\u20139."


@pytest.mark.parametrize("notes", FORMATS)
@pytest.mark.parametrize("case", ["delete", "duplicate", "missing", "custom", "superscript", "glued"])
def test_broken_docx_is_reported(notes, case):
    """Each hand-made break of the DOCX's note references gives exactly the expected messages."""
    data = FORMATS[notes]()
    kind = note_kind(data)
    ids = _ids(data)
    paragraph = _paragraph_of(data, "It matters too.")
    sam = '"Sam Jones, "A Newspaper Story About the\u2026"'
    smith = '"Smith, Report on the Questions, 12; Jon\u2026"'
    change, expected = {
        "delete": (lambda d: delete_reference(d, kind, 2), [f"{kind} w:id={ids[1]} ({sam}) has no marker in the text"]),
        "duplicate": (lambda d: duplicate_reference(d, kind, 3),
                      [f"note 4: marker refers to the same {kind} as note 3 (w:id={ids[2]})"]),
        "missing": (lambda d: point_reference(d, kind, 4, "999"), [
            f"{kind} w:id={ids[3]} ({smith}) has no marker in the text",
            f"note 4: marker refers to {kind} w:id=999, which does not exist",
        ]),
        "custom": (lambda d: custom_mark(d, kind, 2), [
            f"{kind} w:id={ids[1]} ({sam}) has no marker in the text",
            f"{kind} w:id={ids[1]}: marker after note 1 is typed by hand (w:customMarkFollows); "
            "expected Word's automatic number",
        ]),
        "superscript": (lambda d: typed_superscript(d, kind),
                        [f'paragraph {paragraph}: superscript "6" typed by hand; expected a Word note reference']),
        "glued": (lambda d: d.replace("It matters too.", "It matters too.6 Yes.", 1),
                  [f'paragraph {paragraph}: note number "6" after "too." typed by hand; expected a Word note reference']),
    }[case]
    broken = docx_with(data, "word/document.xml", change)
    _, problems = read_docx(broken, NAME)
    assert without_lines(sort_problems(problems)) == [f"{NAME}: {message}" for message in expected]


def _note_properties(data: bytes, kind: str, xml: str) -> bytes:
    """The DOCX with the note properties in settings.xml and the section replaced by `xml` (inside w:{kind}Pr)."""
    pattern = re.compile(rf"<w:{kind}Pr>(.*?)</w:{kind}Pr>|<w:{kind}Pr\s*/>", re.S)

    def settings(text: str) -> str:
        kept = "".join(re.findall(rf"<w:{kind} w:id=\"-?\d+\"\s*/>", text))  # separators stay
        if pattern.search(text):
            return pattern.sub(f"<w:{kind}Pr>{xml}{kept}</w:{kind}Pr>", text, count=1)
        return text.replace("<w:settings ", "<w:settings ", 1).replace("</w:settings>", f"<w:{kind}Pr>{xml}</w:{kind}Pr></w:settings>")

    def document(text: str) -> str:
        return pattern.sub(f"<w:{kind}Pr>{xml}</w:{kind}Pr>", text)

    return docx_with(docx_with(data, "word/settings.xml", settings), "word/document.xml", document)


@pytest.mark.parametrize("notes", FORMATS)
@pytest.mark.parametrize("xml, expected", [
    ('<w:numFmt w:val="lowerRoman"/>', "{kind} numbering is lowerRoman; expected decimal (1, 2, 3)"),
    ('<w:numFmt w:val="decimal"/><w:numRestart w:val="eachSect"/>',
     "{kind} numbering restarts (eachSect, w:numRestart in settings.xml); expected continuous"),
    ('<w:numFmt w:val="decimal"/><w:numStart w:val="3"/>',
     "{kind} numbering starts at 3 (w:numStart in settings.xml); expected 1"),
])
def test_note_numbering_properties(notes, xml, expected):
    """Roman numbering, a restart or a start other than 1 in the note properties is reported."""
    data = FORMATS[notes]()
    kind = note_kind(data)
    _, problems = read_docx(_note_properties(data, kind, xml), NAME)
    wanted = expected.format(kind=kind)
    assert f"{NAME}: {wanted}" in without_lines(problems)


def test_endnotes_without_a_number_format_are_roman():
    """Word numbers endnotes i, ii, iii unless told otherwise, so a DOCX that says nothing is reported."""
    data = sample_artifacts().files["docx"]
    stripped = docx_with(
        docx_with(data, "word/settings.xml", lambda t: re.sub(r"<w:numFmt [^>]*/>", "", t)),
        "word/document.xml", lambda t: re.sub(r"<w:numFmt [^>]*/>", "", t),
    )
    _, problems = read_docx(stripped, NAME)
    assert without_lines(problems) == [f"{NAME}: endnote numbering is lowerRoman; expected decimal (1, 2, 3)"]


def test_tracked_deletion_removes_a_reference():
    """A reference inside a tracked deletion (w:del) no longer counts: its note is then unreferenced."""
    data = sample_artifacts().files["docx"]
    kind = note_kind(data)

    def delete(doc: str) -> str:
        m = reference_runs(doc, kind)[1]
        return doc[:m.start()] + '<w:del w:id="900" w:author="Editor">' + m.group(0) + "</w:del>" + doc[m.end():]

    rendered, problems = read_docx(docx_with(data, "word/document.xml", delete), NAME)
    assert rendered.count == 4
    assert [p.message for p in problems] == [f'{kind} w:id={_ids(data)[1]} ("Sam Jones, "A Newspaper Story About the\u2026") has no marker in the text']


def test_damaged_docx_is_one_problem():
    """A truncated DOCX gives one problem naming the file, not a traceback."""
    data = sample_artifacts().files["docx"]
    _, problems = read_docx(data[: len(data) // 2], NAME)
    assert len(problems) == 1 and problems[0].message.startswith("cannot read the DOCX")
