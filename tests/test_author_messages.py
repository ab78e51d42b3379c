"""An author's mistakes, as the build answers them: each case copies the sample brief built once (dist/ included),
makes one mistake an author makes, runs `build.py build` as the author would, and asserts the exact message (file,
line, column, what is wrong, what to write, and for YAML the line shown with a caret), the exit code, and that
dist/ still holds the previous artifacts byte for byte.

Then what the author writes that is right: a citation in an author's note prints the same, Chicago's way,
whichever of Pandoc's two spellings is used; brief 50 builds with no warnings; and `refs` prints, for every entry
brief 50 cites, the same full form as the first note citing it in the built web page.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from conftest import REPO, SAMPLE, run_cli
from qibrief.yamlfile import YamlProblem, parse_yaml


@dataclass(frozen=True)
class Mistake:
    """One author mistake: its name, how to make it in a brief folder, the exit code and stderr expected."""

    name: str
    make: Callable[[Path], None]
    code: int
    message: str


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def make(brief: Path) -> None:
        path = brief / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{relative}: {old!r} must occur once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return make


def _own_brand(old: str, new: str) -> Callable[[Path], None]:
    # The sample uses the repository's styles/; the brief gets its own copy to make the mistake in.
    def make(brief: Path) -> None:
        shutil.copytree(REPO / "styles", brief / "styles")
        _replace("styles/brand.yaml", old, new)(brief)
    return make


def _note(written: str) -> Callable[[Path], None]:
    return _replace("content/02.introduction.md", "An explanatory note follows here.^[This note explains something, "
                    "and cites [@smith2020, 7-9].]", f"An explanatory note follows here.^[{written}]")


YAML_REFUSED = "YAML file refused."
CHECKS_FAILED = "Checks failed: 1 error."

MISTAKES = [
    Mistake("tab in metadata.yaml", _replace("content/metadata.yaml", 'author: "Ada Example"', '\tauthor: "Ada Example"'),
            1, "content/metadata.yaml:6:1: a tab character: YAML indents and separates with spaces only; replace the tab with spaces\n"
               '  6 | \u2192author: "Ada Example"\n'
               "    | ^\n" + YAML_REFUSED),
    Mistake("unclosed quote in metadata.yaml", _replace("content/metadata.yaml", 'series: "QI Brief"', 'series: "QI Brief'),
            1, 'content/metadata.yaml:4:9: a quoted value opened here with " is not closed on its line; end it with " '
               '(write \\" for a double quote inside it)\n'
               '  4 | series: "QI Brief\n'
               "    |         ^\n" + YAML_REFUSED),
    Mistake("unclosed single quote at the end of references.yaml",
            _replace("references.yaml", 'URL: "https://example.gov/says"', "URL: 'https://example.gov/says"),
            1, "references.yaml:26:10: a quoted value opened here with ' is not closed on its line; end it with ' "
               "(write '' for an apostrophe inside it)\n"
               "  26 |     URL: 'https://example.gov/says\n"
               "     |          ^\n" + YAML_REFUSED),
    Mistake("a key indented too little in references.yaml",
            _replace("references.yaml", '    title-short: "Newspaper Story"', '   title-short: "Newspaper Story"'),
            1, "references.yaml:14:4: bad indentation: this line is indented 3 spaces, in line with no mapping or list "
               "above it; keys of one mapping start in the same column, and a key's value is indented under it\n"
               '  14 |    title-short: "Newspaper Story"\n'
               "     |    ^\n" + YAML_REFUSED),
    Mistake("a key indented too far in references.yaml",
            _replace("references.yaml", '    title-short: "Newspaper Story"', '      title-short: "Newspaper Story"'),
            1, "references.yaml:14:7: bad indentation: this line is indented 6 spaces, deeper than the key on line 13 "
               "(4 spaces); keys of one mapping start in the same column, and a key's value is indented under it\n"
               '  14 |       title-short: "Newspaper Story"\n'
               "     |       ^\n" + YAML_REFUSED),
    Mistake("duplicate key in references.yaml",
            _replace("references.yaml", '    title-short: "Newspaper Story"\n',
                     '    title-short: "Newspaper Story"\n    title: "Again"\n'),
            1, "references.yaml:15:5: duplicate key 'title' (first at line 13)\n"
               '  15 |     title: "Again"\n'
               "     |     ^\n" + YAML_REFUSED),
    Mistake("missing colon in metadata.yaml", _replace("content/metadata.yaml", 'author: "Ada Example"', 'author "Ada Example"'),
            1, "content/metadata.yaml:6:1: a missing colon: 'author \"Ada Example\"' is not 'key: value'; write a colon "
               "and a space after the key, or put the line in quotes if it continues the value above\n"
               '  6 | author "Ada Example"\n'
               "    | ^\n" + YAML_REFUSED),
    Mistake("a colon inside an unquoted value", _replace("content/metadata.yaml", 'short-title: "Large Questions"',
                                                          "short-title: Questions: Large and Small"),
            1, "content/metadata.yaml:3:23: a colon followed by a space inside an unquoted value; put the value in double "
               'quotes, as in short-title: "Questions: Large and Small"\n'
               "  3 | short-title: Questions: Large and Small\n"
               "    |                       ^\n" + YAML_REFUSED),
    Mistake("a value starting with @", _replace("content/metadata.yaml", 'author: "Ada Example"', "author: @ada"),
            1, "content/metadata.yaml:6:9: a value cannot start with '@' unless it is in quotes; write it in double "
               'quotes, as in author: "@ada"\n'
               "  6 | author: @ada\n"
               "    |         ^\n" + YAML_REFUSED),
    Mistake("text after a closing quote", _replace("content/metadata.yaml", 'author: "Ada Example"',
                                                    'author: "Ada" Example'),
            1, "content/metadata.yaml:6:15: text after a closing \": the whole value goes inside the quotes, and a \" inside "
               "it is written \\\"\n"
               '  6 | author: "Ada" Example\n'
               "    |               ^\n" + YAML_REFUSED),
    Mistake("an unclosed bracket in metadata.yaml", _replace("content/metadata.yaml", 'keywords: ["sample", "tests"]',
                                                              'keywords: ["sample", "tests"'),
            1, "content/metadata.yaml:12:11: the [ opened here is not closed where expected; end it with ] on the same "
               "line, with a comma between items (quote an item that holds a comma, a colon or a bracket)\n"
               '  12 | keywords: ["sample", "tests"\n'
               "     |           ^\n" + YAML_REFUSED),
    Mistake("a tab in the brief's brand.yaml", _own_brand('name: "Quincy Institute"', '\tname: "Quincy Institute"'),
            1, "styles/brand.yaml:3:1: a tab character: YAML indents and separates with spaces only; replace the tab with spaces\n"
               '  3 | \u2192name: "Quincy Institute"\n'
               "    | ^\n" + YAML_REFUSED),
    Mistake("a page typed after a citation in an author's note", _note("This note explains something; see @smith2020, 7-9."),
            1, "content/02.introduction.md:5:70: in an author's note, the page after @smith2020 is typed as text and "
               "prints after the whole citation (after its URL); write @smith2020 [7-9] or [@smith2020, 7-9]\n" + CHECKS_FAILED),
    Mistake("typed parentheses around a citation in an author's note",
            _note("This note explains something (see @smith2020 [7-9])."),
            1, "content/02.introduction.md:5:65: in an author's note, the parentheses around @smith2020 print as typed, "
               "which Chicago does not do; write @smith2020 [7-9] or [@smith2020, 7-9] without them (the note prints it "
               "in place)\n" + CHECKS_FAILED),
    Mistake("typed parentheses around a bracketed citation in an author's note",
            _note("This note explains something ([@smith2020, 7-9])."),
            1, "content/02.introduction.md:5:65: in an author's note, the parentheses around [@smith2020, 7-9] print as "
               "typed, which Chicago does not do; write [@smith2020, 7-9] without them (the note prints it in place)\n"
               + CHECKS_FAILED),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample brief with its dist/ built once."""
    brief = tmp_path_factory.mktemp("authoring") / "brief"
    shutil.copytree(SAMPLE, brief)
    done = run_cli("build", "--root", str(brief))
    assert done.returncode == 0, done.stdout + done.stderr
    return brief


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _problem_lines(stderr: str) -> str:
    # The messages without the progress lines ("Reading sources (0.08 s)") that come before them.
    kept = [line for line in stderr.splitlines() if not re.match(r"^[A-Z][\w ,'-]*\(\d+\.\d+ s[,)]", line)]
    return "\n".join(kept).strip()


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_author_mistake(built, tmp_path, mistake):
    """The mistake gets its exact message and exit code, and dist/ keeps the previous artifacts byte for byte."""
    brief = tmp_path / "brief"
    shutil.copytree(built, brief)
    before = _snapshot(brief / "dist")
    mistake.make(brief)
    done = run_cli("build", "--root", str(brief))
    assert (done.returncode, _problem_lines(done.stderr)) == (mistake.code, mistake.message), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert _snapshot(brief / "dist") == before


def _notes(page: Path) -> list[str]:
    """The web page's notes as text, in order (markup, back-links and spacing left out)."""
    text = page.read_text(encoding="utf-8")
    section = text[text.index('id="footnotes"'):]
    found = []
    for match in re.finditer(r'<li id="fn\d+"[^>]*>(.*?)</li>', section, re.S):
        plain = html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))
        found.append(" ".join(plain.replace("\u21a9\ufe0e", "").replace("\u2191", "").split()))
    return found


NOTE_SPELLINGS = [
    ("bracketed", "See [@smith2020, 7-9]."),
    ("in text", "See @smith2020 [7-9]."),
]


def test_citation_in_a_note_prints_as_chicago_whichever_spelling(sample_copy, tmp_path):
    """`[@key, 3]` and `@key [3]` inside an author's note print the same, in place and without parentheses; a
    short form ending in a title moves the author's period inside the closing quotation mark."""
    printed = {}
    for name, written in NOTE_SPELLINGS:
        brief = tmp_path / name
        shutil.copytree(sample_copy, brief)
        _note(written + " And [@jones2021].")(brief)
        done = run_cli("build", "--root", str(brief), "--format", "html")
        assert done.returncode == 0, done.stderr
        printed[name] = _notes(brief / "dist" / "qi-brief-7.html")[2]
    assert printed["bracketed"] == printed["in text"] == (
        "See Smith, Report on the Questions, 7\u20139. And Jones, \u201cNewspaper Story.\u201d")


def test_brief50_builds_and_checks_without_warnings(tmp_path):
    """Brief 50 builds and checks quietly: nothing on stderr but progress, nothing on stdout but the files written."""
    done = run_cli("build", "--root", str(REPO), "--out", str(tmp_path / "dist"), "--format", "html", "--format", "docx")
    assert done.returncode == 0, done.stderr
    assert _problem_lines(done.stderr) == "", done.stderr
    checked = run_cli("check", "--root", str(REPO))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "check: no errors found", checked.stdout
    assert _problem_lines(checked.stderr) == "", checked.stderr


def test_refs_full_forms_are_the_brief50_notes(brief50_build):
    """For every entry brief 50 cites, `refs` prints the same full form as the first note citing it (in the web
    page built by the real command line)."""
    done = run_cli("refs", "--root", str(REPO))
    assert done.returncode == 0, done.stdout + done.stderr
    listing = done.stdout.splitlines()
    fulls = {}
    for header, full in zip(listing, listing[1:]):
        if not header.startswith(" ") and "cited" in header and "never cited" not in header:
            fulls[header.split(":", 1)[0]] = full.removeprefix("  full:  ")
    page = brief50_build / "qi-brief-50.html"
    notes, first_notes = _notes(page), _first_notes(page.read_text(encoding="utf-8"))
    assert len(fulls) == len(first_notes) == 46
    for key, full in fulls.items():
        # In a note the form ends with the note's period or the group's semicolon.
        note = notes[first_notes[key] - 1]
        assert full.removesuffix(".") in note, f"{key}: refs prints {full!r}; its first note, {first_notes[key]}, is {note!r}"


def _first_notes(page: str) -> dict[str, int]:
    """The number of the first note citing each key: a citation in the body links its note (href="#fnN"), one in
    an author's note sits inside that note's <li id="fnN">."""
    start = page.index('id="footnotes"')
    first: dict[str, int] = {}
    for match in re.finditer(r'<span class="citation" data-cites="([^"]+)">(<a href="#fn(\d+)")?', page):
        if match.group(3):
            number = int(match.group(3))
        else:
            assert match.start() > start, match.group(0)
            number = int(re.findall(r'<li id="fn(\d+)"', page[start:match.start()])[-1])
        for key in match.group(1).split():
            first[key] = min(first.get(key, number), number)
    return first


def test_refs_says_when_the_sections_cannot_be_read(sample_copy):
    """With a section that cannot be read, `refs` still lists every entry, calls none unused, and says why."""
    (sample_copy / "content" / "02.introduction.md").write_bytes(b"# Intro\n\nBad byte \xff here.\n")
    done = run_cli("refs", "--root", str(sample_copy))
    assert "never cited" not in done.stdout + done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines() if not line.startswith(" ")][:3] == [
        "smith2020", "jones2021", "agency2019"]
    assert ("content: warning: the sections could not be read, so which entries they cite is unknown: none is called "
            "unused, and the full forms carry no locator") in done.stdout
    assert done.returncode == 1  # the unreadable section is an error


def test_refs_flags_what_citeproc_py_cannot_read(sample_copy):
    """citeproc-py reads each entry as CSL data: a misspelt field or name part is a warning at its entry."""
    refs = sample_copy / "references.yaml"
    text = refs.read_text(encoding="utf-8")
    text = text.replace("author: [{family: Jones, given: Sam}]", "author: [{family: Jones, givn: Sam}]")
    refs.write_text(text.replace('title-short: "Agency Says"', 'titel-short: "Agency Says"'), encoding="utf-8")
    done = run_cli("refs", "--root", str(sample_copy))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == [
        "references.yaml:10: warning: 'jones2021' has a name part CSL does not know: givn (a typo?)",
        "references.yaml:18: warning: 'agency2019' has a field CSL does not know: titel-short (a typo?)",
    ]


YAML_CASES = [
    ("Windows line ends", "a:\r\n  b: 1\r\n c: 2\r\n",
     "3:2: bad indentation: this line is indented 1 space, in line with no mapping or list above it; keys of one "
     "mapping start in the same column, and a key's value is indented under it\n  3 |  c: 2\n    |  ^"),
    ("an apostrophe in single quotes", "title: 'Mexico's war'\n",
     "1:16: text after a closing ': the whole value goes inside the quotes, and an apostrophe inside it is written "
     "''\n  1 | title: 'Mexico's war'\n    |                ^"),
    ("a backslash in double quotes", 'title: "C:\\path"\n',
     "1:12: \\p is not an escape YAML knows in a double-quoted value; write \\\\ for a backslash, or put the value "
     'in single quotes\n  1 | title: "C:\\path"\n    |            ^'),
    ("a control character", "title: a\x07b\n",
     "1:9: character U+0007 (not printable) is not allowed in YAML; delete it\n  1 | title: a?b\n    |         ^"),
    ("a quote over two lines, then a mistake", 'title: "a\n  b"\nc: 1\n d: 2\n',
     "4:2: bad indentation: this line is indented 1 space, deeper than the key on line 3 (0 spaces); keys of one "
     "mapping start in the same column, and a key's value is indented under it\n  4 |  d: 2\n    |  ^"),
    ("a long line, shown around the column", "title: " + "x" * 300 + ": y\n",
     "1:308: a colon followed by a space inside an unquoted value; put the value in double quotes, as in "
     'title: "' + "x" * 39 + '\u2026"\n  1 | \u2026' + "x" * 97 + ": y\n    | " + " " * 98 + "^"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_yaml_message(text, expected):
    """Each YAML mistake gets its place, plain words and the line with a caret under the column."""
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    assert f"{caught.value.line}:{caught.value.column}: {caught.value.message}" == expected
