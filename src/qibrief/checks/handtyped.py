"""Note numbers typed by hand: a digit glued to the end of a sentence ("Trudeau.1") or a superscript digit."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A letter (or a closing parenthesis) and sentence punctuation, then one to three digits ending the word:
# "Trudeau.1", "said,”12", "(2019).4". "3.5", "COVID-19", "G20" and "[@key, 5]" do not match.
_GLUED = re.compile(
    r"(?:[^\W\d_](?:[.,;:!?][\"'\u201d\u2019)\]]?|[\"'\u201d\u2019)\]][.,;:!?]?)|\)[.,;:!?])"
    r"(\d{1,3})(?=\s|$)"
)
_DIGIT = re.compile(r"\d")
SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_SUPERSCRIPT = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")


@dataclass(frozen=True)
class TypedNumber:
    """A hand-typed note number: where it starts in the text, what it is, and the text just before it."""

    start: int
    number: str
    before: str


def glued_numbers(text: str) -> list[TypedNumber]:
    """Digits glued to the end of a sentence, as a hand-typed note number would be."""
    found: list[TypedNumber] = []
    if _DIGIT.search(text) is None:  # most lines: _GLUED tries every letter, a digit is found at once or not at all
        return found
    for match in _GLUED.finditer(text):
        start = match.start(1)
        word_start = max(text.rfind(" ", 0, start) + 1, 0)
        found.append(TypedNumber(start, match.group(1), text[word_start:start][-20:]))
    return found


def superscript_digits(text: str) -> list[TypedNumber]:
    """Unicode superscript digits (¹²³), which only a hand-typed note number would use."""
    found = []
    for match in _SUPERSCRIPT.finditer(text):
        word_start = max(text.rfind(" ", 0, match.start()) + 1, 0)
        found.append(TypedNumber(match.start(), match.group(0), text[word_start:match.start()][-20:]))
    return found


def describe(typed: TypedNumber) -> str:
    """'"1" after "Trudeau."' for messages."""
    return f'"{typed.number}" after "{typed.before}"' if typed.before else f'"{typed.number}"'
