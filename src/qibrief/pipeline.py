"""The build pipeline: collect sections, parse once with citeproc, write HTML, PDF and DOCX, check, publish."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import brand as brandmod
from . import html as htmlmod
from .citestyle import resolve_style
from .metadata import Metadata, read_metadata
from .pandoc import html_args, docx_args, parse_args, run_pandoc
from .problems import BuildError, Problem, fail_on, strictly
from .project import Project, locate_project
from .sections import Section, collect_sections

FORMATS = ("pdf", "docx", "html")
# The print PDF is built on request only (`build --print`).
ALL_FORMATS = (*FORMATS, "print")
_FILE_NAMES = {"pdf": "{slug}.pdf", "docx": "{slug}.docx", "html": "{slug}.html", "print": "{slug}-print.pdf"}


@dataclass(frozen=True)
class BuildConfig:
    """What to build: the brief's folder, where to, which formats, and how."""

    root: Path
    out: Path
    formats: tuple[str, ...] = FORMATS
    docx_notes: str = "endnotes"
    strict: bool = False


@dataclass
class Sources:
    """A brief's inputs, read and checked."""

    project: Project
    meta: Metadata
    brand: brandmod.Brand
    sections: list[Section]
    csl: Path
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Artifacts:
    """The rendered outputs, in memory, keyed by format, with the sources and AST they came from."""

    sources: Sources
    ast: dict
    files: dict[str, bytes]
    html_document: str | None = None

    @property
    def meta(self) -> Metadata:
        """The brief's metadata."""
        return self.sources.meta

    def names(self) -> dict[str, str]:
        """File name per format, e.g. {'pdf': 'qi-brief-50.pdf'}."""
        return {fmt: _FILE_NAMES[fmt].format(slug=self.meta.slug) for fmt in self.files}


Reporter = Callable[[str], None]


class Stages:
    """Announces each stage and how long it took."""

    def __init__(self, report: Reporter) -> None:
        self._report = report

    def run(self, name: str, step: Callable[[], object]):
        start = time.perf_counter()
        result = step()
        self._report(f"{name} ({time.perf_counter() - start:.2f} s)")
        return result


def source_date_epoch(project: Project, meta: Metadata) -> int:
    """The build date: SOURCE_DATE_EPOCH if set, else the last commit's time, else the brief's date."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    try:
        done = subprocess.run(
            ["git", "-C", str(project.root), "log", "-1", "--format=%ct"], capture_output=True, text=True, timeout=10
        )
        if done.returncode == 0 and done.stdout.strip().isdigit():
            return int(done.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    if meta.date:
        return int(dt.datetime.combine(meta.date, dt.time(), tzinfo=dt.timezone.utc).timestamp())
    return 0


def read_sources(root: Path) -> Sources:
    """Locate and read a brief's inputs; raise BuildError listing every problem found."""
    project = locate_project(root)
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    brand = brandmod.read_brand(project.styles_dir, project.display(project.styles_dir / "brand.yaml"))
    sections, problems = collect_sections(project.content_dir, project.root)
    warnings = fail_on(problems, "Reading sections")
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    return Sources(project=project, meta=meta, brand=brand, sections=sections, csl=csl, warnings=warnings)


def parse_brief(sources: Sources) -> bytes:
    """Parse every section with citeproc into Pandoc's JSON AST (the one parse per build)."""
    run = run_pandoc(
        parse_args(sources.sections, sources.project.metadata_file, sources.project.references_file, sources.csl),
        sections=sources.sections,
        cwd=sources.project.root,
    )
    return run.output


def check_sources_only(root: Path) -> list[Problem]:
    """The `check` command on a brief: read and parse the sources, then run the source checks."""
    from .checks import check_sources

    sources = read_sources(root)
    try:
        ast = json.loads(parse_brief(sources))
    except BuildError as exc:
        # Report Pandoc's problems together with the text-level checks, not just the first failure.
        raise BuildError(exc.message, [*exc.problems, *sources.warnings, *check_sources(sources, None)]) from None
    return list(sources.warnings) + check_sources(sources, ast)


def write_html(sources: Sources, ast: bytes, epoch: int) -> str:
    """The finished HTML document (no stylesheet yet) from the AST."""
    meta = sources.meta
    variables = {
        "build-date": dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date-display": meta.display_date,
        **{f"brand-{colour.name}": colour.rgb for colour in sources.brand.colours},
    }
    run = run_pandoc(
        html_args(sources.project.templates_dir / "brief.html", variables), stdin=ast, cwd=sources.project.root
    )
    return htmlmod.finish_html(run.output.decode("utf-8"))


def _stylesheet(sources: Sources, name: str) -> str:
    path = sources.project.styles_dir / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(f"{sources.project.display(path)}: stylesheet not found") from None


def render_web(sources: Sources, document: str) -> bytes:
    """The standalone web page: brand CSS with embedded fonts plus styles/web.css, inlined."""
    css = brandmod.brand_css(sources.brand, sources.project.styles_dir, embed_fonts=True) + _stylesheet(sources, "web.css")
    return htmlmod.web_html(document, css).encode("utf-8")


def render_pdf(sources: Sources, document: str, *, press: bool = False) -> bytes:
    """A PDF rendered by WeasyPrint: the screen PDF (PDF/UA-1), or with press=True the print PDF
    (bleed, crop marks, CMYK brand colours, output intent)."""
    from . import fonts
    from .pdf import render_pdf as weasy

    styles = sources.project.styles_dir
    sheets = [
        (brandmod.brand_css(sources.brand, styles, embed_fonts=False, cmyk=press), styles),
        (_stylesheet(sources, "print.css"), styles),
    ]
    if press:
        sheets.append((_stylesheet(sources, "press.css"), styles))
    display = f"{sources.meta.slug}-print.pdf" if press else f"{sources.meta.slug}.pdf"
    printed = htmlmod.print_html(document)
    fail_on(fonts.check_glyphs(printed, sources.brand, display), "Checking glyphs")
    pdf, families, problems = weasy(
        printed,
        stylesheets=sheets,
        base_dir=sources.project.root,
        allowed_roots=sources.project.allowed_roots,
        display=display,
        pdf_variant=None if press else "pdf/ua-1",
    )
    for family in sorted(fonts.foreign_families(families, sources.brand)):
        problems.append(Problem(display, None, f"font family '{family}' is not a brand font (styles/brand.yaml); "
                                               "a CSS rule names it, or a character fell back to it"))
    fail_on(problems, "Rendering the PDF")
    return pdf


def render_docx(sources: Sources, ast: bytes, epoch: int, notes: str) -> bytes:
    """The editors' DOCX: Pandoc's writer with the brand's reference document, then finished."""
    from . import docx

    with tempfile.TemporaryDirectory(prefix="qibrief-docx-") as tmp:
        reference = Path(tmp) / "reference.docx"
        reference.write_bytes(docx.reference_docx(sources.brand, sources.meta))
        run = run_pandoc(docx_args(reference), stdin=ast, source_date_epoch=epoch, cwd=sources.project.root)
    return docx.finish_docx(run.output, sources.brand, sources.meta, notes=notes, epoch=epoch)


def render(config: BuildConfig, report: Reporter) -> Artifacts:
    """Read, parse and render every requested format in memory."""
    stages = Stages(report)
    sources: Sources = stages.run("Reading sources", lambda: read_sources(config.root))
    epoch = source_date_epoch(sources.project, sources.meta)
    ast: bytes = stages.run("Parsing with citeproc", lambda: parse_brief(sources))
    tree = json.loads(ast)
    files: dict[str, bytes] = {}
    document = None
    if {"html", "pdf", "print"} & set(config.formats):
        document = stages.run("Writing HTML", lambda: write_html(sources, ast, epoch))
    if "html" in config.formats:
        files["html"] = render_web(sources, document)
    if "docx" in config.formats:
        files["docx"] = stages.run("Writing DOCX", lambda: render_docx(sources, ast, epoch, config.docx_notes))
    if "pdf" in config.formats:
        files["pdf"] = stages.run("Rendering PDF", lambda: render_pdf(sources, document))
    if "print" in config.formats:
        files["print"] = stages.run("Rendering print PDF", lambda: render_pdf(sources, document, press=True))
    return Artifacts(sources=sources, ast=tree, files=files, html_document=document)


def check_artifacts(artifacts: Artifacts) -> list[Problem]:
    """Run the source and output checks; return every problem found (the caller decides)."""
    from .checks import check_outputs, check_sources

    problems = list(artifacts.sources.warnings)
    problems += check_sources(artifacts.sources, artifacts.ast)
    problems += check_outputs(artifacts.files, artifacts.names(), artifacts.sources)
    return problems


def publish(artifacts: Artifacts, out: Path) -> list[Path]:
    """Write each artifact to a staging file in the output folder, then move it into place atomically."""
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for fmt, name in artifacts.names().items():
            handle, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            tmp = Path(tmp_name)
            staged.append((tmp, out / name))
            with os.fdopen(handle, "wb") as stream:
                stream.write(artifacts.files[fmt])
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(tmp, 0o644)
        for tmp, final in staged:
            os.replace(tmp, final)
    except OSError as exc:
        raise BuildError(f"{out}: could not write the outputs ({exc.strerror or exc}); previous files left in place") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [final for _, final in staged]


def build(config: BuildConfig, report: Reporter) -> list[Path]:
    """Build the brief: render every requested format, then publish them all or none."""
    artifacts = render(config, report)
    problems = Stages(report).run("Checking notes and citations", lambda: check_artifacts(artifacts))
    if config.strict:
        problems = strictly(problems)
    for warning in fail_on(problems, "Checks"):
        report(str(warning))
    start = time.perf_counter()
    written = publish(artifacts, config.out)
    report(f"Publishing ({time.perf_counter() - start:.2f} s)")
    return written
