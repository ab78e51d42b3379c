"""The HTML note checks: markers 1..N in reading order, each linking to its note, each note linking back."""

from __future__ import annotations

import re

import pytest

from checks_support import sample_artifacts, without_lines
from qibrief.checks.html import read_html
from qibrief.problems import sort_problems

NAME = "qi-brief-7.html"


def anchor(k: int) -> str:
    """Pandoc's marker for note k."""
    return f'<a href="#fn{k}" class="footnote-ref" id="fnref{k}" role="doc-noteref"><sup>{k}</sup></a>'


def swap(text: str, a: str, b: str) -> str:
    """Text with every `a` and `b` exchanged."""
    return text.replace(a, "\0").replace(b, a).replace("\0", b)


CASES = [
    ("swap markers 2 and 3", lambda h: swap(h, anchor(2), anchor(3)), [
        "note 2: marker follows note 3; expected 4",
        "note 3: marker follows note 1; expected 2",
        "note 4: marker follows note 2; expected 3",
    ]),
    ("delete marker 3", lambda h: h.replace(anchor(3), ""), [
        "note 3: no marker in the text refers to it",
        "note 4: marker follows note 2; expected 3",
        "note 3: back-link goes to #fnref3, which does not exist",
    ]),
    ("duplicate marker 2", lambda h: h.replace(anchor(2), anchor(2) + anchor(2)), [
        "note 2: marker repeats note 2; expected 3",
    ]),
    ("renumber marker 4 as 6", lambda h: h.replace(anchor(4), anchor(6)), [
        "note 4: no marker in the text refers to it",
        "note 6: marker follows note 3; expected 4",
        "note 6: marker has no note in the notes list (it holds 5)",
        "note 6: marker links to #fn6, which does not exist",
        "note 5: marker follows note 6; expected 7",
        "note 4: back-link goes to #fnref4, which does not exist",
    ]),
    ("marker 2 links to note 3", lambda h: h.replace('<a href="#fn2" class', '<a href="#fn3" class'), [
        "note 2: marker links to #fn3; expected #fn2",
    ]),
    ("back-link of note 3 goes to marker 2",
     lambda h: h.replace('href="#fnref3" class="footnote-back"', 'href="#fnref2" class="footnote-back"'), [
        "note 3: back-link goes to #fnref2; expected #fnref3",
    ]),
    ("note 4 loses its id", lambda h: h.replace('<li id="fn4">', '<li id="note-4">'), [
        "note 4: marker links to #fn4, which does not exist",
        'note 4: list item has id "note-4"; expected "fn4"',
    ]),
    ("delete note 5", lambda h: re.sub(r'<li id="fn5">.*?</li>', "", h, flags=re.S), [
        "note 5: marker has no note in the notes list (it holds 4)",
        "note 5: marker links to #fn5, which does not exist",
    ]),
    ("notes list starts at 2", lambda h: h.replace('<ol>\n<li id="fn1">', '<ol start="2">\n<li id="fn1">'), [
        "notes list starts at 2; expected 1",
    ]),
    ("superscript typed by hand", lambda h: h.replace("It matters too.", "It matters too.<sup>6</sup>"), [
        'superscript "6" typed by hand; expected a note marker',
    ]),
    ("number glued to a sentence", lambda h: h.replace("It matters too.", "It matters too.6 Yes."), [
        'note number "6" after "too." typed by hand; expected a note marker',
    ]),
    ("marker shows a letter", lambda h: h.replace("<sup>5</sup>", "<sup>e</sup>"), [
        "note 5: no marker in the text refers to it",
        'marker shows "e"; expected a note number',
    ]),
]


def test_sample_html_passes():
    """The sample's HTML, as built, has markers 1..5 and notes 1..5 and no problem."""
    rendered, problems = read_html(sample_artifacts().files["html"], NAME)
    assert problems == []
    assert [m.number for m in rendered.markers] == [1, 2, 3, 4, 5]
    assert rendered.texts[4] == "Smith, Report on the Questions, 12; Jones, \u201cNewspaper Story.\u201d"


@pytest.mark.parametrize("change, expected", [(c, e) for _, c, e in CASES], ids=[n for n, _, _ in CASES])
def test_broken_html_is_reported(change, expected):
    """Each hand-made break of the sample's HTML gives exactly the expected messages."""
    html = sample_artifacts().files["html"].decode("utf-8")
    broken = change(html)
    assert broken != html
    _, problems = read_html(broken.encode("utf-8"), NAME)
    assert without_lines(sort_problems(problems)) == [f"{NAME}: {message}" for message in expected]


def test_marker_problems_carry_the_html_line():
    """A marker's problem names the line of the HTML file where the marker is."""
    html = sample_artifacts().files["html"].decode("utf-8")
    line = next(n for n, text in enumerate(html.splitlines(), start=1) if anchor(2) in text)
    _, problems = read_html(html.replace('<a href="#fn2" class', '<a href="#fn3" class').encode(), NAME)
    assert [str(p) for p in problems] == [f"{NAME}:{line}: note 2: marker links to #fn3; expected #fn2"]


def test_unreadable_html_is_one_problem():
    """Bytes that are no HTML at all give one problem, not a traceback."""
    _, problems = read_html(b"", NAME)
    assert len(problems) == 1 and problems[0].message.startswith("cannot read the HTML")
