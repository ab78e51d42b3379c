#!/usr/bin/env python3
"""Benchmark the brief build: prints medians (min-max) of each figure issue 8 asks for, and their ratios.

Usage: python3 scripts/benchmark.py [--runs 5] [--root .]

Every figure is measured in this one run, on this machine, by running the real command line:
  cold     full build (PDF + DOCX + HTML + every check) into an empty folder, so nothing is cached
  bare     `weasyprint` on the command line rendering the same HTML with the same stylesheets
  noop     a rebuild when nothing changed
  help     `build.py --help`
  watch    edit-to-new-PDF in `build.py watch` (a word appended to a section, until the PDF is replaced);
           the watcher runs through the cold/bare rounds, each round timing one edit
  memory   peak resident memory of the cold build's processes (the largest one, and all of them summed)
  jobs     8 copies of the brief built with --jobs 1 and with --jobs 2
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
BUILD = [sys.executable, str(REPO / "build.py")]

from qibrief.formats import DEFAULT, FORMATS, file_names  # noqa: E402

# What a cold build of brief 50 writes (the formats `build` makes by default).
NAMES = tuple(file_names("qi-brief-50", DEFAULT).values())


def _run(command: list[str], stages: list[dict[str, float]] | None = None, **kwargs) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    if stages is not None:
        stages.append(_stages(done.stdout))
    return elapsed


# The stages of a build on its critical path, as the build reports them ("Rendering PDF (1.93 s)").
_STAGES = {
    "pandoc": re.compile(r"^Parsing with citeproc, writing HTML \((\d+\.\d+) s\)$"),
    "layout": re.compile(r"^Rendering PDF \((\d+\.\d+) s\)$"),
    "notes": re.compile(r"^Reading \S+\.pdf notes \((\d+\.\d+) s\)$"),
}


def _stages(log: str) -> dict[str, float]:
    """The seconds of each critical-path stage in one build's output (the last build, if several)."""
    found: dict[str, float] = {}
    for line in log.splitlines():
        for name, pattern in _STAGES.items():
            match = pattern.match(line.strip())
            if match:
                found[name] = float(match.group(1))
    return found


def _stage_medians(builds: list[dict[str, float]]) -> str:
    parts = []
    for name, label in (("pandoc", "Pandoc"), ("layout", "layout and PDF"), ("notes", "PDF notes")):
        values = [b[name] for b in builds if name in b]
        if values:
            parts.append(f"{label} {statistics.median(values):.2f} s")
    return ", ".join(parts)


def _verdict(value: float, limit: float) -> str:
    return f"(target <= {limit:g}: {'met' if value <= limit else 'NOT met'})"


def _figure(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s  (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def _print_html(root: Path, folder: Path) -> tuple[Path, list[Path]]:
    """The HTML WeasyPrint renders in a build, and the stylesheets, written out for the bare command."""
    from qibrief import brand as brandmod
    from qibrief import html as htmlmod
    from qibrief.plan import source_date_epoch
    from qibrief.sources import read_sources
    from qibrief.writers import parse_and_write_html

    sources = read_sources(root)
    epoch = source_date_epoch(sources.project, sources.meta)
    document = htmlmod.print_html(parse_and_write_html(sources, epoch).document, sources.meta.url)
    styles = sources.project.styles_dir
    html_file = folder / "brief.html"
    html_file.write_text(document, encoding="utf-8")
    brand_css = brandmod.brand_css(sources.brand, styles, embed_fonts=False)
    # The brand CSS names its fonts relative to styles/; the bare command reads it from elsewhere.
    brand_css = brand_css.replace('url("fonts/', f'url("{(styles / "fonts").as_uri()}/')
    brand_file = folder / "brand.css"
    brand_file.write_text(brand_css, encoding="utf-8")
    return html_file, [brand_file, *(styles / name for name in FORMATS["pdf"].stylesheets)]


class _Watcher:
    """`build.py watch` on a copy of the brief; edit() appends a word to a section and times the new PDF."""

    def __init__(self, root: Path) -> None:
        self.brief = Path(tempfile.mkdtemp(prefix="bench-watch-")) / "brief"
        shutil.copytree(root / "content", self.brief / "content")
        shutil.copy(root / "references.yaml", self.brief / "references.yaml")
        self.pdf = self.brief / "dist" / file_names("qi-brief-50", ("pdf",))["pdf"]
        self.section = sorted((self.brief / "content").glob("0*.md"))[-1]
        self.log = self.brief.parent / "watch.log"
        with open(self.log, "w") as stream:
            self.process = subprocess.Popen([*BUILD, "watch", "--root", str(self.brief)], stdout=stream,
                                            stderr=subprocess.STDOUT)
        self.stages: list[dict[str, float]] = []
        deadline = time.time() + 120
        while not self.pdf.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        self.edits = 0

    def edit(self) -> float:
        before = self.pdf.stat().st_mtime_ns
        text = self.section.read_text(encoding="utf-8")
        start = time.perf_counter()
        self.section.write_text(text + f"\nEdit {self.edits}.\n", encoding="utf-8")
        self.edits += 1
        while self.pdf.stat().st_mtime_ns == before:
            if time.perf_counter() - start > 60:
                raise SystemExit("watch: no new PDF within 60 s")
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        time.sleep(0.5)  # the cache record is written just after the artifacts
        self.stages.append(_stages(self.log.read_text(encoding="utf-8")))
        return elapsed

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.brief.parent, ignore_errors=True)


def _peak_memory(root: Path) -> float:
    """Peak resident memory in MB of the largest process of a cold build (the build, its side process, Pandoc)."""
    out = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    script = (
        "import resource, subprocess\n"
        f"subprocess.run({BUILD + ['build', '--root', str(root), '--out', str(out)]!r}, capture_output=True, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    peak_kb = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    shutil.rmtree(out, ignore_errors=True)
    return peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=REPO)
    args = parser.parse_args()
    root = args.root.resolve()
    work = Path(tempfile.mkdtemp(prefix="qibrief-bench-"))
    print(f"qibrief benchmark: {root}, {args.runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    html_file, sheets = _print_html(root, work)
    weasy = [sys.executable, "-m", "weasyprint"]
    bare_cmd = [*weasy, *sum((["-s", str(s)] for s in sheets), []), "-u", root.as_uri() + "/", str(html_file), str(work / "bare.pdf")]

    # Every figure of a ratio is taken in the same round, one after the other: a machine whose speed drifts
    # over minutes (as shared ones do) then moves both sides of the ratio alike.
    watcher = _Watcher(root)
    cold, bare, noop, helps, watch = [], [], [], [], []
    cold_stages: list[dict[str, float]] = []
    try:
        for run in range(args.runs):
            out = work / f"cold-{run}"
            cold.append(_run([*BUILD, "build", "--root", str(root), "--out", str(out)], cold_stages))
            bare.append(_run(bare_cmd))
            watch.append(watcher.edit())
            noop.append(_run([*BUILD, "build", "--root", str(root), "--out", str(out)]))
            helps.append(_run([*BUILD, "--help"]))
    finally:
        watch_stages = watcher.stages
        watcher.stop()
    identical = all((work / f"cold-{run}" / name).read_bytes() == (work / "cold-0" / name).read_bytes()
                    for run in range(args.runs) for name in NAMES)
    fresh = work / "no-cache"
    _run([*BUILD, "build", "--root", str(root), "--out", str(fresh), "--no-cache"])
    same_as_uncached = all((fresh / n).read_bytes() == (work / "cold-0" / n).read_bytes()
                           for n in NAMES)

    peak = _peak_memory(root)

    briefs = work / "briefs"
    for index in range(8):
        target = briefs / f"brief-{index + 1}"
        shutil.copytree(root / "content", target / "content")
        shutil.copy(root / "references.yaml", target / "references.yaml")
    jobs = {}
    for count in (1, 2):
        times = []
        for run in range(max(1, args.runs // 2)):
            for target in briefs.iterdir():
                shutil.rmtree(target / "dist", ignore_errors=True)
            times.append(_run([*BUILD, "build", "--root", str(briefs), "--jobs", str(count)]))
        jobs[count] = times

    c, b = statistics.median(cold), statistics.median(bare)
    print(f"cold full build          {_figure(cold)}")
    print(f"bare weasyprint render   {_figure(bare)}")
    print(f"  ratio cold / bare      {c / b:6.3f}   {_verdict(c / b, 1.2)}")
    print(f"no-op rebuild            {_figure(noop)}   {_verdict(statistics.median(noop), 0.15)}")
    print(f"--help                   {_figure(helps)}   {_verdict(statistics.median(helps), 0.2)}")
    print(f"watch edit-to-PDF        {_figure(watch)}")
    print(f"  ratio watch / cold     {statistics.median(watch) / c:6.3f}   {_verdict(statistics.median(watch) / c, 0.7)}")
    print(f"  cold build's stages    {_stage_medians(cold_stages)} (Pandoc beside WeasyPrint's import)")
    print(f"  watch edit's stages    {_stage_medians(watch_stages)}")
    floor = [b["layout"] + b.get("notes", 0.0) for b in watch_stages if "layout" in b]
    if floor:
        print(f"  watch / cold without Pandoc would be {statistics.median(floor) / c:4.2f} "
              "(the edit's layout, PDF and notes alone)")
    print(f"peak memory              {peak:6.1f} MB, the largest process of a cold build   {_verdict(peak, 300)}")
    print(f"8 briefs, --jobs 1       {_figure(jobs[1])}")
    print(f"8 briefs, --jobs 2       {_figure(jobs[2])}")
    jobs_ratio = statistics.median(jobs[2]) / statistics.median(jobs[1])
    print(f"  ratio jobs 2 / jobs 1  {jobs_ratio:6.3f}   {_verdict(jobs_ratio, 0.6)}")
    print(f"cold builds identical to each other: {identical}; to a --no-cache build: {same_as_uncached}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
