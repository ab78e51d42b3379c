"""Releases: build every artifact, run every check, write manifest.json beside them; and verify a release.

`release` is a build plus its manifest: uptodate.build of every requested format (the cache not consulted), with
the manifest made from the artifacts in memory before anything is written and published with them. `verify`
rebuilds the formats a manifest lists from the current sources into a temporary folder, with the manifest's
SOURCE_DATE_EPOCH as the build date, and compares each artifact's SHA-256 with the manifest (and with the copy in the release folder, when there is one).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import manifest as manifestmod
from .formats import ALL
from .pipeline import Artifacts
from .plan import BuildConfig, Reporter
from .problems import BuildError
from .uptodate import build


def release_formats() -> tuple[str, ...]:
    """Every format the pipeline can make: the screen PDF, DOCX and HTML, and the print PDF."""
    return ALL


def _requested(formats: tuple[str, ...]) -> tuple[str, ...]:
    known = release_formats()
    unknown = sorted(set(formats) - set(known))
    if unknown:
        raise BuildError(f"release: unknown format {', '.join(unknown)} (this pipeline makes {', '.join(known)})")
    return tuple(fmt for fmt in known if fmt in formats) if formats else known


@dataclass(frozen=True)
class Release:
    """What a release wrote: the artifacts, the manifest file, and the manifest itself."""

    files: tuple[Path, ...]
    manifest_path: Path
    manifest: dict


def make_manifest(artifacts: Artifacts, source: dict) -> dict:
    """The manifest of rendered artifacts: each file, the brief's counts, the sources and the tools."""
    names = artifacts.names()
    files: dict[str, dict] = {}
    for fmt, data in artifacts.files.items():
        entry = manifestmod.file_entry(data, fmt)
        if names[fmt].endswith(".pdf"):
            entry["pages"] = manifestmod.count_pages(data, names[fmt])
        files[names[fmt]] = entry
    document = artifacts.html_document
    screen_pdf = names.get("pdf")
    return {
        "manifest_version": manifestmod.MANIFEST_VERSION,
        "brief": {
            "name": artifacts.meta.slug,
            "title": artifacts.meta.title,
            "pages": files[screen_pdf]["pages"] if screen_pdf else None,
            "notes": manifestmod.count_notes(document) if document is not None else None,
            "words": manifestmod.count_words(document) if document is not None else None,
        },
        "files": files,
        "source": {**source, "source_date_epoch": artifacts.epoch},
        "tools": manifestmod.tool_versions(artifacts.sources.csl),
    }


def release(*, root: Path, out: Path, formats: tuple[str, ...] = (), strict: bool = False, report: Reporter,
            keep_record: bool = False) -> Release:
    """Build every requested format (default: all), run every check, publish them and write manifest.json beside
    (and, with keep_record, the build cache's record: a later `build --list-stale` then finds them up to date)."""
    done = _release(root=root, out=out, formats=formats, strict=strict, report=report, record=keep_record)
    source = done.manifest["source"]
    if source["clean"] is False:
        report(f"warning: {source['commit'][:12]} has uncommitted changes; the manifest says so (\"clean\": false)")
    elif source["commit"] is None:
        report(f"warning: {root} is not in a git repository; the manifest has no source commit")
    return done


def _release(*, root: Path, out: Path, formats: tuple[str, ...], strict: bool, report: Reporter,
             epoch: int | None = None, record: bool = False) -> Release:
    # A build of every requested format, whatever the cache says, plus its manifest: made from the artifacts in
    # memory, published with them, and the folder keeps no cache record (uptodate.build under the folder's lock,
    # like any build).
    config = BuildConfig(root=root, out=out, formats=_requested(formats), strict=strict, use_cache=False)
    # The state of the sources before the build: the outputs may land inside the work tree.
    source = manifestmod.source_state(root)

    def manifest(artifacts: Artifacts) -> dict[str, bytes]:
        return {manifestmod.MANIFEST_NAME: manifestmod.dumps(make_manifest(artifacts, source)).encode("utf-8")}

    built = build(config, report, epoch=epoch, beside=manifest, record=record)
    text = built.beside[manifestmod.MANIFEST_NAME]
    return Release(files=built.written, manifest_path=out / manifestmod.MANIFEST_NAME, manifest=json.loads(text))


@dataclass(frozen=True)
class Comparison:
    """One artifact of a release: its SHA-256 in the manifest, as rebuilt, and of the copy in the release folder."""

    name: str
    expected: str | None
    rebuilt: str | None
    copy: str | None = None

    @property
    def identical(self) -> bool:
        """True when the rebuild matches the manifest, and so does the copy in the release folder if there is one."""
        return self.expected is not None and self.rebuilt == self.expected and self.copy in (None, self.expected)

    def __str__(self) -> str:
        if self.expected is None:
            return f"{self.name}: different (rebuilt, but not in the manifest)"
        if self.rebuilt is None:
            return f"{self.name}: different (in the manifest, but the rebuild made no such file)"
        if self.rebuilt != self.expected:
            return f"{self.name}: different (rebuilt sha256 {self.rebuilt[:16]}…, manifest {self.expected[:16]}…)"
        if self.copy not in (None, self.expected):
            return f"{self.name}: different (the copy in the release folder has sha256 {self.copy[:16]}…, " \
                   f"manifest {self.expected[:16]}…)"
        return f"{self.name}: identical"


def _sha256_of(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def verify(*, root: Path, directory: Path, report: Reporter) -> list[Comparison]:
    """Rebuild the formats DIR/manifest.json lists from the sources in root; compare each artifact with it."""
    expected = manifestmod.read_manifest(directory)
    known = release_formats()
    listed = {entry["format"] for entry in expected["files"].values()}
    unknown = sorted(listed - set(known))
    if unknown:
        raise BuildError(f"{directory / manifestmod.MANIFEST_NAME}: lists format {', '.join(unknown)}, "
                         f"which this pipeline cannot make ({', '.join(known)})")
    source = expected.get("source") or {}
    # Rebuilt with the release's own build date.
    epoch = source.get("source_date_epoch")
    epoch = epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None
    with tempfile.TemporaryDirectory(prefix="qibrief-verify-") as tmp:
        rebuilt = _release(root=root, out=Path(tmp), formats=tuple(sorted(listed)), strict=False, report=report,
                           epoch=epoch).manifest
    _report_sources(source, rebuilt["source"], report)
    names = sorted(set(expected["files"]) | set(rebuilt["files"]))
    return [
        Comparison(
            name=name,
            expected=expected["files"].get(name, {}).get("sha256"),
            rebuilt=rebuilt["files"].get(name, {}).get("sha256"),
            copy=_sha256_of(directory / name),
        )
        for name in names
    ]


def _report_sources(expected: dict, now: dict, report: Reporter) -> None:
    def describe(state: dict) -> str:
        if not state.get("commit"):
            return "no git commit"
        return state["commit"][:12] + ("" if state.get("clean") else " with uncommitted changes")

    if (expected.get("commit"), expected.get("clean")) != (now.get("commit"), now.get("clean")):
        report(f"note: the release was built from {describe(expected)}; the sources now are {describe(now)}")


def verdict(comparisons: list[Comparison], directory: Path) -> str:
    """The closing line when every artifact is identical; raise BuildError counting the differences otherwise."""
    differ = [c for c in comparisons if not c.identical]
    if differ:
        raise BuildError(f"verify: {len(differ)} of {len(comparisons)} artifacts differ from "
                         f"{directory / manifestmod.MANIFEST_NAME}")
    return f"verify: all {len(comparisons)} artifacts identical to {directory / manifestmod.MANIFEST_NAME}"
