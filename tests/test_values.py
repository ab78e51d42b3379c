"""Metadata and brand values as untrusted input (issue 14): one escaping path, located refusals, links that never
point at the build machine, and fuzzing of every value shape (no traceback, only BuildError or problems).

The hostile values run through the real command line are VALUE_CASES at the end of test_hostile.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, SAMPLE, pdftotext, run_cli
from qibrief import lint
from qibrief.brand import brand_css, read_brand
from qibrief.links import docx_links, print_links
from qibrief.metadata import read_metadata
from qibrief.pandoc import html_args, run_pandoc
from qibrief.writers import html_variables
from qibrief.problems import BuildError

SAMPLE_METADATA = (SAMPLE / "content" / "metadata.yaml").read_text(encoding="utf-8")
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _metadata(tmp_path: Path, text: str):
    path = tmp_path / "metadata.yaml"
    path.write_text(text, encoding="utf-8")
    return read_metadata(path, "content/metadata.yaml")


# --- one escaping path into the HTML template ------------------------------------------------------------


def test_template_variables_are_escaped_once():
    """A variable's <, >, & and quotes reach the HTML as entities, once; plain values pass unchanged."""
    ast = json.dumps({"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": []}).encode()
    value = '<a rel="attachment" href=".git/config">Tom & Jerry</a>'
    html = run_pandoc(html_args(REPO / "templates" / "brief.html", {"date-display": value, "brand-navy": "#13294b"}),
                      stdin=ast).output.decode()
    cover = re.search(r'<p class="cover-date">(.*)</p>', html).group(1)
    assert cover == "&lt;a rel=&quot;attachment&quot; href=&quot;.git/config&quot;&gt;Tom &amp; Jerry&lt;/a&gt;"
    assert 'stroke="#13294b"' in html and "<a rel" not in html


def test_html_variables_of_the_sample_are_plain():
    """The sample's variables are its build date, display date and brand colours as they are."""
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    variables = html_variables(SimpleNamespace(meta=meta, brand=brand), 1_700_000_000)
    assert variables["date-display"] == "March 15, 2024"
    assert variables["brand-navy"] == "#13294b"
    assert variables["build-date"] == "2023-11-14T22:13:20Z"


def test_brand_css_escapes_what_read_brand_would_refuse():
    """Even a family that bypassed read_brand cannot close its CSS string, its rule or the <style> element."""
    import dataclasses

    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    hostile = 'X"; } </style><script>alert(1)</script><style> @import url(http://127.0.0.1/x.css); a { b: "'
    fonts = tuple(dataclasses.replace(f, family=hostile, faces=tuple(dataclasses.replace(face, family=hostile)
                                                                     for face in f.faces)) for f in brand.fonts)
    css = brand_css(dataclasses.replace(brand, fonts=fonts), REPO / "styles", embed_fonts=False)
    assert "</style" not in css and "<script" not in css
    for line in css.splitlines():
        if "X\\22 " in line:
            assert line.count('"') % 2 == 0  # every string it opens, it closes
            assert "@import" not in line.split('"')[0::2][0]  # the import stays inside the string


# --- metadata values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('number: "7\\x1b"', "content/metadata.yaml:5:9: number: character U+001B is not allowed in metadata"),
        ('date: "9999-12-31"', "content/metadata.yaml:8:7: date 9999-12-31 is outside the years 1980-2099"),
        ('date: "March 2024"', "content/metadata.yaml:8:7: date 'March 2024' is not YYYY-MM-DD"),
        ("title: {a: b}", "content/metadata.yaml:2:8: title: expected text, not a mapping"),
        ("author: [{name: A}]", "content/metadata.yaml:6:9: author: expected a name or a list of names"),
        ("keywords: [[a]]", "content/metadata.yaml:12:11: keywords: expected a word or a list of words"),
        ("lang: english language", "content/metadata.yaml:9:7: lang 'english language' is not a language tag"),
        ("url: https://user:pw@example.org/", "content/metadata.yaml:13:6: url 'https://user:pw@example.org/' "
                                              "is not an https:// address"),
        ("number: true", "content/metadata.yaml:5:9: number: expected text, not true/false"),
        ("notes-heading: [Notes]", "content/metadata.yaml:13:16: notes-heading: expected text, not a list"),
        ('notes-heading: "*Notes*"', "content/metadata.yaml:13:16: notes-heading: '*' is not allowed; it is plain "
                                     "text (the notes' heading in every format)"),
    ],
)
def test_metadata_value_refused_at_its_line(tmp_path, line, expected):
    """A metadata value of the wrong type or shape is refused at its line and column."""
    key = line.split(":")[0]
    lines = [text for text in SAMPLE_METADATA.splitlines()]
    found = [i for i, text in enumerate(lines) if text.startswith(f"{key}:")]
    if found:
        lines[found[0]] = line
    else:
        lines.append(line)
    with pytest.raises(BuildError) as caught:
        _metadata(tmp_path, "\n".join(lines) + "\n")
    assert any(str(p).startswith(expected) for p in caught.value.problems), caught.value.format_message()


def test_metadata_url_and_dates_accepted(tmp_path):
    """An https url:, a YAML date, a year and a timestamp string are accepted."""
    meta = _metadata(tmp_path, SAMPLE_METADATA.replace('date: "2024-03-15"', 'date: "2024-03-15T09:30:00Z"')
                     + "url: https://example.org/briefs/7/\n")
    assert meta.url == "https://example.org/briefs/7/" and meta.date == dt.date(2024, 3, 15)
    assert _metadata(tmp_path, SAMPLE_METADATA.replace('"2024-03-15"', "2024")).date == dt.date(2024, 1, 1)
    assert _metadata(tmp_path, SAMPLE_METADATA.replace('"2024-03-15"', "2024-03-15")).date == dt.date(2024, 3, 15)


def test_metadata_findings_are_placed_inside_block_values(tmp_path):
    """A link in the third line of a block scalar is reported on that line, not on its key's."""
    meta = _metadata(tmp_path, SAMPLE_METADATA + "abstract: |\n  One.\n\n  See [x](javascript:alert(1)).\n")
    tree = json.loads(run_pandoc(["--from", "markdown", "--to", "json", "--metadata-file", str(tmp_path / "metadata.yaml")],
                                 stdin=b"", cwd=tmp_path).output)
    problems = lint.lint_metadata_tree(tree, meta, tmp_path)
    assert [str(p) for p in problems] == ["content/metadata.yaml:16:11: abstract: link javascript:alert(1) uses the "
                                          "scheme 'javascript:'; only http, https and mailto links are allowed"]


# --- relative links in the PDF and the DOCX ---------------------------------------------------------------


def test_print_links_drop_or_resolve_relative_links():
    """Relative links are unwrapped (text and inner note markers kept) or resolved; others are left alone."""
    document = ('<p><a href="data/x.csv?a=1&amp;b=2">the <a href="#fn1" class="footnote-ref">1</a> data</a>, '
                '<a href="#intro">intro</a>, <a href="https://example.org/">web</a>, <a href="mailto:a@b.c">mail</a>, '
                '<a id="anchor">here</a></p>')
    assert print_links(document, None) == (
        '<p>the <a href="#fn1" class="footnote-ref">1</a> data, <a href="#intro">intro</a>, '
        '<a href="https://example.org/">web</a>, <a href="mailto:a@b.c">mail</a>, <a id="anchor">here</a></p>')
    resolved = print_links(document, "https://example.org/briefs/7/")
    assert '<a href="https://example.org/briefs/7/data/x.csv?a=1&amp;b=2">the <a href="#fn1"' in resolved
    assert resolved.count("</a>") == document.count("</a>")


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")], ids=["compact", "spaced"])
def test_docx_links_drop_or_resolve_relative_links_in_body_and_metadata(separators):
    """In the AST for the DOCX, relative links in blocks and metadata become Spans, or absolute with a url:
    (in Pandoc's compact JSON, where only targets are looked at first, and in any other spacing)."""
    link = {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "x"}], ["data/x.csv", ""]]}
    web = {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "w"}], ["https://example.org/", ""]]}
    tree = {"pandoc-api-version": [1, 23, 1, 1],
            "meta": {"title": {"t": "MetaInlines", "c": [link]},
                     "deep": {"t": "MetaMap", "c": {"k": {"t": "MetaInlines", "c": [link]}}}},
            "blocks": [{"t": "Para", "c": [link, web]}]}
    ast = json.dumps(tree, separators=separators).encode()
    dropped = docx_links(ast, None).decode()
    assert "data/x.csv" not in dropped and dropped.count('"Span"') == 3 and "https://example.org/" in dropped
    resolved = docx_links(ast, "https://example.org/briefs/7/").decode()
    assert resolved.count("https://example.org/briefs/7/data/x.csv") == 3
    plain = json.dumps({"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": [{"t": "Para", "c": [web]}]},
                       separators=separators).encode()
    assert docx_links(plain, None) is plain  # nothing to change: the same bytes


def _pdf_uris(pdf: Path) -> list[str]:
    import pypdf

    uris = []
    for page in pypdf.PdfReader(str(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def _docx_targets(docx: Path) -> list[str]:
    from lxml import etree

    with zipfile.ZipFile(docx) as archive:
        targets = []
        for name in archive.namelist():
            if name.endswith(".rels"):
                for rel in etree.fromstring(archive.read(name)):
                    if rel.get("TargetMode") == "External":
                        targets.append(rel.get("Target"))
    return targets


_LINKS = ("# Four\n\nSee [the references](references.yaml), [the intro](content/02.introduction.md), "
          "[a query](?page=2), [the intro heading](#introduction) and [the web](https://example.org/web).\n")


@pytest.mark.parametrize("url", [None, "https://example.org/briefs/7/"])
def test_relative_links_never_become_local_paths(sample_copy, url):
    """No file: URI among the PDF's link annotations and no local target in the DOCX; the text stays, and with a
    url: in the metadata the links resolve against it. The web page keeps them relative."""
    (sample_copy / "content" / "04.links.md").write_text(_LINKS, encoding="utf-8")
    if url:
        metadata = sample_copy / "content" / "metadata.yaml"
        metadata.write_text(metadata.read_text(encoding="utf-8") + f"url: {url}\n", encoding="utf-8")
    done = run_cli("build", "--root", str(sample_copy), timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    dist = sample_copy / "dist"
    uris = _pdf_uris(dist / "qi-brief-7.pdf")
    assert uris and not [uri for uri in uris if not uri.startswith(("https://", "http://", "mailto:"))], uris
    targets = _docx_targets(dist / "qi-brief-7.docx")
    assert not [target for target in targets if not target.startswith(("https://", "http://", "mailto:"))], targets
    text = " ".join(pdftotext(dist / "qi-brief-7.pdf").split())
    assert "See the references, the intro, a query, the intro heading and the web." in text
    expected = {f"{url}references.yaml", f"{url}content/02.introduction.md", f"{url}?page=2"} if url else set()
    assert expected <= set(uris) and expected <= set(targets)
    assert "https://example.org/web" in uris
    page = (dist / "qi-brief-7.html").read_text(encoding="utf-8")
    assert '<a href="references.yaml">the references</a>' in page


# --- fuzz: no metadata or brand value crashes the reading, the lint, the variables or the CSS ---------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", " ", "[x](javascript:alert(1))", "<script>x</script>", "![i](x.png)", "[[[[[[x]]]]]]", "#13294b", "#fff",
    "bold", "normal", "italic", "fonts/x.ttf", "../x.ttf", "/etc/passwd", "\\\\host\\share", "a\x00b", "\x1b[31m",
    "\u2028", "\ud800", "9999-12-31", "2024-13-01", "en-US", "https://example.org/", "Source Serif 4", "{=html}"])
_SCALAR = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True)
           | st.dates() | _TEXT)
_VALUE = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(_TEXT | st.integers(0, 3000), inner, max_size=4), max_leaves=12)
# Values that pass, mixed in so that generated files also reach what follows a successful read.
_PLAUSIBLE = st.sampled_from(["A Title", 50, 7.5, "2024-03-15", dt.date(2024, 3, 15), "en-GB", "https://example.org/b/",
                              ["A", "B"], "#00ff00", [0, 10, 20, 30], 700, "italic", 12, 12.5, "Source Sans 3",
                              "fonts/source-sans-3-latin-400-normal.ttf", {"rgb": "#123456", "cmyk": [1, 2, 3, 4]}])
_METADATA_KEYS = ["title", "subtitle", "short-title", "series", "number", "author", "organization", "date",
                  "date-display", "lang", "citation-style", "subject", "keywords", "abstract", "url", "extra"]


def _dump(value) -> str | None:
    """YAML text for a value, or None when PyYAML cannot write it (a lone surrogate)."""
    try:
        return yaml.safe_dump(value, allow_unicode=False, sort_keys=False)
    except (yaml.YAMLError, UnicodeEncodeError, RecursionError):
        return None


def _metadata_variant(changes: dict) -> dict:
    base = yaml.safe_load(SAMPLE_METADATA)
    base.update(changes)
    return base


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(st.sampled_from(_METADATA_KEYS), _VALUE | _PLAUSIBLE, max_size=5)
                 .map(_metadata_variant), _VALUE))
def test_fuzz_metadata_values(value):
    """Any metadata.yaml gives a Metadata or a BuildError; a Metadata gives variables and a nesting check,
    and its values survive the metadata lint on a Pandoc-like tree; every problem names metadata.yaml."""
    text = _dump(value)
    if text is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        try:
            meta = _metadata(Path(tmp), text)
        except BuildError as exc:
            assert all(p.path == "content/metadata.yaml" for p in exc.problems), exc.format_message()
            return
        brand = _brand_of_repo()
        variables = html_variables(SimpleNamespace(meta=meta, brand=brand), 1_700_000_000)
        args = html_args(REPO / "templates" / "brief.html", variables)
        assert all("<" not in arg and '"' not in arg for arg in args if arg.startswith("date-display="))
        assert meta.slug.strip("-")
        problems = lint.check_metadata_nesting(meta)
        problems += lint.lint_metadata_tree({"meta": _as_meta_tree(meta.raw)}, meta, Path(tmp))
        assert all(p.path == "content/metadata.yaml" for p in problems)


def _as_meta_tree(raw) -> dict:
    """A Pandoc-shaped meta of the values: each text a link to itself and an image of itself."""
    def value(item):
        if isinstance(item, dict):
            return {"t": "MetaMap", "c": {str(k): value(v) for k, v in item.items()}}
        if isinstance(item, list):
            return {"t": "MetaList", "c": [value(v) for v in item]}
        text = str(item)
        return {"t": "MetaInlines", "c": [{"t": "Link", "c": [["", [], []], [], [text, ""]]},
                                          {"t": "Image", "c": [["", [], []], [], [text, ""]]}]}
    return {str(key): value(item) for key, item in raw.items()}


_MARKDOWN = st.lists(st.sampled_from(list(" \n[]()!{}<>`\\:*_#") + [
    "a", "[x](", "](", "javascript:", "file:///", "../", "{=html}", "<b>", "</b>", "{style=x}", "{.c}", "![i](",
    "\\\\host", "https://e.org", "C:/", "^[n]", "@smith2020"]), max_size=60).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["title", "subtitle", "abstract", "organization", "extra"]), _MARKDOWN,
                       min_size=1, max_size=3))
def test_fuzz_metadata_markdown_through_pandoc(values):
    """Markdown-ish values go through the nesting check, both Pandoc parses and the metadata lint without a crash."""
    from qibrief.pandoc import READER

    text = _dump(_metadata_variant(values))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            meta = _metadata(root, text)
        except BuildError as exc:
            assert all(p.path == "content/metadata.yaml" for p in exc.problems)
            return
        problems = lint.check_metadata_nesting(meta)
        if not problems:
            problems = lint.lint_metadata_markup(meta, root / "metadata.yaml", root)
            run = run_pandoc(["--from", READER, "--to", "json", "--metadata-file", str(root / "metadata.yaml")],
                             stdin=b"", cwd=root, warnings_fail=False)
            problems += lint.lint_metadata_tree(json.loads(run.output), meta, root)
        assert all(p.path == "content/metadata.yaml" and p.line for p in problems), [str(p) for p in problems]


# --- brand values: the page (issue 16 moved page geometry, the cover's sizes and line heights into brand.yaml) --


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  width: 8.5", '  width: "8.5in; } body { background: url(http://127.0.0.1/x) }"',
         "styles/brand.yaml:62:10: page.width: expected a length in inches from 2 to 22, not str '8.5in; } body {"),
        ("  height: 11", "  height: 1000",
         "styles/brand.yaml:63:11: page.height: expected a length in inches from 2 to 22, not int '1000'"),
        ("left: 0.95}", "left: -1}",
         "styles/brand.yaml:64:55: page.margins.left: expected a length in inches from 0 to 4, not int '-1'"),
        ("right: 0.95, bottom: 0.9, left: 0.95}", "right: 4, bottom: 0.9, left: 4}",
         "styles/brand.yaml:64:12: page.margins: left and right take 8 in of the page's 8.5 in; leave at least 1 in "
         "for the text"),
        (", left: 0.95}", "}", "styles/brand.yaml:64:12: page.margins: missing left (the build uses top, right, "
                               "bottom, left)"),
        ("  header: 0.5 ", "  header: [0.5]",
         "styles/brand.yaml:65:11: page.header: expected a length in inches from 0 to 4, not a list [0.5]"),
        ("  footer: 0.4 ", "  gutter: 0.2\n  footer: 0.4 ",
         "styles/brand.yaml:66:3: page: unknown key 'gutter' (expected width, height, margins, header, footer, "
         "line-heights, sizes)"),
        ("{body: 1.45,", "{body: normal,", "styles/brand.yaml:67:24: page.line-heights.body: expected a multiple of "
                                           "the font size from 0.8 to 3, not str 'normal'"),
        (", note: 1.35}", "}", "styles/brand.yaml:67:17: page.line-heights: missing note (the build uses body, "
                               "title, pull-quote, note)"),
        ("page-number: 9}", "page-number: 900}", "styles/brand.yaml:68:98: page.sizes.page-number: expected a size "
                                                 "in points from 4 to 144, not int '900'"),
        ("page-number: 9}", "page-number: 9, body: 9}",
         "styles/brand.yaml:68:101: page.sizes.body: 'body' is a size of sizes: already; name each size once"),
        ("  sizes: {series", '  sizes: {"Series; }": 20, series',
         "styles/brand.yaml:68:11: page.sizes name 'Series; }' must be lower-case letters, digits and hyphens"),
        ("\npage:\n", "\nold-page:\n", "styles/brand.yaml:3:1: page: expected a mapping {width:, height:, "
                                       "margins:, header:, footer:, line-heights:, sizes:}, not nothing"),
    ],
    ids=["width-css", "height-huge", "margin-negative", "margins-no-text", "margin-missing", "header-list",
         "unknown-key", "line-height-word", "line-height-missing", "size-huge", "size-named-twice", "size-name-css",
         "page-missing"],
)
def test_brand_page_value_refused_at_its_line(old, new, expected):
    """A page value of brand.yaml of the wrong type, range or name is refused at its line and column."""
    base = (REPO / "styles" / "brand.yaml").read_text(encoding="utf-8")
    assert base.count(old) == 1
    styles = _styles_copy()
    (styles / "brand.yaml").write_text(base.replace(old, new), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        read_brand(styles, "styles/brand.yaml")
    assert any(str(p).startswith(expected) for p in caught.value.problems), caught.value.format_message()


def test_brand_css_writes_the_page_for_the_pdfs_only():
    """The PDFs' brand CSS starts with the page of brand.yaml (@page and --qi-* properties); the web page's has none."""
    brand = read_brand(REPO / "styles", "styles/brand.yaml")
    paged = brand_css(brand, REPO / "styles", embed_fonts=False)
    web = brand_css(brand, REPO / "styles", embed_fonts=True)
    assert "@page { size: 8.5in 11in; margin: 0.9in 0.95in 0.9in 0.95in; }" in paged.splitlines()
    assert "  --qi-size-running-head: 8.5pt;" in paged and "  --qi-line-height-body: 1.45;" in paged
    assert "@page" not in web and "--qi-page-" not in web and "--qi-line-height" not in web
    assert "--qi-size-series" not in web and "--qi-size-body: 10.5pt;" in web


@functools.lru_cache(maxsize=1)
def _styles_copy() -> Path:
    """A private styles/ folder with the brand's fonts, for read_brand on generated brand.yaml files."""
    folder = Path(tempfile.mkdtemp(prefix="qibrief-fuzz-styles-"))
    shutil.copytree(REPO / "styles" / "fonts", folder / "fonts")
    return folder


@functools.lru_cache(maxsize=1)
def _brand_of_repo():
    return read_brand(REPO / "styles", "styles/brand.yaml")


def _mutate(tree, path: list, value):
    """The tree with the value at `path` (indices taken modulo each level's length) replaced."""
    if not path or not isinstance(tree, (dict, list)) or not tree:
        return value
    keys = list(tree) if isinstance(tree, dict) else list(range(len(tree)))
    key = keys[path[0] % len(keys)]
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[key] = _mutate(tree[key], path[1:], value)
    return copy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), max_size=5), _VALUE | _PLAUSIBLE, st.booleans())
def test_fuzz_brand_values(path, value, whole):
    """Any brand.yaml, or the real one with one value anywhere replaced, gives a Brand or a BuildError naming
    brand.yaml; a Brand gives CSS (screen and CMYK) and template variables without a crash."""
    base = yaml.safe_load((REPO / "styles" / "brand.yaml").read_text(encoding="utf-8"))
    text = _dump(value if whole else _mutate(base, path, value))
    if text is None:
        return
    styles = _styles_copy()
    (styles / "brand.yaml").write_text(text, encoding="utf-8")
    try:
        brand = read_brand(styles, "styles/brand.yaml")
    except BuildError as exc:
        assert exc.problems and all(p.path == "styles/brand.yaml" for p in exc.problems), exc.format_message()
        return
    for cmyk in (False, True):
        css = brand_css(brand, styles, embed_fonts=False, cmyk=cmyk)
        assert "</style" not in css and "@import" not in css
        assert re.search(r"^@page \{ size: [\d.e+]+in [\d.e+]+in; margin: ([\d.e+]+in ?){4}; \}$", css, re.M), css
    page = brand.page
    assert all(math.isfinite(v) for v in (page.width, page.height, page.header, page.footer, *page.margins,
                                          *page.line_heights.values(), *page.sizes.values()))
    meta = read_metadata(SAMPLE / "content" / "metadata.yaml", "content/metadata.yaml")
    variables = html_variables(SimpleNamespace(meta=meta, brand=brand), 0)
    assert all(re.fullmatch(r"#[0-9a-fA-F]{6}", v) for k, v in variables.items() if k.startswith("brand-"))
    assert all(math.isfinite(size) for size in brand.sizes.values())
