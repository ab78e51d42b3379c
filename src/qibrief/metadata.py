"""The brief's metadata (content/metadata.yaml): title, series, number, author, date, language, style.

Metadata is untrusted input, like the sections. Every value is checked here by type and shape, each problem
with its line: text where text is meant, no control characters, a date within FIRST_YEAR..LAST_YEAR, a
language tag, an https page URL. The Markdown inside values is linted with the sections' rules
(lint.lint_metadata_tree), and what reaches the HTML template goes through one escaping path
(pandoc.html_args).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .problems import BuildError, Problem

REQUIRED = ("title", "series", "number", "author", "lang")
DEFAULT_STYLE = "chicago-notes-bibliography"
# The heading of the notes in every format (metadata `notes-heading:`), unless the brief names another.
NOTES_HEADING = "Citations"
# Keys whose value is one piece of text (a number or a date is read as text too).
# Names the template also puts where Markdown cannot go: the cover mark's SVG title, a meta attribute; and the
# notes heading, which the build writes as it is into the HTML and the DOCX.
PLAIN_KEYS = ("series", "number", "organization", "notes-heading")
_PLAIN_USE = {"notes-heading": "the notes' heading in every format"}
_MARKDOWN = re.compile(r"[\[\]*_`<>\\^~@|]")
TEXT_KEYS = ("title", "subtitle", "short-title", "series", "number", "organization", "date", "date-display", "lang",
             "citation-style", "csl", "subject", "abstract", "url", "notes-heading")
# Pandoc's own name for the citation style, accepted as a synonym: same value, same rules (citestyle.resolve_style).
STYLE_KEYS = ("citation-style", "csl")
# Keys that take a piece of text or a list of them.
LIST_KEYS = ("author", "keywords")
# A brief's date: the DOCX's zip timestamps stop at 2107, and a date outside this range is a typo.
FIRST_YEAR, LAST_YEAR = 1980, 2099
# Characters no metadata value needs: C0 and C1 controls but tab and newline, line and paragraph separators
# (Python splits lines at them, Pandoc does not), surrogates and the two non-characters XML refuses.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ][0-9:.+Z-]*)?)?)?$")
# BCP 47 as briefs use it: a language and up to four subtags (en, en-US, es-419, zh-Hant-TW).
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$")
# The web page's address, against which relative links are resolved in the PDF and the DOCX: https, a host
# name, an optional port and a path of plain URL characters; no user, query or fragment.
_URL = re.compile(r"^https://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?"
                  r"(?:/[A-Za-z0-9._~!$&*+,;=:@%/-]*)?$")


@dataclass(frozen=True)
class Metadata:
    """What the build needs to know about a brief, plus the raw mapping passed on to Pandoc."""

    title: str
    series: str
    number: str
    authors: tuple[str, ...]
    lang: str
    date: dt.date | None
    citation_style: str
    short_title: str
    raw: dict[str, Any] = field(compare=False, repr=False)
    # Where the metadata came from, for placing what the lint finds in its values.
    display: str = field(default="content/metadata.yaml", compare=False, repr=False)
    text: str = field(default="", compare=False, repr=False)
    notes_heading: str = NOTES_HEADING
    # The key that named the style (citation-style: or csl:), for messages about it.
    style_key: str = "citation-style"

    @property
    def slug(self) -> str:
        """The artifact base name: series slug plus number, e.g. qi-brief-50."""
        return f"{slugify(self.series)}-{slugify(self.number)}"

    @property
    def display_date(self) -> str:
        """The date as printed on the cover."""
        shown = self.raw.get("date-display")
        if shown:
            return str(shown)
        return self.date.strftime("%B %-d, %Y") if self.date else ""

    @property
    def url(self) -> str | None:
        """The web page's https address (metadata `url:`), or None."""
        value = self.raw.get("url")
        return str(value) if value else None

    def where(self, key: str, needle: str = "") -> tuple[int | None, int | None]:
        """The line and column of a top-level key's value, or of `needle` inside that value when found there."""
        raw = self.raw
        line, column = raw.where(key, value=True) if hasattr(raw, "where") else (None, None)
        if not needle or line is None or not self.text:
            return line, column
        start = raw.where(key)[0] or line
        later = [where[0] for where in getattr(raw, "key_positions", {}).values() if where[0] and where[0] > start]
        lines = self.text.split("\n")
        end = min(later, default=len(lines) + 1)
        for number in range(start, end):
            found = lines[number - 1].find(needle)
            if found != -1:
                return number, found + 1
        return line, column


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)


def _parse_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _DATE.match(str(value).strip()) if not isinstance(value, bool) else None
    if not match:
        raise ValueError(str(value))
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(str(value)) from None


def texts_in(value: Any) -> Iterator[str]:
    """Every piece of text in a YAML value, mapping keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts_in(key)
            yield from texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_in(item)


def _is_text(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (str, int, dt.date)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "true/false" if isinstance(value, bool) else type(value).__name__


def _shown(value: Any) -> str:
    """A value as a message may show it: short, its control characters written as escapes."""
    text = repr(value) if not isinstance(value, str) else value
    text = _CONTROL.sub(lambda found: f"\\u{ord(found.group(0)):04x}", text)
    return text if len(text) <= 40 else text[:37] + "..."


def check_values(raw: dict, display: str) -> list[Problem]:
    """Problems with the metadata's values by type and shape, each at its key's line."""
    problems: list[Problem] = []

    def at(key: Any, message: str) -> None:
        line, column = raw.where(key, value=True) if hasattr(raw, "where") else (None, None)
        problems.append(Problem(display, line, message, column=column))

    for key, value in raw.items():
        if not isinstance(key, str):
            # YAML reads 2020:, true: and null: as a number, a boolean and nothing; Pandoc reads them as text.
            line, column = getattr(raw, "key_positions", {}).get(key, (None, None))
            shown = "null" if key is None else str(key).lower() if isinstance(key, bool) else _shown(key)
            problems.append(Problem(display, line, f"key {shown} is not text; quote it: \"{shown}\":", column=column))
        bad = next((found for piece in texts_in({key: value}) for found in _CONTROL.findall(piece)), None)
        if bad:
            at(key, f"{_shown(key)}: character U+{ord(bad):04X} is not allowed in metadata (a control character "
                    "or separator); remove it")
    for key in TEXT_KEYS:
        value = raw.get(key)
        if value is not None and not _is_text(value):
            at(key, f"{key}: expected text, not {_kind(value)} {_shown(value)}")
    for key in LIST_KEYS:
        value = raw.get(key)
        items = value if isinstance(value, list) else [value]
        if value is not None and not all(isinstance(item, str) and item.strip() for item in items):
            noun = "a name or a list of names" if key == "author" else "a word or a list of words"
            at(key, f"{key}: expected {noun}")
    lang = raw.get("lang")
    if _is_text(lang) and not _LANG.match(str(lang)):
        at("lang", f"lang '{_shown(lang)}' is not a language tag such as en-US")
    url = raw.get("url")
    if _is_text(url) and url != "" and not _URL.match(str(url)):
        at("url", f"url '{_shown(url)}' is not an https:// address (host and path only, no query or fragment)")
    for key in ("series", "number"):
        value = raw.get(key)
        if _is_text(value) and str(value).strip() and not slugify(str(value)):
            at(key, f"{key} '{_shown(value)}' has no letters A-Z or digits for the file names")
    for key in PLAIN_KEYS:
        value = raw.get(key)
        found = _MARKDOWN.search(str(value)) if _is_text(value) else None
        if found:
            use = _PLAIN_USE.get(key, "the cover mark's alt text, the page's keywords")
            at(key, f"{key}: '{found.group(0)}' is not allowed; it is plain text ({use}), so write it without "
                    "Markdown links, emphasis or markup")
    return problems


def read_metadata(path: Path, display: str) -> Metadata:
    """Load and validate content/metadata.yaml; raise BuildError listing every problem."""
    from .yamlfile import load_yaml_text  # not imported by a build that finds nothing to do

    raw, text = load_yaml_text(path, display)
    if not isinstance(raw, dict):
        raise BuildError("Metadata refused.", [Problem(display, 1, "expected a mapping of keys such as title:, series:, number:")])
    problems = [Problem(display, None, f"missing '{key}:'") for key in REQUIRED if not raw.get(key)]
    problems += check_values(raw, display)
    date = None
    if _is_text(raw.get("date")):
        line, column = raw.where("date", value=True) if hasattr(raw, "where") else (None, None)
        try:
            date = _parse_date(raw.get("date"))
        except ValueError as exc:
            problems.append(Problem(display, line, f"date '{_shown(str(exc))}' is not YYYY-MM-DD", column=column))
        if date is not None and not FIRST_YEAR <= date.year <= LAST_YEAR:
            problems.append(Problem(display, line, f"date {date.isoformat()} is outside the years {FIRST_YEAR}-"
                                                   f"{LAST_YEAR}", column=column))
            date = None
    problems += _check_style_keys(raw, display) + check_key_typos(raw, display)
    if problems:
        raise BuildError("Metadata refused.", problems)
    authors = raw.get("author") or []
    if isinstance(authors, str):
        authors = [authors]
    title = str(raw["title"])
    style_key = next((key for key in STYLE_KEYS if raw.get(key)), STYLE_KEYS[0])
    return Metadata(
        title=title,
        series=str(raw["series"]),
        number=str(raw["number"]),
        authors=tuple(authors),
        lang=str(raw["lang"]),
        date=date,
        citation_style=str(raw.get(style_key) or DEFAULT_STYLE),
        short_title=str(raw.get("short-title") or title),
        raw=raw,
        display=display,
        text=text,
        notes_heading=str(raw.get("notes-heading") or NOTES_HEADING).strip() or NOTES_HEADING,
        style_key=style_key,
    )


def _check_style_keys(raw: dict, display: str) -> list[Problem]:
    # csl: is Pandoc's name for citation-style:; both may be given only if they name the same style.
    given = {key: str(raw[key]).strip() for key in STYLE_KEYS if _is_text(raw.get(key)) and str(raw[key]).strip()}
    if len(set(given.values())) < 2:
        return []
    line, column = raw.where("csl", value=True) if hasattr(raw, "where") else (None, None)
    return [Problem(display, line, f"csl: '{_shown(given['csl'])}' and citation-style: "
                                   f"'{_shown(given['citation-style'])}' name different styles; csl: is another name "
                                   "for citation-style:, so keep one of the two", column=column)]


# Every key the build reads. Other keys pass to Pandoc untouched (a brief's own template may use them), unless they
# look like a misspelt one of these: that value would be silently ignored.
KNOWN_KEYS = tuple(dict.fromkeys((*REQUIRED, *TEXT_KEYS, *LIST_KEYS)))


def check_key_typos(raw: dict, display: str) -> list[Problem]:
    """A key that is not one the build reads but is close to one (autor:, titel:, language:), at its line."""
    problems = []
    positions = getattr(raw, "key_positions", {})
    for key in raw:
        if not isinstance(key, str) or key in KNOWN_KEYS:
            continue
        closest = _closest_key(key)
        if closest is not None:
            line, column = positions.get(key, (None, None))
            problems.append(Problem(display, line, f"'{_shown(key)}:' is not a metadata key; did you mean "
                                                   f"'{closest}:'?", column=column))
    return problems


def _closest_key(key: str) -> str | None:
    folded = key.lower().replace("_", "-")
    if folded in KNOWN_KEYS:
        return folded  # Title:, short_title:
    found = difflib.get_close_matches(folded, KNOWN_KEYS, n=1, cutoff=0.75)
    if found:
        return found[0]
    # A longer or shorter spelling of a key: language: for lang:, short: for short-title:.
    return next((known for known in KNOWN_KEYS if len(min(known, folded, key=len)) >= 4
                 and (folded.startswith(known) or known.startswith(folded))), None)
