"""How a build's stages overlap, behind one small interface: the pipeline says what runs, this says where and when.

A build has two cores' worth of work: the critical path (Pandoc's parse, WeasyPrint's layout) in the build
process, and side work that needs only the parsed brief (the DOCX, the source checks, reading each output's notes)
in one side process, forked before anything else starts. `Scheduler.forked()` runs side work there;
`Scheduler.inline()` runs it at once in this process (`--jobs 1`, or each brief of a batch). Either way a task's
result is a SideResult, and a BuildError it raises comes back intact through the future.

The side process is bounded: SIDE_MEMORY_BYTES of address space (an allocation past it fails the build with one
line), a lower priority, and death with its parent. When it dies (the out-of-memory killer, a crash), the layout
running meanwhile notices within a tick (`LayoutHooks.check`) and the build stops with SideProcessDied; a watcher
then forks a new one.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Callable, Sequence

from .checks.rendered import RenderedNotes
from .formats import PDFS
from .lock import die_with_parent
from .problems import BuildError, Problem
from .warmup import settle_collector, warm_renderer

# The address space the side process may hold (RLIMIT_AS): an allocation past it fails with MemoryError, which
# fails the build with one line. Brief 50's side process peaks at about 60 MB of it.
SIDE_MEMORY_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class SideResult:
    """What a side task gave: the problems it found, how long each of its steps took, and what it made."""

    problems: tuple[Problem, ...] = ()
    timings: tuple[tuple[str, float], ...] = ()
    docx: bytes | None = None
    notes: RenderedNotes | None = None


class SideProcessDied(BuildError):
    """The side process ended without a result (SIGKILL from the out-of-memory killer, a crash); its scheduler
    is unusable (a watcher starts another)."""

    def __init__(self) -> None:
        super().__init__("side process: ended abruptly (killed, perhaps by the out-of-memory killer, or crashed) "
                         "while writing the DOCX and checking the sources; the build stopped and nothing was written")


def _task(label: str, doing: str, fn: Callable[..., SideResult | Sequence[Problem]], args: tuple) -> SideResult:
    # Runs where the scheduler puts it: a check's problems become a SideResult timed under `label`; a task that
    # makes more (the DOCX, an output's notes) returns its SideResult itself.
    start = time.perf_counter()
    try:
        result = fn(*args)
    except MemoryError:
        raise BuildError(f"side process: ran out of its {SIDE_MEMORY_BYTES / 1024**3:g} GB memory limit while "
                         f"{doing}; the build stopped and nothing was written") from None
    if isinstance(result, SideResult):
        return result
    return SideResult(problems=tuple(result), timings=((label, time.perf_counter() - start),))


class _Inline(Executor):
    """Runs each task at once, in this process; what it raises, submit() raises (the build stops there)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class Scheduler:
    """Where side work runs, and the WeasyPrint import that overlaps the start of a build."""

    def __init__(self, executor: Executor, parallel: bool) -> None:
        self._executor = executor
        self.parallel = parallel
        self._submitted: list[Future] = []
        self._importer: threading.Thread | None = None

    @classmethod
    def inline(cls) -> Scheduler:
        """Side work run at once in this process, no import thread (the collector left as it is: a process that
        builds brief after brief inline, a batch's, would hold each one's cyclic garbage longer)."""
        return cls(_Inline(), parallel=False)

    @classmethod
    def forked(cls) -> Scheduler:
        """A side process forked now (before any thread starts), warmed with the side work's imports."""
        settle_collector()
        executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_side_init)
        executor.submit(_warm_side)
        return cls(executor, parallel=True)

    def beside(self, what: str) -> str | None:
        """How a side task's time is labelled in the report: 'beside the layout', or nothing when run inline."""
        return f"beside the {what}" if self.parallel else None

    def submit(self, label: str, fn: Callable[..., SideResult | Sequence[Problem]], *args,
               doing: str | None = None) -> Future:
        """Run fn(*args) as side work; the future gives a SideResult or raises what fn raised. `label` names its
        time in the report, `doing` what it was doing in the message when it runs out of memory."""
        try:
            future = self._executor.submit(_task, label, doing or label.lower(), fn, args)
        except BrokenProcessPool:
            raise SideProcessDied() from None
        self._submitted.append(future)
        return future

    def result(self, future: Future) -> SideResult:
        """A side task's result; SideProcessDied when the side process died before giving it."""
        try:
            return future.result()
        except BrokenProcessPool:
            raise SideProcessDied() from None

    def check_alive(self) -> None:
        """Raise SideProcessDied when the side process has died (every task then fails with BrokenProcessPool)."""
        for future in self._submitted:
            if future.done() and not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
                raise SideProcessDied()
        self._submitted = [future for future in self._submitted if not future.done()]

    def layout_hooks(self, before: Callable[[], None]) -> LayoutHooks:
        """The hooks for the layouts of one build: `before` runs once, before the first layout starts."""
        return LayoutHooks(before, self.check_alive)

    def import_renderer(self, formats: Sequence[str]) -> None:
        """Import WeasyPrint on a thread when a PDF is wanted, to overlap the half second it takes with reading,
        linting and parsing the sources (inline: the first render imports it)."""
        if not self.parallel or not set(PDFS) & set(formats) or "weasyprint" in sys.modules:
            return
        self._importer = threading.Thread(target=warm_renderer, daemon=True)
        self._importer.start()

    def wait_for_renderer(self) -> None:
        """Wait for import_renderer's thread, if any (call it before the first layout)."""
        if self._importer is not None:
            self._importer.join()
            self._importer = None

    def close(self, wait: bool = False) -> None:
        """Let the side process go (without waiting, it leaves once idle, or with this process)."""
        self._executor.shutdown(wait=wait)


class LayoutHooks:
    """What WeasyPrint runs during the layouts of one build (pdf.render_pdf): `before_layout` once the HTML is
    parsed (the side checks that must pass before anything is laid out, on the first layout only), and `check`
    every tick (stops the layout at once when the side process died)."""

    def __init__(self, before: Callable[[], None], check: Callable[[], None]) -> None:
        self._before = before
        self.check = check
        self.started = False

    def before_layout(self) -> None:
        """Run `before` on the first call; the layout has started once it passed."""
        if not self.started:
            self._before()
            self.started = True


def _side_init() -> None:
    # The side work has the layout's length to finish in: at a lower priority it takes the spare core
    # without slowing the parse and the layout on the critical path.
    die_with_parent()
    try:
        os.nice(5)
    except OSError:  # pragma: no cover
        pass
    try:
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        soft = SIDE_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(SIDE_MEMORY_BYTES, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):  # pragma: no cover
        pass


def _warm_side() -> None:
    # Runs in the side process while the parent waits for Pandoc: the imports are then paid off the
    # critical path (an up-to-date PDF's notes are read there).
    import pypdfium2  # noqa: F401
