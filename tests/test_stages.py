"""Unit tests of the pipeline's stages: sections, metadata, Pandoc arguments, naming, publishing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qibrief.metadata import read_metadata, slugify
from qibrief.pandoc import READER, docx_args, html_args, parse_args
from qibrief.pipeline import Artifacts, publish
from qibrief.plan import source_date_epoch
from qibrief.problems import BuildError
from qibrief.project import locate_project
from qibrief.sections import collect_sections

from conftest import REPO, SAMPLE


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sections_are_read_in_prefix_order(tmp_path):
    """Sections come back sorted by their two-digit prefix, whatever the file system's order."""
    for name in ("10.end.md", "02.middle.md", "01.start.md"):
        _write(tmp_path, name, f"# {name}\n")
    sections, problems = collect_sections(tmp_path, tmp_path)
    assert [s.display for s in sections] == ["01.start.md", "02.middle.md", "10.end.md"]
    assert problems == []


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("intro.md", "# A\n", "intro.md: no two-digit prefix: a section file's name starts with its place in the order, "
                               "such as 01-intro.md"),
        ("01.a.md", "---\ntitle: x\n---\n# A\n", "01.a.md:1: YAML metadata block in a section; put metadata in content/metadata.yaml"),
        ("01.a.md", "# A\n\ntext\n\n---\ncsl: http://x\n---\n", "01.a.md:5: YAML metadata block in a section; put metadata in content/metadata.yaml"),
    ],
)
def test_section_problems(tmp_path, name, text, expected):
    """Badly named files and YAML blocks in sections are reported with their location."""
    _write(tmp_path, name, text)
    _, problems = collect_sections(tmp_path, tmp_path)
    assert [str(p) for p in problems] == [expected]


def test_horizontal_rule_is_not_a_yaml_block(tmp_path):
    """A plain `---` rule between paragraphs is not mistaken for metadata."""
    _write(tmp_path, "01.a.md", "# A\n\none\n\n---\n\ntwo\n")
    _, problems = collect_sections(tmp_path, tmp_path)
    assert problems == []


def test_duplicate_prefix_is_reported(tmp_path):
    """Two sections with the same prefix make the order ambiguous, and the build says so."""
    _write(tmp_path, "01.a.md", "# A\n")
    _write(tmp_path, "01.b.md", "# B\n")
    _, problems = collect_sections(tmp_path, tmp_path)
    assert [str(p) for p in problems] == ["01.b.md: prefix 01 is also used by 01.a.md; order is ambiguous"]


def test_metadata_of_brief_50():
    """Brief 50's metadata gives the title, author, language, style and the artifact name."""
    meta = read_metadata(REPO / "content" / "metadata.yaml", "content/metadata.yaml")
    assert meta.title == "Responsibly Demilitarizing U.S.–Mexico Bilateral Security Relations"
    assert meta.series == "QI Brief" and meta.number == "50"
    assert meta.authors == ("Aileen Teague",)
    assert meta.lang == "en-US"
    assert meta.citation_style == "chicago-notes-bibliography"
    assert meta.slug == "qi-brief-50"
    assert meta.display_date == "December 2023"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("series: QI Brief\nnumber: 1\nauthor: A\nlang: en\n", "m.yaml: missing 'title:'"),
        ("title: T\nseries: S\nnumber: 1\nauthor: A\nlang: en\ndate: soon\n", "m.yaml:6:7: date 'soon' is not YYYY-MM-DD"),
        ("title: T\ntitle: U\n", "m.yaml:2:1: duplicate key 'title' (first at line 1)\n  2 | title: U\n    | ^"),
        ("- a list\n", "m.yaml:1: expected a mapping of keys such as title:, series:, number:"),
    ],
)
def test_metadata_problems(tmp_path, text, expected):
    """Missing or malformed metadata fails with the file and what is expected."""
    path = _write(tmp_path, "m.yaml", text)
    with pytest.raises(BuildError) as caught:
        read_metadata(path, "m.yaml")
    assert expected in [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("series", "number", "slug"),
    [("QI Brief", "50", "qi-brief-50"), ("Quincy Paper", "7", "quincy-paper-7"), ("Brief—Spécial", "3a", "brief-sp-cial-3a")],
)
def test_slug(series, number, slug):
    """Artifact names are the series slug plus the number."""
    assert f"{slugify(series)}-{slugify(number)}" == slug


def test_parse_arguments_pass_style_and_bibliography_explicitly():
    """The parse uses the markdown reader without YAML blocks or raw markup, and names the CSL and bibliography."""
    project = locate_project(SAMPLE)
    sections, _ = collect_sections(project.content_dir, project.root)
    args = parse_args(sections, project.metadata_file, project.references_file, Path("/styles/x.csl"))
    assert args[args.index("--from") + 1] == READER
    assert "-yaml_metadata_block" in READER and "-raw_html" in READER and "-raw_attribute" in READER
    assert args[args.index("--csl") + 1] == "/styles/x.csl"
    assert args[args.index("--bibliography") + 1] == str(project.references_file)
    assert "--citeproc" in args and "suppress-bibliography=true" in args
    assert args[-len(sections):] == [str(s.path) for s in sections]


def test_writer_arguments():
    """HTML is written standalone with the template and variables; DOCX with the reference document."""
    args = html_args(Path("t.html"), {"b": "2", "a": "1"})
    assert args[:4] == ["--from", "json", "--to", "html5"]
    assert ["--template", "t.html"] == args[args.index("--template"):args.index("--template") + 2]
    assert args[-4:] == ["--variable", "a=1", "--variable", "b=2"]
    assert docx_args(Path("r.docx"))[-2:] == ["--reference-doc", "r.docx"]


def test_source_date_epoch_prefers_the_environment(monkeypatch):
    """SOURCE_DATE_EPOCH wins over the commit time and the brief's date."""
    project = locate_project(SAMPLE)
    meta = read_metadata(project.metadata_file, "m")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch(project, meta) == 1700000000


def test_publish_replaces_all_files_and_leaves_no_temporary(tmp_path):
    """Publishing writes each artifact under its name and leaves no staging file behind."""
    project = locate_project(SAMPLE)
    meta = read_metadata(project.metadata_file, "m")

    class _Sources:
        pass

    sources = _Sources()
    sources.meta = meta
    artifacts = Artifacts(sources=sources, ast_json=b"{}", files={"pdf": b"%PDF new", "html": b"<html>"})
    (tmp_path / "qi-brief-7.pdf").write_bytes(b"old")
    written = publish(artifacts, tmp_path)
    assert sorted(p.name for p in written) == ["qi-brief-7.html", "qi-brief-7.pdf"]
    assert (tmp_path / "qi-brief-7.pdf").read_bytes() == b"%PDF new"
    assert sorted(os.listdir(tmp_path)) == ["qi-brief-7.html", "qi-brief-7.pdf"]


def test_what_the_parsed_ast_check_refuses_is_never_laid_out(sample_copy, monkeypatch):
    """The check of the parsed AST runs while WeasyPrint parses the HTML; what it refuses stops the build
    before the layout starts (here a file: link that citeproc writes from references.yaml)."""
    import weasyprint

    from qibrief.plan import BuildConfig
    from qibrief.uptodate import build

    references = sample_copy / "references.yaml"
    references.write_text(references.read_text().replace('URL: "https://example.com/story"',
                                                         'URL: "file:///etc/hostname"'))
    laid_out = []
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, *a, **k: laid_out.append(True))
    with pytest.raises(BuildError) as caught:
        build(BuildConfig(root=sample_copy, out=sample_copy / "dist"), lambda message: None)
    assert caught.value.message.startswith("Checking the parsed sources")
    assert any("uses the scheme 'file:'" in p.message for p in caught.value.problems)
    assert laid_out == []
    assert not (sample_copy / "dist" / "qi-brief-7.pdf").exists()
