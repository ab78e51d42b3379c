"""Reading QI Brief 50 twice: the published web text (the seed) and a built HTML, into comparable parts.

The seed is plain text with hand-typed note numbers glued to sentences, a "Citations" list of 40 notes,
and pull quotes as a repeated sentence next to the paragraph they come from. The build is Pandoc's
HTML with machine-numbered notes. Both are reduced to the same shapes: paragraphs, note texts split
into sources (author words, title, locator, URL), pull quotes, and note positions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

NOTE_COUNT = 40
PULL_QUOTE_COUNT = 13

# Repairs of the seed's note list that the brief makes too (content/README.md lists them). Each must
# match exactly once, so a changed seed fails loudly instead of being silently half-repaired.
SEED_NOTE_REPAIRS = (
    # Note 24 lost its beginning: it is the first, full citation of Berg's CSIS piece.
    ("  24. érida?” Center",
     "  24. Ryan C. Berg, “The Bicentennial Framework for Security Cooperation: A New Approach or "
     "Shuffling the Pillars of Mérida?” Center"),
    ("M’rida", "Mérida"),
    ("Sofîa", "Sofía"),
    ("efforts to step firearms", "efforts to stem firearms"),
    # Missing closing quotes around titles.
    ("“Mexico: Organized Crime and Drug Trafficking Organizations (R41576",
     "“Mexico: Organized Crime and Drug Trafficking Organizations” (R41576"),
    ("“U.S.-Mexican Security Cooperation, 9.", "“U.S.-Mexican Security Cooperation,” 9."),
    ("“Five Key Points to Understanding the Merida Initiative.\u00a0",
     "“Five Key Points to Understanding the Merida Initiative.”\u00a0"),
    # Notes 8 and 16 gave the page's captured agency name as author and publisher: the agency as author, once.
    ("  8. Bureau of Public Affairs Department Of State. The Office of Electronic Information, “Merida Initiative” "
     "(Department Of State. The Office of Electronic Information, Bureau of Public Affairs., November 5, 2008)",
     "  8. U.S. Department of State, “Merida Initiative,” November 5, 2008"),
    ("  16. Bureau of Public Affairs Department Of State. The Office of Electronic Information, “The Merida "
     "Initiative” (Department Of State. The Office of Electronic Information, Bureau of Public Affairs, August 6, 2008)",
     "  16. U.S. Department of State, “The Merida Initiative,” August 6, 2008"),
    # Note 2's Pew piece is dated by its address (fact-tank/2021/07/09/).
    ("Pew Research Center (blog), accessed March 8, 2023,", "Pew Research Center (blog), July 9, 2021,"),
)

TRACKING_PARAMS = re.compile(r"^(utm_.*|gclid|gclsrc|gad_source|fbclid|msclkid|ppc.*|mc_[ce]id)$", re.I)
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
NUMBER_GROUP = r"\d+(?:\s*[–-]\s*\d+)?"
NUMBER_GROUPS = rf"{NUMBER_GROUP}(?:,\s*{NUMBER_GROUP})*"
URL = re.compile(r"https?://[^\s;]+")

# Sentinels placed in the built body text where a note marker or a pull quote stood.
NOTE_MARK = "\x01{}\x02"
PULL_MARK = "\x03"


# ---------------------------------------------------------------- normalising


def norm_text(text: str) -> str:
    """Text compared loosely: quotes and dashes unified, all whitespace and Markdown escapes removed."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[‘’‚‛′ʼ`]", "'", text)
    text = re.sub(r"[“”„‟″]", '"', text)
    text = re.sub(r"[‐‑‒–—―−-]", "-", text)
    text = text.replace("\\", "")
    return re.sub(r"\s+", "", text)


def words(text: str) -> list[str]:
    """Lower-case ASCII words of a title or name (accents dropped, punctuation ignored)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", text.lower())


def norm_locator(text: str | None) -> str | None:
    """A locator such as '9–11' or '23, 27' in one spelling: hyphens, no spaces."""
    if text is None:
        return None
    return re.sub(r"\s+", "", re.sub(r"[–—‐-]", "-", text))


def clean_url(url: str) -> str:
    """A URL without tracking parameters, a search-widget fragment or trailing punctuation."""
    url = url.rstrip(".,;)")
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)], safe="/:%")
    fragment = "" if parts.fragment.startswith("gsc.") else parts.fragment
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, fragment))


# ---------------------------------------------------------------- the seed


@dataclass(frozen=True)
class Seed:
    """The published brief: body paragraphs with note markers removed, note texts, and marker places."""

    paragraphs: tuple[str, ...]
    notes: tuple[str, ...]
    # For note k (index k-1): the text of its paragraph from the paragraph start (or the previous
    # marker) up to the marker.
    before_marker: tuple[str, ...]


def read_seed(path: Path) -> Seed:
    """Parse the seed text into paragraphs, 40 notes (repaired, see SEED_NOTE_REPAIRS) and note places."""
    text = path.read_text(encoding="utf-8")
    body, sep, citations = text.partition("\nCitations\n")
    if not sep:
        raise ValueError(f"{path}: no 'Citations' heading")
    for old, new in SEED_NOTE_REPAIRS:
        if citations.count(old) != 1:
            raise ValueError(f"{path}: seed repair {old!r} matches {citations.count(old)} times, expected once")
        citations = citations.replace(old, new)
    parts = re.split(r"\n\s*(\d+)\.\s", "\n" + citations)
    numbers = [int(n) for n in parts[1::2]]
    if numbers != list(range(1, NOTE_COUNT + 1)):
        raise ValueError(f"{path}: notes are numbered {numbers}, expected 1..{NOTE_COUNT}")
    notes = tuple(_squash(n) for n in parts[2::2])

    # Markers are found in order: note k is the first "k" after the previous marker that directly
    # follows a period, a question mark or a closing quote (so "7.5 percent" is never taken for one).
    pieces, before, pos = [], [], 0
    for k in range(1, NOTE_COUNT + 1):
        found = re.compile(rf"(?<=[.?”]){k}(?=\s|$)").search(body, pos)
        if not found:
            raise ValueError(f"{path}: note marker {k} not found in the body")
        pieces.append(body[pos:found.start()])
        start = max(body.rfind("\n", 0, found.start()), pos)
        before.append(_squash(body[start:found.start()]))
        pos = found.end()
    pieces.append(body[pos:])
    # Every paragraph, heading and bullet of the seed is one line.
    paragraphs = [_squash(p) for p in "".join(pieces).split("\n")]
    return Seed(paragraphs=tuple(p for p in paragraphs if p), notes=notes, before_marker=tuple(before))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def body_paragraphs(seed: Seed) -> list[str]:
    """The brief's own paragraphs: without the series/number/title lines, bullet signs or list numbers."""
    out = []
    for para in seed.paragraphs[3:]:
        para = re.sub(r"^(?:•\s*|\d\.\s+)", "", para)
        out.append(para)
    return out


def pull_quote_indexes(paragraphs: list[str]) -> list[int]:
    """Indexes of paragraphs that repeat (maybe lightly edited) a long run of words from a paragraph nearby."""
    found = []
    for i, para in enumerate(paragraphs):
        own = words(para)
        if not own or len(own) > 60:
            continue
        nearby = [words(q) for j, q in enumerate(paragraphs) if j != i and abs(j - i) <= 2]
        longest = max((_longest_common_run(own, other) for other in nearby), default=0)
        if longest >= 10 and longest >= 0.5 * len(own):
            found.append(i)
    return found


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (at ., ? or ! followed by a space and a capital or a quote)."""
    return [s for s in re.split(r"(?<=[.?!”])\s+(?=[A-Z“])", paragraph) if s.strip()]


# ---------------------------------------------------------------- notes and sources


@dataclass(frozen=True)
class Source:
    """One cited source inside a note, as printed."""

    text: str
    author_words: tuple[str, ...]
    title: str
    after_title: str
    urls: tuple[str, ...]


def split_sources(note: str) -> list[Source]:
    """The sources a note cites, in order; commentary without a title is not a source.

    Titles are the text in “curly quotes” or, in the build's HTML, in «guillemets» standing for
    italics (report and chapter titles are italic in Chicago style).
    """
    chunks = []
    for chunk in _split_top_level(note):
        chunks.extend(re.split(r"(?<=\.)\s+(?=See also\b)", chunk))
    sources = []
    for chunk in chunks:
        match = re.search(r"“([^”]*)”", chunk) or re.search(r"«([^»]*)»", chunk)
        if not match:
            continue
        author = chunk[: match.start()]
        sources.append(
            Source(
                text=chunk,
                author_words=tuple(
                    w for w in re.findall(r"[A-ZÀ-Þ][\w’'-]+", author) if w not in ("See",)
                ),
                title=match.group(1).strip().rstrip(",."),
                after_title=chunk[match.end():],
                urls=tuple(clean_url(u) for u in URL.findall(chunk)),
            )
        )
    return sources


def _split_top_level(note: str) -> list[str]:
    """Split at semicolons outside parentheses, quotes and URLs."""
    out, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(note):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch in "“«":
            quoted = True
        elif ch in "”»":
            quoted = False
        elif ch == ";" and depth == 0 and not quoted and note[i + 1: i + 2] == " ":
            out.append(note[start:i])
            start = i + 1
    out.append(note[start:])
    return [c.strip() for c in out if c.strip()]


def seed_locator(source: Source) -> str | None:
    """The pages a seed citation points to: right after the title, or last, after the URL or the date."""
    rest = source.after_title
    head = re.match(rf"^[,.\s]*({NUMBER_GROUPS})(?=[.,\s]|$)", rest)
    if head:
        groups = [g for g in re.split(r",\s*", head.group(1)) if not _is_year(g)]
        if groups:
            return ", ".join(groups)
    tail = re.search(rf"(?:^|[,\s])({NUMBER_GROUPS})\s*\.?\s*$", rest)
    if not tail:
        return None
    if re.search(rf"(?:{MONTHS})\s*$", rest[: tail.start(1)].rstrip(", ")) or re.search(rf"(?:{MONTHS})\s+\d", tail.group(0)):
        return None  # the end of a date such as "March 16, 2023"
    groups = [g for g in re.split(r",\s*", tail.group(1)) if not _is_year(g)]
    return ", ".join(groups) or None


def _is_year(group: str) -> bool:
    return re.fullmatch(r"(19|20)\d\d", group.strip()) is not None


def built_locator(source: Source, short: bool) -> str | None:
    """The pages a built (Chicago) citation points to.

    Short form: "Author, Title, 9–11." Full form: the numbers after the closing parenthesis of the
    publication facts, before the URL or the end: "(2017), 5, https://..." or "(2022): 61–63, ...".
    """
    rest = source.after_title
    if short:
        found = re.match(rf"^[”»,.\s]*({NUMBER_GROUPS})\s*\.?\s*$", rest)
    else:
        found = re.search(rf"\)\s*[:,]\s*({NUMBER_GROUPS})(?=,\s*https?://|\s*\.?\s*$)", rest)
    return found.group(1) if found else None


def looks_full(source: Source) -> bool:
    """A full citation names a URL or a year outside its title; a short one (author, title, pages) does not."""
    return bool(source.urls) or bool(re.search(r"\b(19|20)\d\d\b", source.text.replace(source.title, "")))


# ---------------------------------------------------------------- the build's HTML


@dataclass(frozen=True)
class Built:
    """A built HTML brief: the body text with note and pull-quote sentinels, the pull quotes, the notes."""

    body: str
    pull_quotes: tuple[str, ...]
    notes: tuple[str, ...]
    note_ids: tuple[int, ...]
    marker_targets: tuple[int, ...]


class _BriefParser(HTMLParser):
    """Collects body text, pull-quote texts and endnote texts (italics as «…») from Pandoc's HTML."""

    SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: list[str] = []
        self.pull_quotes: list[str] = []
        self.notes: dict[int, list[str]] = {}
        self.note_order: list[int] = []
        self.markers: list[int] = []
        self._stack: list[tuple[str, str]] = []  # (tag, role in our reading)
        self._skip = 0
        self._pull: list[str] | None = None
        self._note: list[str] | None = None
        self._in_notes = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        role = ""
        if tag in self.SKIP:
            self._skip += 1
            role = "skip"
        elif tag == "section" and a.get("role") == "doc-endnotes":
            self._in_notes = True
            role = "notes"
        elif self._in_notes and tag == "li" and re.fullmatch(r"fn\d+", a.get("id") or ""):
            number = int(a["id"][2:])
            self.note_order.append(number)
            self._note = self.notes.setdefault(number, [])
            role = "note"
        elif tag == "a" and (a.get("role") == "doc-backlink" or "footnote-back" in classes):
            self._skip += 1
            role = "skip"
        elif tag == "a" and (a.get("role") == "doc-noteref" or "footnote-ref" in classes):
            target = re.fullmatch(r"#fn(\d+)", a.get("href") or "")
            number = int(target.group(1)) if target else -1
            self.markers.append(number)
            self.body.append(NOTE_MARK.format(number))
            self._skip += 1
            role = "skip"
        elif tag == "div" and "pull-quote" in classes:
            self.body.append(PULL_MARK)
            self._pull = []
            role = "pull"
        elif tag == "em" and self._note is not None:
            self._note.append("«")
            role = "em"
        if tag not in ("br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"):
            self._stack.append((tag, role))

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, role = self._stack.pop()
            if role == "skip":
                self._skip -= 1
            elif role == "notes":
                self._in_notes = False
            elif role == "note":
                self._note = None
            elif role == "pull" and self._pull is not None:
                self.pull_quotes.append("".join(self._pull))
                self._pull = None
            elif role == "em" and self._note is not None:
                self._note.append("»")
            if open_tag == tag:
                break
        if tag in ("p", "li", "h1", "h2", "h3", "div", "blockquote") and not self._in_notes:
            (self._pull if self._pull is not None else self.body).append(" ")

    def handle_data(self, data):
        if self._skip:
            return
        if self._note is not None:
            self._note.append(data)
        elif self._in_notes:
            return
        elif self._pull is not None:
            self._pull.append(data)
        else:
            self.body.append(data)


def read_built(html: str) -> Built:
    """Parse a built HTML brief (Pandoc's endnotes section, note references, pull-quote divs)."""
    parser = _BriefParser()
    parser.feed(html)
    parser.close()
    return Built(
        body="".join(parser.body),
        pull_quotes=tuple(_squash(p) for p in parser.pull_quotes),
        notes=tuple(_squash("".join(parser.notes[n])) for n in parser.note_order),
        note_ids=tuple(parser.note_order),
        marker_targets=tuple(parser.markers),
    )
