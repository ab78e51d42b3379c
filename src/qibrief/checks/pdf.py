"""The PDF's notes: superscript markers in page order 1..N, the Citations list 1..N, and marker k linking to note k.

Read with pdfium (text runs with their position and size) and pypdf (links, destinations): text runs with their position and size (a marker is a digit run smaller than the text it
follows on its line, its baseline raised by a tenth to seven tenths of that text's size), link annotations and named destinations.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from ..problems import Problem
from .handtyped import superscript_digits
from .rendered import Marker, RenderedNotes, check_marker_order, check_markers_against_notes

_DIGITS = re.compile(r"^\d{1,4}$")
_UNMAPPED = re.compile(r"[\x00-\x08\x0b-\x1f]")
_LIST_NUMBER = re.compile(r"^(\d{1,4})\.$")
NOTES_HEADINGS = ("citations", "notes", "endnotes")


@dataclass(frozen=True)
class Run:
    """A piece of text drawn on a page: baseline start in PDF points (y up), font size, text."""

    page: int
    x: float
    y: float
    size: float
    text: str


@dataclass(frozen=True)
class Link:
    """A link annotation: its page and rectangle, and where it goes (page index and top), if inside the PDF."""

    page: int
    rect: tuple[float, float, float, float]
    target: tuple[int, float | None] | None
    name: str


@dataclass(frozen=True)
class NoteStart:
    """Where an entry of the notes list begins: its number as printed and its first line."""

    number: int
    page: int
    y: float


def _runs(data: bytes) -> list[Run]:
    """The PDF's text as runs: characters of one font, size and baseline, next to each other on a page."""
    # pdfium (C++) reads a brief's text in a tenth of the time pypdf's content-stream parser takes,
    # which ran after the layout on every build.
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    runs: list[Run] = []
    document = pdfium.PdfDocument(data)
    font_name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    x, y = ctypes.c_double(), ctypes.c_double()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    try:
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            current: list = []  # [key, x, y, size, characters, right edge]

            def flush() -> None:
                # WeasyPrint draws the hyphen that hyphenation adds without a Unicode mapping: it reads as a
                # control character, taken here for the hyphen it is.
                text = _UNMAPPED.sub("-", "".join(current[4])) if current else ""
                if text.strip():
                    runs.append(Run(index, current[1], current[2], current[3], text))
                current.clear()

            for char in range(textpage.count_chars()):
                code = raw.FPDFText_GetUnicode(textpage.raw, char)
                if raw.FPDFText_IsGenerated(textpage.raw, char) == 1 or code in (0x0D, 0x0A, 0xFFFE, 0):
                    flush()
                    continue
                size = raw.FPDFText_GetFontSize(textpage.raw, char)
                raw.FPDFText_GetCharOrigin(textpage.raw, char, x, y)
                raw.FPDFText_GetCharBox(textpage.raw, char, left, right, bottom, top)
                raw.FPDFText_GetFontInfo(textpage.raw, char, font_name, 128, flags)
                # One run per text object (one Tj as WeasyPrint writes them): two markers side by side
                # ("2" "2") stay two runs.
                obj = ctypes.cast(raw.FPDFText_GetTextObject(textpage.raw, char), ctypes.c_void_p).value
                key = (obj, font_name.value, round(size, 2), round(y.value, 1))
                if current and (current[0] != key or x.value - current[5] > 0.35 * size):
                    flush()
                if not current:
                    current.extend([key, x.value, y.value, size, [], x.value])
                current[4].append(chr(code))
                current[5] = max(current[5], right.value, x.value)
            flush()
            textpage.close()
    finally:
        document.close()
    return runs


def _destination(reader, dest) -> tuple[int, float | None] | None:
    from pypdf.generic import ArrayObject, NameObject, TextStringObject, ByteStringObject

    try:
        if isinstance(dest, (TextStringObject, ByteStringObject, NameObject, str)):
            named = reader.named_destinations.get(str(dest).lstrip("/")) or reader.named_destinations.get(str(dest))
            if named is None:
                return None
            return reader.get_destination_page_number(named), named.top
        if isinstance(dest, ArrayObject) and dest:
            page_ref = dest[0]
            for number, page in enumerate(reader.pages):
                if page.indirect_reference == page_ref or page.indirect_reference.idnum == getattr(page_ref, "idnum", None):
                    top = float(dest[3]) if len(dest) > 3 and str(dest[1]) == "/XYZ" and dest[3] is not None else None
                    return number, top
    except Exception:  # noqa: BLE001 - a damaged destination is reported as a missing target
        return None
    return None


def _links(reader) -> list[Link]:
    links = []
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            rect = tuple(float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
            x1, y1, x2, y2 = rect
            rect = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
            dest = annot.get("/Dest")
            action = annot.get("/A")
            if dest is None and action is not None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            if dest is None:
                continue
            name = str(dest) if not hasattr(dest, "__len__") or isinstance(dest, str) else ""
            links.append(Link(index, rect, _destination(reader, dest), name))
    return links


def _notes_start(reader, runs: list[Run]) -> tuple[int, float] | None:
    """Page and top of the notes heading: its named destination, its outline entry, or its text."""
    for name in ("citations", "notes", "endnotes", "footnotes"):
        dest = reader.named_destinations.get(name)
        if dest is not None:
            try:
                return reader.get_destination_page_number(dest), float(dest.top)
            except Exception:  # noqa: BLE001
                pass
    try:
        outline = reader.outline
    except Exception:  # noqa: BLE001
        outline = []
    for entry in outline:
        if isinstance(entry, list):
            continue
        if str(entry.title).strip().lower() in NOTES_HEADINGS and entry.top is not None:
            return reader.get_destination_page_number(entry), float(entry.top)
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


def read_pdf(data: bytes, name: str) -> tuple[RenderedNotes, list[Problem]]:
    """Read a PDF's markers, notes list and marker links; return them with the problems found."""
    import pypdf

    rendered = RenderedNotes(name=name, fmt="pdf")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        runs = _runs(data)
        links = _links(reader)
        start = _notes_start(reader, runs)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for damaged files
        return rendered, [Problem(name, None, f"cannot read the PDF ({type(exc).__name__}: {exc})")]
    problems: list[Problem] = []

    def in_notes(run: Run) -> bool:
        return start is not None and (run.page > start[0] or (run.page == start[0] and run.y < start[1] + 1))

    body = [r for r in runs if not in_notes(r)]
    notes_runs = [r for r in runs if in_notes(r)]

    # Markers: digit runs raised above a larger run on their line, read page by page, top to bottom.
    by_page: dict[int, list[Run]] = {}
    for run in body:
        by_page.setdefault(run.page, []).append(run)
    found: list[tuple[int, float, float, Run]] = []
    for page, page_runs in by_page.items():
        for run in page_runs:
            mates = [o for o in page_runs if abs(o.y - run.y) < 12]
            base = _is_superscript(run, mates)
            if base is not None:
                found.append((page, base.y, run.x, run))
            for typed in superscript_digits(run.text):
                problems.append(Problem(name, None, f'page {page + 1}: superscript "{typed.number}" typed by hand; expected a note marker'))
    found.sort(key=lambda f: (f[0], -round(f[1], 0), f[2]))
    markers = [(Marker(int(run.text.strip()), where=f"page {page + 1}: "), run) for page, _, _, run in found]
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
    problems += _link_problems(name, markers, links, starts)
    return rendered, problems


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


def _link_problems(name: str, markers: list[tuple[Marker, Run]], links: list[Link], starts: list[NoteStart]) -> list[Problem]:
    """Marker k's link must land on note k of the list."""
    problems = []
    for marker, run in markers:
        k = marker.number
        px, py = run.x + 0.3 * run.size * 0.5, run.y + 0.3 * run.size
        hits = [link for link in links if link.page == run.page
                and link.rect[0] - 1 <= px <= link.rect[2] + 1 and link.rect[1] - 1 <= py <= link.rect[3] + 1]
        if not hits:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker has no link to the Citations list"))
            continue
        link = hits[0]
        if link.target is None:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link goes nowhere ({link.name or 'no target'})"))
            continue
        page, top = link.target
        landed = _note_at(starts, page, top)
        if landed is None:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link lands on page {page + 1}, not on a note"))
        elif landed.number != k:
            problems.append(Problem(name, None, f"{marker.where}note {k}: marker's link lands on note {landed.number}; expected note {k}"))
    return problems


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
