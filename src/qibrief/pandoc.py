"""Pandoc, run as a bounded subprocess: one parse with citeproc to a JSON AST, then one writer per output."""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import unquote, urlsplit

from . import brieffiles
from .images import find_image, image_type
from .problems import BuildError, Problem
from .sections import Section

TIMEOUT_SECONDS = 60
# After a run over TIMEOUT_SECONDS, each section is read alone (no citeproc) for at most this long, to name the
# one that stalls the reader; all of them together get at most PROBE_BUDGET_SECONDS.
PROBE_SECONDS = 5
PROBE_BUDGET_SECONDS = 20
# Pandoc's runtime (GHC's RTS): at most 1 GB of heap, and a garbage collector sized for runs that keep under
# 10 MB alive. The bundled Pandoc is built with -with-rtsopts=-H64m, a 64 MB heap from the start: 175 MB resident
# per run where -H8m gives 120-126 MB (the binary's own pages are most of it). Brief 50's runs then spent 40% of
# their CPU collecting, a third of it in major collections (8 in the parse): -O12m lets the old generation reach
# 12 MB before one, which halves their number and cuts the runs' collecting by a third, 0.15 s of CPU over a
# build's three runs at the same resident size (docs/performance.md, "Third pass").
RTS_OPTIONS = ("-M1G", "-H8m", "-O12m")
# Pandoc's user data directory for every run: a folder that holds no Pandoc data files.
EMPTY_DATA_DIR = Path(__file__).resolve().parent / "pandoc-data"
# The Lua filter that hands the AST out of a run that writes another format (see run_pandoc's dump_ast).
DUMP_AST_FILTER = Path(__file__).resolve().parent / "filters" / "dump-ast.lua"
# The Lua filter run right after citeproc: a citation inside an author's note printed in place, as Chicago
# prints it, however the author wrote it ([@key, 3] or @key [3]); see the filter's own comment.
NOTE_CITATIONS_FILTER = Path(__file__).resolve().parent / "filters" / "note-citations.lua"
# Raw HTML and raw attributes are off: a section cannot smuggle markup, scripts or URLs into outputs.
# Native spans and divs too: with raw_html off, Pandoc 3.9 still reads <span style=...> and <div style=...>
# as Span and Div with those attributes, and looks ahead for </span> from every "<" to the end of the
# document (a hundred "a < b" before 400 KB of text took 8 s; 0.4 s without).
READER = "markdown-yaml_metadata_block-raw_html-raw_attribute-raw_tex-native_spans-native_divs"


@lru_cache(maxsize=1)
def pandoc_binary() -> str:
    """The Pandoc shipped with pypandoc-binary (never one found on PATH or in the current folder)."""
    # Found where pypandoc-binary puts it (pypandoc/files/pandoc) without importing pypandoc: its import
    # (urllib.request, certifi: 40 ms) and get_pandoc_path(), which runs `pandoc --version` on every candidate
    # (PATH's first) to pick the newest, cost each process that runs Pandoc. PYPANDOC_PANDOC, pypandoc's own
    # override, is honoured; without the bundled binary, pypandoc's search decides.
    override = os.environ.get("PYPANDOC_PANDOC")
    if override:
        return override
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        bundled = Path(folder) / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    import pypandoc

    return pypandoc.get_pandoc_path()


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    """Pandoc's version number, e.g. '3.9'."""
    out = subprocess.run([pandoc_binary(), "--version"], capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.split()[1]


@dataclass(frozen=True)
class PandocRun:
    """What one Pandoc call produced: its output bytes and the problems it logged."""

    output: bytes
    problems: tuple[Problem, ...]
    ast: bytes | None = None


def parse_args(
    sections: Sequence[Section], metadata_file: Path, references: Path, csl: Path, *, writer: Sequence[str] = ("--to", "json")
) -> list[str]:
    """Arguments for the one parse of all sections with citeproc: into Pandoc's JSON AST, or with `writer`
    (e.g. html_args(..., reader=None)) straight into another format."""
    return [
        "--from", READER,
        *writer,
        "--metadata-file", str(metadata_file),
        "--citeproc",
        "--lua-filter", str(NOTE_CITATIONS_FILTER),
        # The brief prints notes only; the bibliography is for `refs`.
        "--metadata", "suppress-bibliography=true",
        "--csl", str(csl),
        "--bibliography", str(references),
        *[str(s.path) for s in sections],
    ]


def html_args(template: Path, variables: dict[str, str], *, reader: str | None = "json") -> list[str]:
    """Arguments for writing the standalone HTML from the JSON AST (reader=None: the writer's part only).

    Pandoc puts a --variable into the template as it is, unescaped (metadata it escapes itself): every
    variable is HTML-escaped here, once, quotes included (templates use them in attributes too).
    """
    args = [*(["--from", reader] if reader else []), "--to", "html5", "--standalone", "--section-divs", "--wrap=none", "--template", str(template)]
    for key, value in sorted(variables.items()):
        args += ["--variable", f"{key}={html.escape(str(value), quote=True)}"]
    return args


def docx_args(reference_doc: Path) -> list[str]:
    """Arguments for writing the DOCX from the JSON AST."""
    return ["--from", "json", "--to", "docx", "--reference-doc", str(reference_doc)]


def run_pandoc(
    args: Sequence[str],
    *,
    stdin: bytes | None = None,
    sections: Sequence[Section] = (),
    source_date_epoch: int | None = None,
    cwd: Path | None = None,
    warnings_fail: bool = True,
    files: Mapping[str, bytes] | None = None,
    dump_ast: bool = False,
    what: str | None = None,
) -> PandocRun:
    """Run Pandoc sandboxed, with a time and heap limit, warnings as errors; return output and problems.

    `files` gives the contents of file arguments: each argument equal to one of its keys is replaced by a
    path Pandoc reads those bytes from. Pandoc writes its output to a pipe, its JSON log and those files
    are anonymous in-memory files (Linux), so a build killed mid-run leaves no temporary files behind;
    and Pandoc dies with the build, not orphaned.

    With dump_ast, a Lua filter run after every other transformation (citeproc included) also hands out the
    document as JSON AST, in `ast`: one run then gives both a written format and the parse. `what` says what
    the run does, for the message when it runs out of time.
    """
    ast_file = _log_file("qibrief-pandoc-ast") if dump_ast else nullcontext(("", (), lambda: b""))
    with (_log_file() as (log_path, log_fds, read_log), _input_files(files or {}) as (paths, file_fds),
          ast_file as (ast_path, ast_fds, read_ast)):
        command = _command([paths.get(arg, arg) for arg in args], log_path, dump_ast=dump_ast,
                           warnings_fail=warnings_fail)
        try:
            done = subprocess.run(
                command, input=stdin if stdin is not None else b"", capture_output=True, timeout=TIMEOUT_SECONDS,
                cwd=cwd, env=_environment(source_date_epoch, ast_path if dump_ast else None),
                pass_fds=(*log_fds, *file_fds, *ast_fds),
            )
        except subprocess.TimeoutExpired:
            raise BuildError(_timeout_message(what, sections, cwd)) from None
        problems = _parse_log(read_log().decode("utf-8", "replace"), sections)
        ast = read_ast() if dump_ast and done.returncode == 0 else None
    if done.returncode == 251:
        raise BuildError("pandoc: ran out of its 1 GB memory limit; a section may hold pathological input", problems)
    if done.returncode != 0:
        if problems:
            raise BuildError("Pandoc reported problems; nothing was written.", problems)
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        for name, path in paths.items():  # name the file given, not where Pandoc read its bytes
            message = message.replace(path, name)
        raise BuildError(f"pandoc: {message}")
    if dump_ast and not ast:
        raise BuildError("pandoc: the run gave no AST (filters/dump-ast.lua wrote nothing)")
    output = done.stdout
    # The AST records where Pandoc read the style (meta "csl"): the file given, not a temporary copy.
    for name, path in paths.items():
        given, read = json.dumps(name).encode("utf-8"), json.dumps(path).encode("utf-8")
        ast = ast.replace(read, given) if ast else ast
        if _writes_json(args):
            output = output.replace(read, given)
    return PandocRun(output=output, problems=tuple(problems), ast=ast)


def _command(args: Sequence[str], log_path: str, *, dump_ast: bool, warnings_fail: bool) -> list[str]:
    """Pandoc's command line around the caller's arguments: sandboxed, bounded, logging to log_path."""
    return [
        *_die_with_parent(),
        pandoc_binary(),
        *args,
        *(["--lua-filter", str(DUMP_AST_FILTER)] if dump_ast else []),
        "--sandbox",
        # Pandoc's user data directory (templates, filters, defaults, reference.docx) is outside the
        # sandbox; an empty one keeps ~/.local/share/pandoc out of the build.
        "--data-dir", str(EMPTY_DATA_DIR),
        *(["--fail-if-warnings"] if warnings_fail else []),
        f"--log={log_path}",
        "--output", "-",
        "+RTS", *RTS_OPTIONS, "-RTS",
    ]


def _environment(source_date_epoch: int | None, ast_path: str | None) -> dict[str, str]:
    """Pandoc's environment: no PANDOC* variables, a fixed locale and time zone, the build date, the AST's path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANDOC")}
    env["LC_ALL"] = "C.UTF-8"
    env["TZ"] = "UTC"
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    if ast_path is not None:
        env["QIBRIEF_AST"] = ast_path
    return env


def _timeout_message(what: str | None, sections: Sequence[Section], cwd: Path | None) -> str:
    # Name the input that stalled Pandoc where it can be found: a section the reader stalls on alone.
    if sections:
        slow = _slow_section(sections, cwd)
        if slow is not None:
            return (f"{slow.display}: Pandoc's reader ran past {PROBE_SECONDS} s on this section alone ({what or 'the run'} "
                    f"gave up after {TIMEOUT_SECONDS} s); look for deep nesting or long runs of brackets, "
                    "parentheses or emphasis in it")
        return (f"pandoc: {what or 'the run'} gave up after {TIMEOUT_SECONDS} s, though each section reads quickly "
                "alone: look at references.yaml and the citation style, which citeproc was formatting")
    if what:
        return f"pandoc: {what} gave up after {TIMEOUT_SECONDS} s"
    return (f"pandoc: gave up after {TIMEOUT_SECONDS} s; a section may hold pathological nesting "
            "(deeply nested brackets, lists or quotes)")


def _slow_section(sections: Sequence[Section], cwd: Path | None) -> Section | None:
    deadline = time.monotonic() + PROBE_BUDGET_SECONDS
    for section in sections:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            subprocess.run([*_die_with_parent(), pandoc_binary(), "--from", READER, "--to", "json", "--sandbox",
                            "--data-dir", str(EMPTY_DATA_DIR), "+RTS", *RTS_OPTIONS, "-RTS"],
                           input=section.text.encode("utf-8"), capture_output=True, cwd=cwd,
                           timeout=min(PROBE_SECONDS, left), env={"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "")})
        except subprocess.TimeoutExpired:
            return section if min(PROBE_SECONDS, left) >= PROBE_SECONDS else None
    return None


def _writes_json(args: Sequence[str]) -> bool:
    return any(arg == "json" and previous in ("--to", "-t") for previous, arg in zip(args, args[1:]))


@contextmanager
def _log_file(name: str = "qibrief-pandoc-log") -> Iterator[tuple[str, tuple[int, ...], Callable[[], bytes]]]:
    """Where Pandoc writes its JSON log (or the AST): an anonymous memory file where Linux has them, else a
    temp folder."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(name)
        try:
            def read() -> bytes:
                os.lseek(fd, 0, os.SEEK_SET)
                with os.fdopen(os.dup(fd), "rb") as stream:
                    return stream.read()

            yield f"/dev/fd/{fd}", (fd,), read
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="qibrief-pandoc-") as tmp:
        log = Path(tmp) / f"{name}.json"
        yield str(log), (), lambda: log.read_bytes() if log.exists() else b""


# Pandoc appends ".csl" to a style path and ".html" to a template path that has no extension.
_SUFFIXED = (".csl", ".html")


@contextmanager
def _input_files(files: Mapping[str, bytes]) -> Iterator[tuple[dict[str, str], tuple[int, ...]]]:
    """A readable path for each file's bytes: an anonymous memory file where Linux has them, else a temp folder.

    A path under /dev/fd has no extension, and Pandoc adds ".csl" to a style path and ".html" to a template
    path without one: those go to the temp folder (the build's private TMPDIR, emptied however the build ends).
    """
    if not files:
        yield {}, ()
        return
    if hasattr(os, "memfd_create") and not any(Path(name).suffix in _SUFFIXED for name in files):
        fds: list[int] = []
        try:
            paths = {}
            for name, data in files.items():
                fd = os.memfd_create("qibrief-pandoc-input")
                fds.append(fd)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.lseek(fd, 0, os.SEEK_SET)
                paths[name] = f"/dev/fd/{fd}"
            yield paths, tuple(fds)
        finally:
            for fd in fds:
                os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="qibrief-pandoc-") as tmp:
        paths = {}
        for index, (name, data) in enumerate(files.items()):
            path = Path(tmp) / f"{index}-{Path(name).name}"
            path.write_bytes(data)
            paths[name] = str(path)
        yield paths, ()


@lru_cache(maxsize=1)
def _die_with_parent() -> tuple[str, ...]:
    # setpriv (util-linux, in every Debian and Ubuntu) asks Linux to kill Pandoc when the build process
    # dies, SIGKILL included, so a killed build leaves no Pandoc running on a pathological input.
    # (A preexec_fn would do the same but is unsafe while the pipeline's threads run.)
    setpriv = shutil.which("setpriv")
    return (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()


# Pandoc's warnings about the sources, in the build's words. checks/sources.py reports the same rules in the same
# words when it finds them in the text (`check`, or a parse that failed for another reason), so that a problem
# found both ways prints once (problems.sort_problems drops the repeat). Its duplicate-label rule names the first
# definition's place, which Pandoc's log does not give; that rule keeps its own words.
def unknown_citation(key: str) -> str:
    """The message for a citation whose key is not an id in references.yaml."""
    return f"citation @{key} is not in references.yaml"


def unused_note(label: str) -> str:
    """The message for a note defined but never referenced."""
    return f"note [^{label}] is defined but never referenced"


def _parse_log(text: str, sections: Sequence[Section]) -> list[Problem]:
    try:
        entries = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    problems = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("verbosity") not in ("WARNING", "ERROR"):
            continue
        problems.append(_problem_from_log(entry, sections))
    return problems


def _display(source: str | None, sections: Sequence[Section]) -> str:
    for section in sections:
        if source and Path(source) == section.path:
            return section.display
    return source or "pandoc"


def _problem_from_log(entry: dict, sections: Sequence[Section]) -> Problem:
    kind = entry.get("type", "")
    source = _display(entry.get("source"), sections)
    line = entry.get("line")
    if kind == "CiteprocWarning":
        found = re.match(r"citation (\S+) not found", entry.get("message", ""))
        if found:
            return _locate_citation(found.group(1), sections)
    if kind == "DuplicateNoteReference":
        return Problem(source, line, f"note label [^{entry.get('contents')}] is defined more than once; each note needs its own label")
    if kind == "NoteDefinedButNotUsed":
        return Problem(source, line, unused_note(entry.get("key")))
    message = entry.get("pretty") or kind
    message = re.sub(r" at \S+ line \d+ column \d+", "", message)
    return Problem(source, line, f"pandoc: {message}")


def _locate_citation(key: str, sections: Sequence[Section]) -> Problem:
    pattern = re.compile(r"@\{?" + re.escape(key) + r"(?![\w:.#$%&+?<>~/-]*\w)")
    for section in sections:
        for number, text in enumerate(section.text.splitlines(), start=1):
            if pattern.search(text):
                return Problem(section.display, number, unknown_citation(key))
    return Problem("references.yaml", None, unknown_citation(key))


def has_images(ast: bytes) -> bool:
    """Whether a JSON AST holds an Image."""
    return b'"t":"Image"' in ast


def embed_images(ast: bytes, root: Path) -> tuple[bytes, tuple[Path, ...]]:
    """The AST with each image file of the project replaced by a data: URL, and those files (the cache record
    names them: an image may sit anywhere in the brief's folder, outside every digest).

    Under --sandbox Pandoc's DOCX writer may not read the project's own images (it drops them with a
    warning, which fails the build); a data: URL needs no file access, and the web page becomes
    self-contained too. The lint has already refused images outside the project; this checks again.
    """
    if not has_images(ast):
        return ast, ()
    tree = json.loads(ast)
    root = root.resolve()
    files: set[Path] = set()
    stack: list = [tree.get("blocks", [])]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(child for child in node if isinstance(child, (list, dict)))
        elif isinstance(node, dict):
            if node.get("t") == "Image":
                target = node["c"][2]
                if not target[0].startswith("data:"):
                    found, target[0] = _data_url(target[0], root)
                    files.add(found)
            if isinstance(node.get("c"), list):
                stack.append(node["c"])
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), tuple(sorted(files))


def _data_url(target: str, root: Path) -> tuple[Path, str]:
    limit = brieffiles.MAX_IMAGE_BYTES
    found = find_image(unquote(urlsplit(target).path), root).found  # next to the sections, else the brief's folder
    try:
        if found is None:
            raise FileNotFoundError(target)
        data = brieffiles.read_bytes(found, display=f"image {target}", within=(root,), limit=limit)
    except (brieffiles.FileRefused, FileNotFoundError):
        raise BuildError(f"image {target}: not a file of at most {limit // 1_000_000} MB inside the project") from None
    try:
        mime = image_type(data)
    except ValueError as exc:
        raise BuildError(f"image {target}: {exc}") from None
    return found, f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
