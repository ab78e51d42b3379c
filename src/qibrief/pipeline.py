"""The build of one brief, as the stages it runs in order, each a function from values to values:

1. sources   sources.collect_sources        the brief's inputs, read and checked          -> Sources
2. parse     parse                          one Pandoc parse with citeproc, and the HTML   -> writers.Parsed
3. outputs   writers.render_web; check_sources_and_write_docx (the DOCX and the source checks) -> bytes
4. PDFs      render_pdfs                    WeasyPrint, the screen PDF and the print PDF   -> bytes
5. checks    check_notes                    every output's notes, compared across formats  -> problems
6. publish   publish                        every artifact moved into place at once        -> paths

render() runs stages 1-5 in memory, run() all six and keeps the cache record; uptodate.build, the entry point,
calls run() when something changed. Which stage runs where and what overlaps is schedule.py's: the stages hand
side work to a Scheduler and read back SideResults.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from . import cache, checks, fonts, lint
from . import html as htmlmod
from .formats import FORMATS, PDFS, file_names, in_order
from .checks.built import built_for, built_html, manifest_count, notes_from_ast
from .checks.chicago import entry_forms, entry_forms_and_apart, item_forms
from .checks.references import read_entries
from .metadata import Metadata, read_metadata
from .project import locate_project
from .plan import BuildConfig, Built, Plan, Reporter, source_date_epoch
from .problems import BuildError, Problem, fail_on, strictly
from .roundtrip.sent import Apart
from .schedule import Scheduler, SideResult
from .sources import Sources, collect_sources, read_sources
from .writers import Parsed, check_parsed, parse_and_write_html, parse_brief, render_docx, render_pdf, render_web


@dataclass(frozen=True)
class Artifacts:
    """The rendered outputs in memory, keyed by format, with the sources and AST they came from, the build date
    they carry, and every problem the checks found on the way."""

    sources: Sources
    ast_json: bytes
    files: dict[str, bytes]
    html_document: str | None = None
    problems: tuple[Problem, ...] = ()
    epoch: int = 0
    images: tuple[Path, ...] = ()

    @property
    def meta(self) -> Metadata:
        """The brief's metadata."""
        return self.sources.meta

    def names(self) -> dict[str, str]:
        """File name per format, e.g. {'pdf': 'qi-brief-50.pdf'}."""
        return file_names(self.meta.slug, self.files)


class Stages:
    """Announces each stage and how long it took ("Rendering PDF (1.34 s)"), side work included."""

    def __init__(self, report: Reporter) -> None:
        self._report = report

    def run(self, name: str, step: Callable[[], object]):
        """step(), reported with its time."""
        start = time.perf_counter()
        result = step()
        self._report(f"{name} ({time.perf_counter() - start:.2f} s)")
        return result

    def reported(self, result: SideResult, when: str | None) -> SideResult:
        """A side task's result, its steps' times reported and `when` they ran ("beside the layout")."""
        for label, seconds in result.timings:
            self._report(f"{label} ({seconds:.2f} s, {when})" if when else f"{label} ({seconds:.2f} s)")
        return result


# 2. The parse

def parse(sources: Sources, wanted: tuple[str, ...], epoch: int, scheduler: Scheduler, stages: Stages) -> Parsed:
    """The one Pandoc parse with citeproc, and the HTML from it when a format wants it; the rest of the lint
    (references.yaml read strictly, raw markup) runs meanwhile, and its errors fail the build first."""
    # Pandoc reads nothing the lint before the parse (sources.collect_sources) has not passed. Run inline, the
    # rest runs first and stops the build before the parse.
    linted = scheduler.submit("Linting the sources", lint.lint_beside_parse, sources.project, sources.sections,
                              sources.meta)
    if not scheduler.parallel:
        _settle(linted, "Checking the sources", None, scheduler, stages)
    try:
        if any(FORMATS[fmt].template for fmt in wanted):
            parsed = stages.run("Parsing with citeproc, writing HTML", lambda: parse_and_write_html(sources, epoch))
        else:
            parsed = stages.run("Parsing with citeproc", lambda: parse_brief(sources))
    except BuildError:
        _settle(linted, "Checking the sources", "beside the parse", scheduler, stages)  # its findings come first
        raise
    if scheduler.parallel:
        _settle(linted, "Checking the sources", "beside the parse", scheduler, stages)
    return parsed


def _settle(future: Future, stage: str, when: str | None, scheduler: Scheduler, stages: Stages) -> None:
    # A side check's outcome: its time reported, its errors failing the build under `stage`.
    fail_on(stages.reported(scheduler.result(future), when).problems, stage)


# 3. The DOCX and the web page (the HTML came with the parse)

def check_sources_and_write_docx(sources: Sources, ast: bytes, epoch: int, notes: str, name: str | None) -> SideResult:
    """Side work that needs only the AST: the source checks, and the DOCX named `name` (when wanted) with its notes."""
    tree = json.loads(ast)
    apart: list[Apart] = []  # each section read alone, when the run for the forms read them

    def forms_of(keys: list[str]) -> dict[str, tuple[str, str]]:
        # With a DOCX to write, one Pandoc run gives the forms and each section read alone. Should it fail, the
        # runs alone follow and report what they always reported: the forms' run here, the sections' in the DOCX's.
        if name is not None:
            try:
                forms, read = entry_forms_and_apart(sources, keys, tree["pandoc-api-version"])
                apart.append(read)
                return forms
            except BuildError:
                pass
        return entry_forms(sources, keys)

    problems, checking = _timed("Checking sources", lambda: checks.check_sources(sources, tree, forms_of))
    if name is None:
        return SideResult(problems=tuple(problems), timings=(checking,))
    # The checks only read the tree: the DOCX's writer takes it over rather than parse the AST again.
    data, writing = _timed("Writing DOCX", lambda: render_docx(sources, ast, epoch, notes,
                                                                apart[0] if apart else None, tree=tree))
    (notes_read, found), reading = _timed("Reading DOCX notes", lambda: checks.read_notes("docx", data, name))
    return SideResult(problems=(*problems, *found), timings=(checking, writing, reading), docx=data, notes=notes_read)


def read_notes(fmt: str, data: bytes, name: str) -> SideResult:
    """Side work: one artifact's notes, for the checks across formats."""
    (notes_read, found), reading = _timed(f"Reading {name} notes", lambda: checks.read_notes(fmt, data, name))
    return SideResult(problems=tuple(found), timings=(reading,), notes=notes_read)


def _timed(label: str, step: Callable[[], object]) -> tuple[object, tuple[str, float]]:
    start = time.perf_counter()
    result = step()
    return result, (label, time.perf_counter() - start)


# 4. The PDFs

def render_pdfs(sources: Sources, document: str | None, wanted: tuple[str, ...], checked: Future | None,
                scheduler: Scheduler, stages: Stages) -> dict[str, bytes]:
    """The PDF formats wanted, laid out one after the other while the side process checks their glyphs; what
    `checked` (the parsed AST's check) refuses is never laid out."""
    pdfs = [fmt for fmt in PDFS if fmt in wanted]
    printed = htmlmod.print_html(document, sources.meta.url) if pdfs else ""
    names = file_names(sources.meta.slug, pdfs)
    glyphs = [scheduler.submit(f"Checking glyphs of {names[fmt]}", fonts.check_glyphs, printed, sources.brand,
                               names[fmt]) for fmt in pdfs]
    scheduler.wait_for_renderer()

    def before_layout() -> None:  # while WeasyPrint parses the HTML, the side process finishes the check
        if checked is not None:
            _settle(checked, "Checking the parsed sources", "beside the parse", scheduler, stages)

    hooks = scheduler.layout_hooks(before_layout)
    if not pdfs:
        hooks.before_layout()
    files = {}
    try:
        for fmt in pdfs:
            files[fmt] = stages.run(f"Rendering {FORMATS[fmt].title}", lambda: render_pdf(
                sources, printed, fmt, before_layout=hooks.before_layout, check=hooks.check))
    finally:
        if hooks.started:  # a character no brand font has also fails the layout; the glyph check says where
            for future in glyphs:
                _settle(future, "Checking glyphs", scheduler.beside("layout"), scheduler, stages)
    return files


# 5. The checks

def check_notes(sources: Sources, files: dict[str, bytes], futures: list[Future], scheduler: Scheduler,
                stages: Stages) -> tuple[list[Problem], dict[str, bytes]]:
    """Every problem found: the sources' warnings, the side work's findings, each output's notes (the PDFs' read
    here, on the critical path) and the notes compared across formats; and what the side work made (the DOCX)."""
    names = file_names(sources.meta.slug, files)
    pdf_notes = [stages.run(f"Reading {names[fmt]} notes", lambda: checks.read_notes(fmt, files[fmt], names[fmt]))
                 for fmt in PDFS if fmt in files]
    return stages.run("Checking notes across formats",
                      lambda: _compare_notes(sources, pdf_notes, futures, scheduler, stages))


def _compare_notes(sources: Sources, pdf_notes: list, futures: list[Future], scheduler: Scheduler,
                   stages: Stages) -> tuple[list[Problem], dict[str, bytes]]:
    problems: list[Problem] = list(sources.warnings)
    rendered, made = [], {}
    for future in futures:
        result = stages.reported(scheduler.result(future), scheduler.beside("layout"))
        problems += result.problems
        if result.docx is not None:
            made["docx"] = result.docx
        if result.notes is not None:
            rendered.append(result.notes)
    for notes_read, found in pdf_notes:
        rendered.append(notes_read)
        problems += found
    problems += checks.check_across(rendered)
    return problems, made


# 6. Publish

def publish(artifacts: Artifacts, out: Path, beside: Mapping[str, bytes] | None = None) -> list[Path]:
    """Write each artifact (and each file `beside` them, by name) to a staging file in the output folder, then
    move each into place atomically.

    Staging files sit beside their targets (one file system, so os.replace is atomic) and are removed on any
    failure: a full disk or an unwritable folder leaves the previous artifacts byte for byte. A build killed
    while staging leaves hidden .NAME.XXXXXXXX.tmp files, which the next build removes under its lock.
    """
    files = {name: artifacts.files[fmt] for fmt, name in artifacts.names().items()} | dict(beside or {})
    staged: list[tuple[Path, Path]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            # mkstemp: an unpredictable name, opened O_CREAT | O_EXCL | O_NOFOLLOW (lock._STAGING knows the shape).
            handle, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
            staged.append((Path(tmp_name), out / name))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(tmp_name, 0o644)
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


# Stages 1-5 in memory, and all six

def render(config: BuildConfig, report: Reporter, *, epoch: int | None = None, scheduler: Scheduler | None = None,
           formats: tuple[str, ...] | None = None, existing: Mapping[str, bytes] | None = None) -> Artifacts:
    """Read, parse and render the requested formats in memory, running every check on the way.

    `existing` holds artifacts that need no rebuild but take part in the checks across formats. Without a
    `scheduler`, the side work runs in a side process of its own.
    """
    wanted = tuple(formats if formats is not None else config.formats)
    own = scheduler is None
    scheduler = Scheduler.forked() if scheduler is None else scheduler
    try:
        scheduler.import_renderer(wanted)  # overlaps reading and parsing the sources
        stages = Stages(report)
        sources = stages.run("Reading sources", lambda: collect_sources(config.root))
        epoch = source_date_epoch(sources.project, sources.meta) if epoch is None else epoch
        return _render(config, sources, wanted, existing or {}, epoch, scheduler, stages)
    finally:
        if own:
            scheduler.close(wait=True)


def _render(config: BuildConfig, sources: Sources, wanted: tuple[str, ...], existing: Mapping[str, bytes],
            epoch: int, scheduler: Scheduler, stages: Stages) -> Artifacts:
    names = file_names(sources.meta.slug)
    parsed = parse(sources, wanted, epoch, scheduler, stages)
    # Side work from here on: the parsed AST's check, the source checks and the DOCX, every output's notes.
    checked = (scheduler.submit("Checking the parsed sources", check_parsed, sources, parsed.unchecked)
               if parsed.unchecked is not None else None)
    futures = [scheduler.submit("Writing the DOCX", check_sources_and_write_docx, sources, parsed.ast, epoch,
                                config.docx_notes, names["docx"] if "docx" in wanted else None,
                                doing="writing the DOCX and checking the sources")]
    futures += [scheduler.submit(f"Reading {names[fmt]} notes", read_notes, fmt, data, names[fmt],
                                 doing=f"reading {names[fmt]}'s notes") for fmt, data in existing.items()]
    files: dict[str, bytes] = {}
    if "html" in wanted:
        files["html"] = render_web(sources, parsed.document)
        futures.append(scheduler.submit(f"Reading {names['html']} notes", read_notes, "html", files["html"],
                                        names["html"], doing=f"reading {names['html']}'s notes"))
    files.update(render_pdfs(sources, parsed.document, wanted, checked, scheduler, stages))
    problems, made = check_notes(sources, files, futures, scheduler, stages)
    files.update(made)
    return Artifacts(sources=sources, ast_json=parsed.ast, files={fmt: files[fmt] for fmt in in_order(files)},
                     html_document=parsed.document, problems=tuple(problems), epoch=epoch, images=parsed.images)


def run(config: BuildConfig, plan: Plan, report: Reporter, *, parallel: bool = True, scheduler: Scheduler | None = None,
        beside: Callable[[Artifacts], dict[str, bytes]] | None = None, record: bool | None = None) -> Built:
    """Render the formats the plan found out of date, check everything, publish all or none.

    `beside` makes files to publish with the artifacts from them, before anything is written: a release's
    manifest.json. A release keeps no cache record (its folder holds the artifacts and the manifest only) unless
    `record` says so (CI's series mode); a build records what it published, for the next build's plan.
    """
    own = scheduler is None
    scheduler = (Scheduler.forked() if parallel else Scheduler.inline()) if scheduler is None else scheduler
    try:
        artifacts = render(config, report, epoch=plan.epoch, scheduler=scheduler, formats=plan.stale,
                           existing=plan.existing)
    finally:
        if own:  # not waiting: the side process has done its work and leaves on its own (or with this process)
            scheduler.close()
    problems = strictly(artifacts.problems) if config.strict else artifacts.problems
    for warning in fail_on(problems, "Checks"):
        report(str(warning))
    stages = Stages(report)
    extra = stages.run("Counting and hashing", lambda: beside(artifacts)) if beside is not None else {}
    start = time.perf_counter()
    written = publish(artifacts, config.out, extra)
    keep_record = record if record is not None else beside is None
    if keep_record:
        _record(config, plan, artifacts)
    report(f"Publishing ({time.perf_counter() - start:.2f} s)")
    return Built(written=tuple(written[:len(artifacts.files)]), beside=extra)


def _record(config: BuildConfig, plan: Plan, artifacts: Artifacts) -> None:
    # The cache record of what was just published, with what the next build's plan needs of metadata.yaml.
    meta = artifacts.meta
    root = plan.project.root
    cache.save_cache(config.out, artifacts.names(), plan.digests, artifacts.files, metadata=(
        plan.project.read_bytes(plan.project.metadata_file),
        cache.MetadataMemo(slug=meta.slug, citation_style=meta.citation_style, date=meta.date)),
        images=cache.image_hashes(root, artifacts.images))


def check_sources_only(root: Path) -> list[Problem]:
    """The `check` command on a brief: read and parse the sources, then run the source checks."""
    sources = read_sources(root)
    try:
        ast = json.loads(parse_brief(sources).ast)
    except BuildError as exc:
        # Report Pandoc's problems together with the text-level checks, not just the first failure.
        raise BuildError(exc.message, [*exc.problems, *sources.warnings, *checks.check_sources(sources, None)]) from None
    return list(sources.warnings) + checks.check_sources(sources, ast)


def check_files(files: list[Path], root: Path, *, with_sources: bool) -> list[Problem]:
    """The `check` command on files: each file's own rules, then their notes aligned with a reference. Several
    files are compared with each other; with_sources (--root given), with the brief's sources. One file alone
    is compared with what was built for its brief (named by its slug) in ROOT/dist or beside it: the HTML a
    build's signed cache record vouches for, else a release's note count; with neither, with the sources."""
    if with_sources:
        return _against_sources(files, root)
    docx = [f for f in files if checks.SUFFIXES.get(f.suffix.lower()) == "docx"]
    # The brief's style and references judge a DOCX's citation fields only when every DOCX is named for it.
    forms_of = _forms_in(root) if docx and all(_brief_of(root, f) for f in docx) else None
    folders = tuple(dict.fromkeys(p.resolve() for p in (root / "dist", *(f.parent for f in files)) if p.is_dir()))
    if len(files) == 1:
        built = next(filter(None, (built_html(folder, files[0]) for folder in folders)), None)
        if built is not None:
            return checks.check_paths(files, built, forms_of=forms_of)
        if all(manifest_count(folder, files[0]) is None for folder in folders) and _brief_of(root, files[0]):
            return _against_sources(files, root)
    return checks.check_paths(files, built_dirs=folders, forms_of=forms_of)


def _forms_of(sources: Sources) -> checks.FormsOf:
    """Citeproc's full and short forms of a DOCX's cited items in the brief's style: from the brief's references
    for the keys it holds (a field's item data is their plain text: title-casing marks such as [than]{.nocase}
    are lost), else from the field's item data; a key citeproc cannot format is left out."""
    def forms_of(items: dict[str, dict]) -> dict[str, tuple[str, str]]:
        project = sources.project
        entries, _ = read_entries(project.references_file, project.display(project.references_file))
        known = sorted(items.keys() & {entry.ident for entry in entries})
        forms: dict[str, tuple[str, str]] = {}
        try:
            forms.update(entry_forms(sources, known) if known else {})
        except BuildError:
            pass  # the brief's references do not format: the fields' item data still may
        others = {key: item for key, item in items.items() if key not in forms and set(item) - {"id"}}
        try:
            forms.update(item_forms(sources.style, others, project.metadata_file) if others else {})
        except BuildError:
            pass  # those fields are judged by their item data's words
        return forms
    return forms_of


def _forms_in(root: Path) -> checks.FormsOf | None:
    # Inside a brief its citation style is at hand; elsewhere (or a brief that does not read) there is none.
    try:
        return _forms_of(read_sources(root))
    except BuildError:
        return None


def _brief_of(root: Path, path: Path) -> bool:
    # True when ROOT is a brief whose slug begins the file's name; a folder that is not a brief is no error here.
    try:
        project = locate_project(root)
        return built_for(path, read_metadata(project.metadata_file, project.display(project.metadata_file)).slug)
    except BuildError:
        return False


def _against_sources(files: list[Path], root: Path) -> list[Problem]:
    sources = read_sources(root)
    ast = json.loads(parse_brief(sources).ast)
    return list(sources.warnings) + checks.check_paths(files, notes_from_ast(ast, "the sources"),
                                                       forms_of=_forms_of(sources))
