"""The command line: options become a config, and the pipeline does the work."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .formats import ALL, DEFAULT, NOTE_KINDS

# One instance of each kind of path, shared by every option: each click.Path looks up the translation of its
# name ("directory", "file") through gettext, a search of the locale folders, at import (1 ms for eleven).
FOLDER = click.Path(file_okay=False, path_type=Path)
EXISTING_FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)

ROOT_OPTION = click.option(
    "--root",
    type=EXISTING_FOLDER,
    default=Path("."),
    show_default=True,
    help="The brief's folder (content/, references.yaml).",
)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks for expected failures too.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Build a policy brief from Markdown and CSL into PDF, DOCX and HTML.

    With no command, runs `build`. Exit codes: 0 ok; 1 build or validation
    failure (bad or unsafe input, a tool's warning, a failed check, outputs
    not writable; dist/ keeps its previous artifacts); 2 usage error; 3
    another build is writing to the same output folder.

    \b
    Examples:
      python build.py
      python build.py build --format pdf
      python build.py check
      python build.py new briefs/51 --number 51
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if ctx.invoked_subcommand is None:
        ctx.invoke(build_command)


def run() -> None:
    """The program: main(), then an exit that skips tearing the interpreter down.

    By then every output is written, synced and renamed into place; freeing WeasyPrint's layout and
    unloading the modules would add a tenth of a second to every build for nothing. The private
    temporary folder is removed here, the output-folder lock goes with the process, and a side process
    still shutting down dies with it (it asked Linux for that).
    """
    import os

    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    # Only a build took a private folder: `--help` and the like never import the lock's module.
    lock = sys.modules.get(f"{__package__}.lock")
    if lock is not None:
        lock.remove_private_tmpdir()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run(ctx: click.Context, action) -> None:
    from .problems import BuildError  # with the command's own modules: `--help` needs none of them

    try:
        action()
    except BuildError as exc:
        if ctx.find_root().obj.get("debug"):
            import traceback

            traceback.print_exc()
        exc.show()
        sys.exit(exc.exit_code)


@main.command("build")
@click.option(
    "--root", "roots", type=EXISTING_FOLDER, multiple=True,
    help="A brief's folder (content/, references.yaml), or a folder of such folders; repeat for several [default: .].",
)
@click.option("--out", type=FOLDER, default=None,
              help="Output folder [default: ROOT/dist; with several briefs, OUT/<folder name>].")
@click.option(
    "--format", "formats", type=click.Choice(DEFAULT), multiple=True,
    help="Format to build; repeat for several [default: all three].",
)
@click.option("--print", "print_pdf", is_flag=True,
              help="Also write the print PDF (NAME-print.pdf): bleed, crop marks, CMYK output intent.")
@click.option("--docx-notes", type=click.Choice(NOTE_KINDS), default="endnotes", show_default=True,
              help="Word note kind in the DOCX.")
@click.option("--strict", is_flag=True, help="Treat warnings (such as unused references) as errors.")
@click.option("--no-cache", is_flag=True, help="Render every format even when nothing changed.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes at once [default: the machine's cores]. With one brief, 2+ lets the DOCX and "
                   "checks run beside the PDF layout; with several, each brief builds in its own process.")
@click.option("--list-stale", is_flag=True,
              help="Build nothing: list the briefs with a format out of date (its input digest changed).")
@click.option("--json", "as_json", is_flag=True, help="With --list-stale: print the list as JSON.")
@click.pass_context
def build_command(ctx: click.Context, roots: tuple[Path, ...] = (), out: Path | None = None,
                  formats: tuple[str, ...] = (), print_pdf: bool = False, docx_notes: str = "endnotes",
                  strict: bool = False, no_cache: bool = False, jobs: int | None = None, list_stale: bool = False,
                  as_json: bool = False) -> None:
    """Build the brief into dist/ as PDF, DOCX and HTML; only what changed is rebuilt.

    \b
    Examples:
      python build.py build --root . --out dist --format pdf --format html
      python build.py build --root briefs/ --jobs 2
      python build.py build --root briefs/ --print --list-stale --json
    """
    from . import batch
    from .uptodate import build

    if as_json and not list_stale:
        raise click.UsageError("--json prints the listing: use it with --list-stale")

    def action() -> None:
        start = time.perf_counter()
        configs = batch.configs_from_options(roots=roots, out=out, formats=formats, print_pdf=print_pdf,
                                             docx_notes=docx_notes, strict=strict, no_cache=no_cache)
        if list_stale:
            from .series import list_stale as listing, show

            click.echo(show(listing(configs), as_json=as_json))
            return
        workers = jobs if jobs is not None else batch.default_jobs()
        if len(configs) == 1:
            written = build(configs[0], click.echo, parallel=workers > 1).written
        else:
            written = batch.build_many(configs, workers, click.echo)
        for path in written:
            click.echo(f"wrote {path}")
        click.echo(f"Built in {time.perf_counter() - start:.2f} s")

    _run(ctx, action)


@main.command("new")
@click.argument("directory", metavar="DIR", type=FOLDER)
@click.option("--number", default="1", show_default=True, help="The brief's number in its series (names the files).")
@click.option("--title", default="Title of the Brief", show_default=True, help="The brief's title.")
@click.option("--author", default="Author Name", show_default=True, help="The author's name.")
@click.pass_context
def new_command(ctx: click.Context, directory: Path, number: str, title: str, author: str) -> None:
    """Write a new brief folder (DIR, new or empty) that builds at once: metadata.yaml with every key explained,
    references.yaml with one entry, two sections showing every construct, an image, a .gitignore for dist/.

    \b
    Example:
      python build.py new briefs/51 --number 51 --title "The Next Brief" --author "Ada Example"
    """
    import datetime as dt

    from .scaffold import create_brief

    def action() -> None:
        for path in create_brief(directory, title=title, number=number, author=author, date=dt.date.today()):
            click.echo(f"wrote {path}")
        click.echo(f"Next: python3 build.py build --root {directory}")

    _run(ctx, action)


@main.command("watch")
@ROOT_OPTION
@click.option("--out", type=FOLDER, default=None, help="Output folder [default: ROOT/dist].")
@click.option("--print", "print_pdf", is_flag=True, help="Also keep the print PDF up to date.")
@click.pass_context
def watch_command(ctx: click.Context, root: Path, out: Path | None, print_pdf: bool) -> None:
    """Rebuild on every change to content, references, styles or templates, keeping the tools warm.

    A change that breaks the build prints the error and leaves the last good artifacts in place.

    \b
    Example:
      python build.py watch --root .
    """
    from .plan import BuildConfig
    from .watch import watch

    config = BuildConfig(root=root, out=out if out is not None else root / "dist",
                         formats=DEFAULT + (("print",) if print_pdf else ()))
    _run(ctx, lambda: watch(config, click.echo))


@main.command("check")
@ROOT_OPTION
@click.option("--strict", is_flag=True, help="Treat warnings (such as unused references) as errors.")
@click.argument("files", nargs=-1, type=EXISTING_FILE)
@click.pass_context
def check_command(ctx: click.Context, root: Path, strict: bool, files: tuple[Path, ...]) -> None:
    """Check the sources' notes and citations, or the given PDF/DOCX/HTML files.

    A DOCX is read with its pending tracked changes accepted (and a note deleted or inserted with Track Changes
    is a warning). Files are compared with each other, with the brief's sources when --root is given; one
    file named for the brief, with what was built in ROOT/dist or beside it, else with the sources.

    \b
    Examples:
      python build.py check
      python build.py check --root . edited/qi-brief-50.docx
      python build.py check dist/qi-brief-50.docx dist/qi-brief-50.pdf
    """
    from .checks import SUFFIXES
    from .pipeline import check_files, check_sources_only
    from .problems import fail_on, strictly

    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            raise click.BadParameter(f"{path}: expected a .pdf, .docx or .html file", param_hint="FILES")

    def action() -> None:
        with_sources = ctx.get_parameter_source("root") is not click.core.ParameterSource.DEFAULT
        problems = check_files(list(files), root, with_sources=with_sources) if files else check_sources_only(root)
        if strict:
            problems = strictly(problems)
        for warning in fail_on(problems, "check"):
            click.echo(str(warning))
        click.echo("check: no errors found")

    _run(ctx, action)


@main.command("refs")
@ROOT_OPTION
@click.pass_context
def refs_command(ctx: click.Context, root: Path) -> None:
    """List each reference's full and short note as the brief prints them; flag incomplete or unused ones.

    \b
    Example:
      python build.py refs --root .
    """
    from .problems import BuildError
    from .refs import list_references

    def action() -> None:
        listing, problems = list_references(root)
        for line in listing:
            click.echo(line)
        for problem in problems:
            click.echo(str(problem))
        if any(p.is_error for p in problems):
            raise BuildError(f"refs: {sum(p.is_error for p in problems)} errors")

    _run(ctx, action)


@main.command("import")
@click.argument("docx", metavar="EDITED.docx", type=EXISTING_FILE)
@ROOT_OPTION
@click.option("--out", type=FOLDER, default=None,
              help="Write the imported sections here instead of into ROOT/content/.")
@click.option("--review", is_flag=True,
              help="Also write pending tracked changes and comments as CriticMarkup into review/ (ROOT or OUT).")
@click.pass_context
def import_command(ctx: click.Context, docx: Path, root: Path, out: Path | None, review: bool) -> None:
    """Bring an edited DOCX (built by `build`) back into the brief's section files.

    Tracked changes are taken as accepted; pending changes and comments are listed with their section file and
    line. Citations come back as [@key, locator], notes, pull quotes and headings as the sources write them.
    Refuses to overwrite a section file with uncommitted changes or one changed since the DOCX was built.
    Exit codes: 0 imported (warnings are printed); 1 refused or unreadable, nothing written.

    \b
    Example:
      python build.py import ~/Downloads/qi-brief-50-edited.docx --root .
      git diff --word-diff content/
    """
    from .roundtrip.imports import import_brief

    def action() -> None:
        result = import_brief(docx, root, out, review)
        for problem in result.problems:
            click.echo(str(problem))
        for path in result.written:
            click.echo(f"wrote {path}")
        click.echo(f"Imported {docx}: {len(result.written)} file(s) written, {len(result.unchanged)} unchanged")

    _run(ctx, action)


@main.command("clean")
@ROOT_OPTION
@click.option("--out", type=FOLDER, default=None, help="Output folder [default: ROOT/dist].")
@click.pass_context
def clean_command(ctx: click.Context, root: Path, out: Path | None) -> None:
    """Remove the built artifacts (and only them) from the output folder.

    \b
    Example:
      python build.py clean
    """
    from .clean import clean

    def action() -> None:
        for path in clean(root, out if out is not None else root / "dist"):
            click.echo(f"removed {path}")

    _run(ctx, action)


@main.command("release")
@ROOT_OPTION
@click.option("--out", type=FOLDER, default=None, help="Output folder [default: ROOT/dist].")
@click.option("--format", "formats", type=click.Choice(ALL), multiple=True,
              help="Format to release; repeat for several [default: all four, the print PDF included].")
@click.option("--strict", is_flag=True, help="Treat warnings (such as unused references) as errors.")
@click.option("--keep-record", is_flag=True,
              help="Keep the build cache's record in OUT too, for `build --print --list-stale` (CI series mode).")
@click.pass_context
def release_command(ctx: click.Context, root: Path, out: Path | None, formats: tuple[str, ...], strict: bool,
                    keep_record: bool = False) -> None:
    """Build every artifact, run every check, and write manifest.json (sizes, hashes, counts, versions) beside them.

    \b
    Example:
      python build.py release --out dist
    """
    from .release import release

    def action() -> None:
        start = time.perf_counter()
        done = release(root=root, out=(out if out is not None else root / "dist"), formats=formats, strict=strict,
                       report=click.echo, keep_record=keep_record)
        for path in (*done.files, done.manifest_path):
            click.echo(f"wrote {path}")
        click.echo(f"Released in {time.perf_counter() - start:.2f} s")

    _run(ctx, action)


@main.command("verify")
@ROOT_OPTION
@click.argument("directory", metavar="DIR", type=EXISTING_FOLDER)
@click.pass_context
def verify_command(ctx: click.Context, root: Path, directory: Path) -> None:
    """Rebuild from the current sources and compare each artifact with DIR/manifest.json (exit 1 on any difference).

    \b
    Example:
      python build.py verify dist
    """
    from .release import verdict, verify

    def action() -> None:
        comparisons = verify(root=root, directory=directory, report=click.echo)
        for comparison in comparisons:
            click.echo(str(comparison))
        click.echo(verdict(comparisons, directory))

    _run(ctx, action)
