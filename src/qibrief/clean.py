"""Removing built artifacts: only files the build writes, never anything else in the folder."""

from __future__ import annotations

from pathlib import Path

from .cache import CACHE_FILE
from .formats import file_names
from .lock import output_lock
from .metadata import read_metadata
from .project import locate_project


def clean(root: Path, out: Path) -> list[Path]:
    """Delete this brief's artifacts and stale staging files from out; return what was removed."""
    project = locate_project(root)
    slug = read_metadata(project.metadata_file, project.display(project.metadata_file)).slug
    removed: list[Path] = []
    if not out.is_dir():
        return removed
    with output_lock(out):  # never delete what a running build is about to publish
        return _remove(out, slug, removed)


def _remove(out: Path, slug: str, removed: list[Path]) -> list[Path]:
    names = set(file_names(slug).values()) | {"manifest.json", CACHE_FILE}
    for path in sorted(out.iterdir()):
        stale = path.name.startswith(f".{slug}.") and path.name.endswith(".tmp")
        if path.is_file() and (path.name in names or stale):
            path.unlink()
            removed.append(path)
    return removed
