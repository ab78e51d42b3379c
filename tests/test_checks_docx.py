"""The DOCX note checks: Word endnotes or footnotes, one reference per note, 1..N in decimal, no restart."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape

import pytest
import yaml

from checks_support import (
    SAMPLE, docx_parts, docx_with, note_kind, reference_runs, sample_artifacts, sample_footnotes_docx, without_lines,
)
from qibrief import safexml
from qibrief.checks import revisions
from qibrief.checks.chicago import entry_forms, item_forms
from qibrief.checks.docx import W, CitationField, _text, check_field_order, citation_fields, judge_form, read_docx
from qibrief.sources import read_sources
from qibrief.problems import sort_problems

NAME = "qi-brief-7.docx"
# What a field's code holds, never shown: the XE markers' words, a citation field's instruction and JSON.
CODES = ("qibrief", "XE ", "ADDIN", "CSL_CITATION", "citationItems", "\\u00")


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
def test_markers_and_field_codes_stay_out_of_the_text(notes):
    """The round trip's hidden XE markers and the citation fields' codes are in the file but never in a note's
    text, a quoted fragment or a heading, and do not count as notes."""
    data = FORMATS[notes]()
    xml = "".join(part.decode("utf-8") for name, part in docx_parts(data).items() if name.endswith(".xml"))
    assert 'XE "qibrief section' in xml and 'XE "qibrief cite' in xml and "ADDIN CSL_CITATION" in xml
    rendered, _ = read_docx(data, NAME)
    shown = [*rendered.texts.values(), *rendered.contexts.values(), *rendered.places.values()]
    assert len(rendered.texts) == 5 and not any(code in text for text in shown for code in CODES)


ORPHAN = "after note {after} in the notes: a note that no marker in the text refers to ({text}); Word and LibreOffice do not show it"
SAM = 'Sam Jones, "A Newspaper Story About the\u2026'
SMITH = "Smith, Report on the Questions, 12; Jon\u2026"
INTRO = 'in "Introduction" after "'
# With note 2's marker gone, its full citation of @jones2021 is out of reach: note 3's short one comes first.
JONES_FIRST = (f'note 3 {INTRO}The report is cited again in short form.": first citation of @jones2021 is in short '
               "form; expected the full form")
BROKEN = {
    "delete": (lambda d, kind: delete_reference(d, kind, 2), [ORPHAN.format(after=1, text=SAM), JONES_FIRST]),
    "duplicate": (lambda d, kind: duplicate_reference(d, kind, 3), [
        f'note 4 {INTRO}\u2026claim cites a newspaper. An explanatory note follows here.": the marker refers to the '
        "same {kind} as note 3"]),
    "missing": (lambda d, kind: point_reference(d, kind, 4, "999"), [
        ORPHAN.format(after=3, text=SMITH),
        f'note 4 {INTRO}The report is cited again in short form.": the marker refers to a{{n}} {{kind}} '
        "that word/{kind}s.xml does not hold"]),
    "custom": (lambda d, kind: custom_mark(d, kind, 2), [
        ORPHAN.format(after=1, text=SAM),
        f'{INTRO}\u2026claim cites a report. A second claim cites a newspaper.": a mark typed by hand (after note 1); '
        "expected Word's automatic note number", JONES_FIRST]),
    "superscript": (lambda d, kind: typed_superscript(d, kind), [
        'in "Conclusion" after "Do the second thing. It matters too.": superscript "6" typed by hand (after note 5); '
        "expected a Word note reference"]),
    "glued": (lambda d, kind: d.replace("It matters too.", "It matters too.6 Yes.", 1), [
        'in "Conclusion" after "Do the second thing. It matters too.": note number "6" typed by hand (after note 5); '
        "expected a Word note reference"]),
}


@pytest.mark.parametrize("notes", FORMATS)
@pytest.mark.parametrize("case", BROKEN)
def test_broken_docx_is_reported(notes, case):
    """Each hand-made break of the DOCX's note references gives exactly the expected messages, each placed by
    note number, heading and quoted sentence, none by XML id or paragraph count."""
    data = FORMATS[notes]()
    kind = note_kind(data)
    change, expected = BROKEN[case]
    broken = docx_with(data, "word/document.xml", lambda d: change(d, kind))
    _, problems = read_docx(broken, NAME)
    found = without_lines(sort_problems(problems))
    article = "n" if kind == "endnote" else ""
    assert found == [f"{NAME}: {m.format(kind=kind, n=article)}" for m in expected]
    assert not any("w:id" in m or re.search(r"paragraph \d", m) for m in found)


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
    """A reference inside a tracked deletion (w:del) no longer counts in the accepted view: its note goes with
    it (and with it the full citation of @jones2021), and the pending deletion is a warning naming the note as
    Word shows it, the author and the date."""
    data = sample_artifacts().files["docx"]
    kind = note_kind(data)

    def delete(doc: str) -> str:
        m = reference_runs(doc, kind)[1]
        return (doc[:m.start()] + '<w:del w:id="900" w:author="Editor" w:date="2026-11-30T10:00:00Z">'
                + m.group(0) + "</w:del>" + doc[m.end():])

    rendered, problems = read_docx(docx_with(data, "word/document.xml", delete), NAME)
    assert rendered.count == 4 and rendered.original.count == 5
    assert [str(p) for p in problems] == [
        f"{NAME}: {JONES_FIRST}",
        f'{NAME}: warning: note 2 {INTRO}\u2026claim cites a report. A second claim cites a newspaper.": deleted with '
        f"Track Changes by Editor on 2026-11-30, not yet accepted or rejected; accepting it removes the note ({SAM})"
    ]


def test_damaged_docx_is_one_problem():
    """A truncated DOCX gives one problem naming the file, not a traceback."""
    data = sample_artifacts().files["docx"]
    _, problems = read_docx(data[: len(data) // 2], NAME)
    assert len(problems) == 1 and problems[0].message.startswith("cannot read the DOCX")


# Both views of pending tracked changes, on small paragraphs: (XML inside w:body, accepted text, rejected text).
_DEL = '<w:del w:id="1" w:author="A" w:date="2026-01-02T00:00:00Z">'
_INS = '<w:ins w:id="2" w:author="B" w:date="2026-01-03T00:00:00Z">'
VIEWS = {
    "deleted run": (f'<w:p><w:r><w:t>Kept.</w:t></w:r>{_DEL}<w:r><w:delText> Gone.</w:delText></w:r></w:del></w:p>',
                    ["Kept."], ["Kept. Gone."]),
    "inserted run": (f'<w:p><w:r><w:t>Kept.</w:t></w:r>{_INS}<w:r><w:t> New.</w:t></w:r></w:ins></w:p>',
                     ["Kept. New."], ["Kept."]),
    "moved text": ('<w:p><w:moveFrom w:id="3" w:author="A"><w:r><w:t>Moved.</w:t></w:r></w:moveFrom></w:p>'
                   '<w:p><w:moveTo w:id="4" w:author="A"><w:r><w:t>Moved.</w:t></w:r></w:moveTo></w:p>',
                   ["", "Moved."], ["Moved.", ""]),
    "deleted paragraph mark": (f'<w:p><w:pPr><w:rPr>{_DEL}</w:del></w:rPr></w:pPr><w:r><w:t>One </w:t></w:r></w:p>'
                               '<w:p><w:r><w:t>two.</w:t></w:r></w:p>', ["One two."], ["One ", "two."]),
    "inserted paragraph mark": (f'<w:p><w:pPr><w:rPr>{_INS}</w:ins></w:rPr></w:pPr><w:r><w:t>One </w:t></w:r></w:p>'
                                '<w:p><w:r><w:t>two.</w:t></w:r></w:p>', ["One ", "two."], ["One two."]),
}


@pytest.mark.parametrize("case", VIEWS)
def test_views_of_tracked_changes(case):
    """Accepting keeps insertions and drops deletions; rejecting does the reverse, paragraph marks included."""
    body, accepted, rejected = VIEWS[case]
    root = safexml.parse(f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'.encode())
    paragraphs = lambda tree: [_text(p) for p in tree.iter(f"{{{W}}}p")]  # noqa: E731
    assert paragraphs(revisions.accepted(root)) == accepted
    assert paragraphs(revisions.rejected(root)) == rejected
    assert revisions.has_revisions(root) and not revisions.has_revisions(revisions.accepted(root))


def _field(keys: list[str], text: str, items: dict, instruction: str = "ADDIN CSL_CITATION") -> str:
    payload = {"citationItems": [{"id": key, "itemData": items[key]} for key in keys]}
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">{instruction} '
            f'{escape(json.dumps(payload))}</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')


ITEMS = {
    "olson2020": {"author": [{"family": "Olson", "given": "Eric"}], "title": "The Evolving Merida Initiative",
                  "title-short": "Evolving Merida", "publisher": "Wilson Center", "issued": {"date-parts": [[2020]]}},
    "berg2021": {"author": [{"family": "Berg", "given": "Ryan C."}], "title": "The Bicentennial Framework",
                 "container-title": "CSIS", "issued": {"date-parts": [[2021, 10, 29]]}, "URL": "https://csis.org/x"},
}
FULL = {"olson2020": "Eric Olson, The Evolving Merida Initiative (Wilson Center, 2020), 4.",
        "berg2021": "Ryan C. Berg, \u201cThe Bicentennial Framework,\u201d CSIS, October 29, 2021, https://csis.org/x."}
SHORT = {"olson2020": "Olson, Evolving Merida, 10.", "berg2021": "Berg, \u201cBicentennial Framework.\u201d"}
# (the notes in order, each a list of (keys, text)), and the messages expected; {place} is note k's place.
ORDER = {
    "full then short": ([[(["olson2020"], FULL["olson2020"])], [(["olson2020"], SHORT["olson2020"])]], []),
    "short first": ([[(["olson2020"], SHORT["olson2020"])], [(["olson2020"], FULL["olson2020"])]],
                    ["note 1 {place1}: first citation of @olson2020 is in short form; expected the full form"]),
    "full again": ([[(["olson2020"], FULL["olson2020"])], [(["berg2021"], FULL["berg2021"])],
                    [(["olson2020"], FULL["olson2020"])]],
                   ["note 3 {place3}: @olson2020 is cited in full again (first in note 1); expected the short form"]),
    "two items in one field": ([[(["olson2020", "berg2021"], f"{FULL['olson2020'][:-1]}; {SHORT['berg2021']}")]],
                               ["note 1 {place1}: first citation of @berg2021 is in short form; expected the full form"]),
    "Zotero's instruction": ([[(["olson2020"], SHORT["olson2020"])]],
                             ["note 1 {place1}: first citation of @olson2020 is in short form; expected the full form"]),
    "no fields": ([[([], SHORT["olson2020"])]], []),
}


@pytest.mark.parametrize("case", ORDER)
def test_full_then_short_on_citation_fields(case):
    """Each key's first citation field is its full form and later ones short; no fields, no check."""
    notes, expected = ORDER[case]
    instruction = "ADDIN ZOTERO_ITEM CSL_CITATION" if case.startswith("Zotero") else "ADDIN CSL_CITATION"
    body, endnotes = "", ""
    for k, fields in enumerate(notes, start=1):
        body += f'<w:p><w:r><w:t>Claim {k}.</w:t></w:r><w:r><w:endnoteReference w:id="{k + 1}"/></w:r></w:p>'
        runs = "".join(_field(keys, text, ITEMS, instruction) if keys else f"<w:r><w:t>{text}</w:t></w:r>"
                       for keys, text in fields)
        endnotes += f'<w:endnote w:id="{k + 1}"><w:p><w:r><w:endnoteRef/></w:r>{runs}</w:p></w:endnote>'
    heading = '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Risks</w:t></w:r></w:p>'
    document = safexml.parse(f'<w:document xmlns:w="{W}"><w:body>{heading}{body}</w:body></w:document>'.encode())
    part = safexml.parse(f'<w:endnotes xmlns:w="{W}">{endnotes}</w:endnotes>'.encode())
    notes_by_id = {n.get(f"{{{W}}}id"): n for n in part.iter(f"{{{W}}}endnote")}
    fields = citation_fields(document, notes_by_id, "endnote", {"Heading1"})
    places = {f"place{k}": f'in "Risks" after "Claim {k}."' for k in range(1, 4)}
    assert [p.message for p in check_field_order(NAME, fields)] == [m.format(**places) for m in expected]


SMITH_ITEM = {"author": [{"family": "Smith", "given": "Jane"}], "title": "A Report on the Questions at Hand",
         "title-short": "Report on the Questions", "publisher": "Example Research Service",
         "issued": {"date-parts": [[2020, 6, 29]]}, "URL": "https://example.org/report.pdf", "type": "report"}
SMITH_ITEMFORMS = ("Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020), "
               "https://example.org/report.pdf.", "Smith, Report on the Questions.")
# (what the field shows for the item, its CSL citation item, its itemData, citeproc's forms or None): expected.
JUDGED = {
    "citeproc's full form, with its locator": (
        "Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020), 5, "
        "https://example.org/report.pdf.", {"suffix": ", 5", "locator": "5"}, SMITH_ITEM, SMITH_ITEMFORMS, True),
    "citeproc's short form, with its locator": (
        "Smith, Report on the Questions, 12", {"suffix": ", 12", "locator": "12"}, SMITH_ITEM, SMITH_ITEMFORMS, False),
    "a short form with a prefix and curly quotes": (
        "See Smith, Report on the Questions.", {"prefix": "See"}, SMITH_ITEM, SMITH_ITEMFORMS, False),
    "citeproc decides where the item data says nothing": (
        SMITH_ITEMFORMS[0], {}, {}, SMITH_ITEMFORMS, True),
    "the item data cannot tell without citeproc": (SMITH_ITEMFORMS[0], {}, {}, None, None),
    "an edited full form: the words only the full form has": (
        "Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020).", {}, SMITH_ITEM, SMITH_ITEMFORMS,
        True),
    "an edited short form: none of those words": ("Smith, Report on Questions.", {}, SMITH_ITEM, SMITH_ITEMFORMS, False),
    "without citeproc, the item data's words": (SMITH_ITEMFORMS[0], {}, SMITH_ITEM, None, True),
    "without citeproc, a short form": (SMITH_ITEMFORMS[1], {}, SMITH_ITEM, None, False),
    "a field that shows nothing": ("", {}, SMITH_ITEM, SMITH_ITEMFORMS, None),
}


@pytest.mark.parametrize("case", JUDGED)
def test_judge_form(case):
    """A field's text is judged against citeproc's forms when given, else against its item data's words."""
    segment, cited, item, forms, expected = JUDGED[case]
    assert judge_form(segment, cited, item, forms) is expected


def test_item_forms_are_the_briefs_forms():
    """Citeproc's forms of the fields' item data are the brief's own full and short notes (entry_forms)."""
    sources = read_sources(SAMPLE)
    entries = yaml.safe_load((SAMPLE / "references.yaml").read_text(encoding="utf-8"))["references"]
    items = {entry["id"]: entry for entry in entries}
    forms = item_forms(sources.style, items, sources.project.metadata_file)
    assert forms == entry_forms(sources, list(items)) and len(forms) == len(items)
    assert all(full != short for full, short in forms.values())


def test_an_empty_field_cites_nothing():
    """A field with no visible text (LibreOffice empties the outer of two nested fields) is no citation."""
    fields = [CitationField(1, "note 1", (("smith2020", SMITH_ITEM),), ""),
              CitationField(1, "note 1", (("smith2020", SMITH_ITEM),), SMITH_ITEMFORMS[0]),
              CitationField(2, "note 2", (("smith2020", SMITH_ITEM),), SMITH_ITEMFORMS[1])]
    assert check_field_order(NAME, fields, {"smith2020": SMITH_ITEMFORMS}) == []
