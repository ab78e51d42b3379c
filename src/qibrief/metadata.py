"""The brief's metadata (content/metadata.yaml): title, series, number, author, date, language, style."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import BuildError, Problem

REQUIRED = ("title", "series", "number", "author", "lang")
DEFAULT_STYLE = "chicago-notes-bibliography"


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


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)


def _parse_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value)
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return dt.datetime.strptime(text[:size], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_metadata(path: Path, display: str) -> Metadata:
    """Load and validate content/metadata.yaml; raise BuildError listing every problem."""
    from .yamlfile import load_yaml  # not imported by a build that finds nothing to do

    raw = load_yaml(path, display)
    if not isinstance(raw, dict):
        raise BuildError("Metadata refused.", [Problem(display, 1, "expected a mapping of keys such as title:, series:, number:")])
    problems = [Problem(display, None, f"missing '{key}:'") for key in REQUIRED if not raw.get(key)]
    try:
        date = _parse_date(raw.get("date"))
    except ValueError as exc:
        problems.append(Problem(display, None, f"date '{exc}' is not YYYY-MM-DD"))
        date = None
    authors = raw.get("author") or []
    if isinstance(authors, str):
        authors = [authors]
    if not all(isinstance(a, str) for a in authors):
        problems.append(Problem(display, None, "author: expected a name or a list of names"))
    if problems:
        raise BuildError("Metadata refused.", problems)
    title = str(raw["title"])
    return Metadata(
        title=title,
        series=str(raw["series"]),
        number=str(raw["number"]),
        authors=tuple(authors),
        lang=str(raw["lang"]),
        date=date,
        citation_style=str(raw.get("citation-style") or DEFAULT_STYLE),
        short_title=str(raw.get("short-title") or title),
        raw=raw,
    )
