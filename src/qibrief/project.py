"""Where a brief's files are: its content, references, styles and templates (with the repository's as fallback)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import brieffiles
from .brieffiles import REPO_ROOT
from .problems import BuildError


@dataclass(frozen=True)
class Project:
    """The resolved locations of one brief's inputs."""

    root: Path
    content_dir: Path
    metadata_file: Path
    references_file: Path
    styles_dir: Path
    templates_dir: Path
    # Every input file under content/, styles/, templates/ and references.yaml, checked (brieffiles).
    files: brieffiles.Inputs

    def display(self, path: Path) -> str:
        """A path as people see it in messages: relative to the brief's root where possible (a link is shown
        where it is, not where it leads)."""
        # self.root and REPO_ROOT are resolved already.
        for candidate in (Path(os.path.abspath(path)), path.resolve()):
            for base in (self.root, REPO_ROOT):
                if candidate.is_relative_to(base):
                    return str(candidate.relative_to(base))
        return str(path)

    def read_bytes(self, path: Path, limit: int | None = None) -> bytes:
        """A file of the brief (or of the repository's styles/ and templates/ it uses), read by
        brieffiles.read_bytes: inside the brief, regular, within its limit (by kind unless given)."""
        try:
            return brieffiles.read_checked(path, within=self.allowed_roots,
                                           limit=brieffiles.limit_for(path) if limit is None else limit)
        except brieffiles.NotReadable as exc:
            # Named only when refused: display() resolves the path twice, and a no-op build reads every input.
            raise brieffiles.refused(self.display(path), exc.reason) from None

    def read_text(self, path: Path, limit: int | None = None) -> str:
        """A file of the brief read as read_bytes() does, as UTF-8 text."""
        data = self.read_bytes(path, limit)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise brieffiles.not_utf8(self.display(path), data, exc) from None

    @cached_property
    def allowed_roots(self) -> tuple[Path, ...]:
        """Folders (resolved) whose regular files the build may read: the brief's, and the repository's styles/
        and templates/."""
        return _allowed_roots(self.root, self.styles_dir, self.templates_dir)


def _allowed_roots(root: Path, styles_dir: Path, templates_dir: Path) -> tuple[Path, ...]:
    # The brief's folder, and the repository's own styles/ and templates/ (trusted: a brief without its own
    # uses them). Nothing else: not the folders around the brief, not the repository's other files.
    folders = [root.resolve()]
    for folder in (REPO_ROOT / "styles", REPO_ROOT / "templates"):
        if folder.is_dir() and folder.resolve() not in folders:
            folders.append(folder.resolve())
    return tuple(folders)


def _own_or_repo(root: Path, name: str) -> Path:
    own = root / name
    if own.is_dir():
        return own
    fallback = REPO_ROOT / name
    if fallback.is_dir():
        return fallback
    raise BuildError(f"{root}: no {name}/ folder, and the repository has none to fall back on ({fallback})")


def locate_project(root: Path) -> Project:
    """Resolve a brief's folder into a Project; raise BuildError when required parts are missing."""
    root = root.resolve()
    if not root.is_dir():
        raise BuildError(f"{root}: not a folder")
    content = root / "content"
    if not content.is_dir():
        raise BuildError(f"{root}: no content/ folder; expected content/NN-name.md sections and content/metadata.yaml")
    references = root / "references.yaml"
    if not references.is_file():
        raise BuildError(f"{root}: no references.yaml (CSL-YAML bibliography)")
    metadata = content / "metadata.yaml"
    if not metadata.is_file():
        raise BuildError(f"{root}/content: no metadata.yaml (title, series, number, author, lang)")
    styles, templates = _own_or_repo(root, "styles"), _own_or_repo(root, "templates")
    # Every input file is checked here, before anything reads or hashes one.
    files = brieffiles.list_inputs(root, content, references, styles, templates,
                                   within=_allowed_roots(root, styles, templates))
    return Project(root=root, content_dir=content, metadata_file=metadata, references_file=references,
                   styles_dir=styles, templates_dir=templates, files=files)
