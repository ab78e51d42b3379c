"""The PDF note checks: superscript markers in page order 1..N, the Citations list 1..N, marker k's link to note k and
note k's back-link to marker k, each link's area covering its glyph."""

from __future__ import annotations

import io
import re

import pytest

from checks_support import REPO, plain_pdf, sample_artifacts, without_lines
from qibrief.checks.pdf import read_pdf
from qibrief.problems import sort_problems

NAME = "qi-brief-7.pdf"


def anchor(k: int, shown: int | None = None) -> str:
    """Pandoc's marker for note k, showing `shown` (k unless given)."""
    return f'<a href="#fn{k}" class="footnote-ref" id="fnref{k}" role="doc-noteref"><sup>{shown or k}</sup></a>'


def swap(text: str, a: str, b: str) -> str:
    """Text with every `a` and `b` exchanged."""
    return text.replace(a, "\0").replace(b, a).replace("\0", b)


# Each case changes the HTML the PDF is rendered from; WeasyPrint's own styles keep each render near 0.2 s
# (and show that the check does not depend on the brand's CSS).
CASES = [
    ("swap markers 2 and 3", lambda h: swap(h, anchor(2), anchor(3)), [
        "page 1: note 2: marker follows note 3; expected 4",
        "page 1: note 3: marker follows note 1; expected 2",
        "page 1: note 4: marker follows note 2; expected 3",
    ]),
    ("marker 2 shows 3", lambda h: h.replace(anchor(2), anchor(2, 3)), [
        "note 2: no marker in the text refers to it",
        "page 1: note 3: marker follows note 1; expected 2",
        "page 1: note 3: marker repeats note 3; expected 4",
        "page 1: note 3: marker's link lands on note 2; expected note 3",
        "page 2: note 2: back-link lands on marker 3; expected marker 2",
    ]),
    ("delete marker 3", lambda h: h.replace(anchor(3), ""), [
        "note 3: no marker in the text refers to it",
        "page 1: note 4: marker follows note 2; expected 3",
        "page 2: note 3: back-link has no link to its marker",
    ]),
    ("duplicate marker 2", lambda h: h.replace(anchor(2), anchor(2) + anchor(2)), [
        "page 1: note 2: marker repeats note 2; expected 3",
    ]),
    ("delete note 5", lambda h: re.sub(r'<li id="fn5">.*?</li>', "", h, flags=re.S), [
        "page 1: note 5: marker has no link to the Citations list",
        "page 1: note 5: marker has no note in the Citations list (it holds 4)",
    ]),
    ("marker 2 links to note 3", lambda h: h.replace('<a href="#fn2" class', '<a href="#fn3" class'), [
        "page 1: note 2: marker's link lands on note 3; expected note 2",
    ]),
    ("superscript digit typed", lambda h: h.replace("It matters too.", "It matters too.\u00b9"), [
        'page 1: superscript "\u00b9" typed by hand; expected a note marker',
    ]),
    ("Citations list numbered from 2",
     lambda h: h.replace('<ol>\n<li id="fn1">', '<ol style="counter-reset: list-item 1">\n<li id="fn1">'), [
        "note 6: no marker in the text refers to it",
        "page 1: note 1: marker has no note in the Citations list (it holds 5)",
        "page 1: note 1: marker's link lands on note 2; expected note 1",
        "page 1: note 2: back-link lands on marker 1; expected marker 2",
        "page 1: note 2: first entry of the Citations list is 2; expected 1",
        "page 1: note 2: marker's link lands on note 3; expected note 2",
        "page 1: note 3: marker's link lands on note 4; expected note 3",
        "page 1: note 4: marker's link lands on note 5; expected note 4",
        "page 1: note 5: marker's link lands on note 6; expected note 5",
        "page 2: note 3: back-link lands on marker 2; expected marker 3",
        "page 2: note 4: back-link lands on marker 3; expected marker 4",
        "page 2: note 5: back-link lands on marker 4; expected marker 5",
        "page 2: note 6: back-link lands on marker 5; expected marker 6",
    ]),
]


def test_sample_pdf_passes():
    """The sample's PDF as built (brand CSS) has markers 1..5, notes 1..5, each marker linked to its note."""
    rendered, problems = read_pdf(sample_artifacts().files["pdf"], NAME)
    assert problems == []
    assert [m.number for m in rendered.markers] == [1, 2, 3, 4, 5]
    assert [m.where for m in rendered.markers] == ["page 2: "] * 5
    assert rendered.texts[3].replace("\n", " ").startswith("This note explains something, and cites Smith, Report")


def test_plain_pdf_passes():
    """The same HTML rendered with WeasyPrint's default styles also passes: the check reads geometry, not CSS."""
    _, problems = read_pdf(plain_pdf(sample_artifacts().html_document), NAME)
    assert problems == []


@pytest.mark.parametrize("change, expected", [(c, e) for _, c, e in CASES], ids=[n for n, _, _ in CASES])
def test_broken_pdf_is_reported(change, expected):
    """Each PDF rendered from a hand-broken HTML gives exactly the expected messages."""
    document = sample_artifacts().html_document
    broken = change(document)
    assert broken != document
    _, problems = read_pdf(plain_pdf(broken), NAME)
    assert without_lines(sort_problems(problems)) == [f"{NAME}: {m}" for m in expected]


def _rewrite_links(data: bytes, change) -> bytes:
    """The PDF with change(annotation dictionary) applied to every internal link annotation."""
    import pypdf
    from pypdf.generic import NameObject

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = pypdf.generic.ArrayObject()
        for ref in annots:
            annot = ref.get_object()
            if annot.get("/Dest") is not None and change(annot) is False:
                continue
            kept.append(ref)
        page[NameObject("/Annots")] = kept
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_marker_without_link_is_reported():
    """Removing marker 1's link annotations from the built PDF is reported with its page."""
    data = _rewrite_links(sample_artifacts().files["pdf"], lambda annot: str(annot["/Dest"]) != "fn1")
    _, problems = read_pdf(data, NAME)
    assert without_lines(problems) == [f"{NAME}: page 2: note 1: marker has no link to the Citations list"]


def test_marker_linked_to_the_wrong_note_is_reported():
    """Pointing marker 4's links at note 2 in the built PDF is reported as landing on note 2."""
    from pypdf.generic import TextStringObject, NameObject

    def retarget(annot):
        if str(annot["/Dest"]) == "fn4":
            annot[NameObject("/Dest")] = TextStringObject("fn2")

    data = _rewrite_links(sample_artifacts().files["pdf"], retarget)
    _, problems = read_pdf(data, NAME)
    assert without_lines(problems) == [f"{NAME}: page 2: note 4: marker's link lands on note 2; expected note 4"]


def test_damaged_pdf_is_one_problem():
    """A truncated PDF gives one problem naming the file, not a traceback."""
    _, problems = read_pdf(b"%PDF-1.7\n" + b"0" * 100, NAME)
    assert len(problems) == 1 and problems[0].message.startswith("cannot read the PDF")


def _link_areas(data: bytes) -> dict[str, list[tuple[int, list[float]]]]:
    """Each internal link's destination name with its pages and rectangles (pypdf)."""
    import pypdf

    found: dict[str, list[tuple[int, list[float]]]] = {}
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages, start=1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Dest") is not None:
                found.setdefault(str(annot["/Dest"]), []).append((number, [float(v) for v in annot["/Rect"]]))
    return found


def test_sample_links_have_areas():
    """In the sample's PDF every marker link and back-link has a clickable area (pypdf's rectangles)."""
    areas = _link_areas(sample_artifacts().files["pdf"])
    assert sorted(areas) == sorted([f"fn{k}" for k in range(1, 6)] + [f"fnref{k}" for k in range(1, 6)])
    for name, placed in areas.items():
        for _, (x1, y1, x2, y2) in placed:
            assert abs(x2 - x1) > 2 and abs(y2 - y1) > 5, (name, x1, y1, x2, y2)


ZERO_HEIGHT = REPO / "tests" / "fixtures" / "pdf" / "zero-height-markers.pdf"


def test_zero_height_marker_links_are_reported():
    """The sample's PDF as the brand CSS made it before issue 15 (markers raised by `vertical-align: super;
    line-height: 0`, so every marker link had zero height) fails the check, naming page and note.

    The fixture was made by building tests/fixtures/sample with the styles/ of commit 3f81788:
    `SOURCE_DATE_EPOCH=1710460800 python3 build.py build --root COPY --format pdf --no-cache --out OUT`."""
    _, problems = read_pdf(ZERO_HEIGHT.read_bytes(), NAME)
    messages = without_lines(sort_problems(problems))
    assert len(messages) == 5, messages
    for k, message in enumerate(messages, start=1):
        assert message.startswith(f"{NAME}: page 2: note {k}: marker's link has no area to click (zero height: ")


def test_zero_height_fixture_fails_the_check_command():
    """`build.py check FILE.pdf` exits 1 on the zero-height fixture and prints each marker's problem."""
    from conftest import run_cli

    done = run_cli("check", str(ZERO_HEIGHT))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("marker's link has no area to click") == 5, done.stdout + done.stderr


def _with_rect(data: bytes, name: str, change) -> bytes:
    """The PDF with the rectangle of the links to `name` replaced by change(its four numbers)."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject

    def rewrite(annot):
        if str(annot["/Dest"]) == name:
            annot[NameObject("/Rect")] = ArrayObject(FloatObject(v) for v in change([float(v) for v in annot["/Rect"]]))

    return _rewrite_links(data, rewrite)


LINK_AREA_CASES = [
    ("marker 2's link flattened", "fn2", lambda r: [r[0], r[1], r[2], r[1]],
     "page 2: note 2: marker's link has no area to click (zero height: "),
    ("marker 3's link moved off its glyph", "fn3", lambda r: [r[0], r[1] - 4, r[2], r[3] - 4],
     "page 2: note 3: marker's link area "),
    ("note 4's back-link flattened", "fnref4", lambda r: [r[0], r[1], r[0], r[3]],
     "page 3: note 4: back-link has no area to click (zero width: "),
]


@pytest.mark.parametrize("name, change, expected", [c[1:] for c in LINK_AREA_CASES], ids=[c[0] for c in LINK_AREA_CASES])
def test_link_area_off_its_glyph_is_reported(name, change, expected):
    """A marker link or back-link rewritten to miss its glyph, or to have no area, is one problem naming the note."""
    _, problems = read_pdf(_with_rect(sample_artifacts().files["pdf"], name, change), NAME)
    messages = without_lines(problems)
    assert len(messages) == 1 and messages[0].startswith(f"{NAME}: {expected}"), messages


def test_backlink_to_the_wrong_marker_is_reported():
    """Pointing note 2's back-link at marker 5 in the built PDF is reported as landing on marker 5."""
    from pypdf.generic import NameObject, TextStringObject

    def retarget(annot):
        if str(annot["/Dest"]) == "fnref2":
            annot[NameObject("/Dest")] = TextStringObject("fnref5")

    _, problems = read_pdf(_rewrite_links(sample_artifacts().files["pdf"], retarget), NAME)
    assert without_lines(problems) == [f"{NAME}: page 3: note 2: back-link lands on marker 5; expected marker 2"]
