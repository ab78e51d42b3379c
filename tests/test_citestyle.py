"""The note style the parse reads: the bibliography layout is dropped only where no citation can change."""

from __future__ import annotations

import json

import pytest

from qibrief import citestyle, sources as sourcesmod, writers
from qibrief.citestyle import _strip_bibliography, notes_only_style, resolve_style

from conftest import SAMPLE

NS = 'xmlns="http://purl.org/net/xbiblio/csl"'


def _style(cls: str = "note", citation_attrs: str = "", citation_body: str = '<text variable="title"/>',
           macros: str = "", bibliography: bool = True) -> bytes:
    bib = '<bibliography><layout><text variable="title"/></layout></bibliography>' if bibliography else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><style {NS} class="{cls}" version="1.0"><info/>{macros}'
            f'<citation {citation_attrs}><layout>{citation_body}</layout></citation>{bib}</style>').encode()


@pytest.mark.parametrize(
    "style, trimmed",
    [
        (_style(), True),
        (_style(cls="in-text"), False),
        (_style(bibliography=False), False),
        (_style(citation_body='<text variable="citation-number"/>'), False),
        (_style(citation_body='<text macro="num"/>', macros='<macro name="num"><group><text variable="citation-number"/>'
                '</group></macro>'), False),
        (_style(citation_attrs='disambiguate-add-year-suffix="true"'), False),
        # A year suffix is set only by that disambiguation, so a macro that prints one is harmless without it.
        (_style(citation_body='<text macro="date"/>', macros='<macro name="date"><text variable="year-suffix"/></macro>'),
         True),
        (b"<style", False),
    ],
)
def test_bibliography_is_dropped_only_when_no_citation_depends_on_it(style, trimmed):
    result = _strip_bibliography(style)
    assert (result is not None) == trimmed
    if result is not None:
        assert b"bibliography" not in result and b"<citation" in result


def test_chicago_notes_parse_the_same_without_their_bibliography(tmp_path):
    """The sample brief parses to the same AST and HTML with the trimmed Chicago style as with the file itself."""
    sources = sourcesmod.read_sources(SAMPLE)
    assert sources.csl == resolve_style("chicago-notes-bibliography", SAMPLE, SAMPLE / "styles")
    assert notes_only_style(sources.style) is not None
    trimmed = writers.parse_and_write_html(sources, 0)
    original = citestyle.notes_only_style
    try:
        citestyle.notes_only_style = lambda csl: None
        full = writers.parse_and_write_html(sources, 0)
    finally:
        citestyle.notes_only_style = original
    assert json.loads(trimmed.ast) == json.loads(full.ast) and trimmed.document == full.document
    assert "Citations" in trimmed.document


def test_macros_only_the_bibliography_called_are_dropped():
    macros = ('<macro name="outer"><text macro="inner"/></macro><macro name="inner"><text variable="title"/></macro>'
              '<macro name="bib-only"><text variable="publisher"/></macro>')
    result = _strip_bibliography(_style(citation_body='<text macro="outer"/>', macros=macros))
    assert b'name="outer"' in result and b'name="inner"' in result and b'name="bib-only"' not in result


@pytest.mark.parametrize(
    "style, compacted",
    [
        # Indentation and comments between elements go.
        (f'<style {NS}>\n  <!-- a comment -->\n  <info/>\n  <citation>\n    <layout/>\n  </citation>\n</style>',
         f'<style {NS}><info/><citation><layout/></citation></style>'),
        # Text in an element that holds no elements stays, whitespace included.
        (f'<style {NS}><locale><terms><term name="and"> and </term><term name="x"> </term></terms></locale></style>',
         f'<style {NS}><locale><terms><term name="and"> and </term><term name="x"> </term></terms></locale></style>'),
        # A comment inside a term: its text either side stays, joined.
        (f'<style {NS}><term name="t">open<!-- why -->close</term></style>', f'<style {NS}><term name="t">openclose</term></style>'),
        (f'<style {NS}><term name="t"><!-- first -->tail<single>s</single></term></style>',
         f'<style {NS}><term name="t">tail<single>s</single></term></style>'),
        # A no-break space is text, not XML whitespace.
        (f'<style {NS}><info/>\u00a0<citation/></style>', f'<style {NS}><info/>\u00a0<citation/></style>'),
        # Attributes keep their spaces.
        (f'<style {NS}><citation><layout suffix=". " delimiter="; "/></citation></style>',
         f'<style {NS}><citation><layout suffix=". " delimiter="; "/></citation></style>'),
    ],
)
def test_compacting_drops_only_comments_and_whitespace_between_elements(style, compacted):
    declaration = "<?xml version='1.0' encoding='utf-8'?>\n"
    assert citestyle.compact_style(style.encode()).decode("utf-8") == declaration + compacted


def test_a_style_that_is_not_xml_is_left_for_pandoc_to_refuse():
    assert citestyle.compact_style(b"<style") == b"<style"


def test_chicago_notes_parse_the_same_compacted(monkeypatch):
    """The sample brief parses to the same AST and HTML with the compacted style as with comments and indentation."""
    from lxml import etree

    sources = sourcesmod.read_sources(SAMPLE)
    compacted = writers.parse_and_write_html(sources, 0)
    assert b"<!--" not in citestyle.pandoc_style(sources.style)
    monkeypatch.setattr(citestyle, "_compact", lambda root: etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    citestyle._NOTES_ONLY_CACHE.clear()
    try:
        assert b"<!--" in citestyle.pandoc_style(sources.style)
        full = writers.parse_and_write_html(sources, 0)
    finally:
        citestyle._NOTES_ONLY_CACHE.clear()
    assert json.loads(compacted.ast) == json.loads(full.ast) and compacted.document == full.document
