"""The source checks: note labels, hand-typed numbers, citation keys, references.yaml, pull quotes, Chicago."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checks_support import SAMPLE, errors_of, messages
from qibrief.checks.chicago import check_chicago, check_repeated_full_citations, looks_full
from qibrief.document import CiteGroup
from qibrief.checks.pullquotes import check_pull_quotes
from qibrief.checks.references import check_unused, read_entries
from qibrief.checks.sources import check_citation_keys, check_notes, check_typed_numbers
from qibrief.pipeline import check_sources_only
from qibrief.problems import sort_problems
from qibrief.sections import Section


def sections(*texts: str) -> list[Section]:
    """Sections content/01.a.md, content/02.b.md, ... holding the given texts."""
    return [Section(Path(f"/x/content/0{i}.s.md"), f"content/0{i}.s.md", text) for i, text in enumerate(texts, start=1)]


NOTE_CASES = [
    ("undefined label", ["Text.[^x]\n"], ["content/01.s.md:1: note [^x] has no definition; Pandoc would print it as literal text"]),
    ("unused definition", ["Text.\n\n[^y]: A note.\n"], ["content/01.s.md:3: note [^y] is defined but never referenced"]),
    ("defined twice across files", ["A.[^a]\n\n[^a]: One.\n", "B.\n\n[^a]: Two.\n"],
     ["content/02.s.md:3: note [^a] is defined twice (first at content/01.s.md:3)"]),
    ("referenced twice", ["A.[^a] B.[^a]\n\n[^a]: One.\n"],
     ["content/01.s.md:1: warning: note [^a] is referenced again (first at content/01.s.md:1); it would print as a second note with the same text"]),
    ("label in code is not a note", ["Write `[^x]` for a note.\n\n```\n[^y]\n```\n"], []),
    ("defined in another file", ["A.[^a]\n", "[^a]: One.\n"], []),
]


@pytest.mark.parametrize("texts, expected", [(t, e) for _, t, e in NOTE_CASES], ids=[n for n, _, _ in NOTE_CASES])
def test_note_labels(texts, expected):
    """Each note reference has exactly one definition and each definition is used."""
    assert messages(sort_problems(check_notes(sections(*texts)))) == expected


TYPED_CASES = [
    ("digit after a sentence", "Justin Trudeau.1 At the summit.",
     ['content/01.s.md:1: note number "1" after "Trudeau." typed by hand; write a note or a citation']),
    ("digit after a closing quote", "called it \u201cunrealistic.\u201d12 But",
     ['content/01.s.md:1: note number "12" after "\u201cunrealistic.\u201d" typed by hand; write a note or a citation']),
    ("superscript digit", "Summit.\u00b3",
     ['content/01.s.md:1: note number "\u00b3" after "Summit." typed by hand; write a note or a citation']),
    ("Pandoc superscript", "Summit.^4^",
     ['content/01.s.md:1: superscript "^4^" typed by hand; write a note or a citation']),
    ("manual Citations heading", "# Citations",
     ['content/01.s.md:1: a "Citations" list typed by hand; the notes list is generated from the notes and citations']),
    ("manual Notes in bold", "**Notes**",
     ['content/01.s.md:1: a "Notes" list typed by hand; the notes list is generated from the notes and citations']),
    ("numbers that are not notes", "In 2023, 3.5 percent of COVID-19 cases in G20 states [@key, 5] fell.", []),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in TYPED_CASES], ids=[n for n, _, _ in TYPED_CASES])
def test_hand_typed_numbers(text, expected):
    """Note numbers typed by hand and hand-made notes lists are errors; ordinary numbers are not."""
    assert messages(check_typed_numbers(sections(text + "\n"))) == expected


def test_unknown_citation_keys():
    """A key not in references.yaml is reported at each place it is cited; e-mail addresses are not keys."""
    found = check_citation_keys(sections("See [@known; @nope, 5].\n\nMail me@example.org or @nope.\n"), {"known"})
    assert messages(found) == [
        "content/01.s.md:1: citation @nope is not in references.yaml",
        "content/01.s.md:3: citation @nope is not in references.yaml",
    ]


REFERENCES = """references:
  - id: alpha
    type: book
    title: "Alpha"
    title: "Alpha again"
  - id: beta
    type: book
    title: "Beta"
  - id: alpha
    type: book
    title: "Alpha twice"
"""


def test_reference_ids_and_keys(tmp_path):
    """Duplicate YAML keys and duplicate ids are errors with their lines; an unused entry is a warning."""
    path = tmp_path / "references.yaml"
    path.write_text(REFERENCES, encoding="utf-8")
    entries, problems = read_entries(path, "references.yaml")
    problems += check_unused(entries, {"alpha"}, "references.yaml")
    assert messages(sort_problems(problems)) == [
        "references.yaml:5:5: duplicate key 'title' (first at line 4)\n  5 |     title: \"Alpha again\"\n    |     ^",
        "references.yaml:6: warning: 'beta' is never cited",
        "references.yaml:9: duplicate id 'alpha' (first at line 2)",
    ]


def test_unreadable_references_is_one_problem(tmp_path):
    """YAML that does not parse gives the line where the mistake starts (the bracket never closed), not a traceback."""
    path = tmp_path / "references.yaml"
    path.write_text("references:\n  - id: [unclosed\n", encoding="utf-8")
    _, problems = read_entries(path, "references.yaml")
    assert len(problems) == 1 and problems[0].path == "references.yaml" and (problems[0].line, problems[0].column) == (2, 9)


BODY = (
    "Although a transition began under Obama, the Trump administration reversed this trend, pivoting back to a "
    "more security and antidrug-focused approach which had more in common with the earlier phases [@seelke2017, 9].\n"
)
NEAR_QUOTE = ("The Trump administration pivoted back to a more security and antidrug-focused approach which had more in "
              "common with the earlier phases of the agreement.")
MARK_HINT = "; if the difference is deliberate, mark the div: ::: {.pull-quote edited=true}"
PULL_CASES = [
    ("verbatim sentence", "", "The Trump administration reversed this trend, pivoting back to a more security and "
     "antidrug-focused approach.", []),
    ("verbatim with an ellipsis", "", "Although a transition began under Obama \u2026 the earlier phases.", []),
    ("near: the seed's abridged quote", "", NEAR_QUOTE,
     ['content/01.s.md:4: warning: pull quote differs from the body at content/01.s.md:1: "pivoted" for '
      '"reversed this trend, pivoting"; adds "of the agreement."' + MARK_HINT]),
    ("near, marked edited", " edited=true", NEAR_QUOTE, []),
    ("near, marked with a reason", ' edited="abridged by the editor"', NEAR_QUOTE, []),
    ("near, edited=false is no mark", " edited=false", NEAR_QUOTE,
     ['content/01.s.md:4: warning: pull quote differs from the body at content/01.s.md:1: "pivoted" for '
      '"reversed this trend, pivoting"; adds "of the agreement."' + MARK_HINT]),
    ("verbatim but marked edited", " edited=true", "The Trump administration reversed this trend, pivoting back.",
     ["content/01.s.md:4: warning: pull quote is marked edited= but matches the body word for word; remove edited= "
      "from its div"]),
    ("nothing close", "", "Cartels should be bombed from the air without delay.",
     ["content/01.s.md:4: pull quote is not taken from the body; the closest paragraph (content/01.s.md:1) shares 11% of its words"]),
    ("nothing close, even marked edited", " edited=true", "Cartels should be bombed from the air without delay.",
     ["content/01.s.md:4: pull quote is not taken from the body; the closest paragraph (content/01.s.md:1) shares 11% of its words"]),
]


@pytest.mark.parametrize("attrs, quote, expected", [c[1:] for c in PULL_CASES], ids=[c[0] for c in PULL_CASES])
def test_pull_quotes(attrs, quote, expected):
    """A pull quote verbatim from the body passes, a near one is a warning with the differing words unless its div is
    marked edited=, and one no paragraph comes close to is an error."""
    text = BODY + "\n::: {.pull-quote custom-style=\"Pull Quote\"" + attrs + "}\n" + quote + "\n:::\n"
    assert messages(check_pull_quotes(sections(text))) == expected


FORMS = {
    "smith": ("Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020), https://example.org/r.pdf.",
              "Smith, Report on the Questions."),
}


def test_looks_full_tells_the_forms_apart():
    """A citation holding the words only the full form has (given name, publisher, date, URL) is full."""
    full, short = FORMS["smith"]
    assert looks_full("Jane Smith, A Report on the Questions at Hand (Example Research Service, 2020), 5, https://example.org/r.pdf.", full, short)
    assert looks_full("Smith, Report on the Questions, 12", full, short) is False
    assert looks_full("anything", "Same.", "Same.") is None


CHICAGO_CASES = [
    ("first full, then short", [(1, FORMS["smith"][0]), (2, "Smith, Report on the Questions, 4.")], []),
    ("first in short form", [(1, "Smith, Report on the Questions, 3.")],
     ["content/01.s.md:3: note 1: first citation of @smith is in short form; expected the full form"]),
    ("full again", [(1, FORMS["smith"][0]), (4, FORMS["smith"][0])],
     ["content/01.s.md:9: note 4: @smith is cited in full again (first in note 1); expected the short form"]),
]


@pytest.mark.parametrize("cites, expected", [(c, e) for _, c, e in CHICAGO_CASES], ids=[n for n, _, _ in CHICAGO_CASES])
def test_chicago_first_full_then_short(cites, expected):
    """In note order a source's first citation is its full form and each later one its short form."""
    groups = [CiteGroup(note, ("smith",), text) for note, text in cites]
    places = {"smith": [("content/01.s.md", 3), ("content/01.s.md", 9)]}
    assert messages(check_chicago(groups, FORMS, places)) == expected


def test_repeated_full_citation_in_a_standalone_file():
    """Without sources, a URL in two notes means a full citation was repeated."""
    texts = {1: "A, Title (P, 2020), https://x.org/a.", 2: "Other.", 3: "A, Title (P, 2020), 4, https://x.org/a."}
    assert messages(check_repeated_full_citations("b.docx", texts)) == [
        "b.docx: note 3: repeats the full citation of note 1 (https://x.org/a); expected the short form"
    ]


@pytest.fixture
def brief(tmp_path) -> Path:
    """A private copy of the sample brief."""
    target = tmp_path / "brief"
    shutil.copytree(SAMPLE, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_sample_sources_pass():
    """The sample brief's sources raise no problem at all."""
    assert check_sources_only(SAMPLE) == []


def test_broken_sources_report_every_problem(brief):
    """One run reports Pandoc's problem and every text-level problem, each with file and line."""
    intro = brief / "content" / "02.introduction.md"
    _edit(intro, "A second claim cites a newspaper.[@jones2021]", "A second claim.1 cites[^gone] a newspaper.[@jonse2021]")
    found = messages(sort_problems(errors_of(lambda: check_sources_only(brief))))
    assert found == [
        "content/02.introduction.md:4: citation @jonse2021 is not in references.yaml",
        "content/02.introduction.md:4: note [^gone] has no definition; Pandoc would print it as literal text",
        'content/02.introduction.md:4: note number "1" after "claim." typed by hand; write a note or a citation',
    ]


def test_duplicate_yaml_key_in_references_fails_with_its_line(brief):
    """A key written twice in one entry of references.yaml fails `check` with the line of the second."""
    _edit(brief / "references.yaml", '    title-short: "Newspaper Story"\n', '    title-short: "Newspaper Story"\n    title-short: "Again"\n')
    found = messages(errors_of(lambda: check_sources_only(brief)))
    assert any(m.startswith("references.yaml:15") and "duplicate key 'title-short' (first at line 14)" in m for m in found), found


def test_unused_entry_is_a_warning(brief):
    """An entry never cited is a warning naming its line in references.yaml."""
    with (brief / "references.yaml").open("a", encoding="utf-8") as stream:
        stream.write('  - id: unused2024\n    type: book\n    title: "Never Cited"\n')
    problems = check_sources_only(brief)
    assert messages(problems) == ["references.yaml:27: warning: 'unused2024' is never cited"]
    assert not problems[0].is_error


def test_references_reader_refuses_an_alias_bomb(tmp_path):
    """The checks' reader of references.yaml refuses anchors as the build's loader does (an alias bomb of 9^8
    leaves once ran `refs` past 60 s and 3.8 GB)."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(97 + n)}: &{chr(97 + n)} [" + ", ".join([f"*{chr(96 + n)}"] * 9) + "]" for n in range(1, 9)]
    path = tmp_path / "references.yaml"
    path.write_text("\n".join(levels) + "\n", encoding="utf-8")
    entries, problems = read_entries(path, "references.yaml")
    assert entries == []
    assert [(p.line, p.message.splitlines()[0]) for p in problems] == [(1, "anchor &a is not allowed; write the value out")]
