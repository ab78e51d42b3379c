"""The one entry point of every build (`build`, `watch`, several briefs, `release`, `verify`): bring an output folder
up to date with its brief.

It holds the output folder's lock, plans (plan.plan_build), and stops there when nothing changed: the common case
of a build with nothing to do imports none of the pipeline's stages (Pandoc, WeasyPrint, lxml, YAML).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import cache
from .lock import output_lock, remove_stale_staging, use_private_tmpdir
from .plan import BuildConfig, Built, Plan, Reporter, plan_build

if TYPE_CHECKING:  # the pipeline is imported only when there is something to build
    from .pipeline import Artifacts
    from .schedule import Scheduler


def build(config: BuildConfig, report: Reporter, *, parallel: bool = True, scheduler: Scheduler | None = None,
          epoch: int | None = None, beside: Callable[[Artifacts], dict[str, bytes]] | None = None,
          record: bool | None = None) -> Built:
    """Build the brief while holding its output folder's lock (a second build at once exits with code 3):
    render what changed since the last build, check everything, publish all or none.

    `parallel` runs the side work in a side process (a `scheduler` given, e.g. a watcher's warm one, is used
    instead); `epoch` is the build date (default: plan.source_date_epoch); `beside` makes files to publish with the
    artifacts, from them, before anything is written (a release's manifest.json: pipeline.run); `record` keeps the
    cache record with them too (default: only when there is nothing beside).
    """
    with output_lock(config.out):
        remove_stale_staging(config.out)
        plan = plan_build(config, epoch)
        if not plan.stale:
            report(_up_to_date(plan))
            return Built(written=())
        # Only a build that renders starts tools that write temporary files (and removes what killed builds
        # left): planning writes none, and a build with nothing to do leaves TMPDIR alone.
        use_private_tmpdir()
        if config.use_cache and cache.machine_key()[0] is None:
            report(f"Cache not used: {cache.machine_key()[1]}")
        from . import pipeline  # the stages: never imported by a build with nothing to do

        return pipeline.run(config, plan, report, parallel=parallel, scheduler=scheduler, beside=beside, record=record)


def check_up_to_date(config: BuildConfig) -> str | None:
    """The line build prints when config's brief has nothing to render, or None when it has: build's own check under
    the folder's lock, stopping before anything is rendered (for noop.py)."""
    with output_lock(config.out):
        remove_stale_staging(config.out)
        plan = plan_build(config)
    return None if plan.stale else _up_to_date(plan)


def _up_to_date(plan: Plan) -> str:
    return f"Up to date: {', '.join(plan.names.values())} (nothing changed since the last build)"
