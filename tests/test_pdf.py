"""The PDF as readers, screen readers, archives and printers get it: PDF/UA-1, fonts, boxes, outline, bytes."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, SAMPLE, run_cli, tool

GOLDEN = Path(__file__).parent / "golden"


def _pdfinfo(pdf: Path, *args: str) -> str:
    return subprocess.run([tool("pdfinfo", "poppler-utils"), *args, str(pdf)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("name", ["qi-brief-7.pdf"])
def test_sample_screen_pdf_is_pdf_ua_1(sample_build, name):
    """page-validation finds the sample's screen PDF PDF/UA-1 compliant, with no failed rule."""
    import page

    report = page.validate_pdf(str(sample_build / name), profile="ua1")
    assert [f.rule_id for f in report.failures] == []
    assert report.is_compliant


@pytest.mark.slow
def test_brief_50_screen_pdf_is_pdf_ua_1(brief50_build):
    """page-validation finds brief 50's screen PDF PDF/UA-1 compliant, with no failed rule."""
    import page

    report = page.validate_pdf(str(brief50_build / "qi-brief-50.pdf"), profile="ua1")
    assert [f"{f.rule_id}: {f.message}" for f in report.failures] == []
    assert report.is_compliant


@pytest.mark.slow
@pytest.mark.parametrize("name", ["qi-brief-50.pdf", "qi-brief-50-print.pdf"])
def test_only_embedded_subset_brand_fonts(brief50_build, name):
    """pdffonts lists only embedded, subset faces of Source Serif 4 and Source Sans 3."""
    out = subprocess.run([tool("pdffonts", "poppler-utils"), str(brief50_build / name)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows
    for row in rows:
        subset, family = row[0].split("+", 1)
        assert len(subset) == 6 and family.startswith(("Source-Serif-4", "Source-Sans-3")), row[0]
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row


@pytest.mark.slow
def test_screen_pdf_is_letter_with_metadata(brief50_build):
    """The screen PDF is US Letter, tagged, and carries title, author, subject, keywords and fixed dates."""
    info = _pdfinfo(brief50_build / "qi-brief-50.pdf")
    assert re.search(r"^Page size:\s+612 x 792 pts \(letter\)", info, re.M)
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert "Title:           QI Brief 50: Responsibly Demilitarizing U.S.–Mexico Bilateral Security Relations" in info
    assert re.search(r"^Author:\s+Aileen Teague$", info, re.M)
    assert re.search(r"^Subject:\s+U\.S\.–Mexico security cooperation", info, re.M)
    assert re.search(r"^Keywords:\s+Mexico, United States", info, re.M)
    import pikepdf

    with pikepdf.open(brief50_build / "qi-brief-50.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en-US"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)


@pytest.mark.slow
def test_print_pdf_has_bleed_trim_and_output_intent(brief50_build):
    """The print PDF's pages are Letter trimmed, with 0.125 in bleed and a slug beyond it for the marks
    (MediaBox 9.5 x 12 in), and it names a CMYK output intent."""
    info = _pdfinfo(brief50_build / "qi-brief-50-print.pdf", "-box")
    assert re.search(r"^TrimBox:\s+0\.00\s+0\.00\s+612\.00\s+792\.00", info, re.M)
    assert re.search(r"^BleedBox:\s+-9\.00\s+-9\.00\s+621\.00\s+801\.00", info, re.M)
    assert re.search(r"^MediaBox:\s+-36\.00\s+-36\.00\s+648\.00\s+828\.00", info, re.M)
    import pikepdf

    with pikepdf.open(brief50_build / "qi-brief-50-print.pdf") as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.S) == "/GTS_PDFX"
        assert int(intent.DestOutputProfile.N) == 4
        body = pdf.pages[0].Contents.read_bytes()
        assert b"/DeviceCMYK cs" in body  # the cover's navy is painted in CMYK


def _paths(pdf: Path) -> list[list[tuple[str, tuple[float, float, float, float], tuple[int, ...]]]]:
    """Each page's path objects (forms opened) as (paint: fill, stroke or both, page-space bounds, fill colour)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    def times(m, n):
        return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
                m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])

    document = pdfium.PdfDocument(str(pdf))
    pages = []
    for index in range(len(document)):
        page = document[index]
        found = []

        def walk(count, get, ctm):
            for number in range(count):
                obj = get(number)
                kind = raw.FPDFPageObj_GetType(obj)
                if kind == raw.FPDF_PAGEOBJ_FORM:
                    m = raw.FS_MATRIX()
                    raw.FPDFPageObj_GetMatrix(obj, m)
                    walk(raw.FPDFFormObj_CountObjects(obj), lambda j, form=obj: raw.FPDFFormObj_GetObject(form, j),
                         times((m.a, m.b, m.c, m.d, m.e, m.f), ctm))
                if kind != raw.FPDF_PAGEOBJ_PATH:
                    continue
                box = [ctypes.c_float() for _ in range(4)]
                raw.FPDFPageObj_GetBounds(obj, *box)
                corners = [(ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5])
                           for x in (box[0].value, box[2].value) for y in (box[1].value, box[3].value)]
                xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                fill, stroke = ctypes.c_int(), ctypes.c_int()
                raw.FPDFPath_GetDrawMode(obj, fill, stroke)
                colour = [ctypes.c_uint() for _ in range(4)]
                raw.FPDFPageObj_GetFillColor(obj, *colour)
                paint = "stroke" if stroke.value and not (fill.value and colour[3].value) else "fill"
                found.append((paint, (min(xs), min(ys), max(xs), max(ys)), tuple(c.value for c in colour)))

        walk(raw.FPDFPage_CountObjects(page.raw), lambda j: raw.FPDFPage_GetObject(page.raw, j), (1, 0, 0, 1, 0, 0))
        pages.append(found)
        page.close()
    document.close()
    return pages


@pytest.mark.slow
def test_print_pdf_marks_lie_outside_the_bleed(brief50_build):
    """On every page of the print PDF the crop and cross marks are stroked in the slug, wholly outside the
    BleedBox (trim + 9 pt) and inside the MediaBox; the crop marks extend the trim lines; the cover's navy
    fills the BleedBox and stops there, so the marks sit on white."""
    trim, bleed, media = (0, 0, 612, 792), (-9, -9, 621, 801), (-36, -36, 648, 828)

    def outside(box, area, gap=0.0):
        return (box[2] <= area[0] - gap or box[0] >= area[2] + gap or box[3] <= area[1] - gap
                or box[1] >= area[3] + gap)

    pages = _paths(brief50_build / "qi-brief-50-print.pdf")
    assert len(pages) > 10
    for number, paths in enumerate(pages, start=1):
        marks = [box for paint, box, _ in paths if paint == "stroke" and outside(box, trim)]
        assert len(marks) == 16, (number, marks)  # 8 crop lines, 4 crosses of a circle and a cross each
        for box in marks:
            assert outside(box, bleed, gap=4), (number, box)
            assert media[0] - 1 <= box[0] and box[2] <= media[2] + 1 and media[1] - 1 <= box[1] and box[3] <= media[3] + 1
        crop = [box for box in marks if box[2] - box[0] < 2 or box[3] - box[1] < 2]
        assert len(crop) == 8
        for box in crop:
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            assert any(abs(centre[0] - x) < 0.1 for x in (0, 612)) or any(abs(centre[1] - y) < 0.1 for y in (0, 792))
        # Nothing but the marks is drawn beyond the bleed.
        assert [box for paint, box, _ in paths if paint == "fill" and (
            box[0] < bleed[0] - 0.01 or box[1] < bleed[1] - 0.01 or box[2] > bleed[2] + 0.01 or box[3] > bleed[3] + 0.01)] == []
    cover_fills = [box for paint, box, colour in pages[0] if paint == "fill" and colour[3]]
    assert any(all(abs(a - b) < 0.01 for a, b in zip(box, bleed)) for box in cover_fills), cover_fills


@pytest.mark.slow
def test_outline_has_every_heading(brief50_build):
    """The PDF's bookmarks are the brief's section headings and "Citations", in order."""
    import pikepdf

    page = (brief50_build / "qi-brief-50.html").read_text(encoding="utf-8")
    main = page[page.index('<main id="brief">'):]
    headings = [html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in re.findall(r"<h1[^>]*>(.*?)</h1>", main, re.S)]
    with pikepdf.open(brief50_build / "qi-brief-50.pdf") as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
    assert headings[-1] == "Citations" and len(headings) == 10
    assert titles == headings


@pytest.mark.slow
@pytest.mark.parametrize("name", ["qi-brief-50.pdf", "qi-brief-50-print.pdf"])
def test_qpdf_check_is_clean_and_nothing_attached(brief50_build, name):
    """qpdf finds no damage, and pdfdetach finds no embedded files."""
    pdf = brief50_build / name
    check = subprocess.run([tool("qpdf", "qpdf"), "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    detach = subprocess.run([tool("pdfdetach", "poppler-utils"), "-list", str(pdf)], capture_output=True, text=True, check=True)
    assert detach.stdout.strip() == "0 embedded files"


def _sha256s(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_builds_are_byte_identical_across_folders_time_zones_and_locales(tmp_path):
    """Two builds of the same sources, in other folders, time zones and locales, give the same bytes."""
    digests = []
    for name, zone, locale in (("a", "America/New_York", "C.UTF-8"), ("b", "Asia/Tokyo", "C")):
        brief = tmp_path / name / "brief"
        shutil.copytree(SAMPLE, brief)
        env = {**os.environ, "TZ": zone, "LC_ALL": locale, "LANG": locale}
        env.pop("SOURCE_DATE_EPOCH", None)
        done = run_cli("build", "--root", str(brief), "--print", cwd=tmp_path / name, env=env)
        assert done.returncode == 0, done.stderr
        digests.append(_sha256s(brief / "dist"))
    assert sorted(digests[0]) == ["qi-brief-7-print.pdf", "qi-brief-7.docx", "qi-brief-7.html", "qi-brief-7.pdf"]
    assert digests[0] == digests[1]


def test_dates_come_from_source_date_epoch(tmp_path):
    """With SOURCE_DATE_EPOCH set, the PDF's creation date is that moment, not the clock."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    done = run_cli("build", "--root", str(SAMPLE), "--out", str(tmp_path), "--format", "pdf", env=env)
    assert done.returncode == 0, done.stderr
    import pikepdf

    with pikepdf.open(tmp_path / "qi-brief-7.pdf") as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20231114221320")


def _difference(a: Path, b: Path) -> float:
    from PIL import Image, ImageChops, ImageStat

    first, second = Image.open(a).convert("L"), Image.open(b).convert("L")
    if first.size != second.size:
        return 1.0
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 255


@pytest.mark.slow
@pytest.mark.parametrize(("page", "golden"), [(1, "brief50-cover.png"), (3, "brief50-page3.png")])
def test_page_images_match_reviewed_references(brief50_build, tmp_path, page, golden):
    """The cover and a body page look like the reviewed reference images, within a small tolerance.

    Regenerate after a reviewed layout change:
    pdftoppm -png -r 50 -f N -l N -singlefile dist/qi-brief-50.pdf tests/golden/brief50-{cover,page3}
    """
    made = tmp_path / "page"
    subprocess.run([tool("pdftoppm", "poppler-utils"), "-png", "-r", "50", "-f", str(page), "-l", str(page), "-singlefile",
                    str(brief50_build / "qi-brief-50.pdf"), str(made)], check=True)
    assert _difference(made.with_suffix(".png"), GOLDEN / golden) < 0.01


def test_character_outside_brand_fonts_fails_with_its_place(sample_copy, tmp_path):
    """A character no brand font has fails the PDF build, naming the character and where it is."""
    section = sample_copy / "content" / "03.conclusion.md"
    section.write_text(section.read_text().replace("It matters too.", "It matters too ↑ 中."))
    done = run_cli("build", "--root", str(sample_copy), "--out", str(tmp_path / "out"), "--format", "pdf")
    assert done.returncode == 1
    assert "qi-brief-7.pdf: #conclusion: character U+4E2D CJK UNIFIED IDEOGRAPH-4E2D (中) is in no brand font" in done.stderr
    assert "U+2191" not in done.stderr  # the brand fonts have this arrow (the notes use it for back-links)
    assert not (tmp_path / "out" / "qi-brief-7.pdf").exists()


# The time limit's alarm can land inside Hypothesis's gc callback, which prints it and drops it (the limit
# re-arms and stops the layout on the next alarm): that print is expected here, not a fault.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_runaway_layout_is_stopped_with_a_clear_error(monkeypatch):
    """A layout that runs past the time limit ends with an error naming the PDF, not a hang."""
    from qibrief import pdf
    from qibrief.problems import BuildError

    monkeypatch.setattr(pdf, "LAYOUT_SECONDS", 1)
    document = "<html lang='en'><body>" + "".join(f"<p>{i} " + "word " * 200 + "</p>" for i in range(3000)) + "</body></html>"
    start = time.perf_counter()
    with pytest.raises(BuildError, match=r"^x\.pdf: WeasyPrint's layout ran past 1 s and was stopped"):
        pdf.render_pdf(document, stylesheets=[], base_dir=Path("/tmp"), allowed_roots=[Path("/tmp")], display="x.pdf")
    assert time.perf_counter() - start < 30


@pytest.mark.slow
@pytest.mark.parametrize("name", ["qi-brief-50.pdf", "qi-brief-50-print.pdf"])
def test_every_note_link_has_an_area_and_fn1_is_clickable(brief50_build, name):
    """All 40 marker links and 40 back-links of brief 50 have areas (pypdf), the PDF check finds each covering its
    glyph and landing on its note or marker, and pdfium's link-at-point finds fn1 on the "1" of page 3."""
    import ctypes

    import pypdf
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from qibrief.checks.pdf import read_pdf

    pdf = brief50_build / name
    areas: dict[str, list[float]] = {}
    for page in pypdf.PdfReader(pdf).pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Dest") is not None:
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                areas[str(annot["/Dest"])] = [abs(x2 - x1), abs(y2 - y1)]
    assert sorted(areas) == sorted([f"fn{k}" for k in range(1, 41)] + [f"fnref{k}" for k in range(1, 41)])
    assert all(width > 3 and height > 8 for width, height in areas.values()), areas
    rendered, problems = read_pdf(pdf.read_bytes(), name)
    assert problems == [] and len(rendered.markers) == 40

    document = pdfium.PdfDocument(str(pdf))
    page = document[2]
    text = page.get_textpage()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    sizes = [raw.FPDFText_GetFontSize(text.raw, i) for i in range(raw.FPDFText_CountChars(text.raw))]
    body = sorted(sizes)[len(sizes) // 2]
    first = next(i for i, size in enumerate(sizes) if chr(raw.FPDFText_GetUnicode(text.raw, i)) == "1" and size < 0.8 * body)
    raw.FPDFText_GetCharBox(text.raw, first, left, right, bottom, top)
    link = raw.FPDFLink_GetLinkAtPoint(page.raw, (left.value + right.value) / 2, (bottom.value + top.value) / 2)
    assert link, "no link on the 1 of page 3"
    dest = raw.FPDFLink_GetDest(document.raw, link)
    note_page = raw.FPDFDest_GetDestPageIndex(document.raw, dest)
    named = raw.FPDF_GetNamedDestByName(document.raw, b"fn1")
    assert note_page == raw.FPDFDest_GetDestPageIndex(document.raw, named) > 2
