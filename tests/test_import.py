"""The editors' round trip: `build` writes a DOCX that carries its sources, `import` brings an edited one back.

Every DOCX here is built through the real command line from a private, committed copy of a brief, edited the way
Word would edit it (XML edits standing in for Word) or re-saved by LibreOffice, and imported through the real
command line. Each edit in EDITS says what the section files must become: the sources with some text replaced.
"""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from lxml import etree

import libreoffice_edit
from conftest import MINIMAL, REPO, SAMPLE, run_cli, tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"
EDITOR, WHEN = "Edith Editor", "2024-05-02T10:00:00Z"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=folder,
                          capture_output=True, text=True, check=True)
    return done.stdout


def _brief_copy(source: Path, target: Path) -> Path:
    """A committed copy of a brief (its content/ and references.yaml) in its own git repository."""
    target.mkdir(parents=True)
    shutil.copytree(source / "content", target / "content")
    shutil.copy(source / "references.yaml", target / "references.yaml")
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-qm", "sources")
    return target


def _build_docx(brief: Path, out: Path) -> Path:
    done = run_cli("build", "--root", str(brief), "--out", str(out), "--format", "docx")
    assert done.returncode == 0, done.stdout + done.stderr
    (docx,) = out.glob("*.docx")
    return docx


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Brief 50, the sample and the minimal brief, each copied, committed and built to DOCX once:
    name -> (brief, docx)."""
    out = {}
    for name, source in (("brief50", REPO), ("sample", SAMPLE), ("minimal", MINIMAL)):
        base = tmp_path_factory.mktemp(name)
        brief = _brief_copy(source, base / "brief")
        out[name] = (brief, _build_docx(brief, base / "dist"))
    return out


def _sections(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("[0-9][0-9].*.md"))}


def _resave(docx: Path, out: Path) -> Path:
    """The DOCX opened and saved again by LibreOffice (its own profile for this run)."""
    soffice = tool("soffice", "libreoffice-writer-nogui")
    profile = out / "profile"
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "docx", "--outdir", str(out / "saved"), str(docx)],
                   capture_output=True, timeout=180)
    saved = out / "saved" / docx.name
    # soffice exits 0 even when it cannot load the file: the output is the only proof.
    assert saved.is_file(), "LibreOffice wrote no DOCX"
    return saved


# The DOCX carries its sources

def _fields(docx: Path) -> list[dict]:
    with zipfile.ZipFile(docx) as archive:
        parts = [archive.read(n).decode("utf-8") for n in ("word/document.xml", "word/endnotes.xml")
                 if n in archive.namelist()]
    codes = []
    for xml in parts:
        root = etree.fromstring(xml.encode("utf-8"))
        text, inside = "", False
        for node in root.iter(_w("fldChar"), _w("instrText")):
            if node.tag == _w("fldChar"):
                kind = node.get(_w("fldCharType"))
                if kind == "begin":
                    text, inside = "", True
                elif kind in ("separate", "end") and inside:
                    codes.append(text)
                    inside = False
            elif inside:
                text += node.text or ""
    return [json.loads(code.strip().removeprefix("ADDIN CSL_CITATION").strip()) for code in codes
            if code.strip().startswith("ADDIN CSL_CITATION")]


def test_docx_carries_keys_item_data_and_locators(built):
    """Every citation of the sample is a CSL_CITATION field with its keys, item data, Pandoc's suffix and locator."""
    _, docx = built["sample"]
    fields = _fields(docx)
    assert [[item["id"] for item in f["citationItems"]] for f in fields] == [
        ["smith2020"], ["jones2021"], ["smith2020"], ["smith2020", "jones2021"], ["agency2019"]]
    first = fields[0]
    assert first["schema"] == SCHEMA
    assert first["properties"]["noteIndex"] == 1
    assert first["properties"]["formattedCitation"].startswith("Jane Smith, A Report on the Questions at Hand")
    assert first["citationItems"][0]["suffix"] == ", 5" and first["citationItems"][0]["locator"] == "5"
    assert first["citationItems"][0]["itemData"]["title"] == "A Report on the Questions at Hand"
    assert fields[3]["citationItems"][1].get("suffix") is None


def test_docx_records_digest_of_each_section_sent(built):
    """docProps/custom.xml holds the SHA-256 of each section file the DOCX was built from."""
    brief, docx = built["sample"]
    with zipfile.ZipFile(docx) as archive:
        custom = etree.fromstring(archive.read("docProps/custom.xml"))
    found = {p.get("name"): p[0].text for p in custom if p.get("name").startswith("qibrief-sent-")}
    import hashlib
    assert found == {f"qibrief-sent-{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
                     for p in sorted((brief / "content").glob("[0-9]*.md"))}


def test_pandoc_reads_the_keys_back(built):
    """Pandoc's own docx reader finds every key of brief 50 (the issue found none)."""
    from qibrief.pandoc import pandoc_binary

    brief, docx = built["brief50"]
    markdown = subprocess.run([pandoc_binary(), "-f", "docx+citations", "-t", "markdown", str(docx)],
                              capture_output=True, text=True, check=True).stdout
    cited = set(re.findall(r"@([\w-]+)", "".join(_sections(brief / "content").values())))
    assert cited and cited == set(re.findall(r"@([\w-]+)", markdown))


# The identity: import(build(sources)) == sources

@pytest.mark.parametrize("name", ["brief50", "sample", "minimal"])
@pytest.mark.parametrize("resaved", [False, True], ids=["as-built", "libreoffice"])
def test_import_of_the_built_docx_gives_the_sources_back(built, name, resaved, tmp_path):
    """Importing the DOCX as built (or as LibreOffice saves it) gives every section file back byte for byte."""
    brief, docx = built[name]
    if resaved:
        docx = _resave(docx, tmp_path)
    done = run_cli("import", str(docx), "--root", str(brief), "--out", str(tmp_path / "imported"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _sections(tmp_path / "imported") == _sections(brief / "content")
    assert "warning" not in done.stdout


LABELLED = """
A closing remark.[^why]
A second sentence with a longer note.[^long]

[^why]: Because the brief says so [@smith2020, 3].

[^long]: The first paragraph of a longer note.

    Its second paragraph.
"""


def test_labelled_notes_keep_their_labels(tmp_path):
    """Notes written [^label] (one paragraph or more) come back with their labels, defined at the section's end."""
    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    conclusion = brief / "content" / "03.conclusion.md"
    conclusion.write_text(conclusion.read_text() + LABELLED)
    docx = _build_docx(brief, tmp_path / "dist")
    done = run_cli("import", str(docx), "--root", str(brief), "--out", str(tmp_path / "imported"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _sections(tmp_path / "imported") == _sections(brief / "content")


BLOCKS = """
::: pull-quote
It matters.
:::

::: {.pull-quote edited="cut for length"}
Do the first thing.

Then the second.
:::

::: {.pull-quote edited=true}
It matters too.
:::
"""


def test_adjacent_blocks_keep_their_bounds_and_attributes(tmp_path):
    """Pull quotes one after another come back as they were written: each its own div, with its attributes."""
    brief = tmp_path / "brief"
    shutil.copytree(SAMPLE, brief)
    conclusion = brief / "content" / "03.conclusion.md"
    conclusion.write_text(conclusion.read_text() + BLOCKS)
    docx = _build_docx(brief, tmp_path / "dist")
    for saved in (docx, _resave(docx, tmp_path)):
        done = run_cli("import", str(saved), "--root", str(brief), "--out", str(tmp_path / saved.parent.name))
        assert done.returncode == 0, done.stdout + done.stderr
        assert _sections(tmp_path / saved.parent.name) == _sections(brief / "content")


def test_import_in_place_writes_nothing_when_nothing_changed(built):
    """Into the brief itself, an unedited DOCX changes no file and leaves the work tree clean."""
    brief, docx = built["sample"]
    done = run_cli("import", str(docx), "--root", str(brief))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 file(s) written, 3 unchanged" in done.stdout
    assert _git(brief, "status", "--porcelain") == ""


# Editing the DOCX as Word would

def _parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _save(parts: dict[str, bytes], target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


class Docx:
    """A DOCX's XML parts, editable in place, written back by save()."""

    def __init__(self, path: Path) -> None:
        self.parts = _parts(path)
        self.trees: dict[str, etree._Element] = {}

    def xml(self, name: str) -> etree._Element:
        """A part's root element, parsed once."""
        if name not in self.trees:
            self.trees[name] = etree.fromstring(self.parts[name])
        return self.trees[name]

    def save(self, target: Path) -> Path:
        """The edited package written to target."""
        for name, root in self.trees.items():
            self.parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return _save(self.parts, target)


def _text(node: etree._Element) -> str:
    return "".join(t.text or "" for t in node.iter(_w("t")))


def _style(paragraph: etree._Element) -> str | None:
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return None if style is None else style.get(_w("val"))


def _paragraph(root: etree._Element, text: str, style: str | None = None) -> etree._Element:
    found = [p for p in root.iter(_w("p")) if text in _text(p) and (style is None or _style(p) == style)]
    assert len(found) == 1, f"{len(found)} paragraphs hold {text!r}"
    return found[0]


def _split_run(run: etree._Element, offset: int) -> etree._Element:
    """Split a text run at a character offset; return the second half (a new run after it)."""
    t = run.find(_w("t"))
    second = copy.deepcopy(run)
    second.find(_w("t")).text = t.text[offset:]
    t.text = t.text[:offset]
    for node in (t, second.find(_w("t"))):
        node.set(XML_SPACE, "preserve")
    run.addnext(second)
    return second


def _runs_of(paragraph: etree._Element, text: str) -> list[etree._Element]:
    """The runs that hold exactly `text` of a paragraph (runs split where needed)."""
    whole = _text(paragraph)
    start = whole.index(text)
    end = start + len(text)
    position, runs = 0, []
    for run in list(paragraph.iter(_w("r"))):
        t = run.find(_w("t"))
        if t is None or not t.text:
            continue
        length = len(t.text)
        if position + length <= start or position >= end:
            position += length
            continue
        if position < start:
            run = _split_run(run, start - position)
            position, length = start, len(run.find(_w("t")).text)
        if position + length > end:
            _split_run(run, end - position)
            length = end - position
        runs.append(run)
        position += length
    return runs


def _replace(root: etree._Element, old: str, new: str, style: str | None = None) -> None:
    """Type over text, as an editor with tracking off does (in a paragraph of that style, if given)."""
    runs = _runs_of(_paragraph(root, old, style), old)
    runs[0].find(_w("t")).text = new
    runs[0].find(_w("t")).set(XML_SPACE, "preserve")
    for run in runs[1:]:
        run.getparent().remove(run)


def _tracked(tag: str, ident: int) -> etree._Element:
    node = etree.Element(_w(tag))
    node.set(_w("id"), str(ident))
    node.set(_w("author"), EDITOR)
    node.set(_w("date"), WHEN)
    return node


def _delete_tracked(root: etree._Element, text: str, *, with_note: bool) -> None:
    """Delete text (and the note mark right after it) with tracked changes on."""
    runs = _runs_of(_paragraph(root, text), text)
    if with_note:
        following = runs[-1].getnext()
        assert following is not None and following.find(f".//{_w('endnoteReference')}") is not None
        runs.append(following)
    wrapper = _tracked("del", 901)
    runs[0].addprevious(wrapper)
    for run in runs:
        wrapper.append(run)
        for t in run.iter(_w("t")):
            t.tag = _w("delText")


def _move_paragraph(root: etree._Element, moved: str, before: str) -> None:
    """Cut a paragraph and paste it before another (tracking off)."""
    paragraph = _paragraph(root, moved)
    _paragraph(root, before).addprevious(paragraph)


def _field_runs(code: str, shown: str) -> list[etree._Element]:
    xml = (f'<x xmlns:w="{W}"><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
           f'<w:r><w:instrText xml:space="preserve"> {_escape(code)} </w:instrText></w:r>'
           '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
           f'<w:r><w:t xml:space="preserve">{_escape(shown)}</w:t></w:r>'
           '<w:r><w:fldChar w:fldCharType="end"/></w:r></x>')
    return list(etree.fromstring(xml.encode("utf-8")))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


NEW_ITEM = {"id": "rojas2024", "type": "report", "title": "Border Trade after the Pandemic",
            "author": [{"family": "Rojas", "given": "Lucía"}], "publisher": "Example Institute",
            "issued": {"date-parts": [[2024, 2]]}}


def _insert_zotero_note(docx: Docx, after: str) -> None:
    """Insert, as Zotero does in a notes style, an endnote holding a citation field for a key the brief lacks."""
    code = "ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps({
        "citationID": "Xz81kQ2a", "properties": {"formattedCitation": "Lucía Rojas, Border Trade after the Pandemic "
                                                                        "(Example Institute, 2024).", "noteIndex": 9},
        "citationItems": [{"id": "rojas2024", "itemData": NEW_ITEM}], "schema": SCHEMA}, ensure_ascii=False)
    endnotes = docx.xml("word/endnotes.xml")
    note = etree.SubElement(endnotes, _w("endnote"))
    note.set(_w("id"), "900")
    paragraph = etree.SubElement(note, _w("p"))
    mark = etree.SubElement(etree.SubElement(paragraph, _w("r")), _w("endnoteRef"))
    space = etree.SubElement(etree.SubElement(paragraph, _w("r")), _w("t"))
    space.text, _ = " ", space.set(XML_SPACE, "preserve")
    for run in _field_runs(code, "Lucía Rojas, Border Trade after the Pandemic (Example Institute, 2024)."):
        paragraph.append(run)
    body = docx.xml("word/document.xml")
    runs = _runs_of(_paragraph(body, after), after)
    reference = etree.Element(_w("r"))
    etree.SubElement(reference, _w("endnoteReference")).set(_w("id"), "900")
    runs[-1].addnext(reference)
    del mark


def _comment(docx: Docx, text: str, comment: str) -> None:
    """A comment on some text, with its comments part, relationship and content type."""
    body = docx.xml("word/document.xml")
    runs = _runs_of(_paragraph(body, text), text)
    start, end = etree.Element(_w("commentRangeStart")), etree.Element(_w("commentRangeEnd"))
    for node in (start, end):
        node.set(_w("id"), "0")
    runs[0].addprevious(start)
    runs[-1].addnext(end)
    reference = etree.Element(_w("r"))
    etree.SubElement(reference, _w("commentReference")).set(_w("id"), "0")
    end.addnext(reference)
    docx.parts["word/comments.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W}">'
        f'<w:comment w:id="0" w:author="{EDITOR}" w:date="{WHEN}" w:initials="EE"><w:p><w:r><w:t>{comment}</w:t>'
        '</w:r></w:p></w:comment></w:comments>').encode("utf-8")
    types = docx.parts["[Content_Types].xml"].decode("utf-8")
    docx.parts["[Content_Types].xml"] = types.replace("</Types>", (
        '<Override PartName="/word/comments.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>')).encode("utf-8")
    rels = docx.parts["word/_rels/document.xml.rels"].decode("utf-8")
    docx.parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rIdComments9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'comments" Target="comments.xml"/></Relationships>')).encode("utf-8")


def _insert_tracked_field(docx: Docx, note_text: str) -> None:
    """A citation note whose runs sit inside a tracked insertion (pasted with tracking on)."""
    endnotes = docx.xml("word/endnotes.xml")
    paragraph = _paragraph(endnotes, note_text)
    runs = [r for r in paragraph if r.tag != _w("pPr")][1:]  # after the note's own number: runs and links
    wrapper = _tracked("ins", 902)
    runs[0].addprevious(wrapper)
    for run in runs:
        wrapper.append(run)


def _paragraph_text(text: str, starts: str) -> str:
    """The whole paragraph of a section file (its lines up to the blank line) that starts with `starts`."""
    begin = text.index(starts)
    end = text.find("\n\n", begin)
    return text[begin:end + 2]


@dataclass(frozen=True)
class Edit:
    """An editor's edit on brief 50's DOCX, and what the section files must become after `import`."""

    name: str
    edit: Callable[[Docx], None]
    # (section file, old text, new text): the expected sections are the sources with these replacements.
    expected: tuple[tuple[str, str, str], ...] = ()
    # Lines the import must print (each a substring of one line of its output).
    reported: tuple[str, ...] = ()
    # Whether `build` still passes on the imported brief; else the line it must print.
    build_fails_with: str | None = None
    moved: tuple[str, str, str, str] | None = field(default=None)  # (from file, paragraph start, to file, before)


MOVED = ("04.merida.md", "Plan Mérida was a working document", "03.risks.md", "Finally, U.S. credibility")

EDITS = [
    Edit("word fixed in the body",
         lambda d: _replace(d.xml("word/document.xml"), "amidst tensions", "amid tensions"),
         expected=(("02.introduction.md", "amidst tensions", "amid tensions"),)),
    Edit("sentence and its note deleted under tracked changes",
         lambda d: _delete_tracked(d.xml("word/document.xml"), " Leading political leaders are rallying behind an "
                                   "aggressive new approach of bombing Mexican cartels as a means of combating the "
                                   "U.S. fentanyl crisis.", with_note=True),
         expected=(("02.introduction.md", "Leading political leaders are rallying behind an aggressive new approach of "
                    "bombing Mexican cartels as a means of combating the U.S. fentanyl crisis [@dress2023].\n", ""),),
         reported=("content/02.introduction.md:12: warning: pending deleted by Edith Editor on 2024-05-02",)),
    Edit("paragraph moved before the first citation of its source",
         lambda d: _move_paragraph(d.xml("word/document.xml"), MOVED[1], MOVED[3]), moved=MOVED),
    Edit("new citation field for a key references.yaml lacks",
         lambda d: _insert_zotero_note(d, "smooth trade flows."),
         expected=(("03.risks.md", "smooth trade flows.", "smooth trade flows.[@rojas2024]"),),
         reported=("content/03.risks.md:21: citation @rojas2024 (inserted in the DOCX) is not in references.yaml; "
                   "add this entry under references:", "  - id: rojas2024", "    title: Border Trade after the Pandemic"),
         build_fails_with="content/03.risks.md:21: citation @rojas2024 is not in references.yaml"),
    Edit("comment",
         lambda d: _comment(d, "killed as many as 70,000 Americans last year", "Source for this figure?"),
         reported=("content/02.introduction.md:7: warning: comment by Edith Editor on 2024-05-02T10:00:00Z: "
                   "\"Source for this figure?\"",)),
    Edit("heading reworded keeps its id",
         lambda d: _replace(d.xml("word/document.xml"), "Militarization from both sides", "Militarization on both sides"),
         expected=(("05.militarization.md", "# Militarization from both sides of the border\n",
                    "# Militarization on both sides of the border {#militarization-from-both-sides-of-the-border}\n"),)),
    Edit("pull quote shortened stays a pull quote",
         lambda d: _replace(d.xml("word/document.xml"), "affluent and cooperative Mexico", "affluent Mexico",
                            style="PullQuote"),
         expected=(("03.risks.md", "::: pull-quote\nA more affluent and cooperative", "::: pull-quote\nA more affluent"),)),
    Edit("title changed on the title page",
         lambda d: _replace(d.xml("word/document.xml"), "Responsibly Demilitarizing", "Demilitarizing", style="Title"),
         reported=("content/metadata.yaml: warning: the title page's title was changed in the DOCX to "
                   "\"Demilitarizing U.S.–Mexico Bilateral Security Relations\"",)),
    Edit("author's note reworded",
         lambda d: _replace(d.xml("word/endnotes.xml"), "was eventually extradited", "was extradited"),
         expected=(("02.introduction.md", "Ovidio Guzmán was eventually extradited", "Ovidio Guzmán was extradited"),)),
    Edit("locator typed into a citation's visible text",
         lambda d: _replace(d.xml("word/endnotes.xml"), "(2017), 5,", "(2017), 7,"),
         reported=("content/02.introduction.md:41: warning: citation [@seelke2017]: its text was changed in the DOCX",
                   "(2017), 7, https://")),
    Edit("citation inside a tracked insertion keeps its key",
         lambda d: _insert_tracked_field(d, "Clare Ribando Seelke and Kristin Finklea, U.S.-Mexican Security"),
         reported=("content/02.introduction.md:41: warning: pending inserted by Edith Editor",)),
]


def _expected(sources: dict[str, str], edit: Edit) -> dict[str, str]:
    expected = dict(sources)
    for name, old, new in edit.expected:
        assert old in expected[name], (name, old)
        expected[name] = expected[name].replace(old, new, 1)
    if edit.moved:
        source, starts, target, before = edit.moved
        paragraph = _paragraph_text(expected[source], starts)
        expected[source] = expected[source].replace(paragraph, "", 1)
        expected[target] = expected[target].replace(before, paragraph + before, 1)
    return expected


@pytest.mark.parametrize("edit", EDITS, ids=[e.name for e in EDITS])
def test_editor_edit_comes_back_into_the_sections(built, edit, tmp_path):
    """Each edit made on brief 50's DOCX gives exactly the expected section files, report lines and build."""
    original, docx = built["brief50"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    edited = Docx(docx)
    edit.edit(edited)
    path = edited.save(tmp_path / "edited.docx")
    sources = _sections(brief / "content")
    done = run_cli("import", str(path), "--root", str(brief))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _sections(brief / "content") == _expected(sources, edit)
    for line in edit.reported:
        assert any(line in shown for shown in done.stdout.splitlines()), (line, done.stdout)
    if not edit.reported:
        assert "warning" not in done.stdout and "not in references" not in done.stdout, done.stdout
    built_again = run_cli("build", "--root", str(brief), "--out", str(tmp_path / "dist"), "--format", "html")
    if edit.build_fails_with:
        assert built_again.returncode == 1
        assert edit.build_fails_with in built_again.stderr, built_again.stderr
    else:
        assert built_again.returncode == 0, built_again.stdout + built_again.stderr
        checked = run_cli("check", "--root", str(brief))
        assert checked.returncode == 0, checked.stdout + checked.stderr


# The same edits made by LibreOffice itself (tests/libreoffice_edit.py, driven through python3-uno)

LO_EDITS = [
    ("word fixed in the body", ("replace", "amidst tensions", "amid tensions"), ()),
    ("sentence and its note deleted under tracked changes",
     ("delete-tracked", " Leading political leaders are rallying behind an aggressive new approach of bombing Mexican "
                        "cartels as a means of combating the U.S. fentanyl crisis."),
     ("content/02.introduction.md:12: warning: pending deleted by ",)),
    ("author's note reworded", ("replace", "was eventually extradited", "was extradited"), ()),
    ("locator typed into a citation's visible text", ("replace", "(2017), 5,", "(2017), 7,"),
     ("content/02.introduction.md:41: warning: citation [@seelke2017]: its text was changed in the DOCX",)),
]


@pytest.mark.parametrize("name, action, reported", LO_EDITS, ids=[row[0] for row in LO_EDITS])
def test_libreoffice_edit_comes_back_into_the_sections(built, name, action, reported, tmp_path):
    """The edit made in LibreOffice (saved as DOCX) gives the same section files as the XML edit of that name."""
    tool("soffice", "libreoffice-writer-nogui")
    original, docx = built["brief50"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    edited = tmp_path / "edited.docx"
    done = libreoffice_edit.edit(docx, edited, tmp_path / "profile", *action)
    assert done.returncode == 0 and edited.is_file(), done.stdout + done.stderr
    sources = _sections(brief / "content")
    imported = run_cli("import", str(edited), "--root", str(brief))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    (edit,) = [e for e in EDITS if e.name == name]
    assert _sections(brief / "content") == _expected(sources, edit)
    for line in reported:
        assert any(line in shown for shown in imported.stdout.splitlines()), (line, imported.stdout)
    if not reported:
        assert "warning" not in imported.stdout, imported.stdout


def _notes(html: str) -> list[str]:
    section = html[html.index('id="footnotes"'):]
    return [re.sub(r"<[^>]+>", "", item) for item in re.findall(r'<li id="fn\d+"[^>]*>(.*?)</li>', section, re.S)]


def test_moved_paragraph_takes_the_full_citation_with_it(built, tmp_path):
    """After a paragraph citing Olson moves before Olson's first citation, the rebuilt brief gives it the full form."""
    original, docx = built["brief50"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    edited = Docx(docx)
    _move_paragraph(edited.xml("word/document.xml"), MOVED[1], MOVED[3])
    assert run_cli("import", str(edited.save(tmp_path / "edited.docx")), "--root", str(brief)).returncode == 0
    done = run_cli("build", "--root", str(brief), "--out", str(tmp_path / "dist"), "--format", "html")
    assert done.returncode == 0, done.stderr
    olson = [n for n in _notes((tmp_path / "dist" / "qi-brief-50.html").read_text()) if "Olson" in n]
    # The first Olson note is now the moved paragraph's (Olson alone), in full; the one that was full is short.
    assert olson[0].startswith("Eric L. Olson, The Evolving Merida Initiative") and "Wilson Center" in olson[0], olson
    (risks,) = [n for n in olson if "Sheridan" in n]
    assert risks.startswith("Olson, The Evolving Merida Initiative;") and "Wilson Center" not in risks, risks


# Refusals and the review

def test_import_refuses_a_section_with_uncommitted_changes(built, tmp_path):
    """A section changed and not committed is named, and nothing is written."""
    original, docx = built["sample"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    intro = brief / "content" / "02.introduction.md"
    intro.write_text(intro.read_text() + "\nA new paragraph.\n")
    before = _sections(brief / "content")
    done = run_cli("import", str(docx), "--root", str(brief))
    assert done.returncode == 1
    assert "content/02.introduction.md: has uncommitted changes" in done.stderr
    assert _sections(brief / "content") == before


def test_import_refuses_a_section_changed_since_the_docx_was_built(built, tmp_path):
    """A section committed after the DOCX was built is named (its digest differs); --out still imports."""
    original, docx = built["sample"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    intro = brief / "content" / "03.conclusion.md"
    intro.write_text(intro.read_text() + "\nA new paragraph.\n")
    _git(brief, "commit", "-qam", "later work")
    done = run_cli("import", str(docx), "--root", str(brief))
    assert done.returncode == 1
    assert "content/03.conclusion.md: changed since the DOCX was built" in done.stderr
    assert "A new paragraph." in intro.read_text()
    elsewhere = run_cli("import", str(docx), "--root", str(brief), "--out", str(tmp_path / "imported"))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert (tmp_path / "imported" / "03.conclusion.md").read_text() == (SAMPLE / "content" / "03.conclusion.md").read_text()


def test_review_writes_criticmarkup(built, tmp_path):
    """--review writes pending changes and comments as CriticMarkup into review/, sections stay accepted."""
    original, docx = built["brief50"]
    brief = tmp_path / "brief"
    shutil.copytree(original, brief)
    edited = Docx(docx)
    _delete_tracked(edited.xml("word/document.xml"), "four days after", with_note=False)
    _comment(edited, "killed as many as 70,000 Americans last year", "Source for this figure?")
    done = run_cli("import", str(edited.save(tmp_path / "e.docx")), "--root", str(brief), "--review")
    assert done.returncode == 0, done.stderr
    review = (brief / "review" / "02.introduction.md").read_text()
    assert "In January 2023, {--four days after--} authorities" in review
    assert "{>>Edith Editor: Source for this figure?<<}{==killed as many as 70,000 Americans last year==}" in review
    assert "In January 2023, authorities" in (brief / "content" / "02.introduction.md").read_text()


def test_a_marker_naming_a_path_writes_nothing_there(built, tmp_path):
    """A section marker rewritten to name a path outside the brief is refused; its text joins the section before."""
    original, docx = built["sample"]
    edited = Docx(docx)
    body = edited.xml("word/document.xml")
    (code,) = [t for t in body.iter(_w("instrText")) if "qibrief section 03.conclusion.md" in (t.text or "")]
    code.text = code.text.replace("03.conclusion.md", "../../escaped.md")
    out = tmp_path / "deep" / "imported"
    done = run_cli("import", str(edited.save(tmp_path / "e.docx")), "--root", str(original), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "a section marker names '../../escaped.md', not a section file name" in done.stdout
    assert not list(tmp_path.rglob("escaped.md"))
    assert sorted(p.name for p in out.iterdir()) == ["01.executive-summary.md", "02.introduction.md"]
    assert "Do the first thing." in (out / "02.introduction.md").read_text()


# The canonical form's rules, one paragraph each

CANONICAL = [
    ("sentences", "One claim. Another claim.", "One claim.\nAnother claim.\n"),
    # Pandoc's reader (+smart) puts a no-break space after "Sen.": the canonical form keeps it.
    ("abbreviation", "The U.S. Congress met. Sen. Graham spoke.", "The U.S. Congress met.\nSen.\u00a0Graham spoke.\n"),
    ("lowercase goes on", "It was 5 p.m. exactly. then more.", "It was 5 p.m. exactly. then more.\n"),
    ("quote closes", "He said “no.” Then he left.", "He said “no.”\nThen he left.\n"),
    ("citation after the period", "A claim.[@k] Next one.", "A claim.[@k]\nNext one.\n"),
    ("citation before the period", "A claim [@k, 5]. Next one.", "A claim [@k, 5].\nNext one.\n"),
    ("inline note stays on its line", "A claim.^[First. Second.] Next.", "A claim.^[First. Second.]\nNext.\n"),
    ("soft breaks become the rule's", "One claim\ncontinues. Another.", "One claim continues.\nAnother.\n"),
    # The rule looks at words only: a sentence that ends or begins in emphasis is not broken off.
    ("emphasis ends no sentence", "*One. Two.* Three. **Lead.** Text.", "*One. Two.* Three. **Lead.** Text.\n"),
    ("labelled note at the end", "A claim.[^a] Next.\n\n[^a]: The note.", "A claim.[^a]\nNext.\n\n[^a]: The note.\n"),
    # Fenced divs as authors write the brand's blocks: the class alone, a value without quotes when it needs none.
    ("block", "::: {.pull-quote}\nA claim.\n:::", "::: pull-quote\nA claim.\n:::\n"),
    ("block attribute", '::: {.pull-quote edited="true"}\nA claim.\n:::', "::: {.pull-quote edited=true}\nA claim.\n:::\n"),
    ("block attribute with spaces", '::: {.pull-quote edited="cut for length"}\nA claim.\n:::',
     '::: {.pull-quote edited="cut for length"}\nA claim.\n:::\n'),
]


@pytest.mark.parametrize("source, expected", [(s, e) for _, s, e in CANONICAL], ids=[n for n, _, _ in CANONICAL])
def test_canonical_form(source, expected, tmp_path):
    """A paragraph read as the build reads it and written in the canonical form."""
    from qibrief.roundtrip.canonical import write_sections
    from qibrief.roundtrip.sent import api_version, read_apart, with_note_labels
    from qibrief.sections import Section

    section = Section(path=tmp_path / "01.x.md", display="content/01.x.md", text=source)
    apart = read_apart([section], None, api_version(), cwd=tmp_path)
    (written,) = write_sections([with_note_labels(section, apart.blocks[0])], api_version(), cwd=tmp_path)
    assert written == expected
