#!/usr/bin/env python3
"""Benchmark the brief build: prints medians (min-max) of each figure issues 8 and 20 ask for, and their ratios.

Usage: python3 scripts/benchmark.py [--runs 5] [--root .] [--no-watch] [--no-parts]

Every figure is measured in this one run, on this machine, by running the real command line:
  cold     full build (PDF + DOCX + HTML + every check) into an empty folder, so nothing is cached
  bare     `weasyprint` on the command line rendering the same HTML with the same stylesheets
  noop     a rebuild when nothing changed
  help     `build.py --help`
  watch    edit-to-new-PDF in `build.py watch` (a word appended to a section, until the PDF is replaced);
           the watcher runs through the cold/bare rounds, each round timing one edit
  jobs     8 copies of the brief built with --jobs 1 and with --jobs 2
For cold, bare and jobs, beside the wall time: the CPU time (user + sys) of every process the command started,
the side process and every Pandoc run included (the command runs under a child subreaper that collects
whatever outlives it), and the peak resident memory of the largest of them.
  parts    where the CPU goes: each stage of a build run alone in this process, its own CPU and its child
           processes' (Pandoc), medians of --runs; and one cold build's processes (build, side process, each
           Pandoc run) with their CPU and peak memory
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
BUILD = [sys.executable, str(REPO / "build.py")]

from qibrief.formats import DEFAULT, FORMATS, file_names  # noqa: E402

# What a cold build of brief 50 writes (the formats `build` makes by default).
NAMES = tuple(file_names("qi-brief-50", DEFAULT).values())


@dataclass
class Measured:
    """One command's figures: wall time, CPU time (user + sys) of all its processes, peak memory of the largest."""

    wall: float
    cpu: float
    peak_mb: float
    processes: list[dict] = field(default_factory=list)


def _reap(command: list[str]) -> None:
    """Reaper mode (`benchmark.py --reap CMD...`): run CMD as a child subreaper, pass its output through, then print
    one line of JSON: wall, CPU and peak memory of every process it started, and each one that outlived it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans (the side process) come back to this process
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    processes = [{"what": "command (with the children it waited for)", "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024}]
    while True:
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            break
        processes.append({"what": "a process that outlived it (the side process)", "cpu": usage.ru_utime + usage.ru_stime,
                          "peak_mb": usage.ru_maxrss / 1024})
    total = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stdout.buffer.write(output)
    print(json.dumps({"status": os.waitstatus_to_exitcode(status), "wall": wall,
                      "cpu": total.ru_utime + total.ru_stime, "peak_mb": total.ru_maxrss / 1024,
                      "processes": processes}))


def _run(command: list[str], stages: list[dict[str, float]] | None = None, env: dict | None = None,
         **kwargs) -> Measured:
    done = subprocess.run([sys.executable, __file__, "--reap", *command], capture_output=True, text=True, env=env,
                          **kwargs)
    *lines, figures = done.stdout.rstrip("\n").split("\n")
    found = json.loads(figures)
    log = "\n".join(lines)
    if done.returncode != 0 or found["status"] != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{log}\n{done.stderr}")
    if stages is not None:
        stages.append(_stages(log))
    return Measured(found["wall"], found["cpu"], found["peak_mb"], found["processes"])


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


# A stand-in for Pandoc (PYPANDOC_PANDOC) that runs the real one and logs what each run cost: its first arguments
# and bash's `times` (its own CPU, then that of the commands it ran; not in a pipe, where it would be a subshell's). Used only for the processes view, not for the timed runs.
_PANDOC_LOGGER = """#!/bin/bash
"$QIBRIEF_BENCH_PANDOC" "$@"
status=$?
{ printf '%s' "$*" | cut -c1-400 | tr -d '\\n\\t'; printf '\\t'; times; } >> "$QIBRIEF_BENCH_PANDOC_LOG"
exit $status
"""

# What each Pandoc run of a build is for, by its arguments.
_PANDOC_RUNS = (
    ("--print-default-data-file", "Pandoc: its default reference.docx (the brand's reference document)"),
    ("--version", "Pandoc: --version"),
    ("--to html5", "Pandoc: the parse with citeproc, writing the HTML"),
    ("--to docx", "Pandoc: the DOCX writer"),
    ("commonmark_x", "Pandoc: the lint's sourcepos parse (raw markup found)"),
    ("--citeproc", "Pandoc: each source's full and short form (Chicago check)"),
    ("sections-apart.lua", "Pandoc: each section read alone + each source's full and short form (side)"),
    ("--to json", "Pandoc: a parse to JSON"),
)


def _seconds(text: str) -> float:
    minutes, _, seconds = text.rstrip("s").partition("m")
    return float(minutes) * 60 + float(seconds)


def _processes(root: Path, work: Path) -> tuple[Measured, list[tuple[str, float]]]:
    """One cold build's processes: the build with what it waited for, the side process, and each Pandoc run."""
    import pypandoc

    logger = work / "pandoc-logger.sh"
    logger.write_text(_PANDOC_LOGGER, encoding="utf-8")
    logger.chmod(0o755)
    log = work / "pandoc-runs.log"
    env = {**os.environ, "PYPANDOC_PANDOC": str(logger), "QIBRIEF_BENCH_PANDOC": pypandoc.get_pandoc_path(),
           "QIBRIEF_BENCH_PANDOC_LOG": str(log)}
    measured = _run([*BUILD, "build", "--root", str(root), "--out", str(work / "processes")], env=env)
    runs = []
    lines = log.read_text(encoding="utf-8").splitlines()
    # Each run: its arguments, a tab and the shell's own times; then the times of what the shell ran (Pandoc).
    for first, used in zip(lines[0::2], lines[1::2]):
        arguments = first.rpartition("\t")[0]
        user, system = used.split()
        what = next((label for key, label in _PANDOC_RUNS if key in arguments), "Pandoc: " + arguments[:60])
        runs.append((what, _seconds(user) + _seconds(system)))
    return measured, runs


def _parts(root: Path, runs: int) -> list[tuple[str, float, float]]:
    """Each stage of a cold build run alone in this process, `runs` times: (stage, median CPU of this process,
    median CPU of its child processes). The imports are measured in fresh interpreters."""
    from qibrief import checks, fonts, lint, pdf, writers
    from qibrief import html as htmlmod
    from qibrief.checks.chicago import entry_forms
    from qibrief.document import cite_groups
    from qibrief.pipeline import check_sources_and_write_docx
    from qibrief import yamlfile
    from qibrief.plan import source_date_epoch
    from qibrief.sources import collect_sources

    def cpu() -> tuple[float, float]:
        mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime

    found: dict[str, list[tuple[float, float]]] = {}

    def measure(label: str, step):
        before = cpu()
        result = step()
        after = cpu()
        found.setdefault(label, []).append((after[0] - before[0], after[1] - before[1]))
        return result

    def interpreter(label: str, code: str) -> None:
        done = _run([sys.executable, "-c", code])
        found.setdefault(label, []).append((done.cpu, 0.0))

    env_path = f"import sys; sys.path.insert(0, {str(REPO / 'src')!r}); "
    for _ in range(runs):
        interpreter("Python itself (python3 -c pass)", "pass")
        interpreter("Python + the pipeline's imports (qibrief.pipeline)", env_path + "import qibrief.pipeline")
        interpreter("Python + WeasyPrint's import, as the build does it", env_path + "import qibrief.pdf as p; p.import_weasyprint()")
        interpreter("Python + WeasyPrint's import, plain (cffi's library search)", "import weasyprint")
    pdf.import_weasyprint()
    json_ast = None
    for run in range(runs):
        yamlfile._composed.cache_clear()  # each round reads the YAML files as a build does, once
        sources = measure("Reading the sources (files, YAML, lint before the parse)", lambda: collect_sources(root))
        epoch = source_date_epoch(sources.project, sources.meta)
        parsed = measure("Parse with citeproc and HTML (one Pandoc run)", lambda: writers.parse_and_write_html(sources, epoch))
        measure("Side: lint beside the parse (references.yaml read strictly, raw markup)",
                lambda: lint.lint_beside_parse(sources.project, sources.sections, sources.meta))
        if parsed.unchecked is not None:
            measure("Side: check of the parsed AST", lambda: writers.check_parsed(sources, parsed.unchecked))
        tree = json.loads(parsed.ast)
        measure("Side:   the source checks alone (their full/short forms' Pandoc run included)",
                lambda: checks.check_sources(sources, tree))
        keys = sorted({key for group in cite_groups(tree) for key in group.keys})
        measure("Side:   the full/short forms' Pandoc run alone (check, refs)", lambda: entry_forms(sources, keys))
        measure("Side: source checks + DOCX writer + DOCX notes, as a build runs them (one Pandoc run for "
                       "the forms and each section alone, the DOCX writer's)",
                       lambda: check_sources_and_write_docx(sources, parsed.ast, epoch, "endnotes", "brief.docx"))
        web = measure("Web page (brand CSS, fonts inlined)", lambda: writers.render_web(sources, parsed.document))
        measure("Side: web page's notes read back", lambda: checks.read_notes("html", web, "brief.html"))
        printed = htmlmod.print_html(parsed.document, sources.meta.url)
        measure("Side: glyph check", lambda: fonts.check_glyphs(printed, sources.brand, "brief.pdf"))
        tagged = measure("PDF layout and writing, PDF/UA-1 tagged" + (" (first: stylesheets parsed)" if run == 0 else ""),
                         lambda: writers.render_pdf(sources, printed, "pdf"))
        untagged_label = "PDF layout and writing, untagged (as the bare render)"
        measure(untagged_label, lambda: pdf.render_pdf(
            printed, stylesheets=_sheets(sources), base_dir=sources.project.root,
            allowed_roots=sources.project.allowed_roots, display="brief.pdf", pdf_variant=None))
        measure("PDF notes read back", lambda: checks.read_notes("pdf", tagged, "brief.pdf"))
    return [(label, statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))
            for label, values in found.items()]


def _sheets(sources) -> list[tuple]:
    from qibrief import brand as brandmod
    from qibrief.writers import _stylesheet

    styles = sources.project.styles_dir
    return [(brandmod.brand_css(sources.brand, styles, embed_fonts=False), styles)] + [
        (_stylesheet(sources, name), styles) for name in FORMATS["pdf"].stylesheets]


def _cpu_figure(values: list[Measured]) -> str:
    cpu = [m.cpu for m in values]
    return f"{statistics.median(cpu):6.3f} s CPU (min {min(cpu):.3f}, max {max(cpu):.3f})"


def _wall_figure(values: list[Measured]) -> str:
    return _figure([m.wall for m in values])


def main() -> None:
    if sys.argv[1:2] == ["--reap"]:
        _reap(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--no-watch", action="store_true", help="Skip the watch figures.")
    parser.add_argument("--no-parts", action="store_true", help="Skip where the CPU goes.")
    args = parser.parse_args()
    root = args.root.resolve()
    work = Path(tempfile.mkdtemp(prefix="qibrief-bench-"))
    # The package's bytecode, as an installed package has it: Python reads it even under PYTHONDONTWRITEBYTECODE
    # but then never writes it, and every build would first compile the package (0.1-0.2 s of CPU), which the
    # bare render (WeasyPrint's bytecode came with its install) never does.
    compileall.compile_dir(str(REPO / "src" / "qibrief"), quiet=1)
    load = os.getloadavg()
    print(f"qibrief benchmark: {root}, {args.runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    html_file, sheets = _print_html(root, work)
    weasy = [sys.executable, "-m", "weasyprint"]
    bare_cmd = [*weasy, *sum((["-s", str(s)] for s in sheets), []), "-u", root.as_uri() + "/", str(html_file), str(work / "bare.pdf")]

    # Every figure of a ratio is taken in the same round, one after the other: a machine whose speed drifts
    # over minutes (as shared ones do) then moves both sides of the ratio alike.
    watcher = None if args.no_watch else _Watcher(root)
    cold, bare, noop, helps, watch = [], [], [], [], []
    cold_stages: list[dict[str, float]] = []
    try:
        for run in range(args.runs):
            out = work / f"cold-{run}"
            cold.append(_run([*BUILD, "build", "--root", str(root), "--out", str(out)], cold_stages))
            bare.append(_run(bare_cmd))
            if watcher is not None:
                watch.append(watcher.edit())
            noop.append(_run([*BUILD, "build", "--root", str(root), "--out", str(out)]))
            helps.append(_run([*BUILD, "--help"]))
    finally:
        watch_stages = watcher.stages if watcher is not None else []
        if watcher is not None:
            watcher.stop()
    identical = all((work / f"cold-{run}" / name).read_bytes() == (work / "cold-0" / name).read_bytes()
                    for run in range(args.runs) for name in NAMES)
    fresh = work / "no-cache"
    _run([*BUILD, "build", "--root", str(root), "--out", str(fresh), "--no-cache"])
    same_as_uncached = all((fresh / n).read_bytes() == (work / "cold-0" / n).read_bytes()
                           for n in NAMES)

    briefs = work / "briefs"
    for index in range(8):
        target = briefs / f"brief-{index + 1}"
        shutil.copytree(root / "content", target / "content")
        shutil.copy(root / "references.yaml", target / "references.yaml")
    jobs: dict[int, list[Measured]] = {1: [], 2: []}
    for run in range(max(1, args.runs // 2)):
        for count in (1, 2):  # alternating, as the cold and bare rounds
            for target in briefs.iterdir():
                shutil.rmtree(target / "dist", ignore_errors=True)
            jobs[count].append(_run([*BUILD, "build", "--root", str(briefs), "--jobs", str(count)]))

    c, b = statistics.median(m.wall for m in cold), statistics.median(m.wall for m in bare)
    cc, bc = statistics.median(m.cpu for m in cold), statistics.median(m.cpu for m in bare)
    cp, bp = statistics.median(m.peak_mb for m in cold), statistics.median(m.peak_mb for m in bare)
    print(f"cold full build          {_wall_figure(cold)}")
    print(f"                         {_cpu_figure(cold)}, peak {cp:.1f} MB")
    print(f"bare weasyprint render   {_wall_figure(bare)}")
    print(f"                         {_cpu_figure(bare)}, peak {bp:.1f} MB")
    print(f"  ratio cold / bare      wall {c / b:6.3f}   {_verdict(c / b, 1.12)}")
    print(f"                         CPU  {cc / bc:6.3f}   {_verdict(cc / bc, 1.35)}")
    print(f"peak memory              {cp:6.1f} MB, the largest process of a cold build   {_verdict(cp, 130)}")
    print(f"no-op rebuild            {_figure([m.wall for m in noop])}   {_verdict(statistics.median(m.wall for m in noop), 0.10)}")
    print(f"--help                   {_figure([m.wall for m in helps])}   {_verdict(statistics.median(m.wall for m in helps), 0.10)}")
    if watch:
        print(f"watch edit-to-PDF        {_figure(watch)}")
        print(f"  ratio watch / cold     {statistics.median(watch) / c:6.3f}   {_verdict(statistics.median(watch) / c, 0.7)}")
    print(f"  cold build's stages    {_stage_medians(cold_stages)} (Pandoc beside WeasyPrint's import)")
    if watch_stages:
        print(f"  watch edit's stages    {_stage_medians(watch_stages)}")
        floor = [b["layout"] + b.get("notes", 0.0) for b in watch_stages if "layout" in b]
        if floor:
            print(f"  watch / cold without Pandoc would be {statistics.median(floor) / c:4.2f} "
                  "(the edit's layout, PDF and notes alone)")
    for count in (1, 2):
        per_brief = statistics.median(m.cpu for m in jobs[count]) / 8
        print(f"8 briefs, --jobs {count}       {_wall_figure(jobs[count])}")
        print(f"                         {_cpu_figure(jobs[count])}, {per_brief:.3f} s per brief "
              f"({per_brief / bc:.3f} x bare {_verdict(per_brief / bc, 1.35)}), peak "
              f"{statistics.median(m.peak_mb for m in jobs[count]):.1f} MB")
    jobs_ratio = statistics.median(m.wall for m in jobs[2]) / statistics.median(m.wall for m in jobs[1])
    print(f"  ratio jobs 2 / jobs 1  wall {jobs_ratio:6.3f}   {_verdict(jobs_ratio, 0.5)}")
    print(f"cold builds identical to each other: {identical}; to a --no-cache build: {same_as_uncached}")

    if not args.no_parts:
        measured, pandoc_runs = _processes(root, work)
        print(f"\nOne cold build's processes (CPU, peak memory): {measured.cpu:.3f} s CPU in all, wall {measured.wall:.3f} s")
        for process in measured.processes:
            print(f"  {process['cpu']:6.3f} s  {process['peak_mb']:6.1f} MB  {process['what']}")
        print(f"  Pandoc ran {len(pandoc_runs)} times, {sum(cpu for _, cpu in pandoc_runs):.3f} s CPU in all:")
        for what, cpu in pandoc_runs:
            print(f"  {cpu:6.3f} s  {what}")
        print(f"\nWhere the CPU goes: each stage run alone in this process, medians of {args.runs} "
              "(this process's CPU + its child processes')")
        for label, mine, children in _parts(root, args.runs):
            print(f"  {mine + children:6.3f} s = {mine:6.3f} + {children:6.3f}  {label}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
