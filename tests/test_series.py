"""Series mode: `build --list-stale --json` lists the brief folders whose inputs changed, through the real command
line, and the CI workflow that builds each of them on its own runner is wired to that listing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from conftest import MINIMAL, REPO, run_cli

WORKFLOW = REPO / ".github" / "workflows" / "series.yml"


def _series(tmp_path: Path, names: tuple[str, ...]) -> Path:
    folder = tmp_path / "briefs"
    for name in names:
        shutil.copytree(MINIMAL, folder / name)
    return folder


def _listed(*args: str) -> list[dict]:
    done = run_cli("build", *args, "--list-stale", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 1, done.stdout  # one line: it goes into $GITHUB_OUTPUT as it is
    return json.loads(done.stdout)


def test_listing_names_only_the_brief_that_changed(tmp_path):
    """Every brief is listed before its first build, none after it, and then only the one whose section changed,
    with the format out of date; listing renders nothing."""
    briefs = _series(tmp_path, ("a", "b", "c"))
    first = _listed("--root", str(briefs), "--format", "html")
    assert [(b["name"], b["formats"]) for b in first] == [("a", ["html"]), ("b", ["html"]), ("c", ["html"])]
    assert first[0]["root"] == str(briefs / "a") and first[0]["out"] == str(briefs / "a" / "dist")
    assert not (briefs / "a" / "dist").exists() or not any((briefs / "a" / "dist").iterdir())

    built = run_cli("build", "--root", str(briefs), "--format", "html")
    assert built.returncode == 0, built.stdout + built.stderr
    assert _listed("--root", str(briefs), "--format", "html") == []

    section = sorted((briefs / "b" / "content").glob("0*.md"))[-1]
    section.write_text(section.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert [(b["name"], b["formats"]) for b in _listed("--root", str(briefs), "--format", "html")] == [("b", ["html"])]
    # A format never built is out of date in every brief.
    assert [b["name"] for b in _listed("--root", str(briefs), "--format", "html", "--format", "docx")] == ["a", "b", "c"]


def test_listing_without_json_is_a_line_per_brief(tmp_path):
    """Without --json: the brief and its formats out of date, one line each."""
    briefs = _series(tmp_path, ("a",))
    done = run_cli("build", "--root", str(briefs), "--format", "html", "--list-stale")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{briefs / 'a'}: html\n"


def test_json_without_the_listing_is_a_usage_error(tmp_path):
    """`build --json` alone builds nothing and exits 2, naming the option it goes with."""
    briefs = _series(tmp_path, ("a",))
    done = run_cli("build", "--root", str(briefs), "--json")
    assert done.returncode == 2 and "--list-stale" in done.stderr
    assert not (briefs / "a" / "dist").exists()


def test_a_brief_that_cannot_be_planned_is_listed_with_its_error(tmp_path):
    """A brief whose metadata cannot be read is listed (its build will fail and say why), not dropped."""
    briefs = _series(tmp_path, ("a", "b"))
    (briefs / "b" / "content" / "metadata.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    listed = _listed("--root", str(briefs), "--format", "html")
    assert [b["name"] for b in listed] == ["a", "b"]
    assert "error" not in listed[0] and "metadata.yaml" in listed[1]["error"]


def test_a_release_that_keeps_its_record_is_up_to_date(tmp_path):
    """`release --keep-record` (the workflow's matrix job) leaves a record the listing trusts; a plain release
    keeps none, so its folder is listed."""
    briefs = _series(tmp_path, ("a", "b"))
    for name, extra in (("a", ["--keep-record"]), ("b", [])):
        done = run_cli("release", "--root", str(briefs / name), "--out", str(tmp_path / "out" / name), "--format",
                       "html", *extra)
        assert done.returncode == 0, done.stdout + done.stderr
    listed = _listed("--root", str(briefs), "--out", str(tmp_path / "out"), "--format", "html")
    assert [b["name"] for b in listed] == ["b"]
    assert sorted(p.name for p in (tmp_path / "out" / "a").iterdir()) == [".qibrief-cache.json", "manifest.json",
                                                                          "qi-brief-1.html"]


def test_a_commit_to_one_brief_leaves_the_others_up_to_date(tmp_path):
    """In a repository of briefs, each brief's build date is its own folder's last commit: a commit to brief b
    lists b only (without SOURCE_DATE_EPOCH, as in CI)."""
    briefs = _series(tmp_path, ("a", "b"))
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}

    def commit(when: int) -> None:
        dated = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                 "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": f"@{when} +0000",
                 "GIT_COMMITTER_DATE": f"@{when} +0000"}
        subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True, env=dated)
        subprocess.run(["git", "-C", str(tmp_path), "commit", "-q", "-m", "change"], check=True, env=dated)

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("dist/\n", encoding="utf-8")
    commit(1700000000)
    built = run_cli("build", "--root", str(briefs), "--format", "html", env=env)
    assert built.returncode == 0, built.stdout + built.stderr

    section = sorted((briefs / "b" / "content").glob("0*.md"))[-1]
    section.write_text(section.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    commit(1700086400)
    done = run_cli("build", "--root", str(briefs), "--format", "html", "--list-stale", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert [b["name"] for b in json.loads(done.stdout)] == ["b"]


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the bare key `on` as true
    return data


def test_series_workflow_builds_each_listed_brief_on_its_own_runner():
    """list -> a matrix over its JSON (one runner per brief, a release keeping its record) -> gather, which needs
    both and alone may write; actionlint's pass on it is tests/test_release.py's."""
    flow = _load(WORKFLOW)
    jobs = flow["jobs"]
    assert flow["permissions"] == {"contents": "read"} and "pull_request" not in flow["on"]
    listing = " ".join(step.get("run", "") for step in jobs["list"]["steps"])
    assert "build.py build" in listing and "--list-stale --json" in listing and "--print" in listing
    assert jobs["list"]["outputs"]["briefs"] == "${{ steps.list.outputs.briefs }}"
    assert jobs["build"]["needs"] == "list"
    assert jobs["build"]["strategy"]["matrix"]["brief"] == "${{ fromJSON(needs.list.outputs.briefs) }}"
    builds = " ".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "build.py release" in builds and "--keep-record" in builds
    assert set(jobs["gather"]["needs"]) == {"list", "build"}
    assert [name for name, job in jobs.items() if job.get("permissions", {}).get("contents") == "write"] == ["gather"]
    gathered = " ".join(step.get("run", "") for step in jobs["gather"]["steps"])
    assert "manifest.json" in gathered
