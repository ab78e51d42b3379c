"""Property tests: random valid briefs pass every note check, and any single mutation of one output is reported."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checks_support import NAMES, SAMPLE, docx_parts, docx_with, note_kind, plain_pdf, reference_runs, sample_artifacts
from qibrief.checks import check_outputs, check_sources
from qibrief.sources import read_sources
from qibrief.writers import parse_brief, render_docx, render_web, write_html

WORDS = ["policy", "border", "security", "trade", "cartel", "migration", "Mexico", "cooperation", "aid", "violence"]
KEYS = ["smith2020", "jones2021", "agency2019"]

sentence = st.lists(st.sampled_from(WORDS), min_size=3, max_size=7).map(lambda ws: " ".join(ws).capitalize() + ".")
note = st.one_of(st.none(), st.sampled_from(["inline", "label", "cite"]))
paragraph = st.lists(st.tuples(sentence, note), min_size=1, max_size=4)
section = st.lists(paragraph, min_size=1, max_size=3)
briefs = st.lists(section, min_size=1, max_size=3)


def markdown_sections(brief, keys) -> list[str]:
    """The Markdown of each section; every note's text is made distinct by its running number."""
    texts = []
    number = 0
    for index, paragraphs in enumerate(brief):
        lines, definitions = [f"# Part {index + 1}", ""], []
        for sentences in paragraphs:
            out = []
            for text, kind in sentences:
                if kind is None:
                    out.append(text)
                    continue
                number += 1
                if kind == "inline":
                    out.append(f"{text}^[Note {number} says {text.lower()}]")
                elif kind == "label":
                    out.append(f"{text}[^n{number}]")
                    definitions.append(f"[^n{number}]: Labelled note {number}: {text}")
                else:
                    out.append(f"{text}[@{keys.draw_key(number)}, {number}]")
            lines += [" ".join(out), ""]
        texts.append("\n".join(lines + definitions) + "\n")
    return texts


class _Keys:
    def __init__(self, choices):
        self.choices = choices

    def draw_key(self, number):
        return self.choices[number % len(self.choices)]


def build_in_memory(brief, key_order) -> tuple:
    """Sources, AST and the HTML and DOCX of a generated brief (Pandoc needs files: a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="qibrief-prop-") as tmp:
        root = Path(tmp)
        (root / "content").mkdir()
        shutil.copy(SAMPLE / "content" / "metadata.yaml", root / "content" / "metadata.yaml")
        shutil.copy(SAMPLE / "references.yaml", root / "references.yaml")
        for index, text in enumerate(markdown_sections(brief, _Keys(key_order)), start=1):
            (root / "content" / f"0{index}.part.md").write_text(text, encoding="utf-8")
        sources = read_sources(root)
        ast = parse_brief(sources).ast
        document = write_html(sources, ast, 0)
        files = {"html": render_web(sources, document), "docx": render_docx(sources, ast, 0, "endnotes")}
        problems = check_sources(sources, json.loads(ast))
        problems += check_outputs(files, NAMES, sources)
    return files, problems, len(re.findall(rb'class="footnote-ref"', files["html"]))


# Mutations of one output. Each takes the artifact and the note count and note numbers drawn by Hypothesis.

def _anchor(k: int, shown: int | None = None) -> str:
    return f'<a href="#fn{k}" class="footnote-ref" id="fnref{k}" role="doc-noteref"><sup>{shown or k}</sup></a>'


def html_mutation(html: str, kind: str, i: int, j: int, word: str) -> str:
    """The HTML with one note deleted, two markers swapped, one duplicated or renumbered, or one note's text changed."""
    if kind == "delete":
        return re.sub(rf'<li id="fn{i}">.*?</li>', "", html.replace(_anchor(i), ""), flags=re.S)
    if kind == "swap":
        return html.replace(_anchor(i), "\0").replace(_anchor(j), _anchor(i)).replace("\0", _anchor(j))
    if kind == "duplicate":
        return html.replace(_anchor(i), _anchor(i) * 2)
    if kind == "renumber":
        return html.replace(_anchor(i), _anchor(i, j))
    return re.sub(rf'(<li id="fn{i}">.*?)(</li>)', lambda m: m.group(1) + f" {word}" + m.group(2), html, count=1, flags=re.S)


def docx_mutation(data: bytes, kind: str, i: int, j: int, word: str) -> bytes:
    """The DOCX with the same five kinds of mutation applied to its note references and notes."""
    note = note_kind(data)

    def document(doc: str) -> str:
        runs = reference_runs(doc, note)
        a, b = runs[i - 1], runs[j - 1]
        if kind == "delete":
            return doc[:a.start()] + doc[a.end():]
        if kind == "swap":
            first, second = sorted((a, b), key=lambda m: m.start())
            return doc[:first.start()] + second.group(0) + doc[first.end():second.start()] + first.group(0) + doc[second.end():]
        if kind == "duplicate":
            return doc[:a.end()] + a.group(0) + doc[a.end():]
        # renumber: the reference now points at another note
        return doc[:a.start()] + a.group(0).replace(f'w:id="{a.group(1)}"', f'w:id="{b.group(1)}"') + doc[a.end():]

    if kind == "text":
        ident = reference_runs(docx_parts(data)["word/document.xml"].decode("utf-8"), note)[i - 1].group(1)
        return docx_with(data, f"word/{note}s.xml", lambda t: re.sub(
            rf'(<w:{note} w:id="{ident}">.*?)(</w:t>)', lambda m: m.group(1) + f" {word}" + m.group(2), t, count=1, flags=re.S))
    return docx_with(data, "word/document.xml", document)


MUTATIONS = st.sampled_from(["delete", "swap", "duplicate", "renumber", "text"])


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(brief=briefs, key_order=st.permutations(KEYS), picks=st.tuples(st.integers(1, 40), st.integers(1, 40)),
       word=st.sampled_from(WORDS))
def test_random_brief_passes_and_any_mutation_is_reported(brief, key_order, picks, word):
    """A generated brief passes every check; each kind of single mutation of its HTML or DOCX is then reported."""
    files, problems, count = build_in_memory(brief, key_order)
    assert [p for p in problems if p.is_error] == [], [str(p) for p in problems]
    assume(count >= 2)
    i = picks[0] % count + 1
    j = (i + picks[1] % (count - 1)) % count + 1  # any note but i
    # One build, every mutation: Pandoc runs are the slow part, checking a mutated output takes milliseconds.
    for fmt in ("html", "docx"):
        for kind in ("delete", "swap", "duplicate", "renumber", "text"):
            broken = dict(files)
            if fmt == "html":
                broken["html"] = html_mutation(files["html"].decode("utf-8"), kind, i, j, word).encode("utf-8")
            else:
                broken["docx"] = docx_mutation(files["docx"], kind, i, j, word)
            assert broken[fmt] != files[fmt]
            reported = [p for p in check_outputs(broken, NAMES, None) if p.is_error]
            assert reported, f"{kind} of note {i} (and {j}) in the {fmt} went unreported"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=MUTATIONS, i=st.integers(1, 5), shift=st.integers(1, 4), word=st.sampled_from(WORDS))
def test_any_mutation_of_the_pdf_is_reported(kind, i, shift, word):
    """A PDF rendered from the sample's HTML with one mutation is reported, alone or against the other formats."""
    artifacts = sample_artifacts()
    j = (i - 1 + shift) % 5 + 1
    document = html_mutation(artifacts.html_document, kind, i, j, word)
    assert document != artifacts.html_document
    files = dict(artifacts.files)
    files["pdf"] = plain_pdf(document)
    reported = [p for p in check_outputs(files, NAMES, artifacts.sources) if p.is_error and p.path == NAMES["pdf"]]
    assert reported, f"{kind} of note {i} (and {j}) in the PDF went unreported"
