"""Watch mode: rebuild on every change, with WeasyPrint, the fonts and a side process kept warm."""

from __future__ import annotations

import gc
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable

import watchfiles

from .pdf import import_weasyprint
from .plan import BuildConfig, Reporter
from .problems import BuildError
from .project import locate_project
from .schedule import Scheduler, SideProcessDied
from .uptodate import build

# watchfiles yields a change once the files have been quiet this long (ms): an editor's save (write, or
# write a temporary file and rename it) is one burst, and the rebuild starts a few milliseconds after it.
QUIET_MS = 5
# How often (ms) the wait for changes returns to Python when nothing happens: the first build starts after
# one such wait, once the watcher is in place, so no edit made during that build is missed.
TICK_MS = 100


def watched_paths(project) -> tuple[list[Path], Callable[[object, str], bool]]:
    """The folders to watch for a brief, and the filter that keeps changes to its inputs only.

    The brief's whole folder is watched (a references.yaml replaced by an editor's rename, or a styles/
    folder created later, is seen there), plus the repository's styles/ and templates/ it falls back on.
    Output folders, .git and editors' hidden files are filtered out.
    """
    root = project.root
    inputs = {root / "content", root / "styles", root / "templates", project.styles_dir, project.templates_dir}
    references = project.references_file
    folders = [root] + sorted({f for f in (project.styles_dir, project.templates_dir) if not f.is_relative_to(root)})

    def is_input(change, path: str) -> bool:
        changed = Path(path)
        if changed.name.startswith("."):
            return False
        return changed == references or any(changed.is_relative_to(folder) for folder in inputs)

    return folders, is_input


def settle_heap() -> None:
    """Collect garbage now, while idle, and freeze what survives out of the collector's reach.

    What the watcher keeps between builds (WeasyPrint, fonts, stylesheets) is most of its heap, and a
    rebuild's full collection walked all of it: 0.15-0.2 s of each rebuild of brief 50, against 0.04 s
    frozen. Unfreezing first lets this collection reach what an earlier build left behind.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def watch(config: BuildConfig, report: Reporter) -> None:
    """Rebuild whenever a source, style or template changes; a failed build keeps the last good artifacts."""
    project = locate_project(config.root)
    folders, is_input = watched_paths(project)
    scheduler = Scheduler.forked()  # forked before WeasyPrint loads: the child stays small
    import_weasyprint()  # warm for every rebuild

    def _stop(signum, frame):  # SIGTERM stops the watcher as Ctrl-C does, shutting the side process down
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    built = False
    settle_heap()
    report(f"Watching {project.root} (Ctrl-C to stop)")
    changes = watchfiles.watch(*folders, watch_filter=is_input, step=QUIET_MS, rust_timeout=TICK_MS,
                               yield_on_timeout=True, raise_interrupt=True)
    try:
        for changed in changes:
            if built and not changed:  # a tick with nothing changed; the first one starts the first build
                continue
            start = time.perf_counter()
            try:
                written = build(config, report, scheduler=scheduler).written
                names = ", ".join(p.name for p in written) or "nothing"
                report(f"Rebuilt {names} in {time.perf_counter() - start:.2f} s")
            except SideProcessDied as exc:
                report(exc.format_message())
                scheduler = _restart(scheduler, report)
            except BuildError as exc:
                report(exc.format_message())
                report("Build failed: the last good artifacts stay in place.")
            except BrokenProcessPool:  # a watcher survives a broken side process, however it shows
                scheduler = _restart(scheduler, report)
            built = True
            settle_heap()
    except KeyboardInterrupt:
        report("Stopped watching.")
    finally:
        changes.close()
        scheduler.close()


def _restart(scheduler: Scheduler, report: Reporter) -> Scheduler:
    scheduler.close()
    restarted = Scheduler.forked()
    report("The side process died; restarted it. Save again to rebuild.")
    return restarted
