"""What a process prepares once, before its first build: the cyclic collector settled, and WeasyPrint imported
ahead of the first render (a build's import thread, a batch's parent before it forks its workers). Light to
import: a batch with nothing to do imports this and no stage."""

from __future__ import annotations

import atexit
import gc

# The cyclic collector's first threshold (Python's is 700 allocations): WeasyPrint's layout and the AST walks
# make millions of objects, few of them cyclic garbage, and each young collection walked the survivors again.
# At 10,000, brief 50's build process spends 0.05 s collecting instead of 0.13 s, its side process 0.02 s
# instead of 0.05 s, and neither grows (98.5 and 54 MB resident).
COLLECT_AFTER = 10_000


def settle_collector() -> None:
    """Once per process, where its build starts with a side process (schedule.Scheduler.forked: a build, a
    watcher): freeze what the imports made out of the cyclic collector's reach and collect young objects less
    often (COLLECT_AFTER). Not for a process that builds brief after brief inline (a batch's): each brief's
    cyclic garbage would then wait longer for a full collection, and its size grew by 11 MB a brief (5 briefs
    of brief 50 in one process: 100 to 145 MB, against 100 to 114 MB with Python's thresholds)."""
    global _settled
    if _settled:
        return
    _settled = True
    # Frozen before the side process forks: neither process's collections walk the imports' objects again,
    # and the child's collections no longer write to (and so copy) the pages it shares with its parent. Once
    # only: a cycle that is garbage when frozen stays for the life of the process (a test session runs many
    # builds in one; a watcher unfreezes, collects and freezes again between builds: watch.settle_heap).
    _freeze()
    gc.set_threshold(COLLECT_AFTER, *gc.get_threshold()[1:])


_settled = False


def warm_renderer() -> None:
    """Import WeasyPrint and the modules its first render would import, and freeze all that exists then out of
    the cyclic collector's reach: in a batch's parent before it forks its workers (no build has begun), or on
    the import thread of a process that runs one build (schedule.Scheduler.import_renderer)."""
    from .pdf import import_weasyprint

    import_weasyprint()
    import weasyprint.text.fonts  # noqa: F401
    # What the first render would import: the fetcher's response (email), the font subsetter's glyph names.
    import email.policy  # noqa: F401
    import fontTools.agl  # noqa: F401

    from . import fetcher  # noqa: F401

    # WeasyPrint's objects live as long as the process, and a full collection walked them in every layout
    # (0.025 s of brief 50's build; in a batch, the workers' collections would also write to the pages they
    # share with the parent). Whatever cyclic garbage the one build has made by then stays with them until the
    # process ends; a process that builds again (a watcher) imports WeasyPrint without this and settles its heap
    # between builds (watch.settle_heap). Measured: brief 50's build process stays at 98.5 MB resident.
    _freeze()


def _freeze() -> None:
    # Unfrozen again when the interpreter is torn down (a build that failed leaves with sys.exit): its last
    # collection frees the modules' cycles while their globals still hold, as without the freeze; frozen, the
    # modules outlived it, their globals were cleared first, and WeasyPrint's FontConfiguration.__del__ failed
    # on them ("Exception ignored in ...", printed after the build's error).
    global _unfreezes
    gc.freeze()
    if not _unfreezes:
        atexit.register(gc.unfreeze)
        _unfreezes = True


_unfreezes = False
