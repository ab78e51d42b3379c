"""Across formats: the notes of each output aligned by content with a reference (the sources when at hand,
else the first of HTML, PDF, DOCX), so that one removed, added or changed note is one message."""

from __future__ import annotations

import difflib

from ..formats import READERS
from ..problems import Problem, shorten
from .rendered import RenderedNotes
from .text import alignment_key, fragment_before, normalise, same_text, squashed, word_changes

# The reference order (formats.READERS): the HTML is closest to the sources, the PDF is rendered from it, the
# DOCX comes last.
_ORDER = {reader: rank for rank, reader in enumerate(READERS)}
# Above this many pairs in one block of differing notes, pair them by position instead of by similarity.
_MAX_PAIRS = 2500
# Two notes this similar (difflib's ratio on their alignment keys) are one note whose text changed.
_SAME_NOTE = 0.5


def pdf_text_matches(text: str, pdf_text: str) -> bool:
    """True when a PDF note (lines joined by newlines) says `text`: a line may end inside a word or URL,
    or with a hyphen that hyphenation added."""
    target = squashed(text)
    position = 0
    parts = [squashed(part) for part in pdf_text.split("\n")]
    for index, part in enumerate(parts):
        if index < len(parts) - 1 and part.endswith("-") and not target.startswith(part, position):
            part = part[:-1]
        if not target.startswith(part, position):
            return False
        position += len(part)
    return position == len(target)


def unbreak(pdf_text: str, target: str) -> str:
    """A PDF note's lines joined as `target` reads them: no space inside a word or URL broken at a line end,
    no hyphen that hyphenation added; a space elsewhere."""
    lines = pdf_text.split("\n")
    reference = normalise(target)
    joined = lines[0]
    for line in lines[1:]:
        last, first = (joined.split(" ") or [""])[-1], (line.split(" ") or [""])[0]
        if last.endswith("-") and normalise(last[:-1] + first) in reference and normalise(last + first) not in reference:
            joined = joined[:-1] + line
        elif normalise(last + first) in reference and normalise(f"{last} {first}") not in reference:
            joined += line
        else:
            joined += " " + line
    return joined


def _agree(reference: RenderedNotes, a: str, other: RenderedNotes, b: str) -> bool:
    if other.fmt == "pdf":
        return pdf_text_matches(a, b)
    if reference.fmt == "pdf":
        return pdf_text_matches(b, a)
    return same_text(a, b)


def _shown(text: str, fmt: str, target: str) -> str:
    return unbreak(text, target) if fmt == "pdf" else text.replace("\n", " ")


def _pair_block(a: list[str], b: list[str]) -> list[tuple[int | None, int | None]]:
    """Pairs of indexes (None on one side: a note only the other has) for a block of differing notes, in order:
    the monotone pairing with the most similarity, a pair counting only when the notes are similar enough."""
    if len(a) * len(b) > _MAX_PAIRS:
        pairs: list[tuple[int | None, int | None]] = list(zip(range(len(a)), range(len(b))))
        return pairs + [(i, None) for i in range(len(b), len(a))] + [(None, j) for j in range(len(a), len(b))]
    score = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            ratio = difflib.SequenceMatcher(None, a[i], b[j], autojunk=False).ratio()
            score[i][j] = max(score[i + 1][j], score[i][j + 1],
                              score[i + 1][j + 1] + ratio if ratio >= _SAME_NOTE else 0.0)
    pairs, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        ratio = difflib.SequenceMatcher(None, a[i], b[j], autojunk=False).ratio()
        if ratio >= _SAME_NOTE and score[i][j] == score[i + 1][j + 1] + ratio:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    return pairs + [(k, None) for k in range(i, len(a))] + [(None, k) for k in range(j, len(b))]


def align_notes(a: list[str], b: list[str]) -> list[tuple[int | None, int | None]]:
    """Note texts of two outputs aligned by content: (index in a, index in b), None where one side has none."""
    keys_a, keys_b = [alignment_key(t) for t in a], [alignment_key(t) for t in b]
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2)))
        else:
            pairs += [(None if i is None else i1 + i, None if j is None else j1 + j)
                      for i, j in _pair_block(keys_a[i1:i2], keys_b[j1:j2])]
    return pairs


def _place(rendered: RenderedNotes, k: int) -> str:
    place = rendered.places.get(k, "")
    return f" {place}" if place else ""


def compare_notes(reference: RenderedNotes, other: RenderedNotes) -> list[Problem]:
    """`other`'s notes (before any pending tracked change) against the reference's, one message per note
    removed, added or changed."""
    side = other.original or other
    numbers_a, numbers_b = sorted(reference.texts), sorted(side.texts)
    if not numbers_a or not numbers_b:
        if reference.count != side.count:
            return [Problem(other.name, None, f"holds {side.count} notes; {reference.name} holds {reference.count}")]
        return []
    against = f"compared with {reference.name}"
    pairs = align_notes([reference.texts[k] for k in numbers_a], [side.texts[k] for k in numbers_b])
    moves = _moves(pairs, [alignment_key(reference.texts[k]) for k in numbers_a],
                   [alignment_key(side.texts[k]) for k in numbers_b])
    problems = []
    previous = 0  # the other's note before the current place
    for i, j in pairs:
        if i is not None and j is not None:
            k, n = numbers_a[i], numbers_b[j]
            previous = n
            a, b = reference.texts[k], side.texts[n]
            if _agree(reference, a, side, b):
                continue
            theirs = f" (its note {k})" if k != n else ""
            changes = word_changes(_shown(a, reference.fmt, b), _shown(b, side.fmt, a))
            problems.append(Problem(other.name, None, f"note {n}{_place(side, n)}: the text differs from "
                                    f"{reference.name}{theirs}: {changes}"))
        elif i is not None:
            if i in moves:
                continue
            k = numbers_a[i]
            context = fragment_before(reference.contexts.get(k, ""))
            where = reference.places.get(k) or (f'after "{context}"' if context else (
                f"after note {previous}" if previous else "before note 1"))
            problems.append(Problem(other.name, None, f"note {k} ({shorten(normalise(reference.texts[k]), 40)}) "
                                    f"was removed {where} ({against})"))
        else:
            n = numbers_b[j]
            where = f"after note {previous}" if previous else "before note 1"
            previous = n
            shown = shorten(normalise(side.texts[n]), 40)
            if j in moves.values():
                k = numbers_a[next(i for i, m in moves.items() if m == j)]
                problems.append(Problem(other.name, None, f"note {n}{_place(side, n)} ({shown}) was moved here: "
                                        f"it is note {k} in {reference.name}"))
                continue
            problems.append(Problem(other.name, None, f"a new note {where}: note {n}{_place(side, n)} "
                                    f"({shown}) is not in {reference.name}"))
    return problems


def _moves(pairs: list[tuple[int | None, int | None]], keys_a: list[str], keys_b: list[str]) -> dict[int, int]:
    """Notes removed in one place and added with the same text in another: a move, {index in a: index in b}."""
    added: dict[str, list[int]] = {}
    for i, j in pairs:
        if i is None and j is not None:
            added.setdefault(keys_b[j], []).append(j)
    moves = {}
    for i, j in pairs:
        if j is None and i is not None and added.get(keys_a[i]):
            moves[i] = added[keys_a[i]].pop(0)
    return moves


def check_across(outputs: list[RenderedNotes], reference: RenderedNotes | None = None) -> list[Problem]:
    """Compare every output with the reference (default: the first of HTML, PDF, DOCX), notes aligned by content."""
    if reference is None:
        if len(outputs) < 2:
            return []
        ordered = sorted(outputs, key=lambda r: _ORDER.get(r.fmt, 9))
        reference, outputs = ordered[0], ordered[1:]
    problems = []
    for other in outputs:
        problems += compare_notes(reference, other)
    return problems
