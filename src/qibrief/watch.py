"""Watch mode: rebuild on every change, with WeasyPrint, the fonts and a side process kept warm."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .problems import BuildError


def _snapshot(folders: list[Path], files: list[Path]) -> tuple:
    stats = []
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    for path in files:
        if path.is_file():
            stat = path.stat()
            stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(stats))


def watch(config, report: Callable[[str], None], *, interval: float = 0.05, max_builds: int | None = None) -> None:
    """Rebuild whenever a source, style or template changes; a failed build keeps the last good artifacts."""
    from .pipeline import build, side_executor
    from .project import locate_project

    project = locate_project(config.root)
    folders = [project.content_dir, project.styles_dir, project.templates_dir]
    files = [project.references_file]
    executor = side_executor(True)  # forked before WeasyPrint loads: the child stays small
    import weasyprint  # noqa: F401  - warm for every rebuild

    import signal

    def _stop(signum, frame):  # SIGTERM stops the watcher as Ctrl-C does, shutting the side process down
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    builds = 0
    last = None
    report(f"Watching {project.root} (Ctrl-C to stop)")
    try:
        while max_builds is None or builds < max_builds:
            current = _snapshot(folders, files)
            if current != last:
                last = current
                start = time.perf_counter()
                try:
                    written = build(config, report, executor=executor)
                    names = ", ".join(p.name for p in written) or "nothing"
                    report(f"Rebuilt {names} in {time.perf_counter() - start:.2f} s")
                except BuildError as exc:
                    report(exc.format_message())
                    report("Build failed: the last good artifacts stay in place.")
                except Exception as exc:  # noqa: BLE001 - a watcher must survive a broken side process
                    from concurrent.futures.process import BrokenProcessPool

                    if not isinstance(exc, BrokenProcessPool):
                        raise
                    executor = side_executor(True)
                    report("The side process died; restarted it. Save again to rebuild.")
                builds += 1
            time.sleep(interval)
    except KeyboardInterrupt:
        report("Stopped watching.")
    finally:
        executor.shutdown(wait=False)
