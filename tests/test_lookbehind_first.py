"""The marks' patterns with the look behind after their first character match what they matched with it first."""

import random
import re

from qibrief.checks.markdown import CITATION, NOTE_REFERENCE
from qibrief.checks.sources import _PANDOC_SUPERSCRIPT
from qibrief.roundtrip.sent import _NOTE_MARK

# Each pattern as it was written, look behind first, and the characters that matter to it.
CASES = [
    (CITATION, r"(?<![\w\\@])@(?:\{([^}\s]+)\}|([\w](?:[\w:.#$%&\-+?<>~/]*[\w])?))", "\\@{}a1:. -x\n@_é"),
    (NOTE_REFERENCE, r"(?<!\\)\[\^([^\]\s]+)\](?!:)", "\\^[]: a\n"),
    (_PANDOC_SUPERSCRIPT, r"(?<!\\)\^(\d{1,3})\^", "\\^12 a"),
    (_NOTE_MARK, r"(?<!\\)\^\[|(?<!\\)\[\^([^\]\s]+)\](?!:)", "\\^[]: a\n"),
]


def _found(pattern: re.Pattern, text: str) -> list:
    return [(match.span(), match.groups()) for match in pattern.finditer(text)]


def test_same_matches_as_look_behind_first():
    chance = random.Random(20)
    for pattern, first, alphabet in CASES:
        before = re.compile(first)
        for _ in range(20000):
            text = "".join(chance.choice(alphabet) for _ in range(chance.randint(0, 12)))
            assert _found(pattern, text) == _found(before, text), (first, text)
