"""Where a brief's files are: its content, references, styles and templates (with the repository's as fallback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .problems import BuildError

# The repository that holds this package: its styles/ and templates/ serve briefs that have none.
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Project:
    """The resolved locations of one brief's inputs."""

    root: Path
    content_dir: Path
    metadata_file: Path
    references_file: Path
    styles_dir: Path
    templates_dir: Path

    def display(self, path: Path) -> str:
        """A path as people see it in messages: relative to the brief's root where possible."""
        for base in (self.root, REPO_ROOT):
            try:
                return str(path.resolve().relative_to(base.resolve()))
            except ValueError:
                continue
        return str(path)

    @property
    def allowed_roots(self) -> tuple[Path, ...]:
        """Folders whose regular files renderers may read."""
        return tuple({self.root.resolve(), self.styles_dir.resolve(), self.templates_dir.resolve()})


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
        raise BuildError(f"{root}: no content/ folder; expected content/NN.name.md sections and content/metadata.yaml")
    references = root / "references.yaml"
    if not references.is_file():
        raise BuildError(f"{root}: no references.yaml (CSL-YAML bibliography)")
    metadata = content / "metadata.yaml"
    if not metadata.is_file():
        raise BuildError(f"{root}/content: no metadata.yaml (title, series, number, author, lang)")
    return Project(
        root=root,
        content_dir=content,
        metadata_file=metadata,
        references_file=references,
        styles_dir=_own_or_repo(root, "styles"),
        templates_dir=_own_or_repo(root, "templates"),
    )
