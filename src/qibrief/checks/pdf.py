"""The PDF's notes: superscript markers in page order 1..N, the Citations list 1..N, marker k linking to note k and
note k's back-link to marker k, each link's area covering the glyph it is drawn on.

Read with pdfium (pypdfium2): text runs with their position, size and glyph box (a marker is a digit run smaller than
the text it follows on its line, its baseline raised by a tenth to seven tenths of that text's size; a back-link is
the notes' arrow), link annotations and named destinations.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ..metadata import NOTES_HEADING
from ..problems import Problem
from .handtyped import superscript_digits
from .rendered import Marker, RenderedNotes, check_marker_order, check_markers_against_notes

_DIGITS = re.compile(r"^\d{1,4}$")
_UNMAPPED = re.compile(r"[\x00-\x08\x0b-\x1f]")
_LIST_NUMBER = re.compile(r"^(\d{1,4})\.$")
# How the notes list is found in a PDF: by its heading's id (html.finish_html writes id="citations", a named
# destination in the PDF, whatever a brief's notes-heading: says), else by a bookmark or a large line of text
# that names it as the build does by default (metadata.NOTES_HEADING) or as other tools do.
NOTES_DESTINATIONS = ("citations", "notes", "endnotes", "footnotes")
NOTES_HEADINGS = (NOTES_HEADING.lower(), "notes", "endnotes")
# The back-link's glyph in the notes list (html.BACKLINK_TEXT; Pandoc's own is U+21A9).
BACKLINK_GLYPHS = ("\u2191", "\u21a9", "\u21a9\ufe0e")
# A link annotation thinner than this (points) has no area a reader can click.
_NO_AREA = 0.5
# How far (points) a link's rectangle may fall short of the glyph it is drawn on.
_SLACK = 0.5


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Run:
    """A piece of text drawn on a page: baseline start in PDF points (y up), font size, text, and the box of its
    glyphs (left, bottom, right, top)."""

    page: int
    x: float
    y: float
    size: float
    text: str
    box: Box = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Link:
    """A link annotation: its page and rectangle, and where it goes (page index, top and left), if inside the PDF."""

    page: int
    rect: Box
    target: tuple[int, float | None, float | None] | None
    name: str

    @property
    def empty(self) -> bool:
        """Whether the rectangle has no area to click (zero height or width)."""
        return self.rect[2] - self.rect[0] < _NO_AREA or self.rect[3] - self.rect[1] < _NO_AREA

    def covers(self, box: Box) -> bool:
        """Whether the rectangle holds the whole of a glyph box."""
        return (self.rect[0] - _SLACK <= box[0] and self.rect[1] - _SLACK <= box[1]
                and box[2] <= self.rect[2] + _SLACK and box[3] <= self.rect[3] + _SLACK)

    def near(self, box: Box) -> bool:
        """Whether the rectangle overlaps a glyph box or passes within a glyph's height of it (a zero-height
        link drawn across or just above it)."""
        reach = max(2.0, box[3] - box[1])
        return (self.rect[0] - 1 <= box[2] and box[0] <= self.rect[2] + 1
                and self.rect[1] - reach <= box[3] and box[1] <= self.rect[3] + reach)

    def shown(self) -> str:
        """The rectangle as a message shows it."""
        return "[" + ", ".join(f"{v:.1f}" for v in self.rect) + "]"


@dataclass(frozen=True)
class NoteStart:
    """Where an entry of the notes list begins: its number as printed and its first line."""

    number: int
    page: int
    y: float


def _read_pages(document, indexes: range) -> tuple[list[Run], list[Link]]:
    """The text runs and internal links of the given pages, each page loaded once."""
    runs: list[Run] = []
    links: list[Link] = []
    for index in indexes:
        page = document[index]
        try:
            runs += _runs(page, index)
            links += _links(document, page, index)
        finally:
            page.close()
    return runs, links


def _runs(page, index: int) -> list[Run]:
    """A page's text as runs: one per text object (one Tj as WeasyPrint writes them), with its baseline
    origin and font size in points."""
    # pdfium (C++) walks the page objects in a fiftieth of the time pypdf's content-stream parser took,
    # which ran after the layout on every build.
    runs: list[Run] = []
    matrix = raw.FS_MATRIX()
    size = ctypes.c_float()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    textpage = page.get_textpage()
    # One buffer for every text object of the page, grown when an object's text is longer: a buffer and a
    # second call per object were half of reading a page.
    buffer = ctypes.create_string_buffer(512)
    pointer = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))

    def walk(count: int, get) -> None:
        nonlocal buffer, pointer
        for number in range(count):
            obj = get(number)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:
                walk(raw.FPDFFormObj_CountObjects(obj), lambda j, form=obj: raw.FPDFFormObj_GetObject(form, j))
            if kind != raw.FPDF_PAGEOBJ_TEXT:
                continue
            length = raw.FPDFTextObj_GetText(obj, textpage.raw, pointer, len(buffer))
            if length > len(buffer):
                buffer = ctypes.create_string_buffer(length)
                pointer = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort))
                length = raw.FPDFTextObj_GetText(obj, textpage.raw, pointer, len(buffer))
            # WeasyPrint's hyphenation hyphen reads back as U+0002.
            text = buffer.raw[: max(0, length - 2)].decode("utf-16-le", "replace").replace("\x02", "-")
            if not text.strip():
                continue
            raw.FPDFPageObj_GetMatrix(obj, matrix)
            raw.FPDFTextObj_GetFontSize(obj, size)
            # A text object's bounds are its glyphs' boxes (not the font's ascent and descent).
            raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            runs.append(Run(index, matrix.e, matrix.f, size.value * (abs(matrix.d) or 1.0), text.replace("\n", ""),
                            (left.value, bottom.value, right.value, top.value)))

    try:
        walk(raw.FPDFPage_CountObjects(page.raw), lambda j: raw.FPDFPage_GetObject(page.raw, j))
    finally:
        textpage.close()
    return runs


def _destination(document, dest) -> tuple[int, float | None, float | None] | None:
    """Page index, top and left of a pdfium destination handle (None when it resolves to no page)."""
    if not dest:
        return None
    page = raw.FPDFDest_GetDestPageIndex(document.raw, dest)
    if page < 0:
        return None
    has_x, has_y, has_zoom = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    x, y, zoom = ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    found = raw.FPDFDest_GetLocationInPage(dest, has_x, has_y, has_zoom, x, y, zoom)
    return (page, float(y.value) if found and has_y.value else None,
            float(x.value) if found and has_x.value else None)


def _links(document, page, index: int) -> list[Link]:
    """A page's internal link annotations (GoTo or /Dest), with where they land; links out of the PDF are left out."""
    links = []
    rect = raw.FS_RECTF()
    position = ctypes.c_int(0)
    link = raw.FPDF_LINK()
    while raw.FPDFLink_Enumerate(page.raw, position, link):
        dest = raw.FPDFLink_GetDest(document.raw, link)
        if not dest:
            action = raw.FPDFLink_GetAction(link)
            kind = raw.FPDFAction_GetType(action) if action else raw.PDFACTION_UNSUPPORTED
            if kind != raw.PDFACTION_GOTO:
                continue  # a URL, a launch or no action at all: not a note link
            dest = raw.FPDFAction_GetDest(document.raw, action)
        raw.FPDFLink_GetAnnotRect(link, rect)
        box = (min(rect.left, rect.right), min(rect.bottom, rect.top), max(rect.left, rect.right), max(rect.bottom, rect.top))
        # pdfium resolves named destinations itself: one it cannot resolve has no target (and no name to show).
        links.append(Link(index, box, _destination(document, dest), ""))
    return links


def _notes_start(document, runs: list[Run]) -> tuple[int, float] | None:
    """Page and top of the notes heading: its named destination, its outline entry, or its text."""
    for name in NOTES_DESTINATIONS:
        target = _destination(document, raw.FPDF_GetNamedDestByName(document.raw, name.encode()))
        if target is not None and target[1] is not None:
            return target[0], target[1]
    bookmark = raw.FPDFBookmark_GetFirstChild(document.raw, None)
    seen = 0
    while bookmark and seen < 10_000:
        seen += 1
        length = raw.FPDFBookmark_GetTitle(bookmark, None, 0)
        buffer = ctypes.create_string_buffer(length)
        raw.FPDFBookmark_GetTitle(bookmark, buffer, length)
        title = buffer.raw[: max(0, length - 2)].decode("utf-16-le", "replace")
        if title.strip().lower() in NOTES_HEADINGS:
            target = _destination(document, raw.FPDFBookmark_GetDest(document.raw, bookmark))
            if target is not None and target[1] is not None:
                return target[0], target[1]
        bookmark = raw.FPDFBookmark_GetNextSibling(document.raw, bookmark)
    biggest = max((r.size for r in runs), default=0)
    for run in runs:
        if run.text.strip().lower() in NOTES_HEADINGS and run.size >= 0.6 * biggest:
            return run.page, run.y + run.size
    return None


def _is_superscript(run: Run, line_mates: list[Run]) -> Run | None:
    """The run a digit run is raised above, when it is a superscript marker; None otherwise."""
    if not _DIGITS.match(run.text.strip()):
        return None
    for other in line_mates:
        if other is run or other.size < 1.05 * run.size:
            continue
        raise_ = run.y - other.y
        if 0.1 * other.size < raise_ < 0.7 * other.size and other.x < run.x:
            return other
    return None


def _lines(runs: list[Run]) -> list[list[Run]]:
    """Runs grouped into lines (same page, baselines within 2 pt), top to bottom, each left to right."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.page, -r.y, r.x)):
        if lines and lines[-1][0].page == run.page and abs(lines[-1][0].y - run.y) <= 2.0:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [sorted(line, key=lambda r: r.x) for line in lines]


def _read_document(data: bytes) -> tuple[list[Run], list[Link], tuple[int, float] | None]:
    """Every page's text runs and internal links, and where the notes list starts; raises what pdfium raises."""
    document = pdfium.PdfDocument(data)
    try:
        runs, links = _read_pages(document, range(len(document)))
        return runs, links, _notes_start(document, runs)
    finally:
        document.close()


def read_pdf(data: bytes, name: str) -> tuple[RenderedNotes, list[Problem]]:
    """Read a PDF's markers, notes list and marker links; return them with the problems found."""
    rendered = RenderedNotes(name=name, fmt="pdf")
    try:
        runs, links, start = _read_document(data)
    except Exception as exc:  # noqa: BLE001 - pdfium reports damaged files as PdfiumError and others
        return rendered, [Problem(name, None, f"cannot read the PDF ({type(exc).__name__}: {exc})")]

    def in_notes(run: Run) -> bool:
        return start is not None and (run.page > start[0] or (run.page == start[0] and run.y < start[1] + 1))

    notes_runs = [r for r in runs if in_notes(r)]
    markers, problems = _find_markers(name, [r for r in runs if not in_notes(r)])
    rendered.markers = [m for m, _ in markers]

    if start is None:
        if markers:
            problems.append(Problem(name, None, "markers but no Citations list (no heading named Citations, Notes or Endnotes)"))
        problems += check_marker_order(name, rendered.markers)
        return rendered, problems

    starts, texts = _notes_list(notes_runs, start)
    entries = [Marker(s.number, where=f"page {s.page + 1}: ") for s in starts]
    problems += check_marker_order(name, entries, noun="entry of the Citations list")
    for s, text in zip(starts, texts):
        rendered.texts.setdefault(s.number, text)
    problems += check_marker_order(name, rendered.markers)
    problems += check_markers_against_notes(name, rendered.markers, [s.number for s in starts], "the Citations list")
    # Each link is claimed by the glyph it is drawn on; one with no area to click is a problem wherever it is.
    used: set[int] = set()
    problems += _link_problems(name, markers, links, starts, used)
    problems += _backlink_problems(name, notes_runs, markers, links, starts, used)
    problems += _empty_link_problems(name, links, used, markers, starts)
    return rendered, problems


def _find_markers(name: str, body: list[Run]) -> tuple[list[tuple[Marker, Run]], list[Problem]]:
    """The markers of the body text (digit runs raised above a larger run on their line), page by page, top to
    bottom, each with its run; and the superscript digits typed by hand."""
    problems: list[Problem] = []
    by_page: dict[int, list[Run]] = {}
    for run in body:
        by_page.setdefault(run.page, []).append(run)
    found: list[tuple[int, float, float, Run]] = []
    for page, page_runs in by_page.items():
        for run in page_runs:
            # Only a digit run can be a marker: its line mates are looked for then, not for every run of the page.
            base = _is_superscript(run, [o for o in page_runs if abs(o.y - run.y) < 12]) if _DIGITS.match(
                run.text.strip()) else None
            if base is not None:
                found.append((page, base.y, run.x, run))
            for typed in superscript_digits(run.text):
                problems.append(Problem(name, None, f'page {page + 1}: superscript "{typed.number}" typed by hand; expected a note marker'))
    found.sort(key=lambda f: (f[0], -round(f[1], 0), f[2]))
    return [(Marker(int(run.text.strip()), where=f"page {page + 1}: "), run) for page, _, _, run in found], problems


def _notes_list(runs: list[Run], start: tuple[int, float]) -> tuple[list[NoteStart], list[str]]:
    """The entries of the notes list (number, first line) and their texts, lines joined by newlines."""
    lines = _lines(runs)
    candidates = [line for line in lines if len(line) > 1 and _LIST_NUMBER.match(line[0].text.strip())]
    if not candidates:
        return [], []
    text_x = sorted(line[1].x for line in candidates)[len(candidates) // 2]
    starts: list[NoteStart] = []
    texts: list[list[str]] = []
    for line in lines:
        first = line[0]
        number = _LIST_NUMBER.match(first.text.strip())
        if number and len(line) > 1 and first.x < text_x - 1 and abs(line[1].x - text_x) < 3:
            starts.append(NoteStart(int(number.group(1)), first.page, first.y))
            texts.append([_join(line[1:])])
        elif starts and abs(first.x - text_x) < 3:
            texts[-1].append(_join(line))
    return starts, ["\n".join(parts) for parts in texts]


def _join(line: list[Run]) -> str:
    """A line's runs as text: a space between runs, except before closing or after opening punctuation."""
    text = ""
    for run in line:
        piece = run.text
        if text and not text[-1].isspace() and not piece[:1].isspace():
            if piece[:1] not in ",.;:)]\u201d\u2019!?" and text[-1] not in "([\u201c\u2018/":
                text += " "
        text += piece
    return text


def _link_problems(name: str, markers: list[tuple[Marker, Run]], links: list[Link], starts: list[NoteStart],
                   used: set[int]) -> list[Problem]:
    """Marker k's link must cover the marker's glyph and land on note k of the list (links found join `used`)."""
    problems = []
    for marker, run in markers:
        k = marker.number
        link, area = _link_on(run, links, used)
        if link is None:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker has no link to the Citations list"))
            continue
        if area:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link {area}"))
        if link.target is None:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link goes nowhere ({link.name or 'no target'})"))
            continue
        page, top, _ = link.target
        landed = _note_at(starts, page, top)
        if landed is None:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link lands on page {page + 1}, not on a note"))
        elif landed.number != k:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link lands on note {landed.number}; expected note {k}"))
    return problems


def _empty_link_problems(name: str, links: list[Link], used: set[int], markers: list[tuple[Marker, Run]],
                         starts: list[NoteStart]) -> list[Problem]:
    """A link to a note or to a marker that no glyph claimed, and that has no area to click."""
    problems = []
    for index, link in enumerate(links):
        if index in used or not link.empty or link.target is None:
            continue
        note = _note_at(starts, link.target[0], link.target[1])
        marker = None if note is not None else _marker_at(markers, *link.target)
        if note is not None:
            what = f"note {note.number}: a link to the note"
        elif marker is not None:
            what = f"note {marker.number}: a back-link to the marker"
        else:
            continue
        problems.append(Problem(name, None, f"page {link.page + 1}: {what} has no area to click ({link.shown()})"))
    return problems


def _link_on(run: Run, links: list[Link], used: set[int]) -> tuple[Link | None, str]:
    """The link drawn on a run's glyphs (marking it used), and what is wrong with its area ('' when it covers them)."""
    near = [(index, link) for index, link in enumerate(links) if link.page == run.page and link.near(run.box)]
    if not near:
        return None, ""
    covering = [(index, link) for index, link in near if link.covers(run.box) and not link.empty]
    cx, cy = (run.box[0] + run.box[2]) / 2, (run.box[1] + run.box[3]) / 2

    def distance(item: tuple[int, Link]) -> float:
        rect = item[1].rect
        return abs((rect[0] + rect[2]) / 2 - cx) + abs((rect[1] + rect[3]) / 2 - cy)

    index, link = min(covering or near, key=distance)
    used.add(index)
    if covering:
        return link, ""
    glyph = "[" + ", ".join(f"{v:.1f}" for v in run.box) + "]"
    if link.empty:
        flat = "zero height" if link.rect[3] - link.rect[1] < _NO_AREA else "zero width"
        return link, f"has no area to click ({flat}: {link.shown()}, glyph {glyph})"
    return link, f"area {link.shown()} does not cover the glyph {glyph}"


def _backlink_problems(name: str, notes_runs: list[Run], markers: list[tuple[Marker, Run]], links: list[Link],
                       starts: list[NoteStart], used: set[int]) -> list[Problem]:
    """Note k's back-link must cover its arrow and land on marker k (links found join `used`)."""
    problems = []
    order = sorted(starts, key=lambda s: (s.page, -s.y))
    for run in sorted(notes_runs, key=lambda r: (r.page, -r.y, r.x)):
        if run.text.strip() not in BACKLINK_GLYPHS:
            continue
        entry = None
        for start in order:
            if (start.page, -start.y) <= (run.page, -run.y + 1):
                entry = start
        if entry is None:
            continue
        k = entry.number
        where = f"page {run.page + 1}: note {k}: back-link"
        link, area = _link_on(run, links, used)
        if link is None:
            problems.append(Problem(name, None, f"{where} has no link to its marker"))
            continue
        if area:
            problems.append(Problem(name, None, f"{where} {area}"))
        if link.target is None:
            problems.append(Problem(name, None, f"{where} goes nowhere ({link.name or 'no target'})"))
            continue
        landed = _marker_at(markers, *link.target)
        if landed is None:
            problems.append(Problem(name, None, f"{where} lands on page {link.target[0] + 1}, not on a marker"))
        elif landed.number != k:
            problems.append(Problem(name, None, f"{where} lands on marker {landed.number}; expected marker {k}"))
    return problems


def _marker_at(markers: list[tuple[Marker, Run]], page: int, top: float | None, left: float | None) -> Marker | None:
    """The marker a link target points at: on its page, the nearest whose glyph is at or just below its top-left."""
    best, best_distance = None, 24.0
    for marker, run in markers:
        if run.page != page:
            continue
        distance = (abs(run.box[3] - top) if top is not None else 0.0) + (abs(run.box[0] - left) if left is not None else 0.0)
        if distance < best_distance:
            best, best_distance = marker, distance
    return best


def _note_at(starts: list[NoteStart], page: int, top: float | None) -> NoteStart | None:
    """The entry whose first line is at or just below a link target's top."""
    on_page = [s for s in starts if s.page == page]
    if not on_page:
        return None
    if top is None:
        return on_page[0]
    below = [s for s in on_page if s.y <= top + 2]
    if not below:
        return None
    nearest = max(below, key=lambda s: s.y)
    return nearest if top - nearest.y < 40 else None
