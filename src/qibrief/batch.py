"""Several briefs in one command: each in its own process, at most --jobs at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .cache import CACHE_FILE
from .formats import DEFAULT, PDFS
from .lock import die_with_parent
from .plan import BuildConfig, Reporter
from .problems import BuildError
from .uptodate import build


def expand_roots(roots: Sequence[Path]) -> list[Path]:
    """Brief folders from the --root values: a folder with content/ is a brief; a folder of such folders is many."""
    briefs: list[Path] = []
    for root in roots:
        if (root / "content").is_dir() or not root.is_dir():
            briefs.append(root)
            continue
        found = sorted(child for child in root.iterdir() if (child / "content").is_dir())
        if not found:
            raise BuildError(f"{root}: no content/ folder, and no brief folders (with content/) inside it")
        briefs.extend(found)
    return briefs


def default_jobs() -> int:
    """As many processes as the machine has cores for this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Outcome:
    """What one brief's build printed, wrote, and the error it ended with, if any."""

    root: Path
    lines: tuple[str, ...]
    written: tuple[Path, ...]
    error: str | None


def _build_one(config: BuildConfig) -> Outcome:
    lines: list[str] = []
    try:
        written = build(config, lines.append, parallel=False).written
        return Outcome(config.root, tuple(lines), written, None)
    except BuildError as exc:
        return Outcome(config.root, tuple(lines), (), exc.format_message())


def build_many(configs: Sequence[BuildConfig], jobs: int, report: Reporter) -> list[Path]:
    """Build several briefs, at most `jobs` at a time, each in its own process; raise if any failed."""
    if jobs <= 1:
        outcomes = map(_build_one, configs)
        executor = None
    else:
        # Imported here, at the edge that needs a pool: they would be a tenth of a build with nothing to do.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        warm_parent(configs)
        executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                       initializer=die_with_parent)
        outcomes = executor.map(_build_one, configs)
    written: list[Path] = []
    failed: list[str] = []
    try:
        for outcome in outcomes:
            label = outcome.root.name or str(outcome.root)
            for line in outcome.lines:
                report(f"[{label}] {line}")
            written.extend(outcome.written)
            if outcome.error:
                failed.append(label)
                for line in outcome.error.splitlines():
                    report(f"[{label}] {line}")
    finally:
        if executor is not None:
            executor.shutdown()
    if failed:
        raise BuildError(f"{len(failed)} of {len(configs)} briefs failed: {', '.join(failed)}")
    return written


def warm_parent(configs: Sequence[BuildConfig]) -> None:
    """Before the workers fork, when a brief will surely render a PDF: import WeasyPrint, so that every worker
    inherits it, frozen, instead of importing it again (half a second of CPU each)."""
    from .warmup import warm_renderer  # a pool's edge, as build_many's imports

    if any(_renders_pdf(config) for config in configs):
        warm_renderer()


def _renders_pdf(config: BuildConfig) -> bool:
    # Known without a plan (which hashes every input, and each worker plans again under the folder's lock): a
    # PDF is wanted and nothing was built into the folder before (a fresh checkout, CI) or the cache is off. A
    # brief with a cache record may well be up to date, and an up-to-date series must not import WeasyPrint.
    return bool(set(PDFS) & set(config.formats)) and not (config.use_cache and (config.out / CACHE_FILE).exists())


def configs_from_options(*, roots: Sequence[Path] = (), out: Path | None = None, formats: Sequence[str] = (),
                         print_pdf: bool = False, docx_notes: str = "endnotes", strict: bool = False,
                         no_cache: bool = False) -> list[BuildConfig]:
    """One build config per brief from `build`'s options, each default here: cli.build_command's and noop's."""
    briefs = expand_roots(roots or (Path("."),))
    base = BuildConfig(
        root=briefs[0], out=Path("dist"),
        formats=(tuple(formats) or DEFAULT) + (("print",) if print_pdf else ()),
        docx_notes=docx_notes, strict=strict, use_cache=not no_cache,
    )
    return configs_for(base, briefs, out)


def configs_for(base: BuildConfig, roots: Sequence[Path], out: Path | None) -> list[BuildConfig]:
    """One build config per brief: its own dist/, or OUT/<folder name> when --out names one folder for all."""
    if len(roots) == 1:
        return [replace(base, root=roots[0], out=out if out is not None else roots[0] / "dist")]
    return [replace(base, root=root, out=(out / root.name) if out is not None else root / "dist") for root in roots]
