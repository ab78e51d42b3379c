"""A series of briefs: which brief folders have a format out of date, by the build cache's input digests.

CI's series mode (.github/workflows/series.yml) lists them in a first job (`build --list-stale --json`) and
builds each on a runner of its own. Listing plans each brief (plan.plan_build) and renders nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .plan import BuildConfig, plan_build
from .problems import BuildError


@dataclass(frozen=True)
class StaleBrief:
    """A brief with formats to build: its folder, output folder, the formats out of date, and why it cannot be
    planned, if it cannot (its build will say more)."""

    root: Path
    out: Path
    formats: tuple[str, ...]
    error: str | None = None

    def as_dict(self) -> dict:
        """The brief as JSON: root, name (the folder's, which names its CI artifact), out, formats, error."""
        found = {"root": str(self.root), "name": self.root.resolve().name, "out": str(self.out),
                 "formats": list(self.formats)}
        return found | ({"error": self.error} if self.error else {})


def list_stale(configs: Sequence[BuildConfig]) -> list[StaleBrief]:
    """The briefs of `configs` with a format whose inputs changed since its last build, in the order given; a brief
    that cannot be planned (unreadable metadata, a file refused) is listed with everything, and the error."""
    found = []
    for config in configs:
        try:
            plan = plan_build(config)
        except BuildError as exc:
            found.append(StaleBrief(config.root, config.out, config.formats, "; ".join(exc.format_message().splitlines())))
            continue
        if plan.stale:
            found.append(StaleBrief(config.root, config.out, plan.stale))
    return found


def show(stale: Sequence[StaleBrief], *, as_json: bool = False) -> str:
    """The listing as one line of JSON (a list, for a CI matrix) or as a line per brief."""
    if as_json:
        return json.dumps([brief.as_dict() for brief in stale], ensure_ascii=False)
    if not stale:
        return "Up to date: no brief has a format out of date"
    return "\n".join(f"{brief.root}: {', '.join(brief.formats)}" + (f" ({brief.error})" if brief.error else "")
                     for brief in stale)
