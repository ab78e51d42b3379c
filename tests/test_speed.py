"""The build cache, watch mode and several briefs at once: what they do, not how fast (see scripts/benchmark.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

from conftest import REPO, SAMPLE, run_cli


def _artifacts(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_noop_rebuild_renders_nothing(sample_copy):
    """A second build with nothing changed says so and leaves every artifact untouched."""
    assert run_cli("build", "--root", str(sample_copy)).returncode == 0
    dist = sample_copy / "dist"
    stamps = {p.name: p.stat().st_mtime_ns for p in dist.iterdir()}
    done = run_cli("build", "--root", str(sample_copy))
    assert done.returncode == 0, done.stderr
    assert "Up to date: qi-brief-7.pdf, qi-brief-7.docx, qi-brief-7.html" in done.stdout
    assert "Rendering PDF" not in done.stdout and "wrote" not in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in dist.iterdir()} == stamps


def test_style_change_rebuilds_only_the_pdf_and_matches_an_uncached_build(sample_copy, tmp_path):
    """Changing the print stylesheet rebuilds the PDF alone, and every artifact equals a build without the cache."""
    shutil.copytree(REPO / "styles", sample_copy / "styles")
    assert run_cli("build", "--root", str(sample_copy)).returncode == 0
    css = sample_copy / "styles" / "print.css"
    css.write_text(css.read_text() + "\nmain p { letter-spacing: 0.01em; }\n")
    done = run_cli("build", "--root", str(sample_copy))
    assert done.returncode == 0, done.stderr
    wrote = [line for line in done.stdout.splitlines() if line.startswith("wrote ")]
    assert wrote == [f"wrote {sample_copy / 'dist' / 'qi-brief-7.pdf'}"]
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--root", str(sample_copy), "--out", str(fresh), "--no-cache").returncode == 0
    assert _artifacts(sample_copy / "dist") == _artifacts(fresh)


def test_image_outside_content_changed_is_rebuilt(tmp_path):
    """An image in the brief's folder outside content/ is in no folder digest: changing it still rebuilds
    every format, and leaving it alone still answers 'Up to date'."""
    brief = tmp_path / "brief"
    assert run_cli("new", str(brief), "--number", "7").returncode == 0
    (brief / "art").mkdir()
    (brief / "content" / "figures" / "figure-1.svg").rename(brief / "art" / "figure-1.svg")
    section = brief / "content" / "02-argument.md"
    section.write_text(section.read_text().replace("(figures/figure-1.svg)", "(art/figure-1.svg)"))
    assert run_cli("build", "--root", str(brief)).returncode == 0
    assert "Up to date" in run_cli("build", "--root", str(brief)).stdout
    image = brief / "art" / "figure-1.svg"
    image.write_text(image.read_text().replace("<svg ", '<svg data-changed="1" ', 1))
    done = run_cli("build", "--root", str(brief))
    assert done.returncode == 0, done.stderr
    assert "Up to date" not in done.stdout
    assert len([line for line in done.stdout.splitlines() if line.startswith("wrote ")]) == 3


def test_artifact_changed_by_hand_is_rebuilt(sample_copy):
    """An artifact edited or deleted in dist/ is rebuilt even though the sources did not change."""
    assert run_cli("build", "--root", str(sample_copy)).returncode == 0
    html = sample_copy / "dist" / "qi-brief-7.html"
    good = html.read_bytes()
    html.write_text("tampered")
    done = run_cli("build", "--root", str(sample_copy))
    assert f"wrote {html}" in done.stdout
    assert html.read_bytes() == good


def test_folder_of_briefs_builds_each_with_jobs(tmp_path):
    """`--root FOLDER --jobs 2` builds every brief folder inside it, each into its own dist/."""
    for name in ("one", "two", "three"):
        shutil.copytree(SAMPLE, tmp_path / "briefs" / name)
    done = run_cli("build", "--root", str(tmp_path / "briefs"), "--jobs", "2", "--format", "html")
    assert done.returncode == 0, done.stderr
    for name in ("one", "two", "three"):
        assert (tmp_path / "briefs" / name / "dist" / "qi-brief-7.html").is_file()
        assert f"[{name}] Parsing with citeproc" in done.stdout


def test_one_failing_brief_fails_the_batch_and_names_it(tmp_path):
    """When one of several briefs fails, the others still build and the command exits 1 naming it."""
    for name in ("good", "bad"):
        shutil.copytree(SAMPLE, tmp_path / "briefs" / name)
    broken = tmp_path / "briefs" / "bad" / "content" / "03.conclusion.md"
    broken.write_text(broken.read_text() + "\nA claim [@nobody].\n")
    done = run_cli("build", "--root", str(tmp_path / "briefs"), "--jobs", "2", "--format", "html")
    assert done.returncode == 1
    assert "[bad] content/03.conclusion.md:6: citation @nobody is not in references.yaml" in done.stdout
    assert "1 of 2 briefs failed: bad" in done.stderr
    assert (tmp_path / "briefs" / "good" / "dist" / "qi-brief-7.html").is_file()


def _wait_for(predicate, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_watch_rebuilds_on_change_and_keeps_last_good_artifacts(sample_copy):
    """watch rebuilds after an edit, and after a breaking edit prints the error and keeps the artifacts."""
    pdf = sample_copy / "dist" / "qi-brief-7.pdf"
    log = sample_copy.parent / "watch.log"
    with open(log, "w") as stream:
        watcher = subprocess.Popen([sys.executable, str(REPO / "build.py"), "watch", "--root", str(sample_copy)],
                                   stdout=stream, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: "Rebuilt" in log.read_text())
        first = pdf.read_bytes()
        section = sample_copy / "content" / "03.conclusion.md"
        section.write_text(section.read_text() + "\nOne more sentence.\n")
        _wait_for(lambda: log.read_text().count("Rebuilt") >= 2)
        second = pdf.read_bytes()
        assert second != first
        section.write_text(section.read_text() + "\nA claim [@nobody].\n")
        _wait_for(lambda: "the last good artifacts stay in place" in log.read_text())
        assert "content/03.conclusion.md:8: citation @nobody is not in references.yaml" in log.read_text()
        assert pdf.read_bytes() == second
        # An editor that saves by writing a temporary file and renaming it over references.yaml.
        references = sample_copy / "references.yaml"
        staged = sample_copy / ".references.yaml.swp"
        staged.write_text(references.read_text() + "  - id: nobody\n    type: book\n    title: \"Nobody's Book\"\n"
                          "    title-short: Nobody\n    author: [{family: Nobody, given: Ann}]\n"
                          "    issued: {date-parts: [[2020]]}\n")
        staged.replace(references)
        _wait_for(lambda: log.read_text().count("Rebuilt") >= 3)
        assert pdf.read_bytes() != second
        dist_writes = log.read_text().count("Rebuilt")
        time.sleep(1.0)  # the build's own writes to dist/ must not trigger another build
        assert log.read_text().count("Rebuilt") == dist_writes
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def test_watch_filter_keeps_only_the_briefs_inputs(tmp_path):
    """The watcher reacts to sections, metadata, references, styles and templates; not to outputs, .git or swap files."""
    from qibrief.project import locate_project
    from qibrief.watch import watched_paths

    root = tmp_path / "brief"
    shutil.copytree(SAMPLE, root)
    project = locate_project(root)
    folders, is_input = watched_paths(project)
    assert folders[0] == project.root
    cases = [
        ("content/03.conclusion.md", True),
        ("content/metadata.yaml", True),
        ("content/figures/map.png", True),
        ("references.yaml", True),
        ("styles/print.css", True),  # a styles/ folder created in the brief later
        ("templates/brief.html", True),
        ("dist/qi-brief-7.pdf", False),
        ("dist/.qibrief-cache.json", False),
        (".git/index", False),
        ("content/.03.conclusion.md.swp", False),
        ("notes.txt", False),
        ("references.yaml.bak", False),
    ]
    for relative, expected in cases:
        assert is_input(None, str(project.root / relative)) is expected, relative
    # The repository's styles/ and templates/, which a brief without its own falls back on, are watched too.
    for fallback in (project.styles_dir, project.templates_dir):
        if not fallback.is_relative_to(project.root):
            assert fallback in folders
            assert is_input(None, str(fallback / "print.css"))
