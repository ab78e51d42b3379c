"""What an output says about its notes (markers in reading order, the notes list), and the numbering rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..problems import Problem


@dataclass(frozen=True)
class Marker:
    """A note marker as shown in an output: its number, where it is ('page 3: '), and its line if known."""

    number: int
    where: str = ""
    line: int | None = None


@dataclass
class RenderedNotes:
    """One output's notes: file name, format, markers in reading order, and note texts by number.

    `places` says where an editor finds note k (' in "Introduction" after "…a newspaper."') when the reader
    knows; `contexts` holds the text just before marker k. A DOCX with pending tracked changes also keeps
    `original`: its notes with those changes rejected, which the comparison across formats reads (the
    changes themselves are reported as pending).
    """

    name: str
    fmt: str
    markers: list[Marker] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    places: dict[int, str] = field(default_factory=dict)
    contexts: dict[int, str] = field(default_factory=dict)
    original: "RenderedNotes | None" = None

    @property
    def count(self) -> int:
        """N: how many notes the notes list holds."""
        return len(self.texts)


def check_marker_order(name: str, markers: list[Marker], noun: str = "marker") -> list[Problem]:
    """Markers read in order must be 1, 2, ..., N: report each one that breaks the run, and each repeat."""
    problems = []
    previous = 0
    seen: set[int] = set()
    for marker in markers:
        k = marker.number
        expected = previous + 1
        if k in seen:
            message = f"note {k}: {noun} repeats note {k}" + (f" (after note {previous})" if previous != k else "")
            problems.append(Problem(name, marker.line, f"{marker.where}{message}; expected {expected}"))
        elif k != expected:
            if previous == 0:
                message = f"note {k}: first {noun} is {k}; expected 1"
            else:
                message = f"note {k}: {noun} follows note {previous}; expected {expected}"
            problems.append(Problem(name, marker.line, f"{marker.where}{message}"))
        seen.add(k)
        previous = k
    return problems


def check_markers_against_notes(name: str, markers: list[Marker], notes: list[int], listing: str) -> list[Problem]:
    """Every marker has a note in the list, and every note in the list (numbered as shown) has a marker."""
    problems = []
    numbers = {m.number for m in markers}
    for marker in markers:
        if marker.number not in notes:
            problems.append(Problem(
                name, marker.line, f"{marker.where}note {marker.number}: marker has no note in {listing} (it holds {len(notes)})"
            ))
    for k in dict.fromkeys(notes):
        if k not in numbers:
            problems.append(Problem(name, None, f"note {k}: no marker in the text refers to it"))
    return problems
