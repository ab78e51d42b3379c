"""Brief 50's content against the published text: the 40 notes, every body sentence, the 13 pull quotes.

The seed (tests/fixtures/qi-brief-50-published.txt, the published web text with its hand-typed note numbers;
$QI_BRIEF_SEED names another copy) is read with tests/seed_notes.py; the build
is the real CLI's HTML (`python build.py build --format html`), made once for this module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed_notes as sn  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEED = Path(os.environ.get("QI_BRIEF_SEED", REPO / "tests" / "fixtures" / "qi-brief-50-published.txt"))


@pytest.fixture(scope="module")
def seed() -> sn.Seed:
    """The published brief, parsed (with the repairs listed in content/README.md)."""
    if not SEED.is_file():
        pytest.fail(f"seed text not found at {SEED}: the published brief is a fixture of this repository")
    return sn.read_seed(SEED)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> sn.Built:
    """The brief built to HTML by the real command line, parsed."""
    out = tmp_path_factory.mktemp("brief-50-html")
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--root", str(REPO), "--out", str(out), "--format", "html"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    html = out / "qi-brief-50.html"
    assert html.is_file(), f"the build wrote no {html.name}: {sorted(p.name for p in out.iterdir())}"
    return sn.read_built(html.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_sources(seed) -> list[list[tuple[sn.Source, int, bool]]]:
    """For each seed note, its sources with the id of the distinct source and whether it is its first citation.

    A citation is a later citation of an earlier source when its title starts the earlier source's
    full title and its author words are among the earlier source's.
    """
    known: list[tuple[set[str], list[str]]] = []  # (author words, full title words)
    per_note = []
    for note in seed.notes:
        entries = []
        for source in sn.split_sources(note):
            title = sn.words(source.title)
            authors = set(sn.words(" ".join(source.author_words)))
            match = next(
                (i for i, (a, t) in enumerate(known) if t[: len(title)] == title and authors <= a), None
            )
            if match is None:
                known.append((authors, title))
                entries.append((source, len(known) - 1, True))
            else:
                entries.append((source, match, False))
        per_note.append(entries)
    return per_note


# ---------------------------------------------------------------- notes


def test_seed_has_40_notes_and_markers(seed):
    """The seed parses into 40 notes and 40 body markers, in order."""
    assert len(seed.notes) == sn.NOTE_COUNT
    assert len(seed.before_marker) == sn.NOTE_COUNT


def test_build_has_40_notes_in_order(built):
    """The build has exactly 40 notes, numbered 1-40, and its note markers point to them in order."""
    assert built.note_ids == tuple(range(1, sn.NOTE_COUNT + 1))
    assert built.marker_targets == tuple(range(1, sn.NOTE_COUNT + 1))


@pytest.mark.parametrize("number", range(1, sn.NOTE_COUNT + 1))
def test_note_sits_at_the_seed_marker(seed, built, number):
    """Note N's marker follows the same words as the seed's hand-typed marker N."""
    mark = sn.NOTE_MARK.format(number)
    assert mark in built.body, f"note {number} has no marker in the body"
    before = built.body[: built.body.index(mark)]
    before = re.sub(r"\x01\d+\x02|\x03", "", before)
    expected = sn.norm_text(seed.before_marker[number - 1])[-60:]
    got = sn.norm_text(before)[-len(expected):]
    assert got == expected


@pytest.mark.parametrize("number", range(1, sn.NOTE_COUNT + 1))
def test_note_cites_the_seed_sources(seed, built, seed_sources, number):
    """Note N cites the seed's sources in order, with the same authors, titles, pages and URLs.

    Each source's first citation is the full form with the seed's URL (tracking parameters aside);
    later citations are the short form (author, short title, pages) without URL or date.
    """
    seed_note = seed_sources[number - 1]
    built_note = sn.split_sources(built.notes[number - 1])
    assert len(built_note) == len(seed_note), (
        f"note {number}: {len(built_note)} sources built, {len(seed_note)} in the seed\n"
        f"  seed:  {seed.notes[number - 1]}\n  built: {built.notes[number - 1]}"
    )
    full_titles = {}
    for entries in seed_sources:
        for source, ident, first in entries:
            if first:
                full_titles[ident] = sn.words(source.title)
    for position, ((theirs, ident, first), ours) in enumerate(zip(seed_note, built_note), start=1):
        where = f"note {number}, source {position} ({theirs.title[:50]!r})"
        missing = set(sn.words(" ".join(theirs.author_words))) - set(sn.words(ours.text))
        assert not missing, f"{where}: author words {sorted(missing)} missing from {ours.text!r}"
        title = sn.words(ours.title)
        full = full_titles[ident]
        assert title and full[: len(title)] == title, f"{where}: built title {ours.title!r} is not the seed's"
        if first:
            assert title == full, f"{where}: first citation should give the whole title, not {ours.title!r}"
            assert sn.looks_full(ours), f"{where}: first citation should be the full form: {ours.text!r}"
            for url in theirs.urls:
                assert url in ours.urls, f"{where}: URL {url} missing from {ours.text!r}"
        else:
            assert not ours.urls, f"{where}: a later citation should be short, without URL: {ours.text!r}"
            assert not sn.looks_full(ours), f"{where}: a later citation should be short: {ours.text!r}"
        expected = sn.norm_locator(sn.seed_locator(theirs))
        got = sn.norm_locator(sn.built_locator(ours, short=not first))
        if expected is None and got is not None and first:
            # A journal article's full citation without a locator prints its page range instead.
            ranges = [sn.norm_locator(r) for r in re.findall(sn.NUMBER_GROUP, theirs.after_title)]
            assert got in ranges, f"{where}: unexpected pages {got!r}"
        else:
            assert got == expected, f"{where}: pages {got!r}, the seed has {expected!r}"


def test_seed_tracking_parameters_are_gone(built):
    """No URL in the built notes carries tracking parameters."""
    for note in built.notes:
        for url in sn.URL.findall(note):
            assert sn.clean_url(url) == url.rstrip(".,;)"), f"tracking parameters left in {url}"


# ---------------------------------------------------------------- body text and pull quotes


def test_every_seed_sentence_is_in_the_build(seed, built):
    """Every sentence of the seed's body (headings, bullets and list items too) appears in the built text."""
    paragraphs = sn.body_paragraphs(seed)
    pulls = set(sn.pull_quote_indexes(paragraphs))
    text = sn.norm_text(re.sub(r"\x01\d+\x02|\x03", "", built.body))
    missing = [
        sentence
        for i, paragraph in enumerate(paragraphs)
        if i not in pulls
        for sentence in sn.sentences(paragraph)
        if sn.norm_text(sentence) not in text
    ]
    assert not missing, "missing from the build:\n" + "\n".join(missing)


def test_seed_has_13_pull_quotes(seed):
    """The seed's repeated sentences are found: 13 pull quotes."""
    assert len(sn.pull_quote_indexes(sn.body_paragraphs(seed))) == sn.PULL_QUOTE_COUNT


def test_pull_quotes_appear_once_as_pull_quotes(seed, built):
    """Each pull quote is a pull-quote block, once, in the seed's order, and not a second body copy."""
    paragraphs = sn.body_paragraphs(seed)
    indexes = sn.pull_quote_indexes(paragraphs)
    expected = [sn.norm_text(paragraphs[i]) for i in indexes]
    assert [sn.norm_text(q) for q in built.pull_quotes] == expected
    seed_body = sn.norm_text(" ".join(p for i, p in enumerate(paragraphs) if i not in indexes))
    built_body = sn.norm_text(re.sub(r"\x01\d+\x02|\x03", "", built.body))
    for quote in expected:
        assert built_body.count(quote.rstrip(".")) == seed_body.count(quote.rstrip(".")), (
            f"pull quote repeated in the body: {quote[:60]}"
        )


def test_pull_quotes_sit_where_the_seed_has_them(seed, built):
    """Each pull quote follows the same paragraph as in the seed."""
    paragraphs = sn.body_paragraphs(seed)
    indexes = sn.pull_quote_indexes(paragraphs)
    stream = re.sub(r"\x01\d+\x02", "", built.body)
    parts = stream.split(sn.PULL_MARK)
    assert len(parts) == len(indexes) + 1
    for part, index in zip(parts, indexes):
        previous = sn.norm_text(paragraphs[index - 1])[-60:]
        assert sn.norm_text(part).endswith(previous), f"pull quote {paragraphs[index][:50]!r} misplaced"


# ---------------------------------------------------------------- sources in the repository


def test_sections_type_no_note_numbers():
    """No section file carries a hand-typed note number or a YAML block."""
    for path in sorted((REPO / "content").glob("[0-9][0-9].*.md")):
        text = path.read_text(encoding="utf-8")
        glued = re.findall(r"[a-z][.”?]\d{1,2}(?=\s|$)", text)
        assert not glued, f"{path.name}: note numbers typed by hand: {glued}"
        assert not re.search(r"(?m)^---\s*$", text), f"{path.name}: YAML block"


def test_every_reference_is_cited_and_listed():
    """`python build.py refs` lists every entry of references.yaml and reports none as never cited."""
    entries = yaml.safe_load((REPO / "references.yaml").read_text(encoding="utf-8"))["references"]
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids))
    assert all(entry.get("title-short") for entry in entries)
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "refs", "--root", str(REPO)],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listed = {line.split(":", 1)[0] for line in done.stdout.splitlines()}
    assert set(ids) <= listed
    assert "never cited" not in done.stdout + done.stderr
