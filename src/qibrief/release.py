"""Releases: build every artifact, run every check, write manifest.json beside them; and verify a release.

`release` is `build` plus a manifest: the same render → check → publish chain as `pipeline.build`, with the
manifest computed from the artifacts in memory before anything is written. `verify` rebuilds the formats a
manifest lists from the current sources into a temporary folder, with the manifest's SOURCE_DATE_EPOCH, and
compares each artifact's SHA-256 with the manifest (and with the copy in the release folder, when there is one).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import manifest as manifestmod
from .pipeline import Artifacts, BuildConfig, Reporter, Stages, check_artifacts, publish, render, source_date_epoch
from .problems import BuildError, fail_on, strictly


def release_formats() -> tuple[str, ...]:
    """Every format the pipeline can make: the screen PDF, DOCX and HTML, and the print PDF once it exists."""
    from . import pipeline

    # The print PDF is a format of its own ("print") in pipelines that have one: ALL_FORMATS lists it,
    # FORMATS (what `build` makes by default) does not.
    return tuple(getattr(pipeline, "ALL_FORMATS", pipeline.FORMATS))


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


def make_manifest(artifacts: Artifacts, source: dict, epoch: int) -> dict:
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
        "source": {**source, "source_date_epoch": epoch},
        "tools": manifestmod.tool_versions(artifacts.sources.csl),
    }


def _write_atomically(path: Path, text: str) -> None:
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise BuildError(f"{path}: could not write the manifest ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


def release(*, root: Path, out: Path, formats: tuple[str, ...] = (), strict: bool = False, report: Reporter) -> Release:
    """Build every requested format (default: all), run every check, publish them and write manifest.json beside."""
    from .lock import output_lock, remove_stale_staging

    # The same lock as `build`: a release and a build into one folder at once would mix their files.
    with output_lock(out):
        remove_stale_staging(out)
        done = _release(root=root, out=out, formats=formats, strict=strict, report=report)
    source = done.manifest["source"]
    if source["clean"] is False:
        report(f"warning: {source['commit'][:12]} has uncommitted changes; the manifest says so (\"clean\": false)")
    elif source["commit"] is None:
        report(f"warning: {root} is not in a git repository; the manifest has no source commit")
    return done


def _release(*, root: Path, out: Path, formats: tuple[str, ...], strict: bool, report: Reporter) -> Release:
    config = BuildConfig(root=root, out=out, formats=_requested(formats), strict=strict)
    # The state of the sources before the build: the outputs may land inside the work tree.
    source = manifestmod.source_state(root)
    stages = Stages(report)
    artifacts = render(config, report)
    problems = stages.run("Checking notes and citations", lambda: check_artifacts(artifacts))
    if strict:
        problems = strictly(problems)
    for warning in fail_on(problems, "Checks"):
        report(str(warning))
    epoch = source_date_epoch(artifacts.sources.project, artifacts.meta)
    manifest = stages.run("Counting and hashing", lambda: make_manifest(artifacts, source, epoch))
    written = stages.run("Publishing", lambda: publish(artifacts, out))
    manifest_path = out / manifestmod.MANIFEST_NAME
    _write_atomically(manifest_path, manifestmod.dumps(manifest))
    return Release(files=tuple(written), manifest_path=manifest_path, manifest=manifest)


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


@contextmanager
def _source_date_epoch(epoch: object) -> Iterator[None]:
    # The pipeline reads the build date from SOURCE_DATE_EPOCH first: rebuild with the release's own.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if isinstance(epoch, int) and not isinstance(epoch, bool):
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _sha256_of(path: Path) -> str | None:
    import hashlib

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
    with tempfile.TemporaryDirectory(prefix="qibrief-verify-") as tmp, _source_date_epoch(source.get("source_date_epoch")):
        rebuilt = _release(root=root, out=Path(tmp), formats=tuple(sorted(listed)), strict=False,
                           report=report).manifest
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
