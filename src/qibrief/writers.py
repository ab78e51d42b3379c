"""From a brief's sources to each format's bytes: the one Pandoc parse with citeproc, and the writers (the HTML,
the web page, the DOCX and the PDFs) that pipeline.py runs in order."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import brand as brandmod
from . import docx, fonts, lint
from . import html as htmlmod
from . import pdf as pdfmod
from .blocks import style_blocks
from .brieffiles import MAX_STYLESHEET_BYTES
from .citestyle import style_files
from .docx.citations import mark_tree
from .formats import FORMATS
from .links import relink
from .pandoc import docx_args, embed_images, has_images, html_args, parse_args, run_pandoc
from .problems import BuildError, Problem, fail_on
from .roundtrip.sent import Apart
from .sources import Sources
from .templates import TEMPLATE


@dataclass(frozen=True)
class Parsed:
    """The one parse: the AST the outputs are written from, the HTML document (None when only the DOCX is wanted),
    and the AST still to be checked by check_parsed (None when the parse checked it already)."""

    ast: bytes
    document: str | None = None
    unchecked: bytes | None = None
    # The image files the sources show (their bytes are embedded in the AST), for the cache record.
    images: tuple[Path, ...] = ()


# The parse

def parse_brief(sources: Sources) -> Parsed:
    """Parse every section with citeproc into Pandoc's JSON AST (the one parse per build), checked by the lint."""
    run = run_pandoc(
        parse_args(sources.sections, sources.project.metadata_file, sources.project.references_file, sources.csl),
        what="parsing the sections with citeproc", sections=sources.sections, cwd=sources.project.root,
        files=style_files(sources.csl, sources.style),
    )
    fail_on(check_parsed(sources, run.output), "Checking the parsed sources")
    ast, images = embed_images(run.output, sources.project.root)
    return Parsed(ast=ast, images=images)


def parse_and_write_html(sources: Sources, epoch: int) -> Parsed:
    """The one parse with citeproc, writing the finished HTML in the same Pandoc run.

    A brief with images is checked here, before its images are embedded, and gets its HTML from a second run,
    on the AST with embedded images; otherwise the AST is left for check_parsed (Parsed.unchecked).
    """
    writer = html_args(_template_path(sources), html_variables(sources, epoch), reader=None)
    run = run_pandoc(
        parse_args(sources.sections, sources.project.metadata_file, sources.project.references_file, sources.csl,
                   writer=writer),
        what="parsing the sections with citeproc and writing the HTML", sections=sources.sections,
        cwd=sources.project.root, dump_ast=True, files={**style_files(sources.csl, sources.style), **_template_file(sources)},
    )
    if not has_images(run.ast):
        return Parsed(ast=run.ast, document=htmlmod.finish_html(run.output.decode("utf-8"), sources.meta.notes_heading),
                      unchecked=run.ast)
    fail_on(check_parsed(sources, run.ast), "Checking the parsed sources")
    ast, images = embed_images(run.ast, sources.project.root)
    return Parsed(ast=ast, document=write_html(sources, ast, epoch), images=images)


def _template_path(sources: Sources) -> Path:
    return sources.project.templates_dir / TEMPLATE


def _template_file(sources: Sources) -> dict[str, bytes]:
    # The template Pandoc reads: the checked text (templates.read_template), from memory.
    return {str(_template_path(sources)): sources.template}


def check_parsed(sources: Sources, ast: bytes) -> list[Problem]:
    """The lint's rules on the AST the outputs are written from (raw markup was looked for before the parse)."""
    return lint.check_parsed(ast, sources.sections, sources.project.root, meta=sources.meta)


# The writers

def html_variables(sources: Sources, epoch: int) -> dict[str, str]:
    """The template variables of the HTML: build date, display date, brand colours."""
    return {
        "build-date": dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date-display": sources.meta.display_date,
        **{f"brand-{colour.name}": colour.rgb for colour in sources.brand.colours},
    }


def write_html(sources: Sources, ast: bytes, epoch: int) -> str:
    """The finished HTML document (no stylesheet yet) from the AST."""
    run = run_pandoc(
        html_args(_template_path(sources), html_variables(sources, epoch)), stdin=ast, what="writing the HTML",
        cwd=sources.project.root, files=_template_file(sources),
    )
    return htmlmod.finish_html(run.output.decode("utf-8"), sources.meta.notes_heading)


def _stylesheet(sources: Sources, name: str) -> str:
    path = sources.project.styles_dir / name
    if not os.path.lexists(path):
        raise BuildError(f"{sources.project.display(path)}: stylesheet not found")
    return sources.project.read_text(path, limit=MAX_STYLESHEET_BYTES)


def render_web(sources: Sources, document: str) -> bytes:
    """The standalone web page: brand CSS with embedded fonts plus the web stylesheets (styles/web.css), inlined."""
    css = brandmod.brand_css(sources.brand, sources.project.styles_dir, embed_fonts=True)
    css += "".join(_stylesheet(sources, name) for name in FORMATS["html"].stylesheets)
    return htmlmod.web_html(document, css).encode("utf-8")


def render_docx(sources: Sources, ast: bytes, epoch: int, notes: str, apart: Apart | None = None, *,
                tree: dict | None = None) -> bytes:
    """The editors' DOCX: Pandoc's writer with the brand's reference document, then finished; apart: each section
    read alone, when the source checks' Pandoc run read them already (docx.citations.mark_tree); tree: `ast`
    parsed, when the caller has it and needs it no more (it is changed here)."""
    # Pandoc reads the reference document from memory: a build killed here leaves no temporary file.
    reference = {"reference.docx": docx.reference_docx(sources.brand, sources.meta)}
    # A relative link would be a path on the reader's disk in Word: resolved against the page's url:, or dropped.
    # A block's class gives its paragraphs the brand's Word style (blocks.style_blocks): no custom-style= in sources.
    # Citations become Word fields and section starts markers (docx.citations.mark_tree), for `import`.
    # The three work on one parsed AST, written out once.
    if tree is None:
        tree = json.loads(ast)
    mark_tree(tree, sources, apart)
    relink(tree, sources.meta.url)
    style_blocks(tree)
    run = run_pandoc(docx_args(Path("reference.docx")),
                     stdin=json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                     source_date_epoch=epoch, cwd=sources.project.root, files=reference, what="writing the DOCX")
    fonts = {path: sources.project.read_bytes(path) for path in docx.font_files(sources.brand)}
    return docx.finish_docx(run.output, sources.brand, sources.meta, notes=notes, epoch=epoch, fonts=fonts)


def render_pdf(sources: Sources, printed: str, fmt: str, *, before_layout: Callable[[], None] | None = None,
               check: Callable[[], None] | None = None) -> bytes:
    """A PDF format rendered by WeasyPrint from the print HTML (html.print_html): the screen PDF (PDF/UA-1), or
    the print PDF (bleed, crop marks, CMYK brand colours, output intent). The glyph check is the caller's
    (fonts.check_glyphs); before_layout and check are pdf.render_pdf's layout hooks."""
    press = fmt == "print"
    styles, shown = sources.project.styles_dir, sources.project.display
    sheets = [(brandmod.brand_css(sources.brand, styles, embed_fonts=False, cmyk=press), styles,
               shown(styles / "brand.yaml"))]
    sheets += [(_stylesheet(sources, name), styles, shown(styles / name)) for name in FORMATS[fmt].stylesheets]
    display = FORMATS[fmt].file_for(sources.meta.slug)
    pdf, families, problems = pdfmod.render_pdf(
        printed, stylesheets=sheets, base_dir=sources.project.root, allowed_roots=sources.project.allowed_roots,
        display=display, pdf_variant=None if press else "pdf/ua-1", before_layout=before_layout,
        bleed=pdfmod.PRESS_BLEED_PT if press else None, check=check,
    )
    for family in sorted(fonts.foreign_families(families, sources.brand)):
        problems.append(Problem(display, None, f"font family '{family}' is not a brand font (styles/brand.yaml); "
                                               "a CSS rule names it, or a character fell back to it"))
    fail_on(problems, "Rendering the PDF")
    return pdf
